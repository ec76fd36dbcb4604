package dev.llmbatch.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.llmbatch.core.config.ConfigLoader;
import dev.llmbatch.worker.WorkerCommand;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The worker processes of {@code bin/pipeline local --workers N} (N > 1): each one is {@code bin/pipeline worker
 * --config FILE} run as its own JVM (this JVM's java and classpath), with its own config file, admin port,
 * transactional id and log file, all sharing one quota store. {@link #close()} sends SIGTERM to every worker, waits
 * for it to stop gracefully and kills what is still alive after that. Not thread-safe: one thread starts, polls and
 * closes.
 */
final class LocalWorkers implements AutoCloseable {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    /** One worker process: its number (from 1), admin port, config file and log file. */
    record Handle(int number, Process process, int port, Path config, Path log) {
    }

    private final List<Handle> workers;
    private final String host;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Thread shutdownHook;

    private LocalWorkers(List<Handle> workers, String host) {
        this.workers = workers;
        this.host = host;
        this.shutdownHook = new Thread(this::killAll, "local-workers-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts {@code n} workers.
     *
     * @param baseYaml  the worker config every worker gets (the simulated regions or the user's file)
     * @param env       the environment of every worker (bootstrap, API keys, ...)
     * @param redisUri  the shared quota store
     * @param keyPrefix the quota keys of this run
     * @param dir       where the config and log files go
     */
    static LocalWorkers start(int n, String baseYaml, Map<String, String> env, String host, String redisUri,
            String keyPrefix, Path dir) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Handle> started = new ArrayList<>();
        try {
            for (int i = 1; i <= n; i++) {
                int port = freePort(host);
                String txId = keyPrefix + "-worker-" + i;
                Path config = dir.resolve("worker-" + i + ".yaml");
                Files.writeString(config, workerYaml(baseYaml, port, txId, redisUri, keyPrefix),
                        StandardCharsets.UTF_8);
                Path log = dir.resolve("worker-" + i + ".log");
                ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                        WorkerCommand.class.getName(), "--config", config.toString());
                pb.environment().clear();
                pb.environment().putAll(env);
                // Environment overrides win over the file: make them say what the file says.
                pb.environment().put(ConfigLoader.envName("worker.http.port"), Integer.toString(port));
                pb.environment().put(ConfigLoader.envName("kafka.transactional-id"), txId);
                pb.environment().put(ConfigLoader.envName("quota.store"), "redis");
                pb.environment().put(ConfigLoader.envName("quota.redis-uri"), redisUri);
                pb.environment().put(ConfigLoader.envName("quota.key-prefix"), keyPrefix);
                pb.redirectErrorStream(true).redirectOutput(log.toFile());
                started.add(new Handle(i, pb.start(), port, config, log));
            }
        } catch (IOException | RuntimeException e) {
            started.forEach(h -> h.process().destroyForcibly());
            throw e;
        }
        return new LocalWorkers(List.copyOf(started), host);
    }

    /**
     * {@code baseYaml} plus what makes one worker of several: its admin port and transactional id, and the shared
     * quota store ({@code quota: {store: redis, redis-uri, key-prefix}}).
     */
    static String workerYaml(String baseYaml, int port, String transactionalId, String redisUri, String keyPrefix)
            throws IOException {
        ObjectNode root = YAML.readTree(baseYaml) instanceof ObjectNode o ? o : YAML.createObjectNode();
        root.with("worker").with("http").put("port", port);
        root.with("kafka").put("transactional-id", transactionalId);
        root.with("quota").put("store", "redis").put("redis-uri", redisUri).put("key-prefix", keyPrefix);
        return YAML.writeValueAsString(root);
    }

    List<Handle> workers() {
        return workers;
    }

    /**
     * Waits until every worker owns at least one partition of the jobs topic.
     *
     * @throws IllegalStateException if a worker exited or the time ran out (naming its log file)
     */
    void awaitAssigned(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Handle h : workers) {
            while (true) {
                if (!h.process().isAlive()) {
                    throw new IllegalStateException("worker " + h.number() + " exited with code "
                            + h.process().exitValue() + " before it owned a partition; see " + h.log());
                }
                JsonObject s = status(h);
                if (s != null && s.getInteger("assigned_partitions", 0) > 0) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("worker " + h.number() + " owned no partition of the jobs topic "
                            + "after " + timeout.toSeconds() + " s; see " + h.log());
                }
                // Waits 200 ms, or less if the worker exits (reported at the top of the loop).
                h.process().waitFor(200, java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        }
    }

    /** The worker's {@code /status.json}, or null if it does not answer (yet). */
    JsonObject status(Handle h) {
        String body = get(h, "/status.json");
        return body == null ? null : new JsonObject(body);
    }

    /** Sum of a counter over every label set and every worker, from their {@code /metrics}. */
    long total(String counter) {
        return family(counter).values().stream().mapToLong(Long::longValue).sum();
    }

    /** One counter family summed over every worker: label set -> value. */
    Map<String, Long> family(String counter) {
        Map<String, Long> sum = new TreeMap<>();
        for (Handle h : workers) {
            String text = get(h, "/metrics");
            if (text != null) {
                parseFamily(text, counter).forEach((k, v) -> sum.merge(k, v, Long::sum));
            }
        }
        return sum;
    }

    /** A counter family from Prometheus text: label set ({@code {a="b"}} or empty) -> value. */
    static Map<String, Long> parseFamily(String prometheusText, String counter) {
        Map<String, Long> out = new TreeMap<>();
        for (String line : prometheusText.split("\n")) {
            if (!line.startsWith(counter)) {
                continue;
            }
            String rest = line.substring(counter.length());
            int space = rest.lastIndexOf(' ');
            if (space < 0 || !(rest.startsWith("{") || rest.startsWith(" "))) {
                continue;
            }
            try {
                out.merge(rest.substring(0, space).trim(), (long) Double.parseDouble(rest.substring(space + 1).trim()),
                        Long::sum);
            } catch (NumberFormatException ignored) {
                // not a sample line
            }
        }
        return out;
    }

    private String get(Handle h, String path) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + hostForUrl() + ":"
                    + h.port() + path)).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return r.body();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private String hostForUrl() {
        String h = host == null || host.isBlank() || "0.0.0.0".equals(host) ? "127.0.0.1" : host;
        return h.contains(":") && !h.startsWith("[") ? "[" + h + "]" : h;
    }

    /** SIGTERM to every worker, then waits for them (graceful stop); kills those still alive after 60 s. */
    @Override
    public void close() {
        workers.forEach(h -> h.process().destroy());
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        for (Handle h : workers) {
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                if (!h.process().waitFor(left, TimeUnit.NANOSECONDS)) {
                    h.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                h.process().destroyForcibly();
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
    }

    /** This JVM is exiting (Ctrl-C): SIGTERM to every worker, so none outlives the run. */
    private void killAll() {
        workers.forEach(h -> h.process().destroy());
    }

    private static int freePort(String host) throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            String h = host == null || host.isBlank() ? "127.0.0.1" : host;
            s.bind(new InetSocketAddress(InetAddress.getByName(h), 0));
            return s.getLocalPort();
        }
    }
}
