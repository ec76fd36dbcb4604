package dev.llmbatch.core.job;

import dev.llmbatch.core.config.AdaptiveMaxTokens;
import dev.llmbatch.core.config.BatchSettings;
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
        boolean taskBatchable = false;
        AdaptiveMaxTokens adaptive = pool.adaptiveMaxTokens();
        String lengthKey;
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
            taskBatchable = t.batchable();
            if (t.adaptiveMaxTokens() != null) {
                adaptive = t.adaptiveMaxTokens();
            }
            lengthKey = pool.name() + "\u0000task:" + t.name();
        } else {
            messages = job.messages();
            maxTokens = explicit ? job.maxTokens() : pool.defaultMaxTokens();
            lengthKey = pool.name() + "\u0000system:" + systemHash(messages);
        }
        if (job.strictMaxTokens() || job.n() != 1 || !adaptive.enabled()) {
            adaptive = null;
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
        String instruction = null;
        String text = null;
        BatchSettings b = pool.batching();
        if (b.enabled() && job.n() == 1 && job.responseFormat() == null && e.reserveTokens() <= b.maxItemTokens()) {
            if (job.task() != null && taskBatchable) {
                instruction = messages.get(0).content();
                text = job.input();
            } else if (job.task() == null && b.messagesJobs() && packableShape(messages)) {
                instruction = messages.size() == 2 ? messages.get(0).content() : "";
                text = messages.get(messages.size() - 1).content();
            }
        }
        return new Resolution.Ok(new ResolvedJob(job, pool, messages, maxTokens, explicit, temperature,
                job.responseFormat(), e.promptTokens(), e.reserveTokens(), instruction, text, e.charRule(),
                e.inputTokens(), lengthKey, adaptive));
    }

    /**
     * A stable hash of a messages job's instruction (its system and developer messages): jobs sharing an instruction
     * share what is learned of their answers' lengths, without the key holding the prompt text.
     */
    static String systemHash(List<ChatMessage> messages) {
        long h = 0xcbf29ce484222325L;
        for (ChatMessage m : messages) {
            if (!m.role().equals("system") && !m.role().equals("developer")) {
                continue;
            }
            String c = m.content();
            for (int i = 0; i < c.length(); i++) {
                h ^= c.charAt(i);
                h *= 0x100000001b3L;
            }
            h ^= 0x1F;
            h *= 0x100000001b3L;
        }
        return Long.toHexString(h);
    }

    /** [user] or [system, user]: the shapes whose meaning survives packing. */
    private static boolean packableShape(List<ChatMessage> m) {
        return (m.size() == 1 && m.get(0).role().equals("user"))
                || (m.size() == 2 && m.get(0).role().equals("system") && m.get(1).role().equals("user"));
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
