package dev.llmbatch.core.request;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmbatch.core.config.ApiStyle;
import dev.llmbatch.core.config.DeploymentConfig;
import dev.llmbatch.core.config.ModelPool;
import dev.llmbatch.core.config.PipelineConfig;
import dev.llmbatch.core.job.ChatMessage;
import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.job.Priority;
import dev.llmbatch.core.job.ResolvedJob;
import dev.llmbatch.core.json.Json;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChatRequestBodyTest {
    private static final List<ChatMessage> MESSAGES = List.of(ChatMessage.system("Classify."),
            ChatMessage.user("Great phone"));

    private static DeploymentConfig deployment(ApiStyle style) {
        return new DeploymentConfig("swedencentral", URI.create("https://x.openai.azure.com"), "mini-swc", style,
                "2025-04-01-preview", "K", null, 450_000, 2_700, 1);
    }

    private static ResolvedJob resolved(int n, Double temperature, JsonNode responseFormat, boolean explicit) {
        Job job = new Job("r-1", "gpt-4o-mini", MESSAGES, explicit ? 5 : null, temperature, responseFormat, n, null,
                null, null, null, Priority.NORMAL, null, null);
        ModelPool pool = PipelineConfig.builder().pool("gpt-4o-mini", "o200k_base")
                .deployment("gpt-4o-mini", "swedencentral", "https://x.openai.azure.com", "mini-swc", "K", 450_000, 2_700)
                .build().models().get("gpt-4o-mini");
        return new ResolvedJob(job, pool, MESSAGES, explicit ? 5 : 640, explicit, temperature, responseFormat, 20,
                25 + 5L * n, null, null);
    }

    private static JsonNode body(ResolvedJob job, ApiStyle style) throws Exception {
        return Json.mapper().readTree(ChatRequestBody.of(job, deployment(style)));
    }

    @Test
    void of_classic_hasNoModelFieldAndAlwaysMaxTokens() throws Exception {
        JsonNode b = body(resolved(1, null, null, true), ApiStyle.CLASSIC);

        assertThat(b).isEqualTo(Json.mapper().readTree("""
                {"messages":[{"role":"system","content":"Classify."},{"role":"user","content":"Great phone"}],
                 "max_tokens":5}
                """));
    }

    @Test
    void of_v1_namesTheDeploymentInModel() throws Exception {
        JsonNode b = body(resolved(1, 0.0, null, true), ApiStyle.V1);

        assertThat(b.get("model").asText()).isEqualTo("mini-swc");
        assertThat(b.get("max_tokens").asInt()).isEqualTo(5);
        assertThat(b.get("temperature").asDouble()).isEqualTo(0.0);
        assertThat(b.has("n")).isFalse();
    }

    @Test
    void of_openAi_namesTheDeploymentInModel() throws Exception {
        assertThat(body(resolved(1, null, null, true), ApiStyle.OPENAI).get("model").asText()).isEqualTo("mini-swc");
    }

    @Test
    void of_maxTokensNotSetByJob_stillSendsThePoolDefault() throws Exception {
        JsonNode b = body(resolved(1, null, null, false), ApiStyle.CLASSIC);

        assertThat(b.get("max_tokens").asInt()).isEqualTo(640);
    }

    @Test
    void of_nAndResponseFormat_areSent() throws Exception {
        JsonNode format = Json.mapper().readTree("{\"type\":\"json_object\"}");

        JsonNode b = body(resolved(3, 0.7, format, true), ApiStyle.V1);

        assertThat(b.get("n").asInt()).isEqualTo(3);
        assertThat(b.get("response_format")).isEqualTo(format);
        assertThat(b.get("temperature").asDouble()).isEqualTo(0.7);
    }

    @Test
    void path_classic_namesDeploymentAndApiVersion() {
        assertThat(ChatRequestBody.path(deployment(ApiStyle.CLASSIC)))
                .isEqualTo("/openai/deployments/mini-swc/chat/completions?api-version=2025-04-01-preview");
    }

    @Test
    void path_v1_isTheV1Route() {
        assertThat(ChatRequestBody.path(deployment(ApiStyle.V1))).isEqualTo("/openai/v1/chat/completions");
    }

    @Test
    void path_openAi_isTheOpenAiRoute() {
        assertThat(ChatRequestBody.path(deployment(ApiStyle.OPENAI))).isEqualTo("/v1/chat/completions");
    }
}
