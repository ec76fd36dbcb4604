package dev.llmbatch.bench;

import dev.llmbatch.core.config.ConfigBuilder;
import dev.llmbatch.core.config.ConfigLoader;
import dev.llmbatch.core.config.PipelineConfig;
import dev.llmbatch.simulator.Simulator;
import dev.llmbatch.simulator.SimulatorConfig;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The simulated regions of every scenario and the worker configuration pointed at them. */
public final class SimSetup {
    public static final String KEY_ENV = "BENCH_SIM_KEY";
    public static final String SIM_KEY = "sim-key";
    public static final String DEPLOYMENT = "gpt-4o-mini";
    /** Huge quota for the overhead and memory scenarios: never binds (bucket4j refills at most 1 token/ns). */
    public static final long UNLIMITED_TPM = 10_000_000_000L;

    /** One simulated region: quota and latency multiplier (Sweden fast, West Europe slow, as in {@code local}). */
    public record RegionSpec(String name, String displayName, long tpm, long rpm, double latencyMultiplier) {
    }

    /** Three regions with different quotas (RPM = 6 per 1K TPM, as Azure gives for gpt-4o-mini) and latencies. */
    public static final List<RegionSpec> REGIONS = List.of(
            new RegionSpec("swedencentral", "Sweden Central", 450_000, 2_700, 0.6),
            new RegionSpec("eastus", "East US", 150_000, 900, 1.0),
            new RegionSpec("westeurope", "West Europe", 60_000, 360, 1.8));

    /** How the simulator answers. */
    public enum Latency {
        /** Reference section 6 defaults (TTFT 600 ms, 80 tok/s, log-normal spread, load factor) times the region factor. */
        REALISTIC,
        /** The same medians without any spread or load term, so every job's service time is a known function. */
        DETERMINISTIC,
        /** Zero latency. */
        INSTANT
    }

    /** Deterministic latency parameters (simulated ms), see {@link #serviceMillis}. */
    public static final double RTT_MS = 20;
    public static final double TTFT_MS = 600;
    public static final double PREFILL_MS_PER_1K = 50;
    public static final double TPS = 80;

    private SimSetup() {
    }

    public static long summedTpm(List<RegionSpec> regions) {
        return regions.stream().mapToLong(RegionSpec::tpm).sum();
    }

    /** Simulator YAML for {@code regions}; {@code unlimited} replaces every quota with {@link #UNLIMITED_TPM}. */
    public static String simulatorYaml(List<RegionSpec> regions, double timeScale, Latency latency, boolean unlimited,
            long seed) {
        StringBuilder y = new StringBuilder();
        y.append(String.format(Locale.ROOT, "time-scale: %s%nseed: %d%napi-keys: [%s]%nregions:%n",
                num(timeScale), seed, SIM_KEY));
        for (RegionSpec r : regions) {
            y.append("  - name: ").append(r.name()).append('\n');
            y.append("    display-name: ").append(r.displayName()).append('\n');
            switch (latency) {
                case REALISTIC -> y.append(String.format(Locale.ROOT, "    latency: {multiplier: %s}%n",
                        num(r.latencyMultiplier())));
                case DETERMINISTIC -> y.append(String.format(Locale.ROOT,
                        "    latency: {rtt-ms: %s, ttft-ms: %s, prefill-ms-per-1k: %s, tps: %s, ttft-sigma: 0, "
                                + "tps-sigma: 0, load-alpha: 0, p-slow: 0, multiplier: %s}%n",
                        num(RTT_MS), num(TTFT_MS), num(PREFILL_MS_PER_1K), num(TPS), num(r.latencyMultiplier())));
                case INSTANT -> y.append("    latency: {rtt-ms: 0, ttft-ms: 0, prefill-ms-per-1k: 0, tps: 1.0e12, "
                        + "ttft-sigma: 0, tps-sigma: 0, load-alpha: 0, p-slow: 0, multiplier: 1}\n");
                default -> throw new IllegalStateException();
            }
            long tpm = unlimited ? UNLIMITED_TPM : r.tpm();
            long rpm = unlimited ? UNLIMITED_TPM : r.rpm();
            y.append("    deployments:\n");
            y.append(String.format(Locale.ROOT, "      - {name: %s, model: gpt-4o-mini-2024-07-18, tpm: %d, rpm: %d}%n",
                    DEPLOYMENT, tpm, rpm));
        }
        return y.toString();
    }

    public static Simulator startSimulator(List<RegionSpec> regions, double timeScale, Latency latency,
            boolean unlimited, long seed) {
        return Simulator.start(SimulatorConfig.parse(simulatorYaml(regions, timeScale, latency, unlimited, seed)));
    }

