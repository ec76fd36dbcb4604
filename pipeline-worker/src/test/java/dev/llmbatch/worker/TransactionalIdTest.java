package dev.llmbatch.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.config.ConfigLoader;
import dev.llmbatch.core.config.KafkaSettings;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How a worker instance picks its transactional id when none is configured. */
class TransactionalIdTest {
    private static final String POOL = """
            models:
              m:
                encoding: o200k_base
                deployments:
                  - {region: r1, endpoint: "http://127.0.0.1:1", deployment: d, api-key-env: K, tpm: 1000, rpm: 6}
            """;

    private static KafkaSettings resolve(String yaml) {
        return Worker.withInstanceTransactionalId(ConfigLoader.parse(yaml + POOL, Map.of()));
    }

    @Test
    void fixedAdminPort_givesAnIdStableAcrossRestartsOfTheSameInstance() {
        String yaml = "kafka: {group: g1}\nworker: {http: {port: 9123}}\n";
        KafkaSettings first = resolve(yaml);
        assertThat(first.transactionalId()).startsWith("g1-").endsWith("-9123");
        assertThat(resolve(yaml).transactionalId()).isEqualTo(first.transactionalId());
        assertThat(resolve("kafka: {group: g1}\nworker: {http: {port: 9124}}\n").transactionalId())
                .as("a second worker on the same host needs its own admin port, hence gets its own id")
                .isNotEqualTo(first.transactionalId());
    }

    @Test
    void anyFreeOrNoAdminPort_givesARandomIdPerStart() {
        for (int port : new int[] {0, -1}) {
            String yaml = "kafka: {group: g1}\nworker: {http: {port: " + port + "}}\n";
            assertThat(resolve(yaml).transactionalId()).startsWith("g1-")
                    .isNotEqualTo(resolve(yaml).transactionalId());
        }
    }

    @Test
    void configuredId_isKept_andAtLeastOnceHasNone() {
        assertThat(resolve("kafka: {group: g1, transactional-id: worker-7}\n").transactionalId())
                .isEqualTo("worker-7");
        assertThat(resolve("kafka: {group: g1, delivery: at-least-once}\n").transactionalId()).isNull();
    }
}
