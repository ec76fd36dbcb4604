package dev.llmbatch.producer;

import dev.llmbatch.core.job.ChatMessage;
import dev.llmbatch.core.job.DecodeResult;
import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.job.JobCodec;

/**
 * Estimates what a queued job will be charged against a region's token quota, following the service's estimate rule
 * ({@code ceil(content chars / 4) + 1 + max_tokens}, see {@code reference/azure-openai-behaviour.md} 3.2) without
 * the worker's configuration. It is an estimate on purpose: a task job's instruction text lives in the worker's
 * config, so {@value #TASK_INSTRUCTION_CODE_POINTS} code points stand in for it, and a missing {@code max_tokens}
 * counts as {@value #DEFAULT_MAX_TOKENS}. Stateless.
 */
final class TokenEstimator {
    /** Stand-in size of a task's instruction, which only the worker's config knows. */
    static final int TASK_INSTRUCTION_CODE_POINTS = 60;
    /** What the service assumes when a request has no max_tokens (one of the observed defaults). */
    static final int DEFAULT_MAX_TOKENS = 16;

    private TokenEstimator() {
    }

    /**
     * The estimate for one jobs-topic record; 0 for a record that is not a valid job (it is rejected or
     * dead-lettered, never sent to the model).
     */
    static long estimate(byte[] value) {
        DecodeResult decoded = JobCodec.decode(value);
        return decoded instanceof DecodeResult.Valid v ? estimate(v.job()) : 0;
    }

    static long estimate(Job job) {
        long codePoints;
        if (job.task() != null) {
            codePoints = codePoints(job.input()) + TASK_INSTRUCTION_CODE_POINTS;
        } else {
            codePoints = 0;
            for (ChatMessage m : job.messages()) {
                codePoints += codePoints(m.content());
            }
        }
        long maxTokens = job.maxTokens() != null ? job.maxTokens() : DEFAULT_MAX_TOKENS;
        // The service is assumed to reserve max_tokens for each of the n completions.
        return (codePoints + 3) / 4 + 1 + maxTokens * job.n();
    }

    private static long codePoints(String s) {
        return s == null ? 0 : s.codePointCount(0, s.length());
    }
}
