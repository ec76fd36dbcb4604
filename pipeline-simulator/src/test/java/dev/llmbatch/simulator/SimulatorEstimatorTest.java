package dev.llmbatch.simulator;

import static dev.llmbatch.simulator.TestHttp.chat;
import static org.assertj.core.api.Assertions.assertThat;

import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.llmbatch.simulator.quota.CostEstimator;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

/** Estimator profiles (issue 9, calibration): what admission charges and what the remaining-tokens header says. */
class SimulatorEstimatorTest extends FakeClockHttpTest {
    private static final String CONFIG = """
            api-keys: [k1]
            regions:
              - name: r1
                latency: {rtt-ms: 0, ttft-ms: 0, prefill-ms-per-1k: 0, tps: 1.0e12, ttft-sigma: 0, tps-sigma: 0}
                deployments:
                  - {name: tok, tpm: 10000, estimator: tokenizer}
                  - {name: tok35, tpm: 10000, estimator: tokenizer, encoding: cl100k_base}
                  - {name: chars, tpm: 10000, estimator: chars}
                  - {name: legacy, tpm: 10000, estimator: gpt4o}
            """;
    private static final String SYSTEM = "Translate the user's text to English.";
    private static final String JAPANESE = "この商品は防水ですか？雨の日にも使えますか。";

    @Override
    String config() {
        return CONFIG;
    }

    private static int chatTokens(EncodingType type, String system, String user) {
        Encoding enc = Tokenizers.registry().getEncoding(type);
        return 3 + (3 + enc.countTokens("system") + enc.countTokens(system))
                + (3 + enc.countTokens("user") + enc.countTokens(user));
    }

    private static long remaining(HttpResponse<Buffer> resp) {
        assertThat(resp.statusCode()).isEqualTo(200);
        return Long.parseLong(resp.getHeader("x-ratelimit-remaining-tokens"));
    }

    @Test
    void tokenizer_japanesePrompt_chargesChatFormattedTokensPlusMaxTokens() {
        int prompt = chatTokens(EncodingType.O200K_BASE, SYSTEM, JAPANESE);
        HttpResponse<Buffer> first = post("tok", chat(SYSTEM, JAPANESE, 50));
        HttpResponse<Buffer> second = post("tok", chat(SYSTEM, JAPANESE, 50));

        assertThat(remaining(first)).isEqualTo(10000 - (prompt + 50));
        assertThat(remaining(second)).isEqualTo(10000 - 2L * (prompt + 50));
        assertThat(first.bodyAsJsonObject().getJsonObject("usage").getInteger("prompt_tokens"))
                .as("the charge is usage's prompt_tokens + max_tokens").isEqualTo(prompt);
        assertThat(sim.stats("r1").deployment("tok").admittedTokens()).isEqualTo(2L * (prompt + 50));
    }

    @Test
    void tokenizer_deploymentEncoding_countsInThatEncoding() {
        int prompt = chatTokens(EncodingType.CL100K_BASE, SYSTEM, JAPANESE);
        assertThat(prompt).isNotEqualTo(chatTokens(EncodingType.O200K_BASE, SYSTEM, JAPANESE));
        assertThat(remaining(post("tok35", chat(SYSTEM, JAPANESE, 7))))
                .isEqualTo(10000 - (prompt + 7));
    }

    @Test
    void tokenizer_nChoices_multipliesMaxTokensOnly() {
        int prompt = chatTokens(EncodingType.O200K_BASE, SYSTEM, "hello");
        JsonObject body = chat(SYSTEM, "hello", 10).put("n", 3);
        assertThat(remaining(post("tok", body))).isEqualTo(10000 - (prompt + 30));
    }

    @Test
    void chars_japanesePrompt_chargesCodePointsOverFourWhetherNamedCharsOrGpt4o() {
        long codePoints = SYSTEM.length() + JAPANESE.codePointCount(0, JAPANESE.length());
        long cost = (codePoints + 3) / 4 + 1 + 50;
        assertThat(remaining(post("chars", chat(SYSTEM, JAPANESE, 50))))
                .isEqualTo(10000 - cost);
        assertThat(remaining(post("legacy", chat(SYSTEM, JAPANESE, 50))))
                .isEqualTo(10000 - cost);
        assertThat(cost).as("the two profiles differ on Japanese text")
                .isNotEqualTo(chatTokens(EncodingType.O200K_BASE, SYSTEM, JAPANESE) + 50);
        assertThat(sim.config().region("r1").deployment("legacy").estimator()).isEqualTo(CostEstimator.CHARS);
    }
}
