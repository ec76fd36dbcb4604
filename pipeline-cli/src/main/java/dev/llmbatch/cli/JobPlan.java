package dev.llmbatch.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmbatch.core.admission.DeploymentLimiter;
import dev.llmbatch.core.batch.PackingProtocol;
import dev.llmbatch.core.config.DeploymentConfig;
import dev.llmbatch.core.config.ModelPool;
import dev.llmbatch.core.config.PipelineConfig;
import dev.llmbatch.core.config.WorkerSettings;
import dev.llmbatch.core.estimate.TokenEstimator;
import dev.llmbatch.core.job.DecodeResult;
import dev.llmbatch.core.job.JobCodec;
import dev.llmbatch.core.job.JobResolver;
import dev.llmbatch.core.job.ResolvedJob;
import dev.llmbatch.core.json.Json;
import dev.llmbatch.core.request.RequestSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@code bin/pipeline plan} computes for a job file, without calling any model: each line decoded and resolved
 * exactly as the worker does ({@link JobCodec}, {@link JobResolver}, the worker's token estimate), summed per model
 * pool; the quota each pool sustains (the worker's own bucket shapes, {@link BucketShape}); which limit binds, with
 * and without packing; the time to drain; the cost at the pool's configured prices. Not thread-safe: one instance
 * per file, fed line by line on one thread.
 */
final class JobPlan {
    private final PipelineConfig config;
    private final JobResolver resolver;
    private final Map<String, PoolTotals> pools = new LinkedHashMap<>();
    private final Map<String, Group> open = new LinkedHashMap<>();
    private final List<Invalid> invalid = new ArrayList<>();
    private final Map<String, TokenEstimator> estimators = new HashMap<>();
    private int lines;

    JobPlan(PipelineConfig config) {
        this.config = config;
        this.resolver = new JobResolver(config, pool -> largestAdmissible(pool, config.worker().bucket()));
        config.models().values().forEach(p -> pools.put(p.name(), new PoolTotals(p)));
    }

    /** A line that will not be sent: its 1-based number, the worker's code and message. */
    record Invalid(int line, String code, String message) {
    }

    /** One valid job, as the service and the worker count it. */
    record JobEstimate(String id, String pool, long serviceEstimate, long reserved, long billedAtMaxTokens) {
    }

    /** Accounts for one line (1-based {@code number}); returns the job's estimate, or null for an invalid line. */
    JobEstimate add(int number, byte[] line) {
        lines++;
        DecodeResult decoded = JobCodec.decode(line);
        if (decoded instanceof DecodeResult.Unparseable u) {
            invalid.add(new Invalid(number, u.code(), u.message()));
            return null;
        }
        if (decoded instanceof DecodeResult.Invalid i) {
            invalid.add(new Invalid(number, i.code(), i.message()));
            return null;
        }
        JobResolver.Resolution r = resolver.resolve(((DecodeResult.Valid) decoded).job());
        if (r instanceof JobResolver.Resolution.Rejected rej) {
            invalid.add(new Invalid(number, rej.code(), rej.message()));
            return null;
        }
        ResolvedJob job = ((JobResolver.Resolution.Ok) r).job();
        PoolTotals t = pools.get(job.pool().name());
        long completion = (long) job.maxTokens() * job.job().n();
        long service = TokenEstimator.charRule(job.messages()) + completion;
        long billed = job.promptTokens() + completion;
        t.jobs++;
        t.serviceEstimate += service;
        t.reserved += job.reserveTokens();
        t.promptTokens += job.promptTokens();
        t.completionTokens += completion;
        if (job.batchInstruction() != null) {
            pack(t, job);
        } else {
            t.packedRequests++;
            t.packedReserved += job.reserveTokens();
            t.packedService += service;
        }
        return new JobEstimate(job.job().id(), job.pool().name(), service, job.reserveTokens(), billed);
    }

    /**
     * Groups packable jobs as the batcher does (same pool, priority, temperature and instruction; up to max-items,
     * and within max-batch-tokens by {@link PackingProtocol#batchItemCost}); a full group becomes a request at once.
     */
    private void pack(PoolTotals t, ResolvedJob job) {
        String key = job.pool().name() + '\u0000' + job.job().priority() + '\u0000' + job.temperature() + '\u0000'
                + job.batchInstruction();
        long item = PackingProtocol.batchItemCost(job.batchText(), job.maxTokens());
        Group g = open.get(key);
        if (g != null && g.cost + item > job.pool().batching().maxBatchTokens()) {
            close(t, open.remove(key));
            g = null;
        }
        if (g == null) {
            g = new Group(PackingProtocol.batchOpenCost(job.batchInstruction()));
            open.put(key, g);
        }
        g.jobs.add(job);
        g.cost += item;
        if (g.jobs.size() >= job.pool().batching().maxItems()) {
            close(t, open.remove(key));
        }
    }

    private void close(PoolTotals t, Group g) {
        request(t, g.jobs);
    }

    /**
     * One packed request as the worker builds it ({@link PackingProtocol#pack}, the pool's token estimate, the job's
     * own limits), split in halves while it would reserve more than the largest request a deployment admits; a lone
     * job is sent as itself.
     */
    private void request(PoolTotals t, List<ResolvedJob> jobs) {
        ResolvedJob first = jobs.get(0);
        if (jobs.size() == 1) {
            t.packedRequests++;
            t.packedReserved += first.reserveTokens();
            t.packedService += TokenEstimator.charRule(first.messages()) + (long) first.maxTokens() * first.job().n();
            return;
        }
        List<PackingProtocol.Item> items = new ArrayList<>(jobs.size());
        jobs.forEach(j -> items.add(new PackingProtocol.Item(j.batchText(), j.maxTokens())));
        RequestSpec spec = PackingProtocol.pack(first.batchInstruction(), items, first.temperature());
        TokenEstimator.Estimate e = estimators.computeIfAbsent(first.pool().encoding(), TokenEstimator::forEncoding)
                .estimate(spec.messages(), spec.maxTokens(), 1);
        long reserve = e.reserveTokens();
        if (reserve > largestAdmissible(first.pool(), config.worker().bucket())) {
            int half = jobs.size() / 2;
            request(t, jobs.subList(0, half));
            request(t, jobs.subList(half, jobs.size()));
            return;
        }
        t.packedRequests++;
        t.packedReserved += reserve;
        t.packedService += e.charRule() + (long) spec.maxTokens();
    }

    /** The totals once every line was added. */
    Report report() {
        open.forEach((key, g) -> close(pools.get(g.jobs.get(0).pool().name()), g));
        open.clear();
        WorkerSettings.BucketSettings bucket = config.worker().bucket();
        List<PoolReport> out = new ArrayList<>();
        for (PoolTotals t : pools.values()) {
            double tpm = 0;
            double rpm = 0;
            for (DeploymentConfig d : t.pool.deployments()) {
                tpm += DeploymentLimiter.sustainedTokensPerMinute(d, bucket.windowMargin());
                rpm += DeploymentLimiter.sustainedRequestsPerMinute(d, bucket.windowMargin());
            }
            out.add(new PoolReport(t.pool.name(), t.jobs, t.serviceEstimate, t.reserved, t.promptTokens,
                    t.completionTokens, tpm, rpm, new Drain(t.jobs, t.reserved, t.serviceEstimate, tpm, rpm),
                    new Drain(t.packedRequests, t.packedReserved, t.packedService, tpm, rpm), cost(t)));
        }
        return new Report(lines, out, List.copyOf(invalid), config.worker().timeScale());
    }

    private static Double cost(PoolTotals t) {
        ModelPool.Price p = t.pool.price();
        return p == null ? null : t.promptTokens / 1000.0 * p.inputPer1k() + t.completionTokens / 1000.0
                * p.outputPer1k();
    }

    private static long largestAdmissible(ModelPool pool, WorkerSettings.BucketSettings bucket) {
        return pool.deployments().stream()
                .mapToLong(d -> DeploymentLimiter.largestAdmissible(d, pool.maxRequestTokens())).max().orElse(0);
    }

    private static final class PoolTotals {
        final ModelPool pool;
        long jobs;
        long serviceEstimate;
        long reserved;
        long promptTokens;
        long completionTokens;
        long packedRequests;
        long packedReserved;
        long packedService;

        PoolTotals(ModelPool pool) {
            this.pool = Objects.requireNonNull(pool);
        }
    }

    private static final class Group {
        final List<ResolvedJob> jobs = new ArrayList<>();
        long cost;

        Group(long cost) {
            this.cost = cost;
        }
    }

    /**
     * Requests, reserved tokens and the tokens the service charges for them (its estimate) of one way of sending a
     * pool's jobs, and the minutes each limit needs for them.
     * The larger one binds and is the drain time.
     */
    record Drain(long requests, long tokens, long serviceTokens, double tpm, double rpm) {
        double minutesByTokens() {
            return tpm <= 0 ? Double.POSITIVE_INFINITY : tokens / tpm;
        }

        double minutesByRequests() {
            return rpm <= 0 ? Double.POSITIVE_INFINITY : requests / rpm;
        }

        String binding() {
            return requests == 0 ? "none" : minutesByTokens() >= minutesByRequests() ? "TPM" : "RPM";
        }

        double minutes() {
            return Math.max(minutesByTokens(), minutesByRequests());
        }
    }

    /**
     * One pool's plan. {@code tpm}/{@code rpm} are what its deployments sustain together under the worker's buckets
     * (slightly below the quotas: the burst is kept back). {@code cost} is null without configured prices; it assumes
     * every answer uses its whole max_tokens (an upper bound).
     */
    record PoolReport(String pool, long jobs, long serviceEstimate, long reserved, long promptTokens,
            long completionTokens, double tpm, double rpm, Drain unpacked, Drain packed, Double cost) {
    }

    /** The whole plan. */
    record Report(int lines, List<PoolReport> pools, List<Invalid> invalid, double timeScale) {
        long jobs() {
            return pools.stream().mapToLong(PoolReport::jobs).sum();
        }

        /** Pools drain in parallel: the slowest decides. */
        double minutes(boolean packed) {
            return pools.stream().mapToDouble(p -> (packed ? p.packed() : p.unpacked()).minutes()).max().orElse(0);
        }

        ObjectNode toJson() {
            ObjectNode o = Json.mapper().createObjectNode();
            o.put("lines", lines).put("jobs", jobs()).put("invalid_lines", invalid.size());
            o.put("drain_minutes_unpacked", round(minutes(false))).put("drain_minutes_packed", round(minutes(true)));
            o.put("time_scale", timeScale);
            ArrayNode ps = o.putArray("pools");
            for (PoolReport p : pools) {
                ObjectNode j = ps.addObject().put("pool", p.pool()).put("jobs", p.jobs())
                        .put("service_estimate_tokens", p.serviceEstimate()).put("reserved_tokens", p.reserved())
                        .put("billed_tokens_at_max_tokens", p.promptTokens() + p.completionTokens())
                        .put("prompt_tokens", p.promptTokens()).put("completion_tokens_max", p.completionTokens())
                        .put("sustained_tpm", Math.round(p.tpm())).put("sustained_rpm", round(p.rpm()));
                drain(j.putObject("unpacked"), p.unpacked());
                drain(j.putObject("packed"), p.packed());
                if (p.cost() == null) {
                    j.putNull("cost");
                } else {
                    j.put("cost", round(p.cost()));
                }
            }
            ArrayNode bad = o.putArray("invalid");
            invalid.forEach(i -> bad.addObject().put("line", i.line()).put("code", i.code())
                    .put("message", i.message()));
            return o;
        }

        private static void drain(ObjectNode o, Drain d) {
            o.put("requests", d.requests()).put("reserved_tokens", d.tokens())
                    .put("service_estimate_tokens", d.serviceTokens()).put("binding", d.binding())
                    .put("minutes_by_tpm", round(d.minutesByTokens())).put("minutes_by_rpm", round(d.minutesByRequests()))
                    .put("drain_minutes", round(d.minutes()));
        }

        private static double round(double v) {
            return Double.isFinite(v) ? Math.round(v * 10_000) / 10_000.0 : -1;
        }
    }
}
