package dev.llmbatch.cli;

import dev.llmbatch.command.Commands;
import dev.llmbatch.command.DurationConverter;
import dev.llmbatch.command.StreamCommand;
import dev.llmbatch.command.VersionProvider;
import dev.llmbatch.core.config.ConfigBuilder;
import dev.llmbatch.core.config.ConfigException;
import dev.llmbatch.core.config.ConfigLoader;
import dev.llmbatch.core.config.DeploymentConfig;
import dev.llmbatch.core.config.ModelPool;
import dev.llmbatch.core.config.PipelineConfig;
import dev.llmbatch.kafka.embedded.EmbeddedKafka;
import dev.llmbatch.producer.ClientConfig;
import dev.llmbatch.producer.SubmitCommand;
import dev.llmbatch.redis.embedded.EmbeddedRedis;
import dev.llmbatch.simulator.DeploymentStats;
import dev.llmbatch.simulator.RegionStats;
import dev.llmbatch.simulator.Simulator;
import dev.llmbatch.simulator.SimulatorConfig;
import dev.llmbatch.worker.Worker;
import dev.llmbatch.worker.topics.PipelineTopics;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.ToLongFunction;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bin/pipeline local --input FILE --output FILE [--config FILE] [--workers N] [--bootstrap-server H:P
 * [--command-config FILE]]}: one command that starts a real
 * single-node Kafka broker, three simulated regions with different quotas and latencies (or, with {@code --config},
 * the real deployments that file names), and a worker; submits the file, waits for every result, writes them, prints
 * a summary and stops everything it started. With {@code --workers N} (N > 1) the worker is N worker processes
 * ({@code bin/pipeline worker}) sharing each deployment's quota through one embedded Redis.
 */
@Command(name = "local", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        sortOptions = false,
        description = {"One-shot run on this machine: a real Kafka broker (KRaft, own JVM), three simulated regions "
                + "(or the real deployments of --config) and a worker (or --workers N worker processes sharing the "
                + "quota through an embedded Redis); submits the file, waits for every result, writes them, prints a "
                + "summary and stops everything it started.",
                "Exit codes: 0 done, 1 failed or timed out, 2 bad usage or config."})
public final class LocalCommand extends StreamCommand {
    static final String SIM_KEY_ENV = "PIPELINE_LOCAL_SIM_KEY";

    @Spec
    CommandSpec spec;

    @Option(names = "--input", paramLabel = "FILE", required = true, description = "JSONL file of jobs")
    Path input;

    @Option(names = "--output", paramLabel = "FILE", required = true, description = "where the results go (JSONL)")
    Path output;

    @Option(names = "--config", paramLabel = "FILE",
            description = "worker YAML with real deployments (default: simulated regions)")
    Path config;

    @Option(names = {"--bootstrap", "--bootstrap-server"}, paramLabel = "HOST:PORT",
            description = "use this Kafka cluster (its topics are created when missing) instead of starting a broker")
    String bootstrap;

