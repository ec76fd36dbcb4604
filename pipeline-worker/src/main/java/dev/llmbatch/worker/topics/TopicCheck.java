package dev.llmbatch.worker.topics;

import dev.llmbatch.core.config.KafkaSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's start-up check of its topics. Without it, a worker whose jobs topic does not exist starts, subscribes,
 * and logs UNKNOWN_TOPIC_OR_PARTITION about once a second forever; with it, the worker refuses to start with one
 * message naming the missing topic and the command that creates it, or ({@code kafka.create-topics: true}) creates
 * what is missing with {@link PipelineTopics}' settings. A cluster that cannot be reached is not this check's
 * business: it logs a warning and lets the worker start (its clients retry until the broker is up). Stateless;
 * runs on the caller's thread.
 */
public final class TopicCheck {
    private static final Logger LOG = LoggerFactory.getLogger(TopicCheck.class);

    private TopicCheck() {
    }

    /**
     * Makes sure the jobs, results and DLQ topics of {@code kafka} exist.
     *
     * @throws MissingTopicsException if some are missing and {@code kafka.createTopics()} is false
     * @throws dev.llmbatch.core.config.ConfigException if the broker refuses the credentials in
     *                                                  {@code kafka.properties}
     */
    public static void ensure(KafkaSettings kafka) {
        List<PipelineTopics.Spec> specs = PipelineTopics.specs(kafka, PipelineTopics.DEFAULT_PARTITIONS,
                Optional.empty());
        try (Admin admin = Admin.create(PipelineTopics.adminProperties(kafka))) {
            Set<String> existing = admin.listTopics().names().get();
            List<PipelineTopics.Spec> missing = new ArrayList<>();
            for (PipelineTopics.Spec s : specs) {
                if (!existing.contains(s.name())) {
                    missing.add(s);
                }
            }
            if (missing.isEmpty()) {
                return;
            }
            if (!kafka.createTopics()) {
                throw missing(kafka, missing);
            }
            create(admin, missing);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | org.apache.kafka.common.KafkaException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            if (cause instanceof org.apache.kafka.common.errors.AuthenticationException) {
                // Not transient: retrying would only repeat it. Names the settings, never their values.
                throw new dev.llmbatch.core.config.ConfigException("kafka.properties: the broker at "
                        + kafka.bootstrap() + " refused the worker's credentials (" + cause.getMessage()
                        + "); check sasl.jaas.config, sasl.mechanism (" + kafka.properties().getOrDefault(
                        "sasl.mechanism", "not set") + ") and security.protocol (" + kafka.properties()
                        .getOrDefault("security.protocol", "not set") + ")");
            }
            LOG.warn("could not check the topics at {} ({}); starting anyway, the clients will retry",
                    kafka.bootstrap(), cause.toString());
        }
    }

    private static void create(Admin admin, List<PipelineTopics.Spec> missing)
            throws InterruptedException, ExecutionException {
        for (PipelineTopics.Spec s : missing) {
            try {
                admin.createTopics(List.of(s.newTopic())).all().get();
                LOG.info("created topic {} ({}, {} partitions, {}) because kafka.create-topics is true", s.name(),
                        s.role(), s.partitions(), s.configs());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
                // Another worker of the group created it first.
            }
        }
    }

    static MissingTopicsException missing(KafkaSettings kafka, List<PipelineTopics.Spec> missing) {
        List<String> names = missing.stream().map(PipelineTopics.Spec::name).toList();
        StringBuilder m = new StringBuilder();
        m.append(names.size() == 1 ? "topic " : "topics ");
        for (int i = 0; i < missing.size(); i++) {
            m.append(i == 0 ? "" : i == missing.size() - 1 ? " and " : ", ");
            m.append(missing.get(i).name()).append(" (").append(missing.get(i).role()).append(')');
        }
        m.append(names.size() == 1 ? " does" : " do").append(" not exist at ").append(kafka.bootstrap())
                .append("; create ").append(names.size() == 1 ? "it" : "them")
                .append(" with: bin/pipeline topics create --bootstrap-server ").append(kafka.bootstrap())
                .append(" --config ").append(MissingTopicsException.CONFIG_PLACEHOLDER)
                .append(" (or set kafka.create-topics: true to let the worker create them)");
        return new MissingTopicsException(names, m.toString());
    }
}
