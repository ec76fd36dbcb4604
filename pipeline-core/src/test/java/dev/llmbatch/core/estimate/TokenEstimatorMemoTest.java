package dev.llmbatch.core.estimate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.job.ChatMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenEstimatorMemoTest {

    /** Regression (issue 11): the memo stopped caching for good once its first few thousand texts were in. */
    @Test
    void memo_afterManyDistinctInstructions_stillCachesANewRepeatedOne() {
        TokenEstimator est = TokenEstimator.forEncoding("o200k_base");
        for (int i = 0; i < 20_000; i++) {
            est.promptTokens(List.of(ChatMessage.system("instruction number " + i), ChatMessage.user("x")));
        }
        String now = "the instruction every job of tonight's batch carries";
        int first = est.promptTokens(List.of(ChatMessage.system(now), ChatMessage.user("a")));
        assertThat(est.memoized(now)).isTrue();
        assertThat(est.promptTokens(List.of(ChatMessage.system(now), ChatMessage.user("a")))).isEqualTo(first);
    }

    @Test
    void memo_givesTheSameCountsAsCountingEveryTime() {
        TokenEstimator est = TokenEstimator.forEncoding("o200k_base");
        for (int i = 0; i < 10_000; i++) {
            String sys = "system " + (i % 5000) + " ünïcödé 日本語";
            assertThat(est.promptTokens(List.of(ChatMessage.system(sys), ChatMessage.user("u"))))
                    .isEqualTo(TokenEstimator.REPLY_PRIMING + 2 * TokenEstimator.PER_MESSAGE
                            + est.tokens("system") + est.tokens(sys) + est.tokens("user") + est.tokens("u"));
        }
    }
}
