package dev.llmbatch.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

class CommandsTest {
    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    @Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class)
    static final class Demo implements Callable<Integer>, Streams {
        @Spec
        CommandSpec spec;
        @Option(names = "--timeout", converter = DurationConverter.class)
        Duration timeout = Duration.ofMinutes(1);
        @Option(names = "--fail")
        boolean fail;
        @Option(names = "--reject")
        boolean reject;
        PrintStream streamOut;

        @Override
        public void streams(PrintStream out, PrintStream err) {
            streamOut = out;
        }

        @Override
        public Integer call() {
            if (reject) {
                throw Commands.usage(spec, "--reject is refused");
            }
            if (fail) {
                throw new IllegalStateException("boom");
            }
            streamOut.println("timeout " + timeout.toMillis());
            return 0;
        }
    }

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void execute_bothOptionForms_sameValue() {
        assertThat(Commands.execute(new Demo(), new String[] {"--timeout", "500ms"}, out, err)).isZero();
        assertThat(Commands.execute(new Demo(), new String[] {"--timeout=1d"}, out, err)).isZero();
        assertThat(out()).contains("timeout 500").contains("timeout 86400000");
    }

    @Test
    void execute_help_exit0WithUsage() {
        assertThat(Commands.execute(new Demo(), new String[] {"--help"}, out, err)).isZero();
        assertThat(out()).contains("Usage: demo").contains("--timeout");
    }

    @Test
    void execute_version_exit0WithProjectVersion() {
        assertThat(Commands.execute(new Demo(), new String[] {"--version"}, out, err)).isZero();
        assertThat(out()).startsWith("llm-batch-pipeline ").doesNotContain("${");
    }

    @Test
    void execute_badDuration_exit2NamingOption() {
        assertThat(Commands.execute(new Demo(), new String[] {"--timeout", "soon"}, out, err)).isEqualTo(2);
        assertThat(err().lines().findFirst().orElse("")).contains("--timeout").contains("'soon'");
    }

    @Test
    void execute_unknownOption_exit2NamingIt() {
        assertThat(Commands.execute(new Demo(), new String[] {"--timout", "5s"}, out, err)).isEqualTo(2);
        assertThat(err().lines().findFirst().orElse("")).startsWith("demo: ").contains("--timout");
    }

    @Test
    void execute_usageErrorFromCall_exit2WithMessage() {
        assertThat(Commands.execute(new Demo(), new String[] {"--reject"}, out, err)).isEqualTo(2);
        assertThat(err().lines().findFirst().orElse("")).isEqualTo("demo: --reject is refused");
    }

    @Test
    void execute_callThrows_exit1WithMessage() {
        assertThat(Commands.execute(new Demo(), new String[] {"--fail"}, out, err)).isEqualTo(1);
        assertThat(err()).contains("demo: java.lang.IllegalStateException: boom");
    }

    @Command(name = "strict")
    static final class Strict implements Callable<Integer> {
        @Option(names = "--input", required = true)
        String input;

        @Override
        public Integer call() {
            return 0;
        }
    }

    @Test
    void execute_typoOfRequiredOption_namesTheTypoFirst() {
        assertThat(Commands.execute(new Strict(), new String[] {"--inptu", "x"}, out, err)).isEqualTo(2);
        assertThat(err().lines().findFirst().orElse("")).startsWith("strict: Unknown arguments: '--inptu', 'x' (and "
                + "Missing required option: '--input=<input>')");
    }
}
