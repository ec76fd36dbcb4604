package dev.llmbatch.worker.dispatch;

import dev.llmbatch.core.admission.DeploymentLimiter;
import dev.llmbatch.core.admission.RequestCost;
import dev.llmbatch.core.estimate.PromptRule;
import dev.llmbatch.core.job.Priority;
import dev.llmbatch.core.request.RequestSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One request on its way through admission and dispatch: a single job, or several jobs packed with the
 * {@code PackingProtocol}. Carries the attempt state (calls, retriable failures, regions to avoid, trace).
 * Confined to the dispatcher's event loop.
 */
final class Work {
    final List<Item> items;
    final boolean packed;
    final String pool;
    final Priority priority;
    RequestSpec spec;
    /** The request's prompt by the tokenizer and by the character rule, and its max_tokens x n. */
    long promptTokens;
    long charRule;
    long completion;
    /** What the last admission reserved (under the pool's prompt rule at the time). */
    long reserveTokens;
    /** Whether max_tokens is below the jobs' own limits (a learned budget). */
    boolean learned;
    /** A packed request sent while its pool does not pack, to see whether the model follows the schema again. */
    boolean probe;
    /** The {@code AnswerBudgets.version()} the budgets were read at. */
    long budgetVersion = -1;
    /** For a packed request: what it reserves for each item's answer (learned, or the item's own limit). */
    int[] itemBudgets;
    /** The shared store's grant of the last admission (null with a local store). */
    dev.llmbatch.worker.quota.SharedQuota.Granted granted;
    /** The last admission, for comparing with the service's remaining-quota headers. */
    DeploymentLimiter.Admission admission;
    final Set<String> avoid = new HashSet<>(2);
    final List<String> trace = new ArrayList<>(2);
    int calls;
    int failures;
    /** The race of this request's call with a hedge copy, once a copy went out (null: none). */
    Hedger.Race race;
    /** The answer being applied came from a hedge copy (its trace entry says so). */
    boolean hedgeAnswered;
    /** Which call of a hedged pair answered (null: not hedged). */
    dev.llmbatch.core.result.Hedged hedged;

    /** Adds a call's trace entry, {@code region:outcome}, with {@code :hedge} for a hedge copy. */
    void trace(String region, String outcome, boolean hedge) {
        trace.add(hedge ? region + ":" + outcome + ":hedge" : region + ":" + outcome);
    }

    Work(List<Item> items, boolean packed, RequestSpec spec, long promptTokens, long charRule, boolean learned) {
        this.items = new ArrayList<>(items);
        this.packed = packed;
        this.pool = items.get(0).job.pool().name();
        this.priority = items.get(0).job.job().priority();
        respec(spec, promptTokens, charRule);
        this.learned = learned;
    }

    /** Replaces the request (fewer items, say) and its counts; the reservation is made at the next admission. */
    void respec(RequestSpec s, long prompt, long chars) {
        this.spec = s;
        this.promptTokens = prompt;
        this.charRule = chars;
        this.completion = (long) s.maxTokens() * s.n();
        this.reserveTokens = PromptRule.MAX.prompt(prompt, chars) + completion;
    }

    /** The cost to admit under the pool's current prompt rule. */
    RequestCost cost(PromptRule rule) {
        return RequestCost.of(rule, promptTokens, charRule, completion);
    }
}
