package dev.llmbatch.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbatch.it.BrokerChoice.Kind;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The ITs' broker choice: property, Docker probe and the test's need to restart the broker. */
class BrokerChoiceTest {
    private final AtomicInteger probes = new AtomicInteger();

    private BooleanSupplier docker(boolean available) {
        return () -> {
            probes.incrementAndGet();
            return available;
        };
    }

    @Test
    void unset_dockerAvailable_testcontainers() {
        assertThat(BrokerChoice.choose(null, docker(true), false).kind()).isEqualTo(Kind.TESTCONTAINERS);
        assertThat(probes).hasValue(1);
    }

    @Test
    void unset_noDocker_embeddedSayingWhyAndHowToForce() {
        BrokerChoice.Decision d = BrokerChoice.choose(null, docker(false), false);
        assertThat(d.kind()).isEqualTo(Kind.EMBEDDED);
        assertThat(d.reason()).contains("no Docker engine").contains("-Dit.kafka=testcontainers");
    }

    @Test
    void auto_orBlank_sameAsUnset() {
        assertThat(BrokerChoice.choose("auto", docker(true), false).kind()).isEqualTo(Kind.TESTCONTAINERS);
        assertThat(BrokerChoice.choose(" ", docker(false), false).kind()).isEqualTo(Kind.EMBEDDED);
        assertThat(BrokerChoice.choose("AUTO", docker(false), false).kind()).isEqualTo(Kind.EMBEDDED);
    }

    @Test
    void forcedTestcontainers_noDocker_stillTestcontainersWithoutProbing() {
        BrokerChoice.Decision d = BrokerChoice.choose("testcontainers", docker(false), false);
        assertThat(d.kind()).isEqualTo(Kind.TESTCONTAINERS);
        assertThat(d.reason()).contains("-Dit.kafka=testcontainers");
        assertThat(probes).hasValue(0);
    }

    @Test
    void forcedEmbedded_dockerAvailable_embeddedWithoutProbing() {
        assertThat(BrokerChoice.choose("embedded", docker(true), false).kind()).isEqualTo(Kind.EMBEDDED);
        assertThat(probes).hasValue(0);
    }

    @Test
    void needsRestarts_alwaysEmbedded_evenWhenForcedOrDockerAvailable() {
        for (String property : new String[] {null, "auto", "testcontainers", "embedded"}) {
            BrokerChoice.Decision d = BrokerChoice.choose(property, docker(true), true);
            assertThat(d.kind()).as(property).isEqualTo(Kind.EMBEDDED);
            assertThat(d.reason()).as(property).contains("restarts the broker");
        }
        assertThat(probes).hasValue(0);
    }

    @Test
    void unknownValue_rejectedNamingTheProperty() {
        assertThatThrownBy(() -> BrokerChoice.choose("docker", docker(true), false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-Dit.kafka")
                .hasMessageContaining("'docker'");
    }

    @Test
    void dockerProbe_onThisMachine_answersWithoutThrowing() {
        // Testcontainers' real detection: true where a Docker engine runs, false (quietly) where none does.
        boolean available = BrokerChoice.dockerAvailable();
        assertThat(BrokerChoice.choose(null, () -> available, false).kind())
                .isEqualTo(available ? Kind.TESTCONTAINERS : Kind.EMBEDDED);
    }
}
