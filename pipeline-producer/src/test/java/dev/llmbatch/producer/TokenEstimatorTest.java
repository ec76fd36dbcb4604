package dev.llmbatch.producer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.job.ChatMessage;
import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.job.JobCodec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenEstimatorTest {

    @Test
    void estimate_messagesJob_ceilQuarterCodePointsPlusOnePlusMaxTokens() {
        // 9 + 4 code points -> ceil(13/4) = 4, + 1, + 5
        Job job = Job.ofMessages("a", "m", List.of(ChatMessage.system("Classify:"), ChatMessage.user("good")), 5);

        assertThat(TokenEstimator.estimate(JobCodec.encode(job))).isEqualTo(10);
    }

    @Test
    void estimate_noMaxTokens_counts16() {
        Job job = Job.ofMessages("a", "m", List.of(ChatMessage.user("abcd")), null);

        assertThat(TokenEstimator.estimate(job)).isEqualTo(1 + 1 + 16);
    }

    @Test
    void estimate_supplementaryCharacters_countCodePointsNotChars() {
        // four emoji = 4 code points (8 UTF-16 chars) -> 1
        Job job = Job.ofMessages("a", "m", List.of(ChatMessage.user("\uD83D\uDE00".repeat(4))), 1);

        assertThat(TokenEstimator.estimate(job)).isEqualTo(1 + 1 + 1);
    }

    @Test
    void estimate_taskJob_inputPlus60ForTheInstruction() {
        Job job = Job.ofTask("a", "m", "sentiment", "x".repeat(20));

        assertThat(TokenEstimator.estimate(job)).isEqualTo(20 + 1 + 16);
    }

    @Test
    void estimate_notAValidJob_zero() {
        assertThat(TokenEstimator.estimate("{\"id\":".getBytes(StandardCharsets.UTF_8))).isZero();
        assertThat(TokenEstimator.estimate("{\"id\":\"x\"}".getBytes(StandardCharsets.UTF_8))).isZero();
    }
}
