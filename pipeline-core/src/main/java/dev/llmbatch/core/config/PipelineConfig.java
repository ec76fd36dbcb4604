package dev.llmbatch.core.config;

import java.util.Map;
import java.util.Optional;

/**
 * The whole worker configuration, loaded by {@link ConfigLoader} or built with {@link #builder()}. Immutable, safe to
 * share; validated on construction with messages that name the key.
 */
public record PipelineConfig(
        KafkaSettings kafka,
        WorkerSettings worker,
        Map<String, ModelPool> models,
        Map<String, TaskTemplate> tasks,
        QuotaSettings quota) {

    public PipelineConfig {
        Check.present("kafka", kafka);
        Check.present("worker", worker);
        Check.present("quota", quota);
        if (models == null || models.isEmpty()) {
            throw new ConfigException("models", "must declare at least one model pool");
        }
        models = Map.copyOf(models);
        tasks = Map.copyOf(tasks);
        if (worker.defaultModel() != null && !models.containsKey(worker.defaultModel())) {
            throw new ConfigException("worker.default-model", "names '" + worker.defaultModel()
                    + "', which is not a key of models");
        }
    }

    /** A builder of a config file's content, for tests and benchmarks: see {@link ConfigBuilder}. */
    public static ConfigBuilder builder() {
        return new ConfigBuilder();
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
