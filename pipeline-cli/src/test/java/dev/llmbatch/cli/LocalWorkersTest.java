package dev.llmbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmbatch.core.config.ConfigLoader;
import dev.llmbatch.core.config.PipelineConfig;
import dev.llmbatch.core.config.QuotaSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code local --workers N}: the per-worker config, the metrics scrape, and a real run with two worker processes. */
class LocalWorkersTest {
    @TempDir
    Path dir;

    @Test
    void workerYaml_addsPortTransactionalIdAndSharedQuota_keepsTheRest() throws IOException {
        String base = LocalCommand.simulatedConfig(dev.llmbatch.simulator.SimulatorConfig.localDefault(),
                r -> "http://127.0.0.1:1/" + r);
        String yaml = LocalWorkers.workerYaml(base, 40123, "local-ab-worker-2", "redis://127.0.0.1:6390/0",
                "local-ab");
        PipelineConfig cfg = ConfigLoader.parse(yaml, Map.of(LocalCommand.SIM_KEY_ENV, "k"));
        assertThat(cfg.worker().httpPort()).isEqualTo(40123);
        assertThat(cfg.kafka().transactionalId()).isEqualTo("local-ab-worker-2");
        assertThat(cfg.quota().store()).isEqualTo(QuotaSettings.Store.REDIS);
        assertThat(cfg.quota().redisUri()).isEqualTo("redis://127.0.0.1:6390/0");
        assertThat(cfg.quota().keyPrefix()).isEqualTo("local-ab");
        PipelineConfig plain = ConfigLoader.parse(base, Map.of(LocalCommand.SIM_KEY_ENV, "k"));
        assertThat(cfg.worker().timeScale()).isEqualTo(plain.worker().timeScale());
        assertThat(cfg.models()).isEqualTo(plain.models());
        assertThat(cfg.tasks()).isEqualTo(plain.tasks());
    }

    @Test
    void workerYaml_overridesWhatAUserFileAlreadySays() throws IOException {
        String base = "kafka: {transactional-id: mine}\nquota: {store: local, key-prefix: x}\n"
                + "worker: {http: {port: 9}}\n";
        String yaml = LocalWorkers.workerYaml(base, 7, "t", "redis://h:1/0", "p");
        JsonNode n = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(yaml);
        assertThat(n.at("/kafka/transactional-id").asText()).isEqualTo("t");
        assertThat(n.at("/quota/store").asText()).isEqualTo("redis");
        assertThat(n.at("/quota/key-prefix").asText()).isEqualTo("p");
        assertThat(n.at("/worker/http/port").asInt()).isEqualTo(7);
    }

    @Test
    void parseFamily_sumsSamplesOfOneCounterOnly() {
        String text = """
                # TYPE llm_calls_total counter
                llm_calls_total{region="a",outcome="ok"} 3
                llm_calls_total{region="b",outcome="ok"} 4
                llm_calls_total_other 9
                # TYPE llm_admitted_tokens_total counter
                llm_admitted_tokens_total{region="a"} 100
                llm_admitted_tokens_total 5
                """;
        assertThat(LocalWorkers.parseFamily(text, "llm_calls_total"))
                .containsOnly(Map.entry("{region=\"a\",outcome=\"ok\"}", 3L),
                        Map.entry("{region=\"b\",outcome=\"ok\"}", 4L));
        assertThat(LocalWorkers.parseFamily(text, "llm_admitted_tokens_total").values().stream()
                .mapToLong(Long::longValue).sum()).isEqualTo(105);
    }

    /** A real broker, Redis and two worker JVMs: every job answered once, by the two workers together. */
    @Test
    @Timeout(600)
    void local_twoWorkers_everyJobOnce_summaryNamesBothWorkers() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("..", "examples", "reviews-sentiment.jsonl")).subList(0, 200);
        Path in = Files.write(dir.resolve("jobs.jsonl"), lines);
        Path results = dir.resolve("results.jsonl");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        int code = Main.run(new String[] {"local", "--input", in.toString(), "--output", results.toString(),
                "--workers", "2", "--timeout", "5m"}, out, System.err);
        String text = bytes.toString(StandardCharsets.UTF_8);
        System.out.println(text);
        assertThat(code).as(text).isZero();

        ObjectMapper json = new ObjectMapper();
        Map<String, Integer> perId = new HashMap<>();
        for (String l : Files.readAllLines(results)) {
            if (!l.isBlank()) {
                perId.merge(json.readTree(l).path("id").asText(), 1, Integer::sum);
            }
        }
        assertThat(perId).hasSize(200);
        assertThat(perId.values()).allMatch(n -> n == 1);

        assertThat(text).contains("== summary ==").contains("workers    2 processes");
        Matcher m = Pattern.compile(
                "(?m)^worker (\\d+)\\s+(\\d+) results, (\\d+) partitions, quota (\\{.*?\\}), log (\\S+)$")
                .matcher(text);
        long published = 0;
        int seen = 0;
        while (m.find()) {
            seen++;
            published += Long.parseLong(m.group(2));
            assertThat(Integer.parseInt(m.group(3))).as("partitions of worker " + m.group(1)).isPositive();
            assertThat(json.readTree(m.group(4)).path("store").asText()).isEqualTo("redis");
            assertThat(Path.of(m.group(5))).exists();
        }
        assertThat(seen).as(text).isEqualTo(2);
        // Results published by the two workers together: one per job, none twice.
        assertThat(published).as(text).isEqualTo(200);
    }
}
