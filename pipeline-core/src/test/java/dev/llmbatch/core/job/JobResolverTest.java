package dev.llmbatch.core.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.config.ConfigLoader;
import dev.llmbatch.core.config.ModelPool;
import dev.llmbatch.core.config.PipelineConfig;
import dev.llmbatch.core.estimate.TokenEstimator;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;

class JobResolverTest {
    private static final String SENTIMENT_SYSTEM = "Classify the sentiment as positive, negative or neutral.";
    private static final String POOLS = """
            models:
              gpt-4o-mini:
                encoding: o200k_base
                context-window: 200
                default-max-tokens: 40
                deployments:
                  - {region: swedencentral, endpoint: "https://x.openai.azure.com", deployment: gpt-4o-mini,
                     api-key-env: AOAI_KEY_SWC, tpm: 450000, rpm: 2700}
            %s
            tasks:
              sentiment: {system: "%s", max-tokens: 5, batchable: true, temperature: 0.2}
              summary: {system: "Summarize."}
            """;
    private static final String ONE_POOL = POOLS.formatted("", SENTIMENT_SYSTEM);
    private static final String TWO_POOLS = POOLS.formatted("""
              gpt-4o:
                encoding: cl100k_base
                deployments:
                  - {region: eastus, endpoint: "https://y.openai.azure.com", deployment: gpt-4o,
                     api-key-env: AOAI_KEY_EUS, tpm: 30000, rpm: 180}
            """, SENTIMENT_SYSTEM);
    private static final ToLongFunction<ModelPool> ROOMY = p -> 100_000;
    private static final TokenEstimator O200K = TokenEstimator.forEncoding("o200k_base");

    private static JobResolver resolver(String yaml, ToLongFunction<ModelPool> largest) {
        PipelineConfig config = ConfigLoader.parse(yaml, Map.of());
        return new JobResolver(config, largest);
    }

    private static ResolvedJob ok(JobResolver.Resolution r) {
        assertThat(r).isInstanceOf(JobResolver.Resolution.Ok.class);
        return ((JobResolver.Resolution.Ok) r).job();
    }

    private static JobResolver.Resolution.Rejected rejected(JobResolver.Resolution r) {
        assertThat(r).isInstanceOf(JobResolver.Resolution.Rejected.class);
        return (JobResolver.Resolution.Rejected) r;
    }

    @Test
    void resolve_taskJob_appliesTemplateSystemUserAndTaskMaxTokens() {
        ResolvedJob r = ok(resolver(ONE_POOL, ROOMY).resolve(Job.ofTask("t1", "gpt-4o-mini", "sentiment",
                "Great phone")));

        List<ChatMessage> expected = List.of(ChatMessage.system(SENTIMENT_SYSTEM), ChatMessage.user("Great phone"));
        assertThat(r.messages()).isEqualTo(expected);
        assertThat(r.maxTokens()).isEqualTo(5);
        assertThat(r.maxTokensExplicit()).isTrue();
        assertThat(r.temperature()).isEqualTo(0.2);
        assertThat(r.batchable()).isTrue();
        assertThat(r.batchInstruction()).isEqualTo(SENTIMENT_SYSTEM);
        assertThat(r.batchText()).isEqualTo("Great phone");
        assertThat(r.pool().name()).isEqualTo("gpt-4o-mini");
        assertThat(r.promptTokens()).isEqualTo(O200K.promptTokens(expected));
        assertThat(r.reserveTokens()).isEqualTo(O200K.estimate(expected, 5, 1).reserveTokens());
        assertThat(r.id()).isEqualTo("t1");
    }

    @Test
    void resolve_taskJobWithOwnMaxTokensAndTemperature_keepsTheJobsValues() {
        Job job = new Job("t2", "gpt-4o-mini", List.of(), 9, 1.0, null, 1, "sentiment", "meh", null, null, null,
                null, null);

        ResolvedJob r = ok(resolver(ONE_POOL, ROOMY).resolve(job));

        assertThat(r.maxTokens()).isEqualTo(9);
        assertThat(r.temperature()).isEqualTo(1.0);
    }

