package dev.llmbatch.worker.intake;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.llmbatch.core.config.WorkerSettings.IdempotencySettings;
import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.ResultCodec;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.worker.emission.Ticket;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Idempotency by job id. A job whose id was answered within the window gets that answer again, without a call
 * ({@link Decision#REPLAY}); a job whose id is being worked on right now waits for that answer
 * ({@link Decision#FOLLOW}); any other job goes on to dispatch and becomes the id's leader ({@link Decision#PROCEED}).
 *
 * <p>Only model answers are remembered ({@code succeeded} and {@code filtered}): a job that failed, expired or was
 * rejected is worked on again when it is submitted again, since resubmitting is how such jobs are retried. Answers
 * are kept as their encoded bytes, at most {@code max-entries} of them, each for {@code window} after it was
 * published, so the memory is bounded whatever the traffic. {@link #remember} also takes answers read back from the
 * results topic at start-up, with their publication time, so the window survives a restart.
 *
 * <p>Not thread-safe (except {@link #remembered}): owned by the Kafka loop thread.
 */
public final class Deduplicator {
    /** What to do with a job read from the jobs topic. */
    public enum Decision { PROCEED, REPLAY, FOLLOW }

    /** A job waiting for the answer of an earlier job with the same id. */
    public record Follower(Job job, Ticket ticket) {
    }

    private final boolean enabled;
    private final Clock clock;
    private final long windowMillis;
    private final Cache<String, Answer> answers;
    private final Map<String, List<Follower>> working = new HashMap<>();

    private record Answer(byte[] encoded, long publishedMillis) {
    }

    public Deduplicator(IdempotencySettings settings, Clock clock) {
        this.enabled = settings.enabled();
        this.clock = clock;
        this.windowMillis = settings.window().toMillis();
        // the cache's time is the injected wall clock, the one answers' publication times are read on
        this.answers = Caffeine.newBuilder().ticker(() -> clock.millis() * 1_000_000L)
                .maximumSize(settings.maxEntries()).recordStats().expireAfter(new Expiry<String, Answer>() {
            @Override
            public long expireAfterCreate(String id, Answer a, long now) {
                return Math.max(0, windowMillis - (clock.millis() - a.publishedMillis())) * 1_000_000L;
            }

            @Override
            public long expireAfterUpdate(String id, Answer a, long now, long current) {
                return expireAfterCreate(id, a, now);
            }

            @Override
            public long expireAfterRead(String id, Answer a, long now, long current) {
                return current;
            }
        }).build();
    }

    public boolean enabled() {
        return enabled;
    }

    /**
     * Decides for a job just read. For {@link Decision#PROCEED} the job's id is now being worked on: its result
     * must come back through {@link #onPublished} or, if it is never published, {@link #forget}.
     */
    public Decision decide(Job job, Ticket ticket) {
        if (!enabled) {
            return Decision.PROCEED;
        }
        if (answers.getIfPresent(job.id()) != null) {
            return Decision.REPLAY;
        }
        List<Follower> followers = working.get(job.id());
        if (followers == null) {
            working.put(job.id(), List.of()); // no list per job: one is made for the first copy, if any
            return Decision.PROCEED;
        }
        if (followers.isEmpty()) {
            followers = new ArrayList<>(1);
            working.put(job.id(), followers);
        }
        followers.add(new Follower(job, ticket));
        return Decision.FOLLOW;
    }

    /** The remembered answer for {@code job}'s id, re-addressed to {@code job} (after {@link Decision#REPLAY}). */
    public JobResult replay(Job job) {
        Answer a = answers.getIfPresent(job.id());
        if (a == null) {
            throw new IllegalStateException("no answer is remembered for this id");
        }
        return replayOf(ResultCodec.decode(a.encoded()), job);
    }

    /**
     * Records the answer to a leader's id and returns the jobs that waited for it, each with its own copy of the
     * answer. Called for every final result of a job that was {@link Decision#PROCEED}ed: with the bytes published
     * for it (kept as they are), or null if it was not published (revoked, or held back), when it is not remembered.
     */
    public List<Map.Entry<Follower, JobResult>> onPublished(JobResult result, byte[] published) {
        if (!enabled) {
            return List.of();
        }
        if (published != null && remembers(result.status())) {
            answers.put(result.id(), new Answer(published, clock.millis()));
        }
        List<Follower> followers = working.remove(result.id());
        if (followers == null || followers.isEmpty()) {
            return List.of();
        }
        List<Map.Entry<Follower, JobResult>> out = new ArrayList<>(followers.size());
        for (Follower f : followers) {
            out.add(Map.entry(f, replayOf(result, f.job())));
        }
        return out;
    }

    /** Remembers an answer read back from the results topic, published at {@code publishedMillis}. */
    public void remember(String id, Status status, byte[] encoded, long publishedMillis) {
        if (enabled && remembers(status) && clock.millis() - publishedMillis < windowMillis) {
            answers.put(id, new Answer(encoded, publishedMillis));
        }
    }

    /** Forgets every id being worked on (after a rewind, all of them are read again). */
    public void forgetWorking() {
        working.clear();
    }

    /** Ids being worked on now (leaders), for metrics and tests. */
    public int working() {
        return working.size();
    }

    /** The answers' cache, for its statistics (every job's id is looked up in it); never write to it. */
    public Cache<String, ?> cache() {
        return answers;
    }

        /** Answers remembered now (an estimate; safe to call from any thread). */
    public long remembered() {
        return answers.estimatedSize();
    }

    private static boolean remembers(Status s) {
        return s == Status.SUCCEEDED || s == Status.FILTERED;
    }

    /**
     * The earlier answer for a later job with the same id: same outcome, region and usage (what the answer cost),
     * but the later job's own submitter, batch and metadata, no attempts of its own, and a trace saying so.
     */
    static JobResult replayOf(JobResult earlier, Job job) {
        return new JobResult(job.id(), earlier.status(), earlier.output(), earlier.finishReason(), earlier.usage(),
                earlier.region(), earlier.deployment(), 0, earlier.batchSize(), 0, 0, earlier.error(),
                job.submitter(), job.batch(), job.metadata(), List.of("replay"));
    }
}
