package dev.llmbatch.worker.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PartitionGateTest {
    private static final TopicPartition P0 = new TopicPartition("jobs", 0);
    private static final TopicPartition P1 = new TopicPartition("jobs", 1);
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    private final PartitionGate gate = new PartitionGate(consumer);

    private void assign(TopicPartition... tps) {
        consumer.assign(List.of(tps));
        consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
        gate.assigned(List.of(tps));
    }

    @Test
    void assigned_isRestoringAndPaused_untilItsCommitWasRead() {
        assign(P0, P1);
        gate.sync();
        assertThat(consumer.paused()).containsExactlyInAnyOrder(P0, P1);
        assertThat(gate.accepts(P0)).isFalse();
        assertThat(gate.restoring()).containsExactlyInAnyOrder(P0, P1);
        gate.restored(P0);
        gate.sync();
        assertThat(consumer.paused()).containsExactly(P1);
        assertThat(gate.accepts(P0)).isTrue();
        assertThat(gate.closedPartitions()).isEqualTo(1);
    }

    @Test
    void withheld_seeksBackAndPauses_andReopensOnlyWhenNoLongerBlocked() {
        assign(P0);
        gate.restored(P0);
        gate.withhold(P0, 42);
        gate.sync();
        assertThat(consumer.position(P0)).isEqualTo(42);
        assertThat(consumer.paused()).containsExactly(P0);
        assertThat(gate.state(P0)).isEqualTo(PartitionGate.State.WITHHELD);
        gate.release(tp -> true);
        gate.sync();
        assertThat(consumer.paused()).containsExactly(P0);
        gate.release(tp -> false);
        gate.sync();
        assertThat(consumer.paused()).isEmpty();
        assertThat(gate.accepts(P0)).isTrue();
    }

    @Test
    void backpressure_pausesAll_withHysteresis_andDoesNotResumeAWithheldPartition() {
        assign(P0, P1);
        gate.restored(P0);
        gate.restored(P1);
        gate.withhold(P1, 7);
        assertThat(gate.backpressure(100, 100)).isTrue();
        gate.sync();
        assertThat(consumer.paused()).containsExactlyInAnyOrder(P0, P1);
        assertThat(gate.backpressure(76, 100)).isFalse();
        gate.sync();
        assertThat(gate.underBackpressure()).isTrue();
        gate.backpressure(75, 100);
        gate.sync();
        assertThat(gate.underBackpressure()).isFalse();
        assertThat(consumer.paused()).as("the withheld partition stays paused").containsExactly(P1);
    }

    /** Regression of the old four-set loop: releasing a withheld partition while paused must not resume it. */
    @Test
    void releaseUnderBackpressure_staysPausedUntilBackpressureEnds() {
        assign(P0);
        gate.restored(P0);
        gate.withhold(P0, 3);
        gate.backpressure(10, 10);
        gate.sync();
        gate.release(tp -> false);
        gate.sync();
        assertThat(consumer.paused()).containsExactly(P0);
        gate.backpressure(0, 10);
        gate.sync();
        assertThat(consumer.paused()).isEmpty();
    }

    @Test
    void removed_forgetsThePartition_andANewAssignmentRestoresAgain() {
        assign(P0);
        gate.sync();
        gate.removed(List.of(P0));
        assertThat(gate.assigned()).isZero();
        assertThat(gate.accepts(P0)).isFalse();
        gate.assigned(List.of(P0));
        assertThat(gate.restoring()).containsExactly(P0);
    }

    @Test
    void restoredAfterRevocation_doesNotReappear() {
        assign(P0);
        gate.removed(List.of(P0));
        gate.restored(P0);
        assertThat(gate.assigned()).isZero();
    }

    @Test
    void closeAll_pausesEverything() {
        assign(P0, P1);
        gate.restored(P0);
        gate.restored(P1);
        gate.sync();
        gate.closeAll();
        assertThat(consumer.paused()).isEqualTo(Set.of(P0, P1));
    }
}
