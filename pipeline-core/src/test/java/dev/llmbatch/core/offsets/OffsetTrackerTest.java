package dev.llmbatch.core.offsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class OffsetTrackerTest {
    private final OffsetTracker<String> tracker = new OffsetTracker<>(3_000);

    private void track(String partition, long... offsets) {
        for (long o : offsets) {
            tracker.track(partition, o);
        }
    }

    @Test
    void committable_outOfOrderCompletion_stopsAtLowestPending() {
        track("p0", 10, 11, 12, 13);

        assertThat(tracker.complete("p0", 12)).isTrue();
        assertThat(tracker.complete("p0", 11)).isTrue();
        assertThat(tracker.committable("p0")).isEqualTo(OptionalLong.of(10));

        assertThat(tracker.complete("p0", 10)).isTrue();
        assertThat(tracker.committable("p0")).isEqualTo(OptionalLong.of(13));
    }

    @Test
    void committable_allComplete_isHighestSeenPlusOne() {
        track("p0", 5, 7, 9);

        tracker.complete("p0", 9);
        tracker.complete("p0", 5);
        tracker.complete("p0", 7);

        assertThat(tracker.committable("p0")).isEqualTo(OptionalLong.of(10));
    }

    @Test
    void committable_nothingTracked_isEmpty() {
        assertThat(tracker.committable("p0")).isEmpty();
        assertThat(tracker.allCommittable()).isEmpty();
    }

    @Test
    void committable_afterMarkCommitted_isEmptyUntilPositionMoves() {
        track("p0", 0, 1, 2);
        tracker.complete("p0", 0);
        assertThat(tracker.committable("p0")).isEqualTo(OptionalLong.of(1));

        tracker.markCommitted("p0", 1);
        assertThat(tracker.committable("p0")).isEmpty();
        tracker.complete("p0", 2);
        assertThat(tracker.committable("p0")).isEmpty();

        tracker.complete("p0", 1);
        assertThat(tracker.committable("p0")).isEqualTo(OptionalLong.of(3));
        tracker.markCommitted("p0", 3);
        assertThat(tracker.committable("p0")).isEmpty();
    }

    @Test
    void markCommitted_olderOffset_doesNotMoveCommittedBack() {
        track("p0", 0, 1);
        tracker.complete("p0", 0);
        tracker.complete("p0", 1);
        tracker.markCommitted("p0", 2);

        tracker.markCommitted("p0", 1);

        assertThat(tracker.committable("p0")).isEmpty();
    }

    @Test
    void allCommittable_severalPartitions_returnsOnlyThoseThatMoved() {
        track("p0", 0, 1);
        track("p1", 100);
        track("p2", 7);
        tracker.complete("p0", 0);
        tracker.complete("p2", 7);
        tracker.markCommitted("p2", 8);

        assertThat(tracker.allCommittable()).isEqualTo(Map.of("p0", 1L, "p1", 100L));
    }

    @Test
    void complete_removedPartition_returnsFalseAndForgetsItsPending() {
        track("p0", 1, 2, 3);
        track("p1", 1);

        tracker.remove("p0");

        assertThat(tracker.complete("p0", 2)).isFalse();
        assertThat(tracker.isPending("p0", 2)).isFalse();
        assertThat(tracker.committable("p0")).isEmpty();
        assertThat(tracker.pendingCount()).isEqualTo(1);
    }

    @Test
    void complete_duplicateOrUnknownOffset_returnsFalse() {
        track("p0", 1, 2);

        assertThat(tracker.complete("p0", 1)).isTrue();
        assertThat(tracker.complete("p0", 1)).isFalse();
        assertThat(tracker.complete("p0", 3)).isFalse();
        assertThat(tracker.pendingCount()).isEqualTo(1);
    }

    @Test
    void pendingCount_acrossPartitions_countsTrackedMinusCompleted() {
        track("p0", 1, 2, 3);
        track("p1", 10, 11);

        tracker.complete("p0", 2);
        tracker.complete("p1", 11);

        assertThat(tracker.pendingCount()).isEqualTo(3);
        assertThat(tracker.pendingCount("p0")).isEqualTo(2);
        assertThat(tracker.pendingCount("p1")).isEqualTo(1);
        assertThat(tracker.pendingCount("p9")).isZero();
        assertThat(tracker.isPending("p0", 1)).isTrue();
        assertThat(tracker.isPending("p0", 2)).isFalse();
    }

    @Test
    void track_nonIncreasingOffset_throws() {
        track("p0", 5);

        assertThatThrownBy(() -> tracker.track("p0", 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tracker.track("p0", 4)).isInstanceOf(IllegalArgumentException.class);
        assertThat(tracker.pendingCount()).isEqualTo(1);
    }

    @Test
    void track_afterRemove_acceptsTheSameOffsetsAgain() {
        track("p0", 5, 6);
        tracker.remove("p0");

        tracker.track("p0", 5);

        assertThat(tracker.pendingCount()).isEqualTo(1);
        assertThat(tracker.committable("p0")).isEqualTo(OptionalLong.of(5));
    }
}
