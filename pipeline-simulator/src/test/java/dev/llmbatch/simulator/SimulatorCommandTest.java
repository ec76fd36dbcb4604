package dev.llmbatch.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatorCommandTest {
    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    @Test
    void run_configFile_printsOneLinePerRegionUntilStopped(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sim.yaml");
        Files.writeString(file, """
                regions:
                  - name: north
                    deployments: [{name: gpt-4o-mini}, {name: gpt-4o}]
                  - name: south
                    deployments: [{name: gpt-4o-mini}]
                """);
        CountDownLatch stop = new CountDownLatch(1);
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(
                () -> SimulatorCommand.run(new String[] {"--config", file.toString()}, out, err, stop));

        await().atMost(Duration.ofSeconds(20)).until(() -> outBytes.toString(StandardCharsets.UTF_8).lines().count() == 2);
        String[] lines = outBytes.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines[0]).matches("region north http://127\\.0\\.0\\.1:\\d+ deployments=gpt-4o-mini,gpt-4o");
        assertThat(lines[1]).matches("region south http://127\\.0\\.0\\.1:\\d+ deployments=gpt-4o-mini");
        assertThat(exit).isNotDone();

        stop.countDown();
        assertThat(exit.get(20, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void run_invalidConfig_exitOneNamingTheKey(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "regions:\n  - name: a\n    deployments: [{name: d, rpm: -1}]\n");
        int code = SimulatorCommand.run(new String[] {"--config", file.toString()}, out, err, new CountDownLatch(1));
        assertThat(code).isEqualTo(1);
        assertThat(errBytes.toString(StandardCharsets.UTF_8)).contains("regions[0].deployments[0].rpm must be > 0");
    }

    @Test
    void run_unknownArgument_exitTwoWithUsage() {
        int code = SimulatorCommand.run(new String[] {"--port", "1"}, out, err, new CountDownLatch(1));
        assertThat(code).isEqualTo(2);
        assertThat(errBytes.toString(StandardCharsets.UTF_8)).startsWith("simulator: Unknown options: '--port'")
                .contains("Usage: simulator");
    }

    @Test
    void run_help_exitZeroWithUsage() {
        assertThat(SimulatorCommand.run(new String[] {"--help"}, out, err, new CountDownLatch(1))).isZero();
        assertThat(outBytes.toString(StandardCharsets.UTF_8)).contains("--config=FILE");
    }

    @Test
    void run_configWithoutValue_exitTwoNamingConfig() {
        assertThat(SimulatorCommand.run(new String[] {"--config"}, out, err, new CountDownLatch(1))).isEqualTo(2);
        assertThat(errBytes.toString(StandardCharsets.UTF_8).lines().findFirst().orElse("")).contains("--config");
    }
}
