package dev.llmbatch.worker.emission;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.ProducerFencedException;

/**
 * Tells a fence (a newer producer took this transactional id: a twin, or this worker restarted elsewhere) from a
 * transaction the broker aborted on its own. After a fence the id must never be initialised again by this worker:
 * that would fence the live twin in turn. Stateless.
 */
final class Fencing {
    private Fencing() {
    }

    /** Whether {@code t} or any of its causes is a fence. */
    static boolean isFencing(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ProducerFencedException || c instanceof FencedInstanceIdException) {
                return true;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return false;
    }

    /** {@code e} as the ProducerFencedException callers handle (it may arrive wrapped in another exception). */
    static ProducerFencedException asFenced(KafkaException e) {
        if (e instanceof ProducerFencedException f) {
            return f;
        }
        ProducerFencedException f = new ProducerFencedException(e.getMessage());
        f.initCause(e);
        return f;
    }
}
