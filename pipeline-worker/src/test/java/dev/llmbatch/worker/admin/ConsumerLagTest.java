package dev.llmbatch.worker.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.core.result.Usage;
import dev.llmbatch.core.time.FakeTicker;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Lag, estimated tokens, pace and ETA from offsets read by a source, on a fake clock. */
class ConsumerLagTest {
    private final FakeTicker ticker = new FakeTicker();
    private final Metrics metrics = new Metrics();
    private final Map<Integer, Long> committed = new HashMap<>();
    private final Map<Integer, Long> start = new HashMap<>();
    private final Map<Integer, Long> end = new HashMap<>();
    private int reads;
    private RuntimeException failure;
    private final ConsumerLag lag = new ConsumerLag("jobs", "g", new ConsumerLag.LagSource() {
        @Override
        public void read(ConsumerLag.Callback done) {
            reads++;
            if (failure != null) {
                done.failed(failure);
            } else {
                done.offsets(Map.copyOf(committed), Map.copyOf(start), Map.copyOf(end));
            }
        }

        @Override
        public void close() {
        }
    }, ticker, metrics);

    private static JobResult answer(int prompt, int completion) {
        return new JobResult("a", Status.SUCCEEDED, "ok", "stop", new Usage(prompt, completion), "r", "d", 1, 1, 5, 1,
                null, null, null, null, List.of());
    }

    @Test
    void refresh_lagPerPartition_countsFromTheStartWithoutACommit() {
        committed.put(0, 40L);
        start.put(1, 5L);
        end.put(0, 100L);
        end.put(1, 25L);

        lag.refresh();

        ConsumerLag.Snapshot s = lag.snapshot();
        assertThat(s.partitions()).extracting(ConsumerLag.Partition::records).containsExactly(60L, 20L);
        assertThat(s.records()).isEqualTo(80);
        assertThat(s.tokens()).as("no answer yet: no estimate").isZero();
        assertThat(s.tokensPerJob()).isNull();
        assertThat(s.etaSeconds()).as("one reading: no pace yet").isNull();
        assertThat(metrics.gaugeValue("llm_consumer_lag_records", "topic", "jobs", "partition", "0")).isEqualTo(60);
        assertThat(metrics.gaugeValue("llm_consumer_lag_records", "topic", "jobs", "partition", "1")).isEqualTo(20);
        assertThat(metrics.gaugeValue("llm_consumer_lag_eta_seconds", "topic", "jobs")).isNaN();
    }

    @Test
    void tokens_areRecordsTimesTheMeanBilledPerAnsweredJob() {
        lag.onResult(answer(30, 10));
        lag.onResult(answer(50, 10));
        lag.onResult(answer(0, 0)); // a failure that cost nothing is not a job's price
        end.put(0, 10L);

        lag.refresh();

        assertThat(lag.snapshot().tokensPerJob()).isEqualTo(50.0);
        assertThat(lag.snapshot().tokens()).isEqualTo(500);
        assertThat(metrics.gaugeValue("llm_consumer_lag_tokens", "topic", "jobs", "partition", "0")).isEqualTo(500);
    }

    @Test
    void eta_isLagOverTheGroupsPaceOfTheLastMinute() {
        end.put(0, 1000L);
        committed.put(0, 0L);
        lag.refresh();
        ticker.advance(Duration.ofSeconds(10));
        committed.put(0, 200L); // 20 records/s

        lag.refresh();

        assertThat(lag.snapshot().recordsPerSecond()).isEqualTo(20.0);
        assertThat(lag.snapshot().etaSeconds()).isEqualTo(40.0); // 800 left
        assertThat(metrics.gaugeValue("llm_consumer_lag_eta_seconds", "topic", "jobs")).isEqualTo(40.0);

        ticker.advance(Duration.ofSeconds(120));
        committed.put(0, 1000L);
        lag.refresh();
        assertThat(lag.snapshot().etaSeconds()).as("no lag left").isEqualTo(0.0);
    }

    @Test
    void eta_unknownWhileNothingAdvances() {
        end.put(0, 50L);
        lag.refresh();
        ticker.advance(Duration.ofSeconds(5));
        lag.refresh();

        assertThat(lag.snapshot().recordsPerSecond()).isEqualTo(0.0);
        assertThat(lag.snapshot().etaSeconds()).isNull();
    }

    @Test
    void refresh_failedRead_keepsTheLastReadingAndNamesTheError() {
        end.put(0, 7L);
        lag.refresh();
        failure = new org.apache.kafka.common.errors.TimeoutException("broker away");

        lag.refresh();

        assertThat(lag.snapshot().records()).isEqualTo(7);
        assertThat(lag.snapshot().error()).isEqualTo("TimeoutException");
        assertThat(reads).isEqualTo(2);
    }
}
