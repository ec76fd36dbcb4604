package dev.llmbatch.producer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad command lines exit with 2 and a message naming the option, before anything talks to Kafka. */
class CommandArgumentsTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private String firstLine() {
        return bytes.toString(StandardCharsets.UTF_8).lines().findFirst().orElse("");
    }

    private Path jobsFile() throws IOException {
        return Files.writeString(dir.resolve("jobs.jsonl"), "{\"id\":\"a\",\"task\":\"t\",\"input\":\"x\"}\n");
    }

    private int submit(String... args) {
        return SubmitCommand.run(args, out, out);
    }

    @Test
    void submit_noInput_exit2NamingInput() {
        assertThat(submit("--wait")).isEqualTo(2);
        assertThat(firstLine()).startsWith("submit: Missing required option: '--input=FILE'");
    }

    @Test
    void submit_inputFileMissing_exit2NamingInput() {
        assertThat(submit("--input", dir.resolve("nope.jsonl").toString())).isEqualTo(2);
        assertThat(firstLine()).startsWith("submit: --input: no such file");
    }

    @Test
    void submit_unknownFlag_exit2NamingIt() throws IOException {
        assertThat(submit("--input", jobsFile().toString(), "--bootsrap", "x:1")).isEqualTo(2);
        assertThat(firstLine()).startsWith("submit: Unknown options: '--bootsrap'");
    }

    @Test
    void submit_flagWithoutValue_exit2NamingIt() throws IOException {
        assertThat(submit("--input", jobsFile().toString(), "--topic")).isEqualTo(2);
        assertThat(firstLine()).startsWith("submit: Missing required parameter for option '--topic'");
    }

    @Test
    void submit_badTimeout_exit2NamingTimeout() throws IOException {
        assertThat(submit("--input", jobsFile().toString(), "--wait", "--timeout", "soon")).isEqualTo(2);
        assertThat(firstLine()).startsWith("submit: Invalid value for option '--timeout': cannot parse 'soon'");
    }

    @Test
    void submit_zeroTimeout_exit2NamingTimeout() throws IOException {
        assertThat(submit("--input", jobsFile().toString(), "--wait", "--timeout=0s")).isEqualTo(2);
        assertThat(firstLine()).startsWith("submit: Invalid value for option '--timeout': must be positive");
    }

    @Test
    void submit_outputWithoutWait_exit2NamingOutput() throws IOException {
        assertThat(submit("--input", jobsFile().toString(), "--output", dir.resolve("r.jsonl").toString()))
                .isEqualTo(2);
        assertThat(firstLine()).startsWith("submit: --output needs --wait");
    }

    @Test
    void submit_strayPositional_exit2() throws IOException {
        assertThat(submit("--input", jobsFile().toString(), "extra")).isEqualTo(2);
        assertThat(firstLine()).startsWith("submit: Unmatched argument at index 2: 'extra'");
    }

    @Test
    void submit_flagTwice_exit2NamingIt() throws IOException {
        assertThat(submit("--input", jobsFile().toString(), "--topic", "a", "--topic", "b")).isEqualTo(2);
        assertThat(firstLine()).startsWith("submit: option '--topic' (TOPIC) should be specified only once");
    }

    @Test
    void submit_help_exit0WithUsage() {
        assertThat(submit("--help")).isZero();
        assertThat(firstLine()).startsWith("Usage: submit");
    }

    @Test
    void submit_version_exit0() {
        assertThat(submit("--version")).isZero();
        assertThat(firstLine()).startsWith("llm-batch-pipeline ");
    }

    @Test
    void status_badInterval_exit2NamingInterval() {
        assertThat(StatusCommand.run(new String[] {"--interval", "fast"}, out)).isEqualTo(2);
        assertThat(firstLine()).startsWith("status: Invalid value for option '--interval': cannot parse 'fast'");
    }

    @Test
    void status_valueOnBooleanFlag_exit2NamingIt() {
        assertThat(StatusCommand.run(new String[] {"--watch=yes"}, out)).isEqualTo(2);
        assertThat(firstLine()).startsWith("status: ").contains("--watch");
    }

    @Test
    void status_unknownFlag_exit2NamingIt() {
        assertThat(StatusCommand.run(new String[] {"--lag"}, out)).isEqualTo(2);
        assertThat(firstLine()).startsWith("status: Unknown option: '--lag'");
    }

    @Test
    void status_help_exit0WithUsage() {
        assertThat(StatusCommand.run(new String[] {"--help"}, out)).isZero();
        assertThat(firstLine()).startsWith("Usage: status");
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("--bootstrap, --bootstrap-server");
    }
}
