package dev.llmbatch.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.command.Commands;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerCommandTest {
    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    private int run(String... args) {
        return Commands.execute(new WorkerCommand(), args, out, err);
    }

    private String firstErrLine() {
        return errBytes.toString(StandardCharsets.UTF_8).lines().findFirst().orElse("");
    }

    @Test
    void run_help_exit0WithUsage() {
        assertThat(run("--help")).isZero();
        assertThat(outBytes.toString(StandardCharsets.UTF_8)).contains("Usage: worker").contains("--config=FILE");
    }

    @Test
    void run_version_exit0() {
        assertThat(run("--version")).isZero();
        assertThat(outBytes.toString(StandardCharsets.UTF_8)).startsWith("llm-batch-pipeline ");
    }

    @Test
    void run_noConfig_exit2NamingConfig() {
        assertThat(run()).isEqualTo(Commands.USAGE);
        assertThat(firstErrLine()).contains("--config");
    }

    @Test
    void run_unknownOption_exit2NamingIt() {
        assertThat(run("--config", "x.yaml", "--conifg")).isEqualTo(Commands.USAGE);
        assertThat(firstErrLine()).contains("'--conifg'");
    }

    @Test
    void run_invalidConfig_exit2NamingTheKey(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("w.yaml"), "kafka: {bootstrap: 7}\nbogus: 1\n");
        assertThat(run("--config=" + file)).isEqualTo(Commands.USAGE);
        assertThat(outBytes.toString(StandardCharsets.UTF_8)).startsWith("config error: ").contains("bogus");
    }
}