    @Option(names = "--command-config", paramLabel = "FILE",
            description = "Kafka client settings for --bootstrap-server's cluster (Java properties: security.protocol,"
                    + " sasl.*, ssl.*, config.providers), given to the worker as kafka.properties and to the submitter")
    Path commandConfig;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30m", converter = DurationConverter.class,
            description = "how long to wait for results after the last line was sent (default ${DEFAULT-VALUE})")
    Duration timeout;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "1",
            description = "worker processes sharing each deployment's quota through an embedded Redis "
                    + "(default ${DEFAULT-VALUE}: one worker in this JVM)")
    int workers;

    /** How long --workers N waits for every worker to own a partition of the jobs topic. */
    static final Duration ASSIGN_TIMEOUT = Duration.ofMinutes(3);

    @Override
    public Integer call() throws Exception {
        if (workers < 1) {
            throw Commands.usage(spec, "--workers must be >= 1, got " + workers);
        }
        if (!Files.isReadable(input)) {
            throw Commands.usage(spec, "--input: cannot read " + input);
        }
        if (commandConfig != null && bootstrap == null) {
            throw Commands.usage(spec, "--command-config needs --bootstrap-server (the broker local starts itself "
                    + "needs no credentials)");
        }
        Map<String, Object> client;
        try {
            client = ClientConfig.load(commandConfig);
        } catch (IllegalArgumentException e) {
            throw Commands.usage(spec, e.getMessage());
        }
        try (EmbeddedKafka kafka = bootstrap == null ? EmbeddedKafka.start() : null) {
            String servers = kafka != null ? kafka.bootstrapServers() : bootstrap;
            out.println("kafka      " + servers + (kafka != null ? " (KRaft, single node)"
                    : client.isEmpty() ? "" : " (client settings from " + commandConfig + ")"));
            Map<String, String> env = new HashMap<>(System.getenv());
            env.put("PIPELINE_KAFKA_BOOTSTRAP", servers);
            env.putIfAbsent("PIPELINE_WORKER_HTTP_PORT", "0");
            // The broker is new and empty: the worker creates its three topics (PipelineTopics' settings).
            env.put("PIPELINE_KAFKA_CREATE_TOPICS", "true");
            Simulator sim = null;
            try {
                PipelineConfig cfg;
                String yaml;
                if (config == null) {
                    sim = Simulator.start(SimulatorConfig.localDefault());
                    for (String r : sim.regions()) {
                        out.println("region     " + r + " " + sim.endpoint(r));
                    }
                    env.put(SIM_KEY_ENV, sim.config().apiKeys().get(0));
                    yaml = withClientSettings(simulatedConfig(sim), client);
                    cfg = ConfigLoader.parse(yaml, env);
                } else if (client.isEmpty()) {
                    cfg = ConfigLoader.load(config, env);
                    yaml = Files.readString(config);
                } else {
                    yaml = withClientSettings(Files.readString(config), client);
                    cfg = ConfigLoader.parse(yaml, env);
                }
                if (workers > 1) {
                    return runWorkers(servers, client, env, yaml, cfg, sim);
                }
                try (Worker worker = Worker.start(cfg, env)) {
                    out.println("worker     admin http://" + cfg.worker().httpHost() + ":" + worker.adminPort()
                            + "/metrics");
                    out.println("status     http://" + cfg.worker().httpHost() + ":" + worker.adminPort()
                            + "/ (status page; /status.json)");
                    long t0 = System.nanoTime();
                    SubmitCommand.Summary summary = SubmitCommand.submitAndWait(input, output, servers, client,
                            cfg.kafka().jobsTopic(), cfg.kafka().resultsTopic(), timeout, System.err);
                    double elapsed = (System.nanoTime() - t0) / 1e9;
                    printSummary(out, summary, elapsed, sim, cfg, worker.metrics()::total,
                            worker.metrics()::family);
                }
            } catch (ConfigException e) {
                out.println("config error: " + e.getMessage());
                return Commands.USAGE;
            } finally {
                if (sim != null) {
                    sim.close();
                }
            }
        }
        return 0;
    }

    /**
     * {@code --workers N}: one embedded Redis, topics with at least N partitions, N worker processes; once each owns
     * a partition, submits and waits as the single-worker run does, prints the same summary plus one line per worker,
     * then SIGTERMs the workers and stops Redis.
     */
    private Integer runWorkers(String servers, Map<String, Object> client, Map<String, String> env, String yaml,
            PipelineConfig cfg, Simulator sim) throws Exception {
        createTopics(servers, client, cfg, Math.max(PipelineTopics.DEFAULT_PARTITIONS, workers));
        Path logs = Files.createTempDirectory("pipeline-local-");
        String keyPrefix = "local-" + UUID.randomUUID().toString().substring(0, 8);
        try (EmbeddedRedis redis = EmbeddedRedis.start(env)) {
            out.println("redis      " + redis + " (quota store, key prefix " + keyPrefix + ")");
            out.println("logs       " + logs);
            try (LocalWorkers fleet = LocalWorkers.start(workers, yaml, env, cfg.worker().httpHost(),
                    redis.uri().toString(), keyPrefix, logs)) {
                for (LocalWorkers.Handle h : fleet.workers()) {
                    out.println("worker " + h.number() + "   pid " + h.process().pid() + " admin http://"
                            + cfg.worker().httpHost() + ":" + h.port() + "/metrics log " + h.log());
                    out.println("status " + h.number() + "   http://" + cfg.worker().httpHost() + ":" + h.port()
                            + "/ (status page)");
                }
                fleet.awaitAssigned(ASSIGN_TIMEOUT);
                long t0 = System.nanoTime();
                SubmitCommand.Summary summary = SubmitCommand.submitAndWait(input, output, servers, client,
                        cfg.kafka().jobsTopic(), cfg.kafka().resultsTopic(), timeout, System.err);
                double elapsed = (System.nanoTime() - t0) / 1e9;
                printSummary(out, summary, elapsed, sim, cfg, fleet::total, fleet::family);
                out.println("workers    " + workers + " processes sharing the quota through Redis");
                for (LocalWorkers.Handle h : fleet.workers()) {
                    JsonObject s = fleet.status(h);
                    long results = 0;
                    String quota = "unknown (no answer)";
                    int partitions = 0;
                    if (s != null) {
                        JsonObject r = s.getJsonObject("results", new JsonObject());
                        for (String k : r.fieldNames()) {
                            results += ((Number) r.getValue(k)).longValue();
                        }
                        quota = s.getJsonObject("quota", new JsonObject()).encode();
                        partitions = s.getInteger("assigned_partitions", 0);
                    }
                    out.printf(Locale.ROOT, "worker %-3d %d results, %d partitions, quota %s, log %s%n", h.number(),
                            results, partitions, quota, h.log());
                }
            }
        }
        return 0;
    }

    /**
     * {@code yaml} with the {@code --command-config} settings added to {@code kafka.properties} (they win over the
     * file's), so that the worker's clients reach the same cluster the submitter does. Values are copied as written:
     * a {@code ${provider:...}} reference is resolved by the worker's Kafka clients, not here.
     */
    static String withClientSettings(String yaml, Map<String, Object> client) throws java.io.IOException {
        if (client.isEmpty()) {
            return yaml;
        }
        com.fasterxml.jackson.databind.node.ObjectNode root = LocalWorkers.YAML.readTree(yaml)
                instanceof com.fasterxml.jackson.databind.node.ObjectNode o ? o : LocalWorkers.YAML.createObjectNode();
        com.fasterxml.jackson.databind.node.ObjectNode props = root.withObject("kafka").withObject("properties");
        client.forEach((k, v) -> props.put(k, String.valueOf(v)));
        return LocalWorkers.YAML.writeValueAsString(root);
    }

    /** The jobs, results and DLQ topics with {@code partitions} partitions (so that every worker owns one). */
    private static void createTopics(String bootstrap, Map<String, Object> client, PipelineConfig cfg,
            int partitions) throws Exception {
        Map<String, Object> props = new HashMap<>(client);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(props)) {
            for (PipelineTopics.Spec s : PipelineTopics.specs(cfg.kafka(), partitions, Optional.empty())) {
                try {
                    admin.createTopics(java.util.List.of(s.newTopic())).all().get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        }
    }

    /** A worker config for the simulated regions: pool gpt-4o-mini, tasks sentiment and translate. */
    static String simulatedConfig(Simulator sim) {
        return simulatedConfig(sim.config(), sim::endpoint);
    }

    /** The worker config for the regions of {@code sim}, reached at {@code endpoint.apply(region)}. */
    static String simulatedConfig(SimulatorConfig simConfig, java.util.function.Function<String, String> endpoint) {
        ConfigBuilder b = PipelineConfig.builder().set("worker.time-scale", simConfig.timeScale())
                .pool("gpt-4o-mini", "o200k_base").set("models.gpt-4o-mini.context-window", 128_000);
        for (var region : simConfig.regions()) {
            for (var d : region.deployments()) {
                b.deployment("gpt-4o-mini", region.name(), endpoint.apply(region.name()), d.name(), SIM_KEY_ENV,
                        d.tpm(), d.rpm());
            }
        }
        return b.task("sentiment", "Classify the sentiment of the user's product review as positive, negative or "
                        + "neutral. Reply with one word.", 5, true)
                .task("translate", "Translate the user's text to English. Reply with the translation only.", 200, true)
                .set("tasks.sentiment.temperature", 0).set("tasks.translate.temperature", 0)
                .toYaml();
    }

    private static void printSummary(PrintStream out, SubmitCommand.Summary s, double elapsed, Simulator sim,
            PipelineConfig cfg, ToLongFunction<String> total, java.util.function.Function<String, Map<String, Long>>
            family) {
        out.println();
        out.println("== summary ==");
        long results = s.resultsByStatus().values().stream().mapToLong(Long::longValue).sum();
        out.printf(Locale.ROOT, "jobs       %d lines submitted (%d not valid jobs), %d results in %.1f s (%.1f jobs/s)%n",
                s.submitted(), s.invalidLines(), results, elapsed, results / Math.max(elapsed, 1e-9));
        StringBuilder statuses = new StringBuilder();
        s.resultsByStatus().forEach((k, v) -> statuses.append(k.wire()).append('=').append(v).append(' '));
        out.println("by status  " + statuses.toString().trim());
        long summedTpm = 0;
        long admitted = 0;
        if (sim != null) {
            out.printf(Locale.ROOT, "%-14s %9s %9s %7s %12s %9s %14s %14s%n", "region", "tpm", "requests", "429s",
                    "admitted_tok", "5xx", "max_tok_60s", "max_req_10s");
            for (String r : sim.regions()) {
                RegionStats rs = sim.stats(r);
                for (DeploymentStats d : rs.deployments().values()) {
                    summedTpm += d.tpm();
                    admitted += d.admittedTokens();
                    long errors5xx = d.errorsByStatus().entrySet().stream().filter(e -> e.getKey() >= 500)
                            .mapToLong(Map.Entry::getValue).sum();
                    out.printf(Locale.ROOT, "%-14s %9d %9d %7d %12d %9d %14s %14s%n", r, d.tpm(), d.requests(),
                            d.rateLimited(), d.admittedTokens(), errors5xx, d.maxTokensIn60s() + "/" + d.tpm(),
                            d.maxRequestsIn10s() + "/" + ((d.rpm() + 5) / 6));
                }
            }
        } else {
            for (ModelPool p : cfg.models().values()) {
                for (DeploymentConfig d : p.deployments()) {
                    summedTpm += d.tpm();
                }
            }
            admitted = total.applyAsLong("llm_admitted_tokens_total");
            out.println("regions    " + family.apply("llm_calls_total"));
        }
        double minutes = elapsed * cfg.worker().timeScale() / 60.0;
        out.printf(Locale.ROOT, "quota      admitted %.0f tokens/min against a summed TPM of %d (%.1f%%)%n",
                admitted / Math.max(minutes, 1e-9), summedTpm, 100.0 * admitted / Math.max(minutes, 1e-9) / summedTpm);
    }
}
