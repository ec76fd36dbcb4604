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

/** Bad command lines exit with 2 and a message naming the flag, before anything talks to Kafka. */
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
        assertThat(firstLine()).isEqualTo("submit: missing required flag --input");
    }

    @Test
    void submit_inputFileMissing_exit2NamingInput() {
        assertThat(submit("--input", dir.resolve("nope.jsonl").toString())).isEqualTo(2);
        assertThat(firstLine()).startsWith("submit: --input: no such file");
    }

    @Test
    void submit_unknownFlag_exit2NamingIt() throws IOException {
        assertThat(submit("--input", jobsFile().toString(), "--bootsrap", "x:1")).isEqualTo(2);
        assertThat(firstLine()).isEqualTo("submit: unknown flag --bootsrap");
    }

    @Test
    void submit_flagWithoutValue_exit2NamingIt() throws IOException {
        assertThat(submit("--input", jobsFile().toString(), "--topic")).isEqualTo(2);
        assertThat(firstLine()).isEqualTo("submit: flag --topic needs a value");
    }

    @Test
    void submit_badTimeout_exit2NamingTimeout() throws IOException {
        assertThat(submit("--input", jobsFile().toString(), "--wait", "--timeout", "soon")).isEqualTo(2);
        assertThat(firstLine()).startsWith("submit: --timeout: cannot parse 'soon'");
    }

    @Test
    void submit_zeroTimeout_exit2NamingTimeout() throws IOException {
        assertThat(submit("--input", jobsFile().toString(), "--wait", "--timeout=0s")).isEqualTo(2);
        assertThat(firstLine()).startsWith("submit: --timeout must be positive");
    }

    @Test
    void submit_outputWithoutWait_exit2NamingOutput() throws IOException {
        assertThat(submit("--input", jobsFile().toString(), "--output", dir.resolve("r.jsonl").toString()))
                .isEqualTo(2);
        assertThat(firstLine()).startsWith("submit: flag --output needs --wait");
    }

    @Test
    void submit_strayPositional_exit2() throws IOException {
        assertThat(submit("--input", jobsFile().toString(), "extra")).isEqualTo(2);
        assertThat(firstLine()).startsWith("submit: unexpected argument 'extra'");
    }

    @Test
    void submit_flagTwice_exit2NamingIt() throws IOException {
        assertThat(submit("--input", jobsFile().toString(), "--topic", "a", "--topic", "b")).isEqualTo(2);
        assertThat(firstLine()).isEqualTo("submit: flag --topic is given more than once");
    }

    @Test
    void submit_help_exit0WithUsage() {
        assertThat(submit("submit", "--help")).isZero();
        assertThat(firstLine()).startsWith("usage: pipeline submit");
    }

    @Test
    void status_badInterval_exit2NamingInterval() {
        assertThat(StatusCommand.run(new String[] {"--interval", "fast"}, out)).isEqualTo(2);
        assertThat(firstLine()).startsWith("status: --interval: cannot parse 'fast'");
    }

    @Test
    void status_valueOnBooleanFlag_exit2NamingIt() {
        assertThat(StatusCommand.run(new String[] {"status", "--watch=yes"}, out)).isEqualTo(2);
        assertThat(firstLine()).isEqualTo("status: flag --watch takes no value");
    }

    @Test
    void status_unknownFlag_exit2NamingIt() {
        assertThat(StatusCommand.run(new String[] {"--lag"}, out)).isEqualTo(2);
        assertThat(firstLine()).isEqualTo("status: unknown flag --lag");
    }
}
