package dev.llmbatch.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    private static final String FULL = """
            kafka:
              bootstrap: broker-1:9093,broker-2:9093
              jobs-topic: jobs.in
              results-topic: results.out
              dlq-topic: jobs.dead
              group: workers-a
              delivery: at-least-once
              transactional-id: worker-7
              commit-interval-ms: 250
              max-poll-records: 100
              commit-metadata-max-chars: 2000
              properties: {security.protocol: SSL, client.rack: r1}
              create-topics: true
            worker:
              default-model: gpt-4o
              max-in-flight: 500
              max-attempts: 4
              request-timeout-ms: 30000
              grace-period-ms: 5000
              default-cooldown-ms: 2000
              max-cooldown-ms: 120000
              time-scale: 60
              backoff: {initial-ms: 800, max-ms: 9000, multiplier: 3.0, jitter: 0.25}
              bucket: {burst-fraction: 0.05, window-margin-ms: 400}
              pool: {max-connections-per-region: 16, max-wait-queue: 32}
              http: {host: 0.0.0.0, port: 9090}
              idempotency: {enabled: false, window-ms: 60000, max-entries: 10}
            models:
              gpt-4o-mini:
                encoding: o200k_base
                context-window: 64000
                default-max-tokens: 100
                max-request-tokens: 20000
                batching: {enabled: false, max-items: 8, max-batch-tokens: 2048, max-wait-ms: 5, max-item-tokens: 128,
                           messages-jobs: true}
                deployments:
                  - {region: swedencentral, endpoint: "https://swc.openai.azure.com/", deployment: mini-swc,
                     api-key-env: AOAI_KEY_SWC, tpm: 450000, rpm: 2700, priority: 1}
                  - {region: eastus, endpoint: "http://localhost:8081", deployment: mini-eus, api-style: v1,
                     api-version: 2025-04-01-preview, api-key-file: /run/secrets/eus, tpm: 1000000, rpm: 6000,
                     priority: 2}
              gpt-4o:
                encoding: cl100k_base
                deployments:
                  - {region: westus, endpoint: "https://api.example.com", deployment: gpt-4o, api-style: openai,
                     api-key-env: OPENAI_KEY, tpm: 30000, rpm: 500}
            tasks:
              sentiment: {system: "Classify the sentiment as positive, negative or neutral.", max-tokens: 5,
                          batchable: true, temperature: 0}
              summary: {system: "Summarize."}
            """;

    private static final String MINIMAL = """
            models:
              gpt-4o-mini:
                encoding: o200k_base
                deployments:
                  - {region: swedencentral, endpoint: "https://x.openai.azure.com", deployment: gpt-4o-mini,
                     api-key-env: AOAI_KEY_SWC, tpm: 450000, rpm: 2700, priority: 1}
            tasks:
              sentiment: {system: "Classify the sentiment as positive, negative or neutral.", max-tokens: 5, batchable: true}
            """;

    private static PipelineConfig parse(String yaml) {
        return ConfigLoader.parse(yaml, Map.of());
    }

    private static void assertRejected(String yaml, String messagePart) {
        assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class).hasMessageContaining(messagePart);
    }

    @Test
    void parse_fullConfig_bindsEveryField() {
        PipelineConfig c = parse(FULL);

        assertThat(c.kafka()).isEqualTo(new KafkaSettings("broker-1:9093,broker-2:9093", "jobs.in", "results.out",
                "jobs.dead", "workers-a", Delivery.AT_LEAST_ONCE, "worker-7", Duration.ofMillis(250), 100, 2_000,
                Map.of("security.protocol", "SSL", "client.rack", "r1"), true));
        assertThat(c.worker()).isEqualTo(new WorkerSettings("gpt-4o", 500, 4, Duration.ofSeconds(30),
                Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofMinutes(2), Duration.ofSeconds(30), 60.0,
                new WorkerSettings.Backoff(Duration.ofMillis(800), Duration.ofMillis(9_000), 3.0, 0.25),
                new WorkerSettings.BucketSettings(0.05, Duration.ofMillis(400)), new WorkerSettings.Pool(16, 32),
                new WorkerSettings.Http("0.0.0.0", 9090),
                new WorkerSettings.IdempotencySettings(false, Duration.ofMinutes(1), 10),
                new WorkerSettings.BreakerSettings(true, 0.5, 10, Duration.ofSeconds(10), Duration.ofSeconds(5),
                        Duration.ofSeconds(60)),
                new WorkerSettings.LearningSettings("llm.worker.state", Duration.ofSeconds(30))));
        assertThat(c.worker().httpHost()).isEqualTo("0.0.0.0");
        assertThat(c.worker().maxWaitQueue()).isEqualTo(32);
        assertThat(c.models()).containsOnlyKeys("gpt-4o-mini", "gpt-4o");
        ModelPool mini = c.models().get("gpt-4o-mini");
        assertThat(mini.name()).isEqualTo("gpt-4o-mini");
        assertThat(mini.encoding()).isEqualTo("o200k_base");
        assertThat(mini.contextWindow()).isEqualTo(64_000);
        assertThat(mini.defaultMaxTokens()).isEqualTo(100);
        assertThat(mini.maxRequestTokens()).isEqualTo(20_000);
        assertThat(mini.batching()).isEqualTo(new BatchSettings(false, 8, 2_048, Duration.ofMillis(5), 128, true));
        assertThat(mini.deployments()).containsExactly(
                new DeploymentConfig("swedencentral", URI.create("https://swc.openai.azure.com"), "mini-swc",
                        ApiStyle.CLASSIC, "2024-10-21", "AOAI_KEY_SWC", null, 450_000, 2_700, 1),
                new DeploymentConfig("eastus", URI.create("http://localhost:8081"), "mini-eus", ApiStyle.V1,
                        "2025-04-01-preview", null, "/run/secrets/eus", 1_000_000, 6_000, 2));
        ModelPool gpt4o = c.models().get("gpt-4o");
        assertThat(gpt4o.encoding()).isEqualTo("cl100k_base");
        assertThat(gpt4o.deployments()).singleElement().satisfies(d -> {
            assertThat(d.apiStyle()).isEqualTo(ApiStyle.OPENAI);
            assertThat(d.priority()).isEqualTo(1);
            assertThat(d.id()).isEqualTo("westus/gpt-4o");
        });
        assertThat(c.tasks()).containsOnlyKeys("sentiment", "summary");
        assertThat(c.tasks().get("sentiment")).isEqualTo(new TaskTemplate("sentiment",
                "Classify the sentiment as positive, negative or neutral.", 5, 0.0, true, null));
        assertThat(c.pool(null)).containsSame(gpt4o);
        assertThat(c.pool("gpt-4o-mini")).containsSame(mini);
        assertThat(c.pool("nope")).isEmpty();
    }

    @Test
    void parse_minimalConfig_appliesDefaults() {
        PipelineConfig c = parse(MINIMAL);

        assertThat(c.kafka()).isEqualTo(new KafkaSettings("localhost:9092", "llm.jobs", "llm.results", "llm.jobs.dlq",
                "llm-workers", Delivery.EXACTLY_ONCE, null, Duration.ofMillis(100), 500, 3_000, Map.of()));
        WorkerSettings w = c.worker();
        assertThat(w.defaultModel()).isNull();
        assertThat(w.maxInFlight()).isEqualTo(2_000);
        assertThat(w.maxAttempts()).isEqualTo(6);
        assertThat(w.requestTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(w.gracePeriod()).isEqualTo(Duration.ofSeconds(30));
        assertThat(w.defaultCooldown()).isEqualTo(Duration.ofSeconds(1));
        assertThat(w.maxCooldown()).isEqualTo(Duration.ofMillis(90_000_000));
        assertThat(w.timeScale()).isEqualTo(1.0);
        assertThat(w.backoff()).isEqualTo(new WorkerSettings.Backoff(Duration.ofMillis(500), Duration.ofSeconds(8),
                2.0, 0.5));
        assertThat(w.bucket()).isEqualTo(new WorkerSettings.BucketSettings(0.02, Duration.ofMillis(250)));
        assertThat(w.maxConnectionsPerRegion()).isEqualTo(64);
        assertThat(w.maxWaitQueue()).isEqualTo(256);
        assertThat(w.httpHost()).isEqualTo("127.0.0.1");
        assertThat(w.httpPort()).isEqualTo(8080);
        assertThat(w.breaker()).isEqualTo(new WorkerSettings.BreakerSettings(true, 0.5, 10, Duration.ofSeconds(10),
                Duration.ofSeconds(5), Duration.ofSeconds(60)));
        ModelPool pool = c.models().get("gpt-4o-mini");
        assertThat(pool.contextWindow()).isEqualTo(128_000);
        assertThat(pool.defaultMaxTokens()).isEqualTo(640);
        assertThat(pool.maxRequestTokens()).isEqualTo(8_192);
        assertThat(pool.batching()).isEqualTo(BatchSettings.DEFAULTS);
        DeploymentConfig d = pool.deployments().get(0);
        assertThat(d.apiStyle()).isEqualTo(ApiStyle.CLASSIC);
        assertThat(d.apiVersion()).isEqualTo("2024-10-21");
        assertThat(d.endpoint()).isEqualTo(URI.create("https://x.openai.azure.com"));
        assertThat(c.tasks().get("sentiment")).isEqualTo(new TaskTemplate("sentiment",
                "Classify the sentiment as positive, negative or neutral.", 5, null, true, null));
        assertThat(c.pool(null)).containsSame(pool);
    }

    @Test
    void parse_partialBatching_keepsDefaultsForTheRest() {
        PipelineConfig c = parse(MINIMAL.replace("encoding: o200k_base", "encoding: o200k_base\n    batching: {max-items: 4}"));

        assertThat(c.models().get("gpt-4o-mini").batching())
                .isEqualTo(new BatchSettings(true, 4, 4_096, Duration.ofMillis(30), 256, false));
    }

    @Test
    void parse_unknownBatchingKey_namesIt() {
        assertRejected(MINIMAL.replace("encoding: o200k_base", "encoding: o200k_base\n    batching: {max-itmes: 4}"),
                "models.gpt-4o-mini.batching.max-itmes is not a known key");
    }

    @Test
    void parse_taskWithoutOptionalKeys_defaultsMaxTokensAndBatchable() {
        TaskTemplate t = parse(FULL).tasks().get("summary");

        assertThat(t).isEqualTo(new TaskTemplate("summary", "Summarize.", 256, null, false, null));
    }

    @Test
    void parse_envOverrides_takeEffect() {
        PipelineConfig c = ConfigLoader.parse(MINIMAL, Map.of(
                "PIPELINE_KAFKA_BOOTSTRAP", "kafka.internal:9092",
                "PIPELINE_MODELS_GPT_4O_MINI_DEPLOYMENTS_0_TPM", "900000",
                "PIPELINE_WORKER_BACKOFF_JITTER", "0.1",
                "PIPELINE_TASKS_SENTIMENT_BATCHABLE", "false",
                "PIPELINE_KAFKA_DELIVERY", "at-least-once",
                "UNRELATED", "x"));

        assertThat(c.kafka().bootstrap()).isEqualTo("kafka.internal:9092");
        assertThat(c.kafka().delivery()).isEqualTo(Delivery.AT_LEAST_ONCE);
        assertThat(c.models().get("gpt-4o-mini").deployments().get(0).tpm()).isEqualTo(900_000);
        assertThat(c.worker().backoff().jitter()).isEqualTo(0.1);
        assertThat(c.tasks().get("sentiment").batchable()).isFalse();
    }

    @Test
    void parse_envOverrideWithBadValue_namesTheKey() {
        assertThatThrownBy(() -> ConfigLoader.parse(MINIMAL,
                Map.of("PIPELINE_MODELS_GPT_4O_MINI_DEPLOYMENTS_0_TPM", "lots")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("models.gpt-4o-mini.deployments[0].tpm");
    }

    @Test
    void envName_keyPath_isPrefixedUpperCaseWithUnderscores() {
        assertThat(ConfigLoader.envName("kafka.bootstrap")).isEqualTo("PIPELINE_KAFKA_BOOTSTRAP");
        assertThat(ConfigLoader.envName("models.gpt-4o-mini.deployments[0].tpm"))
                .isEqualTo("PIPELINE_MODELS_GPT_4O_MINI_DEPLOYMENTS_0_TPM");
    }

    @Test
    void load_file_readsAndBinds(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("worker.yaml");
        Files.writeString(file, MINIMAL);

        assertThat(ConfigLoader.load(file, Map.of()).models()).containsOnlyKeys("gpt-4o-mini");
    }

    @Test
    void load_missingFile_isConfigException(@TempDir Path dir) {
        assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("absent.yaml"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("absent.yaml");
    }

    @Test
    void parse_unknownKafkaKey_namesIt() {
        assertRejected("kafka: {bootstrapp: x}\n" + MINIMAL, "kafka.bootstrapp is not a known key");
    }

    @Test
    void parse_misspeltKeyAndAnInvalidConfig_theMisspeltKeyIsNamed() {
        assertRejected("kafka: {bootstrap: x:1}\nmodel: {}\n", "model is not a known key");
    }

    @Test
    void parse_unknownTopLevelKey_namesIt() {
        assertRejected("workers: {}\n" + MINIMAL, "workers is not a known key");
    }

    @Test
    void parse_unknownDeploymentKey_namesIt() {
        assertRejected(MINIMAL.replace("priority: 1}", "priority: 1, tpmm: 5}"),
                "models.gpt-4o-mini.deployments[0].tpmm is not a known key");
    }

    @Test
    void parse_tpmZero_namesTheKey() {
        assertRejected(MINIMAL.replace("tpm: 450000", "tpm: 0"), "models.gpt-4o-mini.deployments[0].tpm must be >= 1, got 0");
    }

    @Test
    void parse_rpmMissing_namesTheKey() {
        assertRejected(MINIMAL.replace("rpm: 2700, ", ""), "models.gpt-4o-mini.deployments[0].rpm is required");
    }

    @Test
    void parse_noApiKeyEnvOrFile_namesTheDeployment() {
        assertRejected(MINIMAL.replace("api-key-env: AOAI_KEY_SWC, ", ""),
                "models.gpt-4o-mini.deployments[0] needs api-key-env or api-key-file");
    }

    @Test
    void parse_authEntra_bindsTenantAndClientWithoutAKey() {
        DeploymentConfig d = parse(MINIMAL.replace("api-key-env: AOAI_KEY_SWC,",
                "auth: entra, tenant-id: contoso.onmicrosoft.com, client-id: 1111-2222,")).models().get("gpt-4o-mini")
                .deployments().get(0);

        assertThat(d.auth()).isEqualTo(new DeploymentAuth(DeploymentAuth.Method.ENTRA, "contoso.onmicrosoft.com",
                "1111-2222"));
        assertThat(d.apiKeyEnv()).isNull();
        assertThat(d.apiKeyFile()).isNull();
    }

    @Test
    void parse_noAuth_isApiKey() {
        assertThat(parse(MINIMAL).models().get("gpt-4o-mini").deployments().get(0).auth())
                .isEqualTo(DeploymentAuth.API_KEY);
    }

    @Test
    void parse_authEntraWithKey_namesTheKey() {
        assertRejected(MINIMAL.replace("api-key-env: AOAI_KEY_SWC,", "auth: entra, api-key-env: AOAI_KEY_SWC,"),
                "models.gpt-4o-mini.deployments[0].api-key-env does not apply to auth: entra");
    }

    @Test
    void parse_tenantIdWithApiKey_namesTheKey() {
        assertRejected(MINIMAL.replace("api-key-env: AOAI_KEY_SWC,", "api-key-env: AOAI_KEY_SWC, tenant-id: t,"),
                "models.gpt-4o-mini.deployments[0].tenant-id only applies to auth: entra");
    }

    @Test
    void parse_unknownAuth_namesTheKey() {
        assertRejected(MINIMAL.replace("api-key-env: AOAI_KEY_SWC,", "auth: oauth, api-key-env: AOAI_KEY_SWC,"),
                "models.gpt-4o-mini.deployments[0].auth must be one of [api-key, entra], got \"oauth\"");
    }

    @Test
    void parse_inlineApiKey_isRefusedWithoutEchoingIt() {
        String yaml = MINIMAL.replace("api-key-env: AOAI_KEY_SWC,", "api-key-env: AOAI_KEY_SWC, api-key: sk-secret123,");

        assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("models.gpt-4o-mini.deployments[0].api-key is not allowed")
                .hasMessageNotContaining("sk-secret123");
    }

    @Test
    void parse_inlineApiKeyOnly_isRefusedWithoutEchoingIt() {
        String yaml = MINIMAL.replace("api-key-env: AOAI_KEY_SWC,", "api-key: sk-secret123,");

        assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("models.gpt-4o-mini.deployments[0]")
                .hasMessageNotContaining("sk-secret123");
    }

    @Test
    void parse_endpointNotHttp_namesTheKey() {
        assertRejected(MINIMAL.replace("https://x.openai.azure.com", "ftp://x.openai.azure.com"),
                "models.gpt-4o-mini.deployments[0].endpoint must be an http(s) URL");
    }

    @Test
    void parse_endpointNotAUrl_namesTheKey() {
        assertRejected(MINIMAL.replace("https://x.openai.azure.com", "not a url"),
                "models.gpt-4o-mini.deployments[0].endpoint");
    }

    @Test
    void parse_endpointWithoutHost_namesTheKey() {
        assertRejected(MINIMAL.replace("https://x.openai.azure.com", "https:/path-only"),
                "models.gpt-4o-mini.deployments[0].endpoint");
    }

    @Test
    void parse_commitMetadataBoundTooSmall_namesTheKey() {
        assertRejected("kafka: {commit-metadata-max-chars: 100}\n" + MINIMAL,
                "kafka.commit-metadata-max-chars must be >= 256");
    }

    @Test
    void kafkaDefaults_envOverride_appliesWithoutAConfigFile() {
        KafkaSettings k = ConfigLoader.kafkaDefaults(Map.of("PIPELINE_KAFKA_JOBS_TOPIC", "jobs.x"));
        assertThat(k.jobsTopic()).isEqualTo("jobs.x");
        assertThat(k.resultsTopic()).isEqualTo("llm.results");
        assertThat(k.createTopics()).isFalse();
        assertThat(k.withBootstrap("b:1").bootstrap()).isEqualTo("b:1");
    }

    @Test
    void parse_poolPrice_bound() {
        PipelineConfig c = parse(MINIMAL.replace("encoding: o200k_base",
                "encoding: o200k_base\n    price: {input-per-1k: 0.15, output-per-1k: 0.6}"));
        assertThat(c.models().values().iterator().next().price()).isEqualTo(new ModelPool.Price(0.15, 0.6));
    }

    @Test
    void parse_negativePrice_namesTheKey() {
        assertThatThrownBy(() -> parse(MINIMAL.replace("encoding: o200k_base",
                "encoding: o200k_base\n    price: {input-per-1k: -1, output-per-1k: 0.6}")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("price.input-per-1k");
    }

    @Test
    void parse_createTopicsNotABoolean_namesTheKey() {
        assertRejected("kafka: {create-topics: sometimes}\n" + MINIMAL,
                "kafka.create-topics must be true or false, got \"sometimes\"");
    }

    @Test
    void parse_badDelivery_namesTheKey() {
        assertRejected("kafka: {delivery: exactly-twice}\n" + MINIMAL,
                "kafka.delivery must be one of [exactly-once, at-least-once], got \"exactly-twice\"");
    }

    @Test
    void parse_defaultModelNotAPool_namesTheKey() {
        assertRejected("worker: {default-model: gpt-5}\n" + MINIMAL, "worker.default-model names 'gpt-5'");
    }

    @Test
    void parse_badEncoding_namesTheKey() {
        assertRejected(MINIMAL.replace("o200k_base", "gpt-4o"), "models.gpt-4o-mini.encoding must be a jtokkit encoding");
    }

    @Test
    void parse_badApiStyle_namesTheKey() {
        assertRejected(MINIMAL.replace("priority: 1}", "priority: 1, api-style: grpc}"),
                "models.gpt-4o-mini.deployments[0].api-style must be one of [classic, v1, openai]");
    }

    @Test
    void parse_duplicateDeployment_namesIt() {
        String yaml = MINIMAL.replace("rpm: 2700, priority: 1}", """
                rpm: 2700, priority: 1}
                      - {region: swedencentral, endpoint: "https://y.openai.azure.com", deployment: gpt-4o-mini,
                         api-key-env: K2, tpm: 1000, rpm: 6}""");

        assertRejected(yaml, "models.gpt-4o-mini.deployments[1] repeats swedencentral/gpt-4o-mini");
    }

    @Test
    void parse_noDeployments_namesTheKey() {
        assertRejected("models: {m: {encoding: o200k_base, deployments: []}}", "models.m.deployments must list");
    }

    @Test
    void parse_noModels_isRejected() {
        assertRejected("kafka: {bootstrap: x:1}", "models must declare at least one model pool");
    }

    @Test
    void parse_backoffMaxBelowInitial_namesTheKeys() {
        assertRejected("worker: {backoff: {initial-ms: 5000, max-ms: 1000}}\n" + MINIMAL, "worker.backoff.max-ms");
    }

    @Test
    void parse_breakerKeys_bind() {
        PipelineConfig c = parse("worker: {breaker: {enabled: false, failure-rate: 0.25, minimum-calls: 4, "
                + "window-ms: 2000, open-ms: 300, max-open-ms: 900}}\n" + MINIMAL);

        assertThat(c.worker().breaker()).isEqualTo(new WorkerSettings.BreakerSettings(false, 0.25, 4,
                Duration.ofSeconds(2), Duration.ofMillis(300), Duration.ofMillis(900)));
    }

    @Test
    void parse_breakerEnvOverride_takesEffect() {
        PipelineConfig c = ConfigLoader.parse(MINIMAL, Map.of("PIPELINE_WORKER_BREAKER_OPEN_MS", "1500",
                "PIPELINE_WORKER_BREAKER_ENABLED", "false"));

        assertThat(c.worker().breaker().open()).isEqualTo(Duration.ofMillis(1500));
        assertThat(c.worker().breaker().enabled()).isFalse();
    }

    @Test
    void parse_breakerMaxOpenBelowOpen_namesTheKeys() {
        assertRejected("worker: {breaker: {open-ms: 5000, max-open-ms: 1000}}\n" + MINIMAL,
                "worker.breaker.max-open-ms must be >= open-ms (5000), got 1000");
    }

    @Test
    void parse_breakerFailureRateOutOfRange_namesTheKey() {
        assertRejected("worker: {breaker: {failure-rate: 1.5}}\n" + MINIMAL,
                "worker.breaker.failure-rate must be between");
    }

    @Test
    void parse_breakerMinimumCallsZero_namesTheKey() {
        assertRejected("worker: {breaker: {minimum-calls: 0}}\n" + MINIMAL,
                "worker.breaker.minimum-calls must be >= 1");
    }

    @Test
    void parse_unknownBreakerKey_namesIt() {
        assertRejected("worker: {breaker: {open-msec: 10}}\n" + MINIMAL, "worker.breaker.open-msec is not a known key");
    }

    @Test
    void parse_burstFractionOutOfRange_namesTheKey() {
        assertRejected("worker: {bucket: {burst-fraction: 0.9}}\n" + MINIMAL, "worker.bucket.burst-fraction must be between");
    }

    @Test
    void parse_taskWithoutSystem_namesTheKey() {
        assertRejected(MINIMAL.replace("system: \"Classify the sentiment as positive, negative or neutral.\", ", ""),
                "tasks.sentiment.system is required");
    }

    @Test
    void parse_invalidYaml_isConfigException() {
        assertThatThrownBy(() -> parse("kafka: [unclosed")).isInstanceOf(ConfigException.class);
    }

    @Test
    void parse_topLevelList_isConfigException() {
        assertRejected("- a\n- b\n", "mapping");
    }
}
