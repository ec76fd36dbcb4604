package dev.llmbatch.worker.dispatch;

import dev.llmbatch.core.admission.DeploymentLimiter;
import dev.llmbatch.core.config.DeploymentConfig;
import dev.llmbatch.core.log.Mdc;
import dev.llmbatch.core.outcome.CallOutcome;
import dev.llmbatch.core.outcome.NextStep;
import dev.llmbatch.core.outcome.OutcomePolicy;
import dev.llmbatch.core.result.ErrorInfo;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.core.result.Usage;
import dev.llmbatch.worker.admin.Metrics;
import dev.llmbatch.worker.quota.SharedQuota;
import java.util.Locale;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies what {@link OutcomePolicy} decides after each call: results, learning (answer lengths, the prompt rule,
 * packing health), cooldowns, and requests queued again (elsewhere, after a backoff, alone or by halves). Every kind of
 * {@link NextStep} is one method of {@link Apply}, so a new kind does not compile until it is handled here. Confined
 * to the dispatcher's event loop.
 */
final class Outcomes implements Admitter.Answers {
    private static final Logger LOG = LoggerFactory.getLogger(Outcomes.class);

    private final Backlog backlog;
    private final Admitter admitter;
    private final Results results;
    private final AnswerBudgets budgets;
    private final OutcomePolicy policy;
    private final SharedQuota shared;
    private final Metrics metrics;
    private final DoubleSupplier random;
    private final long misconfiguredProbeMillis;
    private final Resends resends;

    /** @param shared the fleet's schedule, null with a local quota store */
    Outcomes(Backlog backlog, Packer packer, Admitter admitter, Results results, AnswerBudgets budgets,
            OutcomePolicy policy, SharedQuota shared, Metrics metrics, DoubleSupplier random,
            java.time.Duration misconfiguredProbe) {
        this.misconfiguredProbeMillis = misconfiguredProbe.toMillis();
        this.backlog = backlog;
        this.admitter = admitter;
        this.results = results;
        this.budgets = budgets;
        this.policy = policy;
        this.shared = shared;
        this.metrics = metrics;
        this.random = random;
        this.resends = new Resends(backlog, packer, results, budgets, metrics);
    }

    @Override
    public void handle(Lane lane, Work w, DeploymentLimiter limiter, CallOutcome outcome) {
        DeploymentConfig d = limiter.config();
        // Whatever this logs (prompt rule, packing, a misconfigured deployment) names the job, region and pool.
        try (Mdc.Scope call = Mdc.call(w.items.size() == 1 ? w.items.get(0).job.id() : null, d.region(),
                d.deployment()); Mdc.Scope pool = Mdc.pool(lane.pool.name())) {
            apply(lane, w, limiter, outcome);
        }
    }

    private void apply(Lane lane, Work w, DeploymentLimiter limiter, CallOutcome outcome) {
        DeploymentConfig d = limiter.config();
        w.trace(d.region(), outcome.label(), w.hedgeAnswered);
        w.hedgeAnswered = false;
        metrics.inc("llm_calls_total", "region", d.region(), "outcome", outcome.label());
        if (outcome instanceof CallOutcome.Success s) {
            calibrate(lane, w, limiter, s);
            metrics.add("llm_prompt_tokens_total", s.promptTokens(), "region", d.region());
            metrics.add("llm_completion_tokens_total", s.completionTokens(), "region", d.region());
        }
        if (outcome.status() > 0 && !(outcome instanceof CallOutcome.Misconfigured) && limiter.answered()) {
            // Anything but 401/403/404 from the service shows its key, rules and name are right again.
            LOG.info("deployment {} answers again ({}): calls go there again", d.id(), outcome.label());
        }
        policy.decide(outcome, w.packed, w.learned, w.failures, random.getAsDouble())
                .fold(new Apply(lane, w, limiter));
    }

    /**
     * One call of a hedged pair failed while the other still runs: its deployment learns from it (a cooldown, put
     * aside) and is avoided by the request's next attempt; the request itself waits for the other call.
     */
    void absorb(Lane lane, Work w, DeploymentLimiter limiter, CallOutcome outcome, boolean hedge) {
        DeploymentConfig d = limiter.config();
        try (Mdc.Scope call = Mdc.call(null, d.region(), d.deployment()); Mdc.Scope pool = Mdc.pool(lane.pool.name())) {
            w.trace(d.region(), outcome.label(), hedge);
            metrics.inc("llm_calls_total", "region", d.region(), "outcome", outcome.label());
            NextStep step = policy.decide(outcome, w.packed, w.learned, w.failures, random.getAsDouble());
            if (step instanceof NextStep.Elsewhere e) {
                coolDown(lane, limiter, e);
            } else if (step instanceof NextStep.PutAside p) {
                setAside(limiter, p.fault());
            }
            w.avoid.add(d.id());
        }
    }

