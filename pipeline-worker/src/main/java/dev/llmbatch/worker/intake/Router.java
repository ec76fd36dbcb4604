package dev.llmbatch.worker.intake;

import dev.llmbatch.core.job.DecodeResult;
import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.job.JobCodec;
import dev.llmbatch.core.job.JobResolver;
import dev.llmbatch.core.result.ErrorInfo;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.worker.emission.Ticket;
import java.time.Clock;
import java.util.List;

/**
 * Decides what one jobs-topic record is: decodes and validates it, resolves it against the configuration, checks
 * its deadline and its id. Touches no Kafka client and publishes nothing: the loop applies the {@link Route}. The
 * wall clock is read only for the job's deadline (a wall-clock instant by contract), never for elapsed time.
 *
 * <p>Not thread-safe: owned by the Kafka loop thread (the {@link Deduplicator} it consults is).
 */
final class Router {
    private final JobResolver resolver;
    private final Deduplicator dedupe;
    private final Clock clock;

    Router(JobResolver resolver, Deduplicator dedupe, Clock clock) {
        this.resolver = resolver;
        this.dedupe = dedupe;
        this.clock = clock;
    }

    /**
     * The decision for the record with {@code value} at {@code ticket}.
     *
     * @param answered whether the last commit of its partition records it as answered already
     */
    Route route(byte[] value, Ticket ticket, boolean answered) {
        if (answered) {
            return Route.Skip.INSTANCE;
        }
        DecodeResult decoded = JobCodec.decode(value);
        if (decoded instanceof DecodeResult.Unparseable u) {
            return new Route.DeadLetter(u.code(), u.message(), null);
        }
        if (decoded instanceof DecodeResult.Invalid i) {
            return new Route.DeadLetter(i.code(), i.message(),
                    i.id() == null ? null : rejected(i.id(), null, i.code(), i.message()));
        }
        Job job = ((DecodeResult.Valid) decoded).job();
        JobResolver.Resolution r = resolver.resolve(job);
        if (r instanceof JobResolver.Resolution.Rejected rej) {
            return new Route.DeadLetter(rej.code(), rej.message(), rejected(job.id(), job, rej.code(), rej.message()));
        }
        if (job.deadline() != null && !clock.instant().isBefore(job.deadline())) {
            return new Route.Answer(result(job, Status.EXPIRED, new ErrorInfo("deadline_exceeded",
                    "the job's deadline " + job.deadline() + " had passed when it was read", false)), "expired");
        }
        switch (dedupe.decide(job, ticket)) {
            case PROCEED:
                return new Route.Dispatch(((JobResolver.Resolution.Ok) r).job());
            case REPLAY:
                return new Route.Answer(dedupe.replay(job), "replayed");
            case FOLLOW:
                return Route.Follow.INSTANCE;
            default:
                throw new IllegalStateException("unknown idempotency decision");
        }
    }

    static JobResult rejected(String id, Job job, String code, String message) {
        return new JobResult(id, Status.REJECTED, null, null, null, null, null, 0, 0, 0, 0,
                new ErrorInfo(code, message, false), job == null ? null : job.submitter(),
                job == null ? null : job.batch(), job == null ? null : job.metadata(), List.of());
    }

    private static JobResult result(Job job, Status status, ErrorInfo error) {
        return new JobResult(job.id(), status, null, null, null, null, null, 0, 0, 0, 0, error, job.submitter(),
                job.batch(), job.metadata(), List.of());
    }
}