    /**
     * The simulator's service time for one request under {@link Latency#DETERMINISTIC}, in wall milliseconds as the
     * simulator waits it: {@code (rtt + ttft + prompt/1000 * prefill + completion * 1000 / tps) * multiplier},
     * divided by the time scale and truncated to whole milliseconds (the simulator arms a Vert.x timer of that many
     * ms; below 1 ms it answers at once).
     */
    public static long serviceMillis(int promptTokens, int completionTokens, double multiplier, double timeScale) {
        double ms = (RTT_MS + TTFT_MS + promptTokens / 1000.0 * PREFILL_MS_PER_1K + completionTokens * 1000.0 / TPS)
                * multiplier;
        long wall = (long) (ms / timeScale);
        return wall < 1 ? 0 : wall;
    }

    /** Kafka topic names of one scenario. */
    public record Topics(String jobs, String results, String dlq, String group) {
        public static Topics named(String prefix) {
            return new Topics(prefix + ".jobs", prefix + ".results", prefix + ".dlq", prefix + "-workers");
        }
    }

    /** A region endpoint as the worker config names it. */
    public record Endpoint(String region, String url, long tpm, long rpm) {
    }

    /** The endpoints of a running in-process simulator, with its configured quotas. */
    public static List<Endpoint> endpoints(Simulator sim) {
        List<Endpoint> out = new java.util.ArrayList<>();
        for (String r : sim.regions()) {
            for (var d : sim.config().region(r).deployments()) {
                out.add(new Endpoint(r, sim.endpoint(r), d.tpm(), d.rpm()));
            }
        }
        return out;
    }

    public static String workerYaml(Simulator sim, String bootstrap, Topics t, double timeScale,
            boolean unlimited, String workerExtra) {
        return workerYaml(endpoints(sim), bootstrap, t, timeScale, unlimited, workerExtra, null);
    }

    /**
     * A worker config for the given regions, every deployment in priority 1. {@code max-request-tokens} 2048 (the
     * minimum bucket burst; every job here is below it) and a short grace period so that stopping a worker whose
     * backlog is not drained does not wait; everything else is the product's default unless {@code workerExtra}
     * (lines under {@code worker:}) or {@code poolExtra} (lines under the model pool) say otherwise.
     */
    public static String workerYaml(List<Endpoint> endpoints, String bootstrap, Topics t, double timeScale,
            boolean unlimited, String workerExtra, String poolExtra) {
        return workerYaml(endpoints, bootstrap, t, timeScale, unlimited, workerExtra, poolExtra, null);
    }

    /** As above; {@code kafkaExtra} adds entries to the {@code kafka:} map, e.g. {@code delivery: at-least-once}. */
    public static String workerYaml(List<Endpoint> endpoints, String bootstrap, Topics t, double timeScale,
            boolean unlimited, String workerExtra, String poolExtra, String kafkaExtra) {
        ConfigBuilder b = worker(endpoints, bootstrap, t, timeScale, unlimited);
        b.merge("kafka", kafkaExtra == null ? "" : "{" + kafkaExtra + "}");
        b.merge("worker", workerExtra == null ? "" : workerExtra);
        b.merge("models." + Workload.MODEL, poolExtra == null ? "" : poolExtra);
        return b.toYaml();
    }

    /**
     * The worker config of {@link #workerYaml} as a builder: the given regions, every deployment in priority 1,
     * {@code max-request-tokens} 2048 (the minimum bucket burst; every job here is below it), a short grace period so
     * that stopping a worker whose backlog is not drained does not wait, admin HTTP on any free port.
     */
    public static ConfigBuilder worker(List<Endpoint> endpoints, String bootstrap, Topics t, double timeScale,
            boolean unlimited) {
        ConfigBuilder b = PipelineConfig.builder()
                .set("kafka", Map.of("bootstrap", bootstrap, "jobs-topic", t.jobs(), "results-topic", t.results(),
                        "dlq-topic", t.dlq(), "group", t.group()))
                .set("worker.time-scale", timeScale)
                .set("worker.grace-period-ms", 2000)
                .set("worker.http", Map.of("host", "127.0.0.1", "port", 0))
                .pool(Workload.MODEL, "o200k_base")
                .set("models." + Workload.MODEL + ".context-window", 128_000)
                .set("models." + Workload.MODEL + ".max-request-tokens", 2048);
        for (Endpoint e : endpoints) {
            b.deployment(Workload.MODEL, e.region(), e.url(), DEPLOYMENT, KEY_ENV, unlimited ? UNLIMITED_TPM : e.tpm(),
                    unlimited ? UNLIMITED_TPM : e.rpm());
        }
        return b;
    }

    public static Map<String, String> workerEnv() {
        return Map.of(KEY_ENV, SIM_KEY);
    }

    public static PipelineConfig workerConfig(String yaml) {
        return ConfigLoader.parse(yaml, workerEnv());
    }

    static String num(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        return Double.toString(d);
    }
}
