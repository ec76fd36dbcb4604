package dev.llmbatch.core.log;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.MDC;

/**
 * The keys a log event carries in SLF4J's MDC (with {@code PIPELINE_LOG_FORMAT=json}, logback's JSON encoder writes
 * them as the event's {@code mdc} object, so a log shipper can filter one job's or one deployment's events), and
 * try-with-resources scopes that set them:
 *
 * <pre>{@code
 * try (Mdc.Scope s = Mdc.deployment(d.region(), d.deployment())) {
 *     LOG.info("circuit breaker {} {} -> {}", ...);
 * }
 * }</pre>
 *
 * <p>The MDC is per thread: open a scope on the thread that logs, around the log call or one callback's body, never
 * across an asynchronous boundary (a Vert.x callback runs later, on an event loop, without it). Closing a scope
 * puts back what the keys held before it, so scopes nest. A null value leaves its key as it is. Stateless;
 * thread-safe as the MDC is.
 */
public final class Mdc {
    /** The job's id ({@code id} of the job record). */
    public static final String JOB_ID = "job_id";
    /** The Azure region of a deployment, as configured ({@code region}). */
    public static final String REGION = "region";
    /** The Azure OpenAI deployment name ({@code deployment}). */
    public static final String DEPLOYMENT = "deployment";
    /** The model pool ({@code models.<pool>}). */
    public static final String POOL = "pool";

    private Mdc() {
    }

    /** Sets the job id. */
    public static Scope job(String jobId) {
        return of(JOB_ID, jobId);
    }

    /** Sets region and deployment. */
    public static Scope deployment(String region, String deployment) {
        return of(REGION, region, DEPLOYMENT, deployment);
    }

    /** Sets the job id, its region and deployment (a call made for one job). */
    public static Scope call(String jobId, String region, String deployment) {
        return of(JOB_ID, jobId, REGION, region, DEPLOYMENT, deployment);
    }

    /** Sets the model pool. */
    public static Scope pool(String pool) {
        return of(POOL, pool);
    }

    /**
     * Sets {@code keysAndValues} (alternating keys and values) until the scope is closed.
     *
     * @throws IllegalArgumentException for an odd number of arguments or a null key
     */
    public static Scope of(String... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("keys and values must alternate, got " + keysAndValues.length);
        }
        List<String[]> previous = new ArrayList<>(keysAndValues.length / 2);
        for (int i = 0; i < keysAndValues.length; i += 2) {
            String key = keysAndValues[i];
            if (key == null) {
                throw new IllegalArgumentException("null MDC key at position " + i);
            }
            String value = keysAndValues[i + 1];
            if (value != null) {
                previous.add(new String[] {key, MDC.get(key)});
                MDC.put(key, value);
            }
        }
        return new Scope(previous);
    }

    /** Puts back what its keys held when it was opened; closing twice does nothing more. Not thread-safe. */
    public static final class Scope implements AutoCloseable {
        private List<String[]> previous;

        private Scope(List<String[]> previous) {
            this.previous = previous;
        }

        @Override
        public void close() {
            if (previous == null) {
                return;
            }
            for (int i = previous.size() - 1; i >= 0; i--) {
                String[] kv = previous.get(i);
                if (kv[1] == null) {
                    MDC.remove(kv[0]);
                } else {
                    MDC.put(kv[0], kv[1]);
                }
            }
            previous = null;
        }
    }
}
