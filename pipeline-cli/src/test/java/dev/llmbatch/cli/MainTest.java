package dev.llmbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The command tree: every subcommand's help and version, the duration forms, and usage errors naming the option. */
class MainTest {
    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private int run(String... args) {
        return Main.run(args, out, err);
    }

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String firstErrLine() {
        return errBytes.toString(StandardCharsets.UTF_8).lines().findFirst().orElse("");
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "worker", "submit", "status", "simulator", "kafka", "bench", "topics", "plan"})
    void subcommand_help_exit0WithItsUsage(String command) {
        assertThat(run(command, "--help")).isZero();
        assertThat(out()).startsWith("Usage: pipeline " + command);
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "worker", "submit", "status", "simulator", "kafka", "bench", "topics", "plan"})
    void subcommand_version_exit0WithProjectVersion(String command) {
        assertThat(run(command, "--version")).isZero();
        assertThat(out()).startsWith("llm-batch-pipeline 0.").doesNotContain("${");
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "worker", "submit", "status", "simulator", "kafka", "bench", "topics", "plan"})
    void subcommand_unknownOption_exit2NamingIt(String command) {
        assertThat(run(command, "--no-such-option")).isEqualTo(2);
        assertThat(firstErrLine()).startsWith("pipeline " + command + ": ").contains("'--no-such-option'");
    }

    @Test
    void help_listsEveryCommand_exit0() {
        assertThat(run("--help")).isZero();
        assertThat(out()).contains("local", "worker", "submit", "status", "simulator", "kafka", "bench", "topics",
                "plan", "generate-completion");
    }

    @Test
    void helpCommand_namesASubcommand_showsItsUsage() {
        assertThat(run("help", "submit")).isZero();
        assertThat(out()).startsWith("Usage: pipeline submit");
    }

    @Test
    void noArguments_usage_exit2() {
        assertThat(run()).isEqualTo(2);
        assertThat(out()).startsWith("Usage: pipeline");
    }

    @Test
    void unknownCommand_exit2NamingIt() {
        assertThat(run("sumbit")).isEqualTo(2);
        assertThat(firstErrLine()).contains("'sumbit'");
        assertThat(errBytes.toString(StandardCharsets.UTF_8)).contains("submit");
    }

    @Test
    void generateCompletion_printsBashScript_exit0() {
        assertThat(run("generate-completion")).isZero();
        assertThat(out()).contains("complete -F").contains("_picocli_pipeline").contains("--bootstrap-server");
    }

    @ParameterizedTest
    @ValueSource(strings = {"500ms", "30s", "5m", "1h", "1d"})
    void local_everyDurationForm_passesParsing(String timeout) {
        // The input does not exist: the command stops at that check, after parsing the timeout.
        assertThat(run("local", "--input", dir.resolve("none.jsonl").toString(), "--output=x",
                "--timeout=" + timeout)).isEqualTo(2);
        assertThat(firstErrLine()).isEqualTo("pipeline local: --input: cannot read " + dir.resolve("none.jsonl"));
    }

    @Test
    void local_badTimeout_exit2NamingTimeout() throws IOException {
        Path in = Files.writeString(dir.resolve("in.jsonl"), "{}\n");
        assertThat(run("local", "--input", in.toString(), "--output", "x", "--timeout", "soon")).isEqualTo(2);
        assertThat(firstErrLine()).contains("--timeout").contains("'soon'");
    }

    @Test
    void local_missingOutput_exit2NamingOutput() throws IOException {
        Path in = Files.writeString(dir.resolve("in.jsonl"), "{}\n");
        assertThat(run("local", "--input", in.toString())).isEqualTo(2);
        assertThat(firstErrLine()).contains("--output");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1"})
    void local_workersBelowOne_exit2NamingWorkers(String n) throws IOException {
        Path in = Files.writeString(dir.resolve("in.jsonl"), "{}\n");
        assertThat(run("local", "--input", in.toString(), "--output", "x", "--workers", n)).isEqualTo(2);
        assertThat(firstErrLine()).isEqualTo("pipeline local: --workers must be >= 1, got " + n);
    }

    @Test
    void local_workersNotANumber_exit2NamingWorkers() throws IOException {
        Path in = Files.writeString(dir.resolve("in.jsonl"), "{}\n");
        assertThat(run("local", "--input", in.toString(), "--output", "x", "--workers=three")).isEqualTo(2);
        assertThat(firstErrLine()).contains("--workers").contains("'three'");
    }

    @Test
    void local_workersValid_stopsAtTheInputCheck() {
        // --workers 3 passes validation; the missing input is the next thing the command checks.
        assertThat(run("local", "--input", dir.resolve("none.jsonl").toString(), "--output", "x", "--workers", "3"))
                .isEqualTo(2);
        assertThat(firstErrLine()).isEqualTo("pipeline local: --input: cannot read " + dir.resolve("none.jsonl"));
    }

    @Test
    void local_commandConfigWithoutBootstrap_exit2NamingBoth() throws IOException {
        Path in = Files.writeString(dir.resolve("in.jsonl"), "{}\n");
        Path cc = Files.writeString(dir.resolve("client.properties"), "security.protocol=SASL_SSL\n");
        assertThat(run("local", "--input", in.toString(), "--output", "x", "--command-config", cc.toString()))
                .isEqualTo(2);
        assertThat(firstErrLine()).startsWith("pipeline local: --command-config needs --bootstrap-server");
    }

    @Test
    void local_commandConfigSettingBootstrap_exit2NamingIt() throws IOException {
        Path in = Files.writeString(dir.resolve("in.jsonl"), "{}\n");
        Path cc = Files.writeString(dir.resolve("client.properties"), "bootstrap.servers=elsewhere:9092\n");
        assertThat(run("local", "--input", in.toString(), "--output", "x", "--bootstrap-server", "h:1",
                "--command-config", cc.toString())).isEqualTo(2);
        assertThat(firstErrLine()).contains("--command-config").contains("sets bootstrap.servers")
                .contains("use --bootstrap-server");
    }

    @Test
    void local_clientSettings_reachTheWorkersKafkaProperties() throws IOException {
        String yaml = LocalCommand.withClientSettings("kafka: {group: g, properties: {linger.ms: '5'}}\n",
                java.util.Map.of("security.protocol", "SASL_SSL", "sasl.jaas.config", "${env:JAAS}"));
        var cfg = dev.llmbatch.core.config.ConfigLoader.parse(yaml + """
                models:
                  m:
                    encoding: o200k_base
                    deployments:
                      - {region: r, endpoint: "https://x.openai.azure.com", deployment: d, auth: entra, tpm: 1000, rpm: 6}
                """, java.util.Map.of());
        assertThat(cfg.kafka().properties()).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.jaas.config", "${env:JAAS}").containsEntry("linger.ms", "5");
        assertThat(cfg.kafka().group()).isEqualTo("g");
    }

    @Test
    void local_help_namesWorkers() {
        assertThat(run("local", "--help")).isZero();
        assertThat(out()).contains("--workers=N").contains("embedded Redis");
    }

    @Test
    void status_badInterval_exit2NamingInterval() {
        assertThat(run("status", "--interval", "0s")).isEqualTo(2);
        assertThat(firstErrLine()).contains("--interval").contains("must be positive");
    }

    @Test
    void bench_unknownScenario_exit2NamingOnly() {
        assertThat(run("bench", "--out", dir.toString(), "--only", "utilisation,speed")).isEqualTo(2);
        assertThat(firstErrLine()).isEqualTo("pipeline bench: --only: unknown scenario 'speed' (one of "
                + "utilisation,storm,overhead,latency,memory,batching,reliability,adaptive,scaleout,hedging)");
    }

    @Test
    void bench_noOut_exit2NamingOut() {
        assertThat(run("bench", "--quick")).isEqualTo(2);
        assertThat(firstErrLine()).contains("--out");
    }

    @Test
    void kafka_badPort_exit2NamingPort() {
        assertThat(run("kafka", "--port=x")).isEqualTo(2);
        assertThat(firstErrLine()).contains("--port");
    }

    @Test
    void instance_missingModule_commandLeftOut() {
        assertThat(Main.instance(new Main.Entry("dev.llmbatch.cli.LocalCommand", java.util.List.of("no.Such"))))
                .isNull();
        assertThat(Main.instance(new Main.Entry("dev.llmbatch.worker.WorkerCommand", java.util.List.of())))
                .isNotNull();
    }
}