    @Test
    void resolve_messagesJobWithoutMaxTokens_usesPoolDefaultAndIsNotExplicit() {
        Job job = Job.ofMessages("m1", "gpt-4o-mini", List.of(ChatMessage.user("hi")), null);

        ResolvedJob r = ok(resolver(ONE_POOL, ROOMY).resolve(job));

        assertThat(r.maxTokens()).isEqualTo(40);
        assertThat(r.maxTokensExplicit()).isFalse();
        assertThat(r.batchable()).isFalse();
        assertThat(r.messages()).containsExactly(ChatMessage.user("hi"));
    }

    @Test
    void resolve_taskJobWithResponseFormatOrNAboveOne_isNotBatchable() throws Exception {
        Job withFormat = new Job("t6", "gpt-4o-mini", List.of(), null, null,
                dev.llmbatch.core.json.Json.mapper().readTree("{\"type\":\"json_object\"}"), 1, "sentiment", "x",
                null, null, null, null, null);
        Job withN = new Job("t7", "gpt-4o-mini", List.of(), null, null, null, 2, "sentiment", "x", null, null, null,
                null, null);
        JobResolver resolver = resolver(ONE_POOL, ROOMY);

        assertThat(ok(resolver.resolve(withFormat)).batchable()).isFalse();
        assertThat(ok(resolver.resolve(withN)).batchable()).isFalse();
    }

    @Test
    void resolve_messagesJobWithPoolPackingOff_isNotBatchable() {
        ResolvedJob r = ok(resolver(ONE_POOL, ROOMY).resolve(
                Job.ofMessages("m9", "gpt-4o-mini", List.of(ChatMessage.user("hi")), 5)));

        assertThat(r.batchable()).isFalse();
        assertThat(r.batchInstruction()).isNull();
        assertThat(r.batchText()).isNull();
    }

    @Test
    void resolve_messagesJobWithMessagesPackingOn_packsSystemAndUserShapesOnly() {
        JobResolver resolver = resolver(ONE_POOL.replace("default-max-tokens: 40",
                "default-max-tokens: 40\n    batching: {messages-jobs: true}"), ROOMY);

        ResolvedJob pair = ok(resolver.resolve(Job.ofMessages("m10", "gpt-4o-mini",
                List.of(ChatMessage.system("Translate to French."), ChatMessage.user("cat")), 5)));
        ResolvedJob single = ok(resolver.resolve(Job.ofMessages("m11", "gpt-4o-mini",
                List.of(ChatMessage.user("cat")), 5)));
        ResolvedJob conversation = ok(resolver.resolve(Job.ofMessages("m12", "gpt-4o-mini",
                List.of(ChatMessage.user("hi"), new ChatMessage("assistant", "hello"), ChatMessage.user("cat")), 5)));

        assertThat(pair.batchInstruction()).isEqualTo("Translate to French.");
        assertThat(pair.batchText()).isEqualTo("cat");
        assertThat(single.batchInstruction()).isEmpty();
        assertThat(single.batchText()).isEqualTo("cat");
        assertThat(conversation.batchable()).isFalse();
    }

    @Test
    void resolve_nTimesMaxTokens_isReserved() {
        Job job = new Job("m2", "gpt-4o-mini", List.of(ChatMessage.user("hi")), 10, null, null, 4, null, null, null,
                null, null, null, null);

        ResolvedJob r = ok(resolver(ONE_POOL, ROOMY).resolve(job));

        assertThat(r.reserveTokens()).isEqualTo(O200K.estimate(List.of(ChatMessage.user("hi")), 10, 4).reserveTokens())
                .isGreaterThanOrEqualTo(40);
    }

