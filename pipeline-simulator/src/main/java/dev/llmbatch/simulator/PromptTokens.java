package dev.llmbatch.simulator;

import com.knuddels.jtokkit.api.Encoding;
import java.util.List;

/**
 * Prompt tokens as usage reports them (reference section 5): per message 3 + tokens(role) + tokens(content)
 * (+ tokens(name) + 1 when named), plus 3 for the reply priming. Stateless; jtokkit encodings are thread-safe.
 */
final class PromptTokens {

    private PromptTokens() {
    }

    static int count(Encoding encoding, List<ChatRequest.Message> messages) {
        int total = 3;
        for (ChatRequest.Message m : messages) {
            total += 3 + encoding.countTokensOrdinary(m.role()) + encoding.countTokensOrdinary(m.content());
            if (m.name() != null) {
                total += 1 + encoding.countTokensOrdinary(m.name());
            }
        }
        return total;
    }
}
