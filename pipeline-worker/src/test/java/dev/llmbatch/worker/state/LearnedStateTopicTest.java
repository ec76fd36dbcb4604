package dev.llmbatch.worker.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LearnedStateTopicTest {

    @Test
    void decode_ofEncode_isTheSameState() {
        double[] state = {0, 1.5, 1e-300, 12345.678, 0.25};

        assertThat(LearnedStateTopic.decode(LearnedStateTopic.encode(state))).containsExactly(state);
    }

    @Test
    void decode_otherVersionOrShape_isNull() {
        assertThat(LearnedStateTopic.decode("{\"v\":2,\"state\":[1]}".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(LearnedStateTopic.decode("{\"v\":1,\"state\":[\"x\"]}".getBytes(StandardCharsets.UTF_8)))
                .isNull();
        assertThat(LearnedStateTopic.decode("not json".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(LearnedStateTopic.decode("null".getBytes(StandardCharsets.UTF_8))).isNull();
    }
}