    @Test
    void resolve_unknownModel_isRejectedUnknownModel() {
        JobResolver.Resolution.Rejected r = rejected(resolver(TWO_POOLS, ROOMY).resolve(
                Job.ofMessages("m3", "gpt-5", List.of(ChatMessage.user("hi")), 5)));

        assertThat(r.code()).isEqualTo("unknown_model");
        assertThat(r.message()).contains("gpt-5").contains("gpt-4o").contains("gpt-4o-mini");
    }

    @Test
    void resolve_unknownTask_isRejectedUnknownTask() {
        JobResolver.Resolution.Rejected r = rejected(resolver(ONE_POOL, ROOMY).resolve(
                Job.ofTask("t3", "gpt-4o-mini", "translate", "hola")));

        assertThat(r.code()).isEqualTo("unknown_task");
        assertThat(r.message()).contains("translate").contains("sentiment");
    }

    @Test
    void resolve_noModelAndOnePool_usesThatPool() {
        ResolvedJob r = ok(resolver(ONE_POOL, ROOMY).resolve(Job.ofTask("t4", null, "sentiment", "text")));

        assertThat(r.pool().name()).isEqualTo("gpt-4o-mini");
    }

    @Test
    void resolve_noModelAndTwoPoolsWithoutDefault_isRejectedMissingModel() {
        JobResolver.Resolution.Rejected r = rejected(resolver(TWO_POOLS, ROOMY).resolve(
                Job.ofMessages("m4", null, List.of(ChatMessage.user("hi")), 5)));

        assertThat(r.code()).isEqualTo("missing_model");
    }

    @Test
    void resolve_noModelAndTwoPoolsWithDefault_usesTheDefault() {
        ResolvedJob r = ok(resolver("worker: {default-model: gpt-4o}\n" + TWO_POOLS, ROOMY).resolve(
                Job.ofMessages("m5", null, List.of(ChatMessage.user("hi")), 5)));

        assertThat(r.pool().name()).isEqualTo("gpt-4o");
        assertThat(r.promptTokens()).isEqualTo(TokenEstimator.forEncoding("cl100k_base")
                .promptTokens(List.of(ChatMessage.user("hi"))));
    }

    @Test
    void resolve_promptPlusMaxTokensOverContextWindow_isRejectedContextLengthExceeded() {
        List<ChatMessage> messages = List.of(ChatMessage.user(" hello".repeat(180)));
        int prompt = O200K.promptTokens(messages);
        assertThat(prompt).as("precondition").isLessThanOrEqualTo(200).isGreaterThan(160);

        JobResolver resolver = resolver(ONE_POOL, ROOMY);
        JobResolver.Resolution.Rejected r = rejected(resolver.resolve(
                Job.ofMessages("m6", "gpt-4o-mini", messages, 200 - prompt + 1)));

        assertThat(r.code()).isEqualTo("context_length_exceeded");
        assertThat(r.message()).contains("200");
        ok(resolver.resolve(Job.ofMessages("m7", "gpt-4o-mini", messages, 200 - prompt)));
    }

    @Test
    void resolve_taskDefaultMaxTokensOverContextWindow_isRejected() {
        // summary's default max-tokens (256) alone exceeds the pool's 200-token window
        JobResolver.Resolution.Rejected r = rejected(resolver(ONE_POOL, ROOMY).resolve(
                Job.ofTask("t5", "gpt-4o-mini", "summary", "x")));

        assertThat(r.code()).isEqualTo("context_length_exceeded");
    }

    @Test
    void resolve_reserveAboveLargestAdmissible_isRejectedRequestTooLarge() {
        Job job = Job.ofMessages("m8", "gpt-4o-mini", List.of(ChatMessage.user("hi")), 50);
        long reserve = O200K.estimate(job.messages(), 50, 1).reserveTokens();

        JobResolver.Resolution.Rejected r = rejected(resolver(ONE_POOL, p -> reserve - 1).resolve(job));

        assertThat(r.code()).isEqualTo("request_too_large");
        assertThat(r.message()).contains(Long.toString(reserve));
        ok(resolver(ONE_POOL, p -> reserve).resolve(job));
    }
}
