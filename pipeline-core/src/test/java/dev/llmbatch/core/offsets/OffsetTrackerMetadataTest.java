package dev.llmbatch.core.offsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The completed offsets above the commit position: what the commit metadata records, restores and bounds. */
class OffsetTrackerMetadataTest {
    private final OffsetTracker<String> tracker = new OffsetTracker<>(3_000);

    private void track(String partition, long... offsets) {
        for (long o : offsets) {
            assertThat(tracker.track(partition, o)).as("track %d", o).isTrue();
        }
    }

    private static CompletedOffsets set(long base, long... bounds) {
        CompletedOffsets.Builder b = CompletedOffsets.builder(base);
        for (int i = 0; i < bounds.length; i += 2) {
            b.add(bounds[i], bounds[i + 1]);
        }
        return b.build();
    }

    @Test
    void toCommit_completionsAboveAStuckPosition_commitTheSamePositionWithThemInTheMetadata() {
        track("p0", 10, 11, 12, 13, 14);
        tracker.complete("p0", 12);
        tracker.complete("p0", 13);

        Map<String, OffsetTracker.Commit> commits = tracker.toCommit();

        assertThat(commits).containsOnlyKeys("p0");
        OffsetTracker.Commit c = commits.get("p0");
        assertThat(c.offset()).isEqualTo(10);
        assertThat(CompletedOffsets.decode(c.metadata(), 10)).isEqualTo(set(10, 12, 14));
        tracker.markCommitted("p0", c);
        assertThat(tracker.toCommit()).as("nothing changed since").isEmpty();

        tracker.complete("p0", 14);
        OffsetTracker.Commit again = tracker.toCommit().get("p0");
        assertThat(again.offset()).as("position still stuck at the first job").isEqualTo(10);
        assertThat(CompletedOffsets.decode(again.metadata(), 10)).isEqualTo(set(10, 12, 15));
    }

    @Test
    void toCommit_positionPassesTheCompletedOffsets_metadataEmptiesAgain() {
        track("p0", 0, 1, 2);
        tracker.complete("p0", 2);
        tracker.complete("p0", 1);
        assertThat(tracker.toCommit().get("p0").metadata()).isNotEmpty();

        tracker.complete("p0", 0);

        assertThat(tracker.toCommit()).containsEntry("p0", new OffsetTracker.Commit(3, ""));
    }

    @Test
    void toCommit_inOrderCompletion_hasEmptyMetadata() {
        track("p0", 0, 1, 2);
        tracker.complete("p0", 0);

        assertThat(tracker.toCommit()).containsEntry("p0", new OffsetTracker.Commit(1, ""));
        assertThat(tracker.toCommit().get("p0").offset()).isEqualTo(tracker.committable("p0").getAsLong());
    }

    @Test
    void toCommit_nothingTracked_isEmpty() {
        assertThat(tracker.toCommit()).isEmpty();
    }

    @Test
    void completed_offsetsNeverDelivered_countAsCompleted() {
        // 11 and 13..14 are transaction markers or aborted records: a read_committed reader never gets them
        track("p0", 10, 12, 15, 16);
        tracker.complete("p0", 16);

        assertThat(tracker.completed("p0")).isEqualTo(set(10, 11, 12, 13, 15, 16, 17));
    }

    @Test
    void restore_recordedOffsets_areSkippedAndStayInTheMetadataUntilThePositionPassesThem() {
        String metadata = set(100, 101, 103, 105, 106).encode();
        tracker.restore("p0", CompletedOffsets.decode(metadata, 100));
        assertThat(tracker.toCommit()).as("the restored commit is what is committed").isEmpty();

        assertThat(tracker.track("p0", 100)).isTrue();
        assertThat(tracker.track("p0", 101)).as("answered before the restart").isFalse();
        assertThat(tracker.track("p0", 102)).isFalse();
        assertThat(tracker.track("p0", 103)).isTrue();
        assertThat(tracker.track("p0", 104)).isTrue();
        assertThat(tracker.pendingCount("p0")).isEqualTo(3);
        assertThat(tracker.toCommit()).as("nothing new is answered").isEmpty();
        assertThat(tracker.completed("p0")).isEqualTo(set(100, 101, 103, 105, 106));

        tracker.complete("p0", 100);
        assertThat(tracker.toCommit()).containsEntry("p0", new OffsetTracker.Commit(103, set(103, 105, 106)
                .encode()));
        tracker.complete("p0", 104);
        tracker.complete("p0", 103);
        assertThat(tracker.toCommit()).as("one past the restored 105, which is not read yet")
                .containsEntry("p0", new OffsetTracker.Commit(105, set(105, 105, 106).encode()));
        assertThat(tracker.track("p0", 105)).isFalse();
        assertThat(tracker.toCommit()).containsEntry("p0", new OffsetTracker.Commit(106, ""));
    }

