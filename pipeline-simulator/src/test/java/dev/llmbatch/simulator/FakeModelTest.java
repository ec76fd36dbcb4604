package dev.llmbatch.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FakeModelTest {

    @Test
    void fnv1a32_standardTestVectors_match() {
        assertThat(FakeModel.fnv1a32(new byte[0])).isEqualTo(0x811C9DC5);
        assertThat(FakeModel.fnv1a32("a".getBytes(StandardCharsets.UTF_8))).isEqualTo(0xE40C292C);
        assertThat(FakeModel.fnv1a32("foobar".getBytes(StandardCharsets.UTF_8))).isEqualTo(0xBF9CF968);
    }

    @Test
    void reply_sentimentInstruction_picksLabelByUnsignedHashModThree() {
        String system = "Classify the SENTIMENT as positive, negative or neutral.";
        assertThat(FakeModel.reply(system, "Great phone")).isEqualTo("negative");       // 0x5dc5520a % 3 = 1
        assertThat(FakeModel.reply(system, "Terrible battery")).isEqualTo("positive");  // 0xdb21f87f % 3 = 0
        assertThat(FakeModel.reply(system, "c")).isEqualTo("neutral");                  // 0xe60c2c52 % 3 = 2
        assertThat(FakeModel.reply(system, "こんにちは")).isEqualTo("positive");
    }

    @Test
    void reply_translateInstruction_reversesCodePointsKeepingSurrogatePairs() {
        assertThat(FakeModel.reply("Translate to French", "abc")).isEqualTo("[translated] cba");
        assertThat(FakeModel.reply("You are a translator", "日本語😀x")).isEqualTo("[translated] x😀語本日");
    }

    @Test
    void reply_otherInstruction_echoes() {
        assertThat(FakeModel.reply("", "hello")).isEqualTo("echo: hello");
        assertThat(FakeModel.reply(null, null)).isEqualTo("echo: ");
    }

    @Test
    void reply_sentimentAndTranslate_sentimentWins() {
        assertThat(FakeModel.reply("translate, then give the sentiment", "c")).isEqualTo("neutral");
    }

    @Test
    void complete_withinMaxTokens_stopsWithCeilQuarterTokens() {
        FakeModel.Completion c = FakeModel.complete("", "hello", 5);   // "echo: hello" = 11 code points
        assertThat(c.content()).isEqualTo("echo: hello");
        assertThat(c.completionTokens()).isEqualTo(3);
        assertThat(c.finishReason()).isEqualTo("stop");
        assertThat(FakeModel.completionTokens("")).isEqualTo(1);
    }

    @Test
    void complete_overMaxTokens_truncatesToFourCodePointsPerToken() {
        FakeModel.Completion c = FakeModel.complete("translate", "😀😀😀😀😀😀😀😀😀😀", 3);
        assertThat(c.content()).isEqualTo("[translated] 😀😀😀😀😀😀😀😀😀😀".codePoints().limit(12)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString());
        assertThat(c.content().codePointCount(0, c.content().length())).isEqualTo(12);
        assertThat(c.completionTokens()).isEqualTo(3);
        assertThat(c.finishReason()).isEqualTo("length");
    }

    @Test
    void complete_truncationInsideEmoji_neverSplitsSurrogatePair() {
        FakeModel.Completion c = FakeModel.complete("", "😀😀😀😀😀😀😀😀😀😀", 2);   // "echo: 😀😀..." cut at 8
        assertThat(c.content()).isEqualTo("echo: 😀😀");
    }

    @Test
    void complete_maxTokensBelowOne_rejected() {
        assertThatThrownBy(() -> FakeModel.complete("", "x", 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
