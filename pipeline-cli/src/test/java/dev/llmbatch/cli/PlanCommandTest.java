package dev.llmbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmbatch.core.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanCommandTest {
    private static final Path EXAMPLES = Path.of("..", "examples");

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private JsonNode planJson(Path input, String... more) throws IOException {
        String[] args = new String[4 + more.length];
        args[0] = "--input";
        args[1] = input.toString();
        args[2] = "--output";
        args[3] = "json";
        System.arraycopy(more, 0, args, 4, more.length);
        assertThat(Main.run(prefixed("plan", args), out, out)).as(bytes.toString(StandardCharsets.UTF_8)).isZero();
        return Json.mapper().readTree(bytes.toString(StandardCharsets.UTF_8));
    }

    private static String[] prefixed(String first, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    @Test
    void plan_handWrittenJobs_serviceEstimateIsCharsOver4Plus1PlusMaxTokens() throws IOException {
        Path in = Files.writeString(dir.resolve("jobs.jsonl"), """
                {"id":"a","messages":[{"role":"user","content":"abcdefgh"}],"max_tokens":5}
                {"id":"b","messages":[{"role":"user","content":"abcdefghi"}],"max_tokens":10}

                not json
                {"id":"c","model":"nope","messages":[{"role":"user","content":"x"}]}
                """);

        JsonNode plan = planJson(in);

        assertThat(plan.get("jobs").asLong()).isEqualTo(2);
        JsonNode pool = plan.get("pools").get(0);
        // a: ceil(8/4)+1+5 = 8; b: ceil(9/4)+1+10 = 14
        assertThat(pool.get("service_estimate_tokens").asLong()).isEqualTo(22);
        assertThat(pool.get("reserved_tokens").asLong()).isGreaterThanOrEqualTo(22);
        assertThat(pool.get("unpacked").get("requests").asLong()).isEqualTo(2);
        assertThat(pool.get("cost").isNull()).isTrue();
        assertThat(plan.get("invalid")).hasSize(2);
        assertThat(plan.get("invalid").get(0).get("line").asInt()).isEqualTo(4);
        assertThat(plan.get("invalid").get(0).get("code").asText()).isEqualTo("invalid_json");
        assertThat(plan.get("invalid").get(1).get("code").asText()).isEqualTo("unknown_model");
    }

    @Test
    void plan_sentimentExample_packingMakesRpmStopBinding() throws IOException {
        JsonNode plan = planJson(EXAMPLES.resolve("reviews-sentiment.jsonl"));

        JsonNode pool = plan.get("pools").get(0);
        assertThat(pool.get("jobs").asLong()).isPositive();
        assertThat(pool.get("unpacked").get("binding").asText()).isEqualTo("RPM");
        assertThat(pool.get("packed").get("requests").asLong())
                .isLessThan(pool.get("unpacked").get("requests").asLong() / 5);
        assertThat(plan.get("drain_minutes_packed").asDouble()).isLessThan(plan.get("drain_minutes_unpacked")
                .asDouble());
    }

    @Test
    void plan_configWithPrices_costIsPromptAndMaxCompletionAtThePrices() throws IOException {
        Path config = Files.writeString(dir.resolve("w.yaml"), """
                models:
                  m:
                    encoding: o200k_base
                    price: {input-per-1k: 1.0, output-per-1k: 2.0}
                    deployments:
                      - {region: r, endpoint: "http://127.0.0.1:1", deployment: d, api-key-env: K, tpm: 60000, rpm: 60}
                """);
        Path in = Files.writeString(dir.resolve("jobs.jsonl"),
                "{\"id\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}],\"max_tokens\":500}\n");

        JsonNode pool = planJson(in, "--config", config.toString()).get("pools").get(0);

        double expected = pool.get("prompt_tokens").asLong() / 1000.0 + 500 / 1000.0 * 2.0;
        assertThat(pool.get("cost").asDouble()).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-4));
        assertThat(pool.get("unpacked").get("binding").asText()).isEqualTo("RPM");
    }

    @Test
    void plan_text_namesBindingLimitAndInvalidLines() throws IOException {
        assertThat(Main.run(new String[] {"plan", "--input", EXAMPLES.resolve("mixed-with-bad-records.jsonl")
                .toString()}, out, out)).isZero();
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("pool gpt-4o-mini").contains("binds, drains in").contains("invalid lines");
    }

    @Test
    void plan_missingInput_exit2NamingInput() {
        assertThat(Main.run(new String[] {"plan", "--input", dir.resolve("none").toString()}, out, out))
                .isEqualTo(2);
        assertThat(bytes.toString(StandardCharsets.UTF_8)).startsWith("pipeline plan: --input: cannot read");
    }
}