    @Test
    void restore_firstRecordAboveTheRestoredRanges_dropsThem() {
        tracker.restore("p0", set(100, 101, 103));

        assertThat(tracker.track("p0", 200)).as("101..102 were deleted by retention, say").isTrue();

        assertThat(tracker.completed("p0")).isEqualTo(CompletedOffsets.none(200));
        assertThat(tracker.toCommit()).containsEntry("p0", new OffsetTracker.Commit(200, ""));
    }

    @Test
    void restore_replacesWhatWasTrackedForThePartition() {
        track("p0", 1, 2, 3);
        track("p1", 7);

        tracker.restore("p0", CompletedOffsets.none(50));

        assertThat(tracker.pendingCount()).isEqualTo(1);
        assertThat(tracker.isPending("p0", 2)).isFalse();
        assertThat(tracker.track("p0", 50)).isTrue();
    }

    @Test
    void restore_committedMetadata_roundTripsThroughANewTracker() {
        track("p0", 0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        for (long o : new long[] {2, 3, 5, 8}) {
            tracker.complete("p0", o);
        }
        OffsetTracker.Commit c = tracker.toCommit().get("p0");

        OffsetTracker<String> next = new OffsetTracker<>(3_000);
        next.restore("p0", CompletedOffsets.decode(c.metadata(), c.offset()));

        assertThat(next.completed("p0")).isEqualTo(tracker.completed("p0"));
        List<Long> work = new ArrayList<>();
        for (long o = 0; o < 10; o++) {
            if (next.track("p0", o)) {
                work.add(o);
            }
        }
        assertThat(work).containsExactly(0L, 1L, 4L, 6L, 7L, 9L);
    }

    @Test
    void canComplete_everyOtherOffset_refusesOnceTheBoundIsReachedAndAlwaysAcceptsTheLowest() {
        OffsetTracker<String> small = new OffsetTracker<>(OffsetTracker.MIN_METADATA_CHARS);
        for (long o = 0; o < 400; o++) {
            small.track("p0", o);
        }
        int accepted = 0;
        int refused = 0;
        for (long o = 1; o < 400; o += 2) {
            if (small.canComplete("p0", o)) {
                assertThat(small.complete("p0", o)).isTrue();
                accepted++;
            } else {
                refused++;
            }
            assertThat(small.completed("p0").encodedLength()).isLessThanOrEqualTo(OffsetTracker.MIN_METADATA_CHARS);
        }
        assertThat(accepted).as("completions recorded").isBetween(60, 95);
        assertThat(refused).isEqualTo(200 - accepted);
        assertThat(small.canComplete("p0", 0)).as("the lowest pending offset").isTrue();

        small.complete("p0", 0);
        small.complete("p0", 2);

        assertThat(small.canComplete("p0", 2L * accepted + 1)).as("room again once the position moved").isTrue();
    }

    @Test
    void canComplete_notPending_isTrueAndCompleteRefusesIt() {
        assertThat(tracker.canComplete("p9", 5)).isTrue();
        assertThat(tracker.complete("p9", 5)).isFalse();
    }

    @Test
    void intakeBlocked_metadataNearlyFull_blocksUntilItShrinksAndNeverWithNothingPending() {
        OffsetTracker<String> small = new OffsetTracker<>(OffsetTracker.MIN_METADATA_CHARS);
        long next = 0;
        // read in and answer every other record at once (as DLQ'd records are) until intake must wait
        while (!small.intakeBlocked("p0")) {
            small.track("p0", next);
            if (next % 2 == 1) {
                small.complete("p0", next);
            }
            next++;
            assertThat(small.completed("p0").encodedLength()).isLessThanOrEqualTo(OffsetTracker.MIN_METADATA_CHARS);
        }
        assertThat(next).isBetween(40L, 200L);
        assertThat(small.intakeBlocked("p0")).isTrue();

        small.complete("p0", 0);
        assertThat(small.intakeBlocked("p0")).as("shrunk by one range only: still above the resume level").isTrue();

        for (long o = 2; o < next / 2; o += 2) {
            small.complete("p0", o);
        }
        assertThat(small.intakeBlocked("p0")).as("shrunk to half").isFalse();

        for (long o = next / 2; o < next; o++) {
            small.complete("p0", o);
        }
        assertThat(small.pendingCount("p0")).isZero();
        assertThat(small.intakeBlocked("p0")).isFalse();
    }

    @Test
    void intakeBlocked_restoredMetadataOverTheBound_stillTakesRecordsWhileNothingIsPending() {
        // written by a worker with a larger bound
        CompletedOffsets.Builder b = CompletedOffsets.builder(0);
        for (long o = 1; o < 400; o += 2) {
            b.add(o, o + 1);
        }
        OffsetTracker<String> small = new OffsetTracker<>(OffsetTracker.MIN_METADATA_CHARS);
        small.restore("p0", b.build());

        assertThat(small.intakeBlocked("p0")).isFalse();
        assertThat(small.track("p0", 0)).isTrue();
        assertThat(small.intakeBlocked("p0")).isTrue();
        assertThat(small.canComplete("p0", 0)).isTrue();
        small.complete("p0", 0);
        assertThat(small.intakeBlocked("p0")).isFalse();
        assertThat(small.track("p0", 1)).isFalse();
    }

    @Test
    void constructor_boundBelowMinimum_throws() {
        assertThatThrownBy(() -> new OffsetTracker<>(OffsetTracker.MIN_METADATA_CHARS - 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Random reads (with offsets the consumer never delivers), completions in random order, results held back when
     * {@link OffsetTracker#canComplete} says so, intake paused when {@link OffsetTracker#intakeBlocked} says so, and
     * restarts from the committed metadata, checked against a plain model: the completed set is exactly the answered
     * or never-delivered offsets above the position, the metadata never outgrows the bound, every change stays
     * within the growth the tracker assumes, and no answered record is handed out again after a restart.
     */
    @Test
    void randomRunsWithRestarts_matchTheModelAndNeverOutgrowTheBound() {
        int[] seen = new int[3];
        for (int seed = 0; seed < 24; seed++) {
            Random rnd = new Random(seed);
            int maxChars = seed % 3 == 0 ? 3_000 : OffsetTracker.MIN_METADATA_CHARS + rnd.nextInt(200);
            runRandom(rnd, maxChars, seen);
        }
        assertThat(seen[0]).as("completions held back").isPositive();
        assertThat(seen[1]).as("reads refused while intake was blocked").isPositive();
        assertThat(seen[2]).as("restarts").isPositive();
    }

    private static void runRandom(Random rnd, int maxChars, int[] seen) {
        boolean adversarial = rnd.nextBoolean();
        List<Long> log = new ArrayList<>();
        long o = rnd.nextInt(5);
        for (int i = 0; i < 3_000; i++) {
            log.add(o);
            o += rnd.nextInt(10) == 0 ? 2 + rnd.nextInt(3) : 1;
        }
        Set<Long> inLog = new HashSet<>(log);
        OffsetTracker<String> t = new OffsetTracker<>(maxChars);
        Set<Long> answered = new HashSet<>();
        TreeSet<Long> pending = new TreeSet<>();
        int next = 0;
        long highest = -1;
        int answeredTwice = 0;
        for (int step = 0; step < 6_000; step++) {
            int op = rnd.nextInt(100);
            // phases of mostly reading (many pending) and mostly answering (completions fragment the set)
            int reads = (step / 400) % 2 == 0 ? 96 : 15;
            if (op < reads && next < log.size() && t.intakeBlocked("p")) {
                seen[1]++;
            } else if (op < reads && next < log.size()) {
                long offset = log.get(next++);
                int before = t.completed("p").binaryLength();
                boolean work = t.track("p", offset);
                highest = offset;
                assertThat(t.completed("p").binaryLength() - before).isLessThanOrEqualTo(OffsetTracker.TRACK_GROWTH);
                assertThat(work).as("offset %d is work iff not answered", offset).isEqualTo(!answered.contains(offset));
                if (work) {
                    pending.add(offset);
                    if (rnd.nextInt(10) == 0) { // answered at once, unchecked, as the loop does for a DLQ record
                        assertThat(t.complete("p", offset)).isTrue();
                        pending.remove(offset);
                        answered.add(offset);
                    }
                }
            } else if (op < 95 && !pending.isEmpty()) {
                Long pick = pending.ceiling(pending.first() + rnd.nextInt((int) (highest - pending.first() + 1)));
                for (int tries = 0; adversarial && tries < 8 && pick != null
                        && !(pending.contains(pick - 1) && pending.contains(pick + 1)); tries++) {
                    // prefer a completion that splits a run of pending offsets: the set fragments fastest
                    pick = pending.ceiling(pending.first() + rnd.nextInt((int) (highest - pending.first() + 1)));
                }
                long offset = rnd.nextInt(4) == 0 || pick == null ? pending.first() : pick;
                int before = t.completed("p").binaryLength();
                int bound = offset == pending.first() ? 0
                        : OffsetTracker.HEADER_GROWTH + 2 + CompletedOffsets.varintLength(pending.size());
                if (offset == pending.first()) {
                    assertThat(t.canComplete("p", offset)).as("the lowest pending offset").isTrue();
                }
                if (t.canComplete("p", offset)) {
                    if (answered.contains(offset)) {
                        answeredTwice++;
                    }
                    assertThat(t.complete("p", offset)).isTrue();
                    pending.remove(offset);
                    answered.add(offset);
                    assertThat(t.completed("p").binaryLength() - before).isLessThanOrEqualTo(bound);
                } else {
                    seen[0]++;
                }
            } else if (op >= 98 && rnd.nextInt(10) == 0) {
                // restart: a new owner starts from what the last commit recorded
                CompletedOffsets committed = t.completed("p");
                long c = committed.base();
                CompletedOffsets done = CompletedOffsets.decode(committed.encode(), c);
                t = new OffsetTracker<>(maxChars);
                t.restore("p", done);
                seen[2]++;
                pending.clear();
                for (int i = 0; i < done.rangeCount(); i++) {
                    for (long a = done.start(i); a < done.end(i); a++) {
                        if (inLog.contains(a)) {
                            assertThat(answered).as("recorded offsets were answered").contains(a);
                        }
                    }
                }
                answered.clear();
                for (int i = 0; i < done.rangeCount(); i++) {
                    for (long a = done.start(i); a < done.end(i); a++) {
                        answered.add(a);
                    }
                }
                next = 0;
                while (next < log.size() && log.get(next) < c) {
                    next++;
                }
                highest = c - 1;
            }
            CompletedOffsets actual = t.completed("p");
            assertThat(actual.encodedLength()).isLessThanOrEqualTo(maxChars);
            assertThat(CompletedOffsets.decode(actual.encode(), actual.base())).isEqualTo(actual);
            long position = pending.isEmpty() ? highest + 1 : pending.first();
            answered.removeIf(a -> a < position); // the position only moves up, also across restarts
            assertThat(actual.base()).isEqualTo(Math.max(position, 0));
            assertThat(actual).isEqualTo(model(position, highest, answered, inLog));
        }
        assertThat(answeredTwice).isZero();
    }

    /** Offsets at or above the position that were answered, or lie below the highest read and were never delivered. */
    private static CompletedOffsets model(long position, long highest, Set<Long> answered, Set<Long> inLog) {
        TreeSet<Long> done = new TreeSet<>();
        for (long a : answered) {
            if (a >= position) {
                done.add(a);
            }
        }
        for (long x = Math.max(position, 0); x <= highest; x++) {
            if (!inLog.contains(x)) {
                done.add(x);
            }
        }
        CompletedOffsets.Builder b = CompletedOffsets.builder(Math.max(position, 0));
        for (long d : done) {
            b.add(d, d + 1);
        }
        return b.build();
    }
}
