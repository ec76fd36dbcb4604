package dev.llmbatch.worker.topics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.config.ConfigLoader;
import dev.llmbatch.core.config.KafkaSettings;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PipelineTopicsTest {
    private final KafkaSettings kafka = ConfigLoader.kafkaDefaults(Map.of());

    @Test
    void specs_defaults_threeTopicsDlqTakesEightMegabytes() {
        List<PipelineTopics.Spec> specs = PipelineTopics.specs(kafka, 12, Optional.empty());

        assertThat(specs).extracting(PipelineTopics.Spec::name).containsExactly("llm.jobs", "llm.results",
                "llm.jobs.dlq");
        assertThat(specs).extracting(PipelineTopics.Spec::partitions).containsExactly(12, 12, 1);
        assertThat(specs.get(2).configs()).containsEntry("max.message.bytes", "8388608");
        assertThat(specs.get(1).configs()).containsEntry("cleanup.policy", "delete")
                .doesNotContainKey("min.insync.replicas");
    }

    @Test
    void specs_threeReplicas_minInsyncTwo() {
        List<PipelineTopics.Spec> specs = PipelineTopics.specs(kafka, 6, Optional.of((short) 3));

        assertThat(specs).allSatisfy(s -> assertThat(s.configs()).containsEntry("min.insync.replicas", "2"));
    }

    @Test
    void adminProperties_clientProperties_keepsOnlyAdminOnes() {
        KafkaSettings k = new KafkaSettings("b:1", "j", "r", "d", "g", kafka.delivery(), null,
                kafka.commitInterval(), 1, 3000, Map.of("security.protocol", "SSL", "max.poll.records", "5"), false);

        assertThat(PipelineTopics.adminProperties(k)).containsEntry("security.protocol", "SSL")
                .containsEntry("bootstrap.servers", "b:1").doesNotContainKey("max.poll.records");
    }
}
