package dev.llmbatch.simulator;

import dev.llmbatch.core.time.FakeTicker;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Base of the HTTP tests that run a fresh simulator per test on a {@link FakeTicker} (so windows and retry-after
 * values are exact). Subclasses give the YAML; its first region is expected to be {@code r1}.
 */
abstract class FakeClockHttpTest extends HttpClientTest {
    FakeTicker clock;
    Simulator sim;

    /** The simulator configuration every test of the class starts with. */
    abstract String config();

    @BeforeEach
    void startSimulator() {
        clock = new FakeTicker();
        sim = Simulator.start(http.vertx, SimulatorConfig.parse(config()), clock);
    }

    @AfterEach
    void stopSimulator() {
        sim.close();
    }

    /** Posts {@code body} to {@code deployment} of region {@code r1} on the classic route. */
    HttpResponse<Buffer> post(String deployment, JsonObject body) {
        return http.postClassic(sim, "r1", deployment, body);
    }
}
