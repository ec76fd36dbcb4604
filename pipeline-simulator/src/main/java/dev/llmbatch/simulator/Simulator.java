package dev.llmbatch.simulator;

import com.knuddels.jtokkit.api.EncodingRegistry;
import dev.llmbatch.core.time.Ticker;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A running set of simulated Azure OpenAI regions, one HTTP server per region on its own port, each following
 * {@code reference/azure-openai-behaviour.md}: sliding-window admission with the service's estimate rule, 429
 * bodies and headers, validation errors, faults, the latency model, and a deterministic {@link FakeModel}.
 *
 * <h2>Endpoints per region</h2>
 * {@code POST /openai/deployments/{deployment}/chat/completions?api-version=V}, {@code POST /openai/v1/chat/completions}
 * and {@code POST /v1/chat/completions} (deployment = body {@code model}); {@code GET /sim/stats},
 * {@code POST /sim/admin/quota}, {@code POST /sim/admin/faults}, {@code POST /sim/admin/batch-faults},
 * {@code POST /sim/admin/packing}. All need an api key.
 *
 * <h2>Threads</h2>
 * Each region's state lives on one Vert.x event-loop context (a verticle), so the request path takes no locks.
 * The methods of this class are thread-safe: {@link #stats}, {@link #setQuota}, {@link #setFaults},
 * {@link #setBatchFaults} and {@link #setPacking} hop onto the region's context and wait for it (a few microseconds), running directly when
 * the caller is already on that event-loop thread. {@link #start} and {@link #close} block and must not be called
 * on an event-loop thread.
 *
 * <h2>Time</h2>
 * All simulated time reads {@link #simulatedClock()}: by default {@code Ticker.scaled(time-scale)}, started with the
 * simulator. Windows, retry-after values and fault windows are in simulated time; a simulated delay is waited as
 * {@code delay / time-scale} of wall time.
 */
public final class Simulator implements AutoCloseable {
    private final Vertx vertx;
    private final boolean ownsVertx;
    private final SimulatorConfig config;
    private final Ticker clock;
    private final Map<String, RegionServer> regions;
    private final List<String> deploymentIds;
    private final TokenIssuer tokens;
    private boolean closed;

    private Simulator(Vertx vertx, boolean ownsVertx, SimulatorConfig config, Ticker clock,
                      Map<String, RegionServer> regions, List<String> deploymentIds, TokenIssuer tokens) {
        this.tokens = tokens;
        this.vertx = vertx;
        this.ownsVertx = ownsVertx;
        this.config = config;
        this.clock = clock;
        this.regions = regions;
        this.deploymentIds = deploymentIds;
    }

    /** Starts every region on a Vert.x instance of its own (closed by {@link #close()}); blocks until listening. */
    public static Simulator start(SimulatorConfig cfg) {
        Vertx vertx = Vertx.vertx();
        try {
            return start(vertx, true, cfg, Ticker.scaled(cfg.timeScale()));
        } catch (RuntimeException e) {
            vertx.close();
            throw e;
        }
    }

    /** Starts every region on the given Vert.x instance (not closed by {@link #close()}); blocks until listening. */
    public static Simulator start(Vertx vertx, SimulatorConfig cfg) {
        return start(vertx, false, cfg, Ticker.scaled(cfg.timeScale()));
    }

    /**
     * Like {@link #start(Vertx, SimulatorConfig)} with an injected simulated clock, for example a
     * {@code FakeTicker} (pipeline-core's test-jar) shared with the code under test. Latency is still waited in wall
     * time as {@code simulated delay / time-scale}.
     */
    public static Simulator start(Vertx vertx, SimulatorConfig cfg, Ticker simulatedClock) {
        return start(vertx, false, cfg, simulatedClock);
    }

    private static Simulator start(Vertx vertx, boolean ownsVertx, SimulatorConfig cfg, Ticker clock) {
        Objects.requireNonNull(vertx, "vertx");
        Objects.requireNonNull(cfg, "cfg");
        Objects.requireNonNull(clock, "clock");
        if (Context.isOnEventLoopThread()) {
            throw new IllegalStateException("Simulator.start blocks until the regions listen; call it off the event loop");
        }
        // BPE tables take seconds to load: do it here, on the caller's thread, not on a region's event loop
        cfg.regions().forEach(r -> r.deployments().forEach(d -> Tokenizers.encoding(d.encoding())));
        EncodingRegistry encodings = Tokenizers.registry();
        long startNanos = clock.nanos();
        Map<String, RegionServer> servers = new LinkedHashMap<>();
        TokenIssuer tokens = new TokenIssuer(cfg.tokens(), java.time.Clock.systemUTC());
        List<Future<String>> deployments = new ArrayList<>();
        for (RegionConfig r : cfg.regions()) {
            RegionServer server = new RegionServer(r, cfg, clock, startNanos, encodings, tokens);
            servers.put(r.name(), server);
            deployments.add(vertx.deployVerticle(server));
        }
        List<String> ids = new ArrayList<>();
        try {
            await(Future.join(deployments));
        } catch (RuntimeException e) {
            for (Future<String> f : deployments) {
                if (f.succeeded()) {
                    awaitQuietly(vertx.undeploy(f.result()));
                }
            }
            throw new IllegalStateException("simulator failed to start: " + e.getMessage(), e);
        }
        deployments.forEach(f -> ids.add(f.result()));
        return new Simulator(vertx, ownsVertx, cfg, clock, servers, ids, tokens);
    }

    /** The configuration this simulator runs. */
    public SimulatorConfig config() {
        return config;
    }

    /** Region names in configuration order. */
    public List<String> regions() {
        return List.copyOf(regions.keySet());
    }

    /** The port a region listens on. */
    public int port(String region) {
        return server(region).port();
    }

    /** The region's base URL, e.g. {@code http://127.0.0.1:34567}; append the request paths to it. */
    public String endpoint(String region) {
        String host = config.host().equals("0.0.0.0") ? "127.0.0.1" : config.host();
        return "http://" + host + ":" + port(region);
    }

    /** A consistent snapshot of the region's counters. */
    public RegionStats stats(String region) {
        return server(region).stats();
    }

    /** Changes a deployment's quota from now on; entries already in the windows stay. */
    public void setQuota(String region, String deployment, long tpm, long rpm) {
        if (tpm <= 0 || rpm <= 0) {
            throw new IllegalArgumentException("tpm and rpm must be > 0, got " + tpm + " and " + rpm);
        }
        server(region).setQuota(deployment, tpm, rpm);
    }

    /**
     * Replaces the region's faults from now until the next call; a runtime spec overrides the configured fault
     * windows, so {@code FaultSpec.none()} runs the region fault-free.
     */
    public void setFaults(String region, FaultSpec faults) {
        server(region).setFaults(Objects.requireNonNull(faults, "faults"));
    }

    /**
     * Replaces the region's latency model from now on (calls already waiting keep their drawn time), e.g. to make
     * a region stall {@code p} of its calls for {@code s} seconds after a warm-up:
     * {@code sim.setLatency(r, sim.latency(r).withTail(0, p, s * 1000))}.
     */
    public void setLatency(String region, LatencyConfig latency) {
        server(region).setLatency(Objects.requireNonNull(latency, "latency"));
    }

    /** The region's latency model in force: the configured one, or the last {@link #setLatency}. */
    public LatencyConfig latency(String region) {
        return server(region).latency();
    }

    /**
     * Replaces how every deployment of the region corrupts its replies to packed requests, from now until the next
     * call; overrides the deployments' configured {@code batch-faults}, so {@code BatchFaults.none()} answers packed
     * requests faithfully.
     */
    public void setBatchFaults(String region, BatchFaults faults) {
        server(region).setBatchFaults(Objects.requireNonNull(faults, "faults"));
    }

    /**
     * Switches whether a deployment's model follows the packing reply schema, from now on (overrides its configured
     * {@code packing}); see {@link PackingMode}.
     */
    public void setPacking(String region, String deployment, PackingMode mode) {
        server(region).setPacking(deployment, Objects.requireNonNull(mode, "mode"));
    }

    /**
     * The keys the region accepts on chat calls from now on (the simulator's own endpoints keep taking
     * {@code api-keys}); calls in flight are not affected. Bearer tokens from {@code /sim/token} stay accepted.
     */
    public void setApiKeys(String region, List<String> keys) {
        if (keys.isEmpty() || keys.stream().anyMatch(String::isBlank)) {
            throw new IllegalArgumentException("at least one non-blank key");
        }
        server(region).setApiKeys(List.copyOf(keys));
    }

    /** While {@code missing}, the deployment answers 404 DeploymentNotFound, as if it had been deleted. */
    public void setMissing(String region, String deployment, boolean missing) {
        server(region).setMissing(deployment, missing);
    }

    /** The URL of the token endpoint (any region's; tokens are valid in every region). */
    public String tokenEndpoint() {
        return endpoint(regions().get(0)) + "/sim/token";
    }

    /** Bearer-token counters over every region. */
    public TokenStats tokenStats() {
        return tokens.stats();
    }

    /** The simulated clock that windows, retry-after values and fault windows use. */
    public Ticker simulatedClock() {
        return clock;
    }

    /** Stops every region (open hanging connections are closed) and, if owned, the Vert.x instance. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (String id : deploymentIds) {
            awaitQuietly(vertx.undeploy(id));
        }
        if (ownsVertx) {
            awaitQuietly(vertx.close());
        }
    }

    private RegionServer server(String region) {
        RegionServer s = regions.get(region);
        if (s == null) {
            throw new IllegalArgumentException("no region " + region + "; regions: " + regions.keySet());
        }
        return s;
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("timed out after 30 s", e);
        }
    }

    private static void awaitQuietly(Future<?> f) {
        try {
            await(f);
        } catch (RuntimeException e) {
            // closing: nothing more to do
        }
    }
}
