package dev.llmbatch.producer;

import dev.llmbatch.core.result.JobResult;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Follows the results topic and hands over the first result of each awaited job id. Reads with
 * {@code isolation.level=read_committed} (results of aborted worker transactions are never seen) and without a
 * consumer group: it assigns itself every partition and commits nothing, so any number of followers can watch the
 * same topic without disturbing each other or the workers.
 *
 * <p>Create it with {@link #fromNow} <em>before</em> submitting the jobs: it starts at the end offsets captured at
 * construction, so results that arrive while the jobs are still being submitted are not missed. {@link #fromBeginning}
 * reads the whole topic (to collect results of jobs submitted earlier).
 *
 * <p>Not thread-safe: construct, {@link #await} and {@link #close} from one thread at a time. The callbacks run on the
 * thread that called {@code await}.
 */
public interface ResultFollower extends AutoCloseable {

    /** Default results topic. */
    String DEFAULT_TOPIC = "llm.results";

    /**
     * A follower that sees results committed after this call.
     *
     * @throws IllegalStateException if the topic does not exist
     * @throws org.apache.kafka.common.errors.TimeoutException if the broker cannot be reached
     */
    static ResultFollower fromNow(String bootstrap, String resultsTopic) {
        return fromNow(bootstrap, resultsTopic, Map.of());
    }

    /** {@link #fromNow(String, String)} with extra consumer properties (security, {@code client.id}, ...). */
    static ResultFollower fromNow(String bootstrap, String resultsTopic, Map<String, ?> clientProperties) {
        return KafkaResultFollower.create(bootstrap, resultsTopic, clientProperties, false);
    }

    /**
     * A follower that reads every committed result still retained in the topic.
     *
     * @throws IllegalStateException if the topic does not exist
     */
    static ResultFollower fromBeginning(String bootstrap, String resultsTopic) {
        return fromBeginning(bootstrap, resultsTopic, Map.of());
    }

    /** {@link #fromBeginning(String, String)} with extra consumer properties. */
    static ResultFollower fromBeginning(String bootstrap, String resultsTopic, Map<String, ?> clientProperties) {
        return KafkaResultFollower.create(bootstrap, resultsTopic, clientProperties, true);
    }

    /**
     * Reads results until every id in {@code ids} has one. Calls {@code onFirstResult} exactly once per awaited id,
     * with the first result read for it; results for other ids and later duplicates are skipped, as are records that
     * are not result documents (logged). Reading continues from where an earlier {@code await} stopped, so results
     * read by an earlier call are not seen again.
     *
     * @param ids           the job ids to wait for (copied; may be empty)
     * @param onFirstResult called on this thread for the first result of each id
     * @param timeout       how long to wait in total
     * @param progress      told the progress after every poll
     * @throws ResultTimeoutException if some ids have no result when the timeout passes
     * @throws org.apache.kafka.common.errors.InterruptException if the thread is interrupted
     */
    void await(Set<String> ids, Consumer<JobResult> onFirstResult, Duration timeout, ProgressListener progress);

    /** Closes the consumer. Idempotent. */
    @Override
    void close();
}
