package dev.llmbatch.producer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.time.FakeTicker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProgressPrinterTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final FakeTicker ticker = new FakeTicker();

    private String printed() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void describe_halfDone_showsCountPercentRateAndEta() {
        assertThat(ProgressPrinter.describe(250, 500, Duration.ofSeconds(5)))
                .isEqualTo("250/500  50.0% 50.0 jobs/s ETA 5s");
    }

    @Test
    void describe_nothingDoneYet_etaUnknown() {
        assertThat(ProgressPrinter.describe(0, 500, Duration.ofSeconds(5))).endsWith("ETA unknown");
    }

    @Test
    void bar_quarterDone_fillsAQuarter() {
        assertThat(ProgressPrinter.bar(25, 100)).isEqualTo("[" + "#".repeat(6) + ".".repeat(18) + "]");
        assertThat(ProgressPrinter.bar(0, 0)).doesNotContain(".");
    }

    @Test
    void onProgress_notATerminal_printsAPlainLineAboutEveryTwoSeconds() {
        ProgressPrinter p = new ProgressPrinter(out, false, ticker);

        p.onProgress(0, 100);
        ticker.advance(Duration.ofSeconds(1));
        p.onProgress(10, 100);
        assertThat(printed()).isEmpty();

        ticker.advance(Duration.ofMillis(1100));
        p.onProgress(20, 100);
        ticker.advance(Duration.ofMillis(500));
        p.onProgress(25, 100);

        assertThat(printed()).doesNotContain("\r").hasLineCount(1).startsWith("progress: 20/100  20.0%");
    }

    @Test
    void onProgress_terminal_redrawsOneLineInPlace() {
        ProgressPrinter p = new ProgressPrinter(out, true, ticker);

        p.onProgress(0, 10);
        ticker.advance(Duration.ofMillis(50));
        p.onProgress(1, 10);
        ticker.advance(Duration.ofMillis(100));
        p.onProgress(5, 10);
        p.onProgress(10, 10);
        p.finish();

        String s = printed();
        assertThat(s).doesNotContain("1/10").contains("\r[", "0/10", "5/10", "10/10 100.0%").endsWith("\n");
        assertThat(s.chars().filter(c -> c == '\n').count()).isEqualTo(1);
    }
}