    /** A 429: the deployment (and with a shared store, the fleet's view of it) cools for the step's time. */
    private void coolDown(Lane lane, DeploymentLimiter limiter, NextStep.Elsewhere step) {
        DeploymentConfig d = limiter.config();
        CallOutcome.RateLimited r = step.limit();
        if (r.kind() == CallOutcome.RateLimited.Kind.TOKENS && lane.calibrator.onTokenRateLimited()) {
            LOG.warn("prompt reservation of pool {}: {}", lane.pool.name(), lane.calibrator.lastChange());
        }
        limiter.coolDown(step.cooldown());
        if (shared != null) {
            shared.coolDown(limiter, step.cooldown());
        }
        metrics.inc("llm_rate_limited_total", "region", d.region(), "kind", r.kind().name().toLowerCase(Locale.ROOT),
                "source", r.source().name().toLowerCase(Locale.ROOT));
    }

    /** A 401/403/404: the deployment gets no calls but a probe now and then. */
    private void setAside(DeploymentLimiter limiter, CallOutcome.Misconfigured m) {
        DeploymentConfig d = limiter.config();
        if (limiter.misconfigure(m.code())) {
            // Once per state change; names the deployment and the service's code and message, never the key.
            LOG.error("deployment {} is misconfigured: the service answered {} {} ({}); no calls go there but a "
                    + "probe every {} ms, its jobs go to the pool's other deployments", d.id(), m.status(),
                    m.code(), m.message(), misconfiguredProbeMillis);
            metrics.inc("llm_deployment_misconfigured_total", "region", d.region(), "deployment", d.deployment(),
                    "code", m.code());
        }
    }

    /** What the service's remaining-quota headers say about the pool's prompt rule. */
    private void calibrate(Lane lane, Work w, DeploymentLimiter limiter, CallOutcome.Success s) {
        var observation = limiter.observeRemaining(s.remainingTokens(), s.remainingRequests(), w.admission);
        if (shared != null && w.granted != null) {
            // The service's count covers the whole fleet: compare it with the fleet's admissions instead.
            shared.observeRemaining(limiter, w.granted, s.remainingTokens());
            observation = shared.observation(limiter, w.granted, w.admission.cost(), s.remainingTokens());
            w.granted = null;
        }
        if (lane.calibrator.observe(observation)) {
            LOG.info("prompt reservation of pool {}: {}", lane.pool.name(), lane.calibrator.lastChange());
        }
    }

    /** The steps applied to one request after one call. */
    private final class Apply implements NextStep.Cases<Void> {
        private final Lane lane;
        private final Work w;
        private final DeploymentLimiter limiter;
        private final DeploymentConfig d;

        Apply(Lane lane, Work w, DeploymentLimiter limiter) {
            this.lane = lane;
            this.w = w;
            this.limiter = limiter;
            this.d = limiter.config();
        }

        @Override
        public Void answered(NextStep.Answered step) {
            CallOutcome.Success s = step.answer();
            Item only = w.items.get(0);
            budgets.learn(only.job, s.completionTokens(), "length".equals(s.finishReason()));
            results.finish(only, w, Status.SUCCEEDED, s.content(), s.finishReason(), usage(s), d, null);
            return null;
        }

        @Override
        public Void unpack(NextStep.Unpack step) {
            resends.unpack(lane, w, step.answer(), d);
            return null;
        }

        @Override
        public Void answeredFiltered(NextStep.AnsweredFiltered step) {
            CallOutcome.Success s = step.answer();
            results.finish(w.items.get(0), w, Status.FILTERED, "", s.finishReason(), usage(s), d, new ErrorInfo(
                    "content_filter", "the model's output was filtered by the service's content filter", false));
            return null;
        }

        @Override
        public Void resendUncut(NextStep.ResendUncut step) {
            // Cut by our learned budget, not by the job's own limit: ask again with the job's limit.
            Item only = w.items.get(0);
            only.priorPromptTokens += step.answer().promptTokens();
            only.priorCompletionTokens += step.answer().completionTokens();
            metrics.inc("llm_budget_resent_total", "pool", lane.pool.name());
            resends.resend(w, Resends.allIndices(1), "learned_budget_cut", true);
            return null;
        }

        @Override
        public Void elsewhere(NextStep.Elsewhere step) {
            coolDown(lane, limiter, step);
            w.avoid.add(d.id());
            backlog.enqueue(w, true);
            return null;
        }

        @Override
        public Void putAside(NextStep.PutAside step) {
            setAside(limiter, step.fault());
            w.avoid.add(d.id());
            backlog.enqueue(w, true);
            return null;
        }

        @Override
        public Void isolate(NextStep.Isolate step) {
            // One item's text can make the whole request fail (a content filter, say): isolate it.
            resends.resend(w, Resends.allIndices(w.items.size()), step.reason(), false);
            return null;
        }

        @Override
        public Void backOff(NextStep.BackOff step) {
            w.failures++;
            w.avoid.add(d.id());
            metrics.inc("llm_retries_total", "region", d.region());
            admitter.later(lane, w, step.delay().toNanos());
            return null;
        }

        @Override
        public Void giveUp(NextStep.GiveUp step) {
            w.failures++;
            for (Item it : w.items) {
                results.finish(it, w, step.status(), null, null, Usage.NONE, d, step.error());
            }
            return null;
        }
    }

    private static Usage usage(CallOutcome.Success s) {
        return new Usage(s.promptTokens(), s.completionTokens());
    }
}
