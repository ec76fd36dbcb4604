package dev.llmbatch.core.batch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.time.FakeTicker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PackingHealthTest {
    private final FakeTicker ticker = new FakeTicker();
    private final PackingHealth health = new PackingHealth(ticker, Duration.ofSeconds(60));

    @Test
    void onReply_threeUnusableRepliesInARow_stopsPacking() {
        assertThat(health.onReply(16, 0)).isFalse();
        assertThat(health.onReply(16, 2)).isFalse();
        assertThat(health.onReply(16, 0)).isTrue();

        assertThat(health.stopped()).isTrue();
        assertThat(health.allowPacking()).isFalse();
    }

    @Test
    void onReply_usableReplyBetweenFailures_keepsPacking() {
        health.onReply(16, 0);
        health.onReply(16, 0);
        health.onReply(16, 8);
        health.onReply(16, 0);

        assertThat(health.stopped()).isFalse();
    }

    @Test
    void allowPacking_stopped_allowsOneProbeBatchPerPeriodAndAUsableProbeResumes() {
        for (int i = 0; i < 3; i++) {
            health.onReply(4, 0);
        }
        ticker.advance(Duration.ofSeconds(60));

        assertThat(health.allowPacking()).isTrue();
        assertThat(health.allowPacking()).as("one probe per period").isFalse();
        assertThat(health.onReply(4, 4)).isTrue();
        assertThat(health.stopped()).isFalse();
        assertThat(health.allowPacking()).isTrue();
    }

    @Test
    void onReply_failedProbe_waitsTwiceAsLongForTheNext() {
        for (int i = 0; i < 3; i++) {
            health.onReply(4, 0);
        }
        ticker.advance(Duration.ofSeconds(60));
        assertThat(health.allowPacking()).isTrue();
        health.onReply(4, 0);

        ticker.advance(Duration.ofSeconds(119));
        assertThat(health.allowPacking()).isFalse();
        ticker.advance(Duration.ofSeconds(1));
        assertThat(health.allowPacking()).isTrue();
    }
}
