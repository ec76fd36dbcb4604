package dev.llmbatch.worker.topics;

import dev.llmbatch.command.Commands;
import dev.llmbatch.command.StreamCommand;
import dev.llmbatch.command.VersionProvider;
import dev.llmbatch.core.config.ConfigException;
import dev.llmbatch.core.config.ConfigLoader;
import dev.llmbatch.core.config.KafkaSettings;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bin/pipeline topics create|describe}: creates the jobs, results and DLQ topics a worker needs (names from
 * {@code --config}, else the defaults) with {@link PipelineTopics}' settings, or shows what the cluster has. One
 * instance per command line; runs on the caller's thread.
 */
@Command(name = "topics", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Creates or describes the jobs, results and DLQ topics (names from --config, else the defaults).",
        synopsisSubcommandLabel = "(create | describe)",
        subcommands = {TopicsCommand.Create.class, TopicsCommand.Describe.class})
public final class TopicsCommand extends StreamCommand {
    private static final List<String> SHOWN_CONFIGS = List.of(TopicConfig.CLEANUP_POLICY_CONFIG,
            TopicConfig.RETENTION_MS_CONFIG, TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
            TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);

    @Spec
    CommandSpec spec;

    /** {@code topics} alone: the usage, exit 2. */
    @Override
    public Integer call() {
        return usageOnly(spec);
    }

    /** Where the cluster is and what the topics are called. */
    static final class Target {
        @Spec(Spec.Target.MIXEE)
        CommandSpec spec;

        @Option(names = {"--bootstrap-server", "--bootstrap"}, paramLabel = "HOST:PORT",
                description = "Kafka bootstrap servers (default: the config's kafka.bootstrap, else localhost:9092)")
        String bootstrap;

        @Option(names = "--config", paramLabel = "FILE",
                description = "worker YAML: topic names, bootstrap and client properties (PIPELINE_... overrides apply)")
        Path config;

        KafkaSettings kafka() {
            KafkaSettings k;
            try {
                k = config == null ? ConfigLoader.kafkaDefaults(System.getenv())
                        : ConfigLoader.load(config, System.getenv()).kafka();
            } catch (ConfigException e) {
                throw Commands.usage(spec, "--config: " + e.getMessage());
            }
            return bootstrap == null ? k : k.withBootstrap(bootstrap);
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = {"Creates whichever of the three topics are missing; existing ones are left as they are.",
                    "Exit codes: 0 all three exist, 1 Kafka error, 2 bad usage."})
    static final class Create extends StreamCommand {
        @Spec
        CommandSpec spec;

        @Mixin
        Target target;

        @Option(names = "--partitions", paramLabel = "N", defaultValue = "" + PipelineTopics.DEFAULT_PARTITIONS,
                description = "partitions of the jobs and results topics (default ${DEFAULT-VALUE}; the DLQ has 1)")
        int partitions;

        @Option(names = "--replication-factor", paramLabel = "R",
                description = "replicas per partition (default: the broker's default.replication.factor)")
        Short replicationFactor;

        @Override
        public Integer call() {
            if (partitions < 1) {
                throw Commands.usage(spec, "--partitions must be >= 1, got " + partitions);
            }
            if (replicationFactor != null && replicationFactor < 1) {
                throw Commands.usage(spec, "--replication-factor must be >= 1, got " + replicationFactor);
            }
            KafkaSettings kafka = target.kafka();
            List<PipelineTopics.Spec> specs = PipelineTopics.specs(kafka, partitions,
                    Optional.ofNullable(replicationFactor));
            return withAdmin(kafka, "topics create", out, admin -> {
                Set<String> existing = admin.listTopics().names().get();
                for (PipelineTopics.Spec s : specs) {
                    if (existing.contains(s.name())) {
                        out.printf(Locale.ROOT, "%-8s %s exists, left as it is%n", s.role(), s.name());
                        continue;
                    }
                    try {
                        admin.createTopics(List.of(s.newTopic())).all().get();
                        out.printf(Locale.ROOT, "%-8s %s created: %d partitions, %s%n", s.role(), s.name(),
                                s.partitions(), s.configs());
                    } catch (ExecutionException e) {
                        if (!(e.getCause() instanceof TopicExistsException)) {
                            throw e;
                        }
                        out.printf(Locale.ROOT, "%-8s %s exists, left as it is%n", s.role(), s.name());
                    }
                }
                return 0;
            });
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = {"Shows the three topics: partitions, replication and the settings that matter here.",
                    "Exit codes: 0 all three exist, 1 one is missing or Kafka error, 2 bad usage."})
    static final class Describe extends StreamCommand {
        @Mixin
        Target target;

        @Override
        public Integer call() {
            KafkaSettings kafka = target.kafka();
            List<PipelineTopics.Spec> specs = PipelineTopics.specs(kafka, 1, Optional.empty());
            return withAdmin(kafka, "topics describe", out, admin -> {
                Set<String> existing = admin.listTopics().names().get();
                List<String> present = specs.stream().map(PipelineTopics.Spec::name).filter(existing::contains)
                        .toList();
                Map<String, TopicDescription> descriptions = admin.describeTopics(present).allTopicNames().get();
                Map<ConfigResource, Config> configs = admin.describeConfigs(present.stream()
                        .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList()).all().get();
                boolean allThere = true;
                for (PipelineTopics.Spec s : specs) {
                    TopicDescription d = descriptions.get(s.name());
                    if (d == null) {
                        allThere = false;
                        out.printf(Locale.ROOT, "%-8s %s MISSING (bin/pipeline topics create)%n", s.role(), s.name());
                        continue;
                    }
                    Config c = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, s.name()));
                    out.printf(Locale.ROOT, "%-8s %s partitions=%d replication=%d %s%n", s.role(), s.name(),
                            d.partitions().size(), d.partitions().get(0).replicas().size(), shown(c));
                }
                return allThere ? 0 : Commands.FAILED;
            });
        }

        private static String shown(Config c) {
            Collection<ConfigEntry> entries = c == null ? List.of() : c.entries();
            return entries.stream().filter(e -> SHOWN_CONFIGS.contains(e.name()))
                    .sorted(java.util.Comparator.comparingInt(e -> SHOWN_CONFIGS.indexOf(e.name())))
                    .map(e -> e.name() + "=" + e.value()).collect(Collectors.joining(" "));
        }
    }

    /** What a subcommand does with the cluster; returns the exit code. */
    @FunctionalInterface
    interface AdminWork {
        int run(Admin admin) throws ExecutionException, InterruptedException;
    }

    /** Runs {@code work} with a short-lived Admin client; a Kafka failure is one line naming the cluster, exit 1. */
    static int withAdmin(KafkaSettings kafka, String command, PrintStream out, AdminWork work) {
        try (Admin admin = Admin.create(PipelineTopics.adminProperties(kafka))) {
            return work.run(admin);
        } catch (ExecutionException | KafkaException e) {
            out.println(command + ": Kafka at " + kafka.bootstrap() + ": " + cause(e));
            return Commands.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Commands.FAILED;
        }
    }

    private static String cause(Exception e) {
        Throwable t = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
