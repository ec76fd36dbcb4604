package dev.llmbatch.core.config;

import java.util.Map;
import java.util.Optional;

/**
 * The whole worker configuration, loaded and validated by {@link ConfigLoader}. Immutable and safe to share.
 */
public record PipelineConfig(
        KafkaSettings kafka,
        WorkerSettings worker,
        Map<String, ModelPool> models,
        Map<String, TaskTemplate> tasks,
        QuotaSettings quota) {

    public PipelineConfig {
        models = Map.copyOf(models);
        tasks = Map.copyOf(tasks);
        quota = quota == null ? QuotaSettings.LOCAL : quota;
    }

    /** A configuration with in-process quota windows. */
    public PipelineConfig(KafkaSettings kafka, WorkerSettings worker, Map<String, ModelPool> models,
            Map<String, TaskTemplate> tasks) {
        this(kafka, worker, models, tasks, null);
    }

    /** The pool a job's {@code model} names, or the default pool when the job names none. */
    public Optional<ModelPool> pool(String model) {
        if (model == null) {
            String def = worker.defaultModel();
            if (def != null) {
                return Optional.ofNullable(models.get(def));
            }
            return models.size() == 1 ? models.values().stream().findFirst() : Optional.empty();
        }
        return Optional.ofNullable(models.get(model));
    }
}
