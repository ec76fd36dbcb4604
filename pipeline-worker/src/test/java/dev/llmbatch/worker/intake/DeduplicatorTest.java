package dev.llmbatch.worker.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.llmbatch.core.config.WorkerSettings.IdempotencySettings;
import dev.llmbatch.core.job.ChatMessage;
import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.result.ErrorInfo;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.ResultCodec;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.core.result.Usage;
import dev.llmbatch.worker.emission.Ticket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeduplicatorTest {
    private final MutableClock clock = new MutableClock();
    private final Deduplicator d = new Deduplicator(new IdempotencySettings(true, Duration.ofMinutes(10), 3), clock);

    private static Job job(String id, String submitter) {
        return new Job(id, "m", List.of(new ChatMessage("user", "hi")), 5, null, null, 1, null, null, submitter,
                "b", null, null, JsonNodeFactory.instance.objectNode().put("row", submitter.length()));
    }

    private static Ticket ticket(long offset) {
        return new Ticket("jobs", 0, offset, 0);
    }

    private static JobResult answer(String id, Status status) {
        return new JobResult(id, status, "positive", "stop", new Usage(40, 1), "eastus", "d", 2, 1, 800, 30,
                status == Status.FAILED ? new ErrorInfo("server_error", "boom", true) : null, "first", "b", null,
                List.of("westeurope:500", "eastus:200"));
    }

    @Test
    void answeredId_isReplayedWithTheEarlierAnswerAddressedToTheNewJob_noCall() {
        assertThat(d.decide(job("a", "first"), ticket(0))).isEqualTo(Deduplicator.Decision.PROCEED);
        assertThat(d.onPublished(answer("a", Status.SUCCEEDED), ResultCodec.encode(answer("a", Status.SUCCEEDED)))).isEmpty();

        Job again = job("a", "second-svc");
        assertThat(d.decide(again, ticket(1))).isEqualTo(Deduplicator.Decision.REPLAY);
        JobResult r = d.replay(again);
        assertThat(r.output()).isEqualTo("positive");
        assertThat(r.status()).isEqualTo(Status.SUCCEEDED);
        assertThat(r.usage()).isEqualTo(new Usage(40, 1));
        assertThat(r.submitter()).isEqualTo("second-svc");
        assertThat(r.metadata()).isEqualTo(again.metadata());
        assertThat(r.attempts()).isZero();
        assertThat(r.trace()).containsExactly("replay");
    }

    @Test
    void idInFlight_laterJobsJoinIt_andGetTheSameAnswerWhenItArrives() {
        assertThat(d.decide(job("a", "first"), ticket(0))).isEqualTo(Deduplicator.Decision.PROCEED);
        assertThat(d.decide(job("a", "x"), ticket(5))).isEqualTo(Deduplicator.Decision.FOLLOW);
        assertThat(d.decide(job("a", "yy"), ticket(9))).isEqualTo(Deduplicator.Decision.FOLLOW);
        assertThat(d.working()).isEqualTo(1);

        List<Map.Entry<Deduplicator.Follower, JobResult>> f = d.onPublished(answer("a", Status.SUCCEEDED), ResultCodec.encode(answer("a", Status.SUCCEEDED)));
        assertThat(f).extracting(e -> e.getKey().ticket().offset()).containsExactly(5L, 9L);
        assertThat(f).extracting(e -> e.getValue().submitter()).containsExactly("x", "yy");
        assertThat(f).allSatisfy(e -> assertThat(e.getValue().output()).isEqualTo("positive"));
        assertThat(d.working()).isZero();
    }

    @Test
    void failuresAreNotRemembered_soAResubmittedFailedJobIsWorkedOnAgain() {
        d.decide(job("a", "first"), ticket(0));
        d.onPublished(answer("a", Status.FAILED), ResultCodec.encode(answer("a", Status.FAILED)));
        assertThat(d.decide(job("a", "first"), ticket(1))).isEqualTo(Deduplicator.Decision.PROCEED);
    }

    @Test
    void anAnswerThatWasNotPublished_isNotRemembered_butStillServesItsFollowers() {
        d.decide(job("a", "first"), ticket(0));
        d.decide(job("a", "x"), ticket(1));
        assertThat(d.onPublished(answer("a", Status.SUCCEEDED), null)).hasSize(1);
        assertThat(d.decide(job("a", "first"), ticket(2))).isEqualTo(Deduplicator.Decision.PROCEED);
    }

    @Test
    void window_expiresAnswers_andHistoryOlderThanTheWindowIsIgnored() {
        d.decide(job("a", "first"), ticket(0));
        d.onPublished(answer("a", Status.SUCCEEDED), ResultCodec.encode(answer("a", Status.SUCCEEDED)));
        clock.advance(Duration.ofMinutes(11));
        assertThat(d.decide(job("a", "first"), ticket(1))).isEqualTo(Deduplicator.Decision.PROCEED);

        byte[] old = ResultCodec.encode(answer("h", Status.SUCCEEDED));
        d.remember("h", Status.SUCCEEDED, old, clock.millis() - Duration.ofMinutes(11).toMillis());
        assertThat(d.decide(job("h", "first"), ticket(2))).isEqualTo(Deduplicator.Decision.PROCEED);
        d.remember("k", Status.FILTERED, ResultCodec.encode(answer("k", Status.FILTERED)),
                clock.millis() - Duration.ofMinutes(9).toMillis());
        assertThat(d.decide(job("k", "first"), ticket(3))).isEqualTo(Deduplicator.Decision.REPLAY);
        clock.advance(Duration.ofMinutes(2));
        assertThat(d.decide(job("k", "first"), ticket(4))).as("its window counts from publication, not from "
                + "the read-back").isEqualTo(Deduplicator.Decision.PROCEED);
    }

    @Test
    void memoryIsBounded_byMaxEntries() {
        for (int i = 0; i < 50; i++) {
            d.remember("id" + i, Status.SUCCEEDED, ResultCodec.encode(answer("id" + i, Status.SUCCEEDED)),
                    clock.millis());
        }
        d.decide(job("zz", "first"), ticket(0)); // any access lets the cache evict
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> d.remembered() <= 3);
    }

    @Test
    void forgetWorking_dropsIdsInFlight_andDisabledAlwaysProceeds() {
        d.decide(job("a", "first"), ticket(0));
        d.forgetWorking();
        assertThat(d.decide(job("a", "first"), ticket(1))).isEqualTo(Deduplicator.Decision.PROCEED);

        Deduplicator off = new Deduplicator(new IdempotencySettings(false, Duration.ofMinutes(10), 3), clock);
        off.decide(job("a", "first"), ticket(0));
        off.onPublished(answer("a", Status.SUCCEEDED), ResultCodec.encode(answer("a", Status.SUCCEEDED)));
        assertThat(off.decide(job("a", "first"), ticket(1))).isEqualTo(Deduplicator.Decision.PROCEED);
        assertThatThrownBy(() -> off.replay(job("a", "first"))).isInstanceOf(IllegalStateException.class);
    }

    /** A wall clock the test moves by hand. */
    private static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-11-23T10:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
