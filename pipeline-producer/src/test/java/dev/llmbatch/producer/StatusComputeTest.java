package dev.llmbatch.producer;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class StatusComputeTest {
    private static final long SECOND = 1_000_000_000L;

    private static StatusProbe.Offsets offsets(Map<Integer, Long> committed, Map<Integer, Long> end, long at) {
        return new StatusProbe.Offsets("Stable", committed, Map.of(0, 0L, 1, 0L, 2, 5L), end, at);
    }

    @Test
    void compute_someCommits_lagPerPartitionAndFromLogStartWithout() {
        StatusProbe.Offsets before = offsets(Map.of(0, 10L, 1, 40L), Map.of(0, 100L, 1, 50L, 2, 25L), 0);
        StatusProbe.Offsets after = offsets(Map.of(0, 30L, 1, 50L), Map.of(0, 100L, 1, 50L, 2, 25L), 5 * SECOND);

        StatusCommand.Snapshot s = StatusCommand.compute("g", "t", before, after, new StatusProbe.TokenSample(10, 400));

        assertThat(s.partitions()).containsExactly(
                new StatusCommand.PartitionLag(0, OptionalLong.of(30), 100, 70),
                new StatusCommand.PartitionLag(1, OptionalLong.of(50), 50, 0),
                new StatusCommand.PartitionLag(2, OptionalLong.empty(), 25, 20));
        assertThat(s.backlogJobs()).isEqualTo(90);
        assertThat(s.backlogTokens()).hasValue(40 * 90);
        assertThat(s.jobsPerSecond()).isEqualTo(6.0);
        assertThat(s.eta()).contains(Duration.ofSeconds(15));
        assertThat(s.format()).contains("backlog: 90 jobs, ~3,600 tokens (estimate: 40.0 tokens/job over 10 sampled")
                .contains("rate:    6.00 jobs/s").contains("ETA:     15s");
    }

    @Test
    void compute_noProgress_etaUnknown() {
        StatusProbe.Offsets before = offsets(Map.of(0, 10L), Map.of(0, 100L), 0);
        StatusProbe.Offsets after = offsets(Map.of(0, 10L), Map.of(0, 120L), 5 * SECOND);

        StatusCommand.Snapshot s = StatusCommand.compute("g", "t", before, after, StatusProbe.TokenSample.NONE);

        assertThat(s.jobsPerSecond()).isZero();
        assertThat(s.eta()).isEmpty();
        assertThat(s.backlogTokens()).isEmpty();
        assertThat(s.format()).contains("ETA:     unknown").contains("tokens unknown");
    }

    @Test
    void compute_noBacklog_etaZeroAndNoTokens() {
        StatusProbe.Offsets both = offsets(Map.of(0, 100L), Map.of(0, 100L), 0);

        StatusCommand.Snapshot s = StatusCommand.compute("g", "t", both, both, StatusProbe.TokenSample.NONE);

        assertThat(s.backlogJobs()).isZero();
        assertThat(s.backlogTokens()).hasValue(0);
        assertThat(s.eta()).contains(Duration.ZERO);
    }
}
