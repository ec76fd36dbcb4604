package dev.llmbatch.core.request;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmbatch.core.job.ChatMessage;
import dev.llmbatch.core.job.ResolvedJob;
import java.util.List;

/**
 * What one chat-completions call asks for, independent of the deployment it goes to: a single job's prompt, or a
 * packed batch of jobs. Immutable.
 */
public record RequestSpec(List<ChatMessage> messages, int maxTokens, Double temperature, int n,
        JsonNode responseFormat) {

    public RequestSpec {
        messages = List.copyOf(messages);
    }

    /** The request of one job, as submitted. */
    public static RequestSpec of(ResolvedJob job) {
        return new RequestSpec(job.messages(), job.maxTokens(), job.temperature(), job.job().n(),
                job.responseFormat());
    }
}
