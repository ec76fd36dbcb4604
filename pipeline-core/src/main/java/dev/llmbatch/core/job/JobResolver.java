package dev.llmbatch.core.job;

import dev.llmbatch.core.config.ModelPool;
import dev.llmbatch.core.config.PipelineConfig;
import dev.llmbatch.core.config.TaskTemplate;
import dev.llmbatch.core.estimate.TokenEstimator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongFunction;

/**
 * Resolves a decoded {@link Job} against the configuration: applies the task template, picks the model pool,
 * estimates tokens and checks what can be checked before spending quota (unknown model or task, prompt + completion
 * over the context window, a request larger than any deployment could ever admit). A job that fails here gets a
 * {@code rejected} result and is never sent. Thread-safe.
 */
public final class JobResolver {
    private final PipelineConfig config;
    private final Map<String, TokenEstimator> estimators = new ConcurrentHashMap<>();
    private final ToLongFunction<ModelPool> largestAdmissible;

    /**
     * @param largestAdmissible the largest reservation any deployment of a pool can ever grant; bigger requests are
     *                          rejected rather than left waiting forever
     */
    public JobResolver(PipelineConfig config, ToLongFunction<ModelPool> largestAdmissible) {
        this.config = config;
        this.largestAdmissible = largestAdmissible;
    }

    /** The resolved job, or a rejection with a stable code and a message naming the problem. */
    public Resolution resolve(Job job) {
        ModelPool pool = config.pool(job.model()).orElse(null);
        if (pool == null) {
            return job.model() == null
                    ? reject("missing_model", "the job names no model and the worker has no default model pool")
                    : reject("unknown_model", "model '" + job.model() + "' is not a model pool of this worker; known: "
                            + String.join(", ", config.models().keySet().stream().sorted().toList()));
        }
        List<ChatMessage> messages;
        int maxTokens;
        boolean explicit = job.maxTokens() != null;
        Double temperature = job.temperature();
        boolean batchable = false;
        if (job.task() != null) {
            TaskTemplate t = config.tasks().get(job.task());
            if (t == null) {
                return reject("unknown_task", "task '" + job.task() + "' is not defined; known: "
                        + String.join(", ", config.tasks().keySet().stream().sorted().toList()));
            }
            messages = new ArrayList<>(2);
            messages.add(ChatMessage.system(t.system()));
            messages.add(ChatMessage.user(job.input()));
            maxTokens = explicit ? job.maxTokens() : t.maxTokens();
            explicit = true;
            if (temperature == null) {
                temperature = t.temperature();
            }
            batchable = t.batchable();
        } else {
            messages = job.messages();
            maxTokens = explicit ? job.maxTokens() : pool.defaultMaxTokens();
        }
        TokenEstimator est = estimators.computeIfAbsent(pool.encoding(), TokenEstimator::forEncoding);
        TokenEstimator.Estimate e = est.estimate(messages, maxTokens, job.n());
        if ((long) e.promptTokens() + maxTokens > pool.contextWindow()) {
            return reject("context_length_exceeded", "the prompt is " + e.promptTokens() + " tokens and max_tokens is "
                    + maxTokens + "; model pool '" + pool.name() + "' has a context window of " + pool.contextWindow());
        }
        long largest = largestAdmissible.applyAsLong(pool);
        if (e.reserveTokens() > largest) {
            return reject("request_too_large", "the request would reserve " + e.reserveTokens()
                    + " tokens; the largest any deployment of '" + pool.name() + "' admits at once is " + largest);
        }
        return new Resolution.Ok(new ResolvedJob(job, pool, messages, maxTokens, explicit, temperature,
                job.responseFormat(), e.promptTokens(), e.reserveTokens(), batchable));
    }

    private static Resolution reject(String code, String message) {
        return new Resolution.Rejected(code, message);
    }

    /** The outcome of {@link #resolve}. */
    public sealed interface Resolution {
        record Ok(ResolvedJob job) implements Resolution {
        }

        record Rejected(String code, String message) implements Resolution {
        }
    }
}
