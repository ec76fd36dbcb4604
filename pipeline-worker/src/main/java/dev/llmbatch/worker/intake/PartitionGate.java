package dev.llmbatch.worker.intake;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Whether each assigned partition may be read, as one state machine per partition plus one switch for the whole
 * worker, and the only place that pauses and resumes the consumer:
 * <pre>
 *   assigned --&gt; RESTORING --(its commit was read)--&gt; OPEN --(commit metadata full)--&gt; WITHHELD
 *                                                      OPEN &lt;--(metadata shrank)-------- WITHHELD
 *   any state --(revoked or lost)--&gt; gone
 * </pre>
 * A partition is paused in the consumer exactly while it is not OPEN or while backpressure is on (too many jobs in
 * flight); {@link #sync} makes the consumer agree after every change, so a partition can never stay paused by a
 * state it has left, nor be resumed while another reason still holds it.
 *
 * <p>Not thread-safe: owned by the Kafka loop thread (counts are readable from any thread).
 */
final class PartitionGate {
    /** The state of one assigned partition. */
    enum State { RESTORING, OPEN, WITHHELD }

    private final Consumer<?, ?> consumer;
    private final Map<TopicPartition, State> states = new HashMap<>();
    /** What the consumer was last told to pause. */
    private final Set<TopicPartition> paused = new HashSet<>();
    private volatile boolean backpressure;
    private volatile int closedCount;
    private volatile int assignedCount;

    PartitionGate(Consumer<?, ?> consumer) {
        this.consumer = consumer;
    }

    /** Newly assigned partitions: closed until their commits have been read. */
    void assigned(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            states.put(tp, State.RESTORING);
            paused.remove(tp); // a newly assigned partition starts unpaused in the consumer
        }
        count();
    }

    /** Partitions no longer this worker's (revoked or lost). */
    void removed(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            states.remove(tp);
            paused.remove(tp);
        }
        count();
    }

    /** Its commit has been read: the partition opens (unless it was withheld or revoked meanwhile). */
    void restored(TopicPartition tp) {
        states.computeIfPresent(tp, (p, s) -> s == State.RESTORING ? State.OPEN : s);
    }

    /**
     * The partition's commit metadata may not have room for one more record: it goes back to {@code offset} (the
     * record not taken) and closes until {@link #release} finds room.
     */
    void withhold(TopicPartition tp, long offset) {
        if (states.get(tp) == State.OPEN) {
            states.put(tp, State.WITHHELD);
            consumer.seek(tp, offset);
        }
    }

    /** Reopens withheld partitions that {@code blocked} no longer holds. */
    void release(Predicate<TopicPartition> blocked) {
        states.replaceAll((tp, s) -> s == State.WITHHELD && !blocked.test(tp) ? State.OPEN : s);
    }

    /** Whether records of {@code tp} may be taken now (records already polled for a closed partition are not). */
    boolean accepts(TopicPartition tp) {
        return states.get(tp) == State.OPEN;
    }

    State state(TopicPartition tp) {
        return states.get(tp);
    }

    /** Partitions whose commits are still to be read. */
    List<TopicPartition> restoring() {
        List<TopicPartition> out = new ArrayList<>();
        states.forEach((tp, s) -> {
            if (s == State.RESTORING) {
                out.add(tp);
            }
        });
        return out;
    }

    /**
     * Backpressure by jobs in flight, with hysteresis: on at {@code max}, off again at three quarters of it.
     * Returns true when it just came on.
     */
    boolean backpressure(int inFlight, int max) {
        if (!backpressure && inFlight >= max) {
            backpressure = true;
            return true;
        }
        if (backpressure && inFlight <= max * 3 / 4) {
            backpressure = false;
        }
        return false;
    }

    /** Holds every partition from now on (shutdown). */
    void closeAll() {
        backpressure = true;
        sync();
    }

    /** Pauses and resumes the consumer's partitions so that exactly the closed ones are paused. */
    void sync() {
        List<TopicPartition> pause = null;
        List<TopicPartition> resume = null;
        for (Map.Entry<TopicPartition, State> e : states.entrySet()) {
            boolean closed = backpressure || e.getValue() != State.OPEN;
            if (closed && paused.add(e.getKey())) {
                pause = add(pause, e.getKey());
            } else if (!closed && paused.remove(e.getKey())) {
                resume = add(resume, e.getKey());
            }
        }
        if (pause != null) {
            consumer.pause(pause);
        }
        if (resume != null) {
            consumer.resume(resume);
        }
        count();
    }

    private static List<TopicPartition> add(List<TopicPartition> l, TopicPartition tp) {
        List<TopicPartition> out = l == null ? new ArrayList<>(4) : l;
        out.add(tp);
        return out;
    }

    private void count() {
        assignedCount = states.size();
        int n = 0;
        for (State s : states.values()) {
            if (s != State.OPEN) {
                n++;
            }
        }
        closedCount = n;
    }

    /** Whether backpressure holds every partition now. Any thread. */
    boolean underBackpressure() {
        return backpressure;
    }

    /** Partitions closed by their own state (restoring or withheld), for metrics. Any thread. */
    int closedPartitions() {
        return closedCount;
    }

    /** Partitions assigned now. Any thread. */
    int assigned() {
        return assignedCount;
    }
}
