package dev.llmbatch.simulator;

import dev.llmbatch.core.time.FakeTicker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * Base of the HTTP tests that run a fresh simulator per test on a {@link FakeTicker} (so windows and retry-after
 * values are exact), with one client per test class. Subclasses give the YAML.
 */
abstract class FakeClockHttpTest {
    static TestHttp http;
    FakeTicker clock;
    Simulator sim;

    /** The simulator configuration every test of the class starts with. */
    abstract String config();

    @BeforeAll
    static void client() {
        http = new TestHttp();
    }

    @AfterAll
    static void closeClient() {
        http.close();
    }

    @BeforeEach
    void startSimulator() {
        clock = new FakeTicker();
        sim = Simulator.start(http.vertx, SimulatorConfig.parse(config()), clock);
    }

    @AfterEach
    void stopSimulator() {
        sim.close();
    }
}
