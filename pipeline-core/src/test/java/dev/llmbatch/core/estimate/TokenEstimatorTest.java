package dev.llmbatch.core.estimate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import dev.llmbatch.core.job.ChatMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenEstimatorTest {
    private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();
    private static final Encoding O200K = REGISTRY.getEncoding(EncodingType.O200K_BASE);
    private static final List<ChatMessage> SENTIMENT = List.of(
            ChatMessage.system("Classify the sentiment as positive, negative or neutral."),
            ChatMessage.user("Great phone, terrible battery. 電池の持ちが悪い！"));

    private final TokenEstimator o200k = TokenEstimator.forEncoding("o200k_base");

    @Test
    void promptTokens_o200kMessages_isThreePerMessagePlusRoleAndContentPlusThree() {
        int expected = 3;
        for (ChatMessage m : SENTIMENT) {
            expected += 3 + O200K.countTokens(m.role()) + O200K.countTokens(m.content());
        }

        assertThat(o200k.promptTokens(SENTIMENT)).isEqualTo(expected);
    }

    @Test
    void promptTokens_singleTokenWords_matchesHandCount() {
        // "system", "user" and "hello" are one token each in o200k_base: 3 + (3+1+1) + (3+1+1)
        List<ChatMessage> messages = List.of(ChatMessage.system("hello"), ChatMessage.user("hello"));

        assertThat(o200k.promptTokens(messages)).isEqualTo(13);
    }

    @Test
    void promptTokens_repeatedInstructionsAndManyDistinctOnes_countTheSameAsAFreshEstimator() {
        TokenEstimator warm = TokenEstimator.forEncoding("o200k_base");
        for (int i = 0; i < 3000; i++) { // more distinct instructions than the memo holds
            List<ChatMessage> m = List.of(ChatMessage.system("Rate review " + i + " as positive or negative."),
                    ChatMessage.user("great phone " + i));
            int first = warm.promptTokens(m);
            assertThat(warm.promptTokens(m)).isEqualTo(first)
                    .isEqualTo(TokenEstimator.forEncoding("o200k_base").promptTokens(m));
        }
    }

    @Test
    void promptTokens_noMessages_isReplyPrimingOnly() {
        assertThat(o200k.promptTokens(List.of())).isEqualTo(3);
    }

    @Test
    void promptTokens_specialTokenText_isCountedAsOrdinaryText() {
        List<ChatMessage> messages = List.of(ChatMessage.user("<|endoftext|>"));

        assertThat(o200k.promptTokens(messages))
                .isEqualTo(3 + 3 + 1 + O200K.countTokensOrdinary("<|endoftext|>"));
    }

    @Test
    void memo_afterThousandsOfDistinctInstructions_stillKeepsTheOnesInUse() {
        TokenEstimator e = TokenEstimator.forEncoding("o200k_base");
        for (int i = 0; i < 6_000; i++) {
            e.promptTokens(List.of(ChatMessage.system("instruction " + i), ChatMessage.user("x")));
        }
        List<ChatMessage> inUse = List.of(ChatMessage.system("Translate into Japanese."), ChatMessage.user("y"));

        for (int i = 0; i < 3; i++) {
            e.promptTokens(inUse);
        }

        assertThat(e.memoized("Translate into Japanese.")).as("the old memo stopped caching at 4,096 texts").isTrue();
        assertThat(e.memoized("y")).as("user texts are counted every time").isFalse();
    }

    @Test
    void forEncoding_cl100k_countsWithThatEncodingNotO200k() {
        Encoding cl100k = REGISTRY.getEncoding(EncodingType.CL100K_BASE);
        String text = "東京の天気は晴れです。明日は雨が降るでしょう。";
        assertThat(cl100k.countTokens(text)).as("precondition: encodings differ").isNotEqualTo(O200K.countTokens(text));

        int count = TokenEstimator.forEncoding("cl100k_base").promptTokens(List.of(ChatMessage.user(text)));

        assertThat(count).isEqualTo(3 + 3 + 1 + cl100k.countTokens(text));
    }

    @Test
    void forEncoding_unknownName_throws() {
        assertThatThrownBy(() -> TokenEstimator.forEncoding("o300k_base"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("o300k_base");
    }

    @Test
    void charRule_asciiContent_isCeilOfCharsOverFourPlusOne() {
        assertThat(TokenEstimator.charRule(List.of(ChatMessage.user("abcd")))).isEqualTo(2);
        assertThat(TokenEstimator.charRule(List.of(ChatMessage.user("abcde")))).isEqualTo(3);
        assertThat(TokenEstimator.charRule(List.of(ChatMessage.user("")))).isEqualTo(1);
    }

    @Test
    void charRule_severalMessages_sumsContentOnlyNotRoles() {
        // 3 + 6 = 9 chars -> ceil(9/4) + 1 = 4
        List<ChatMessage> messages = List.of(ChatMessage.system("abc"), ChatMessage.user("defghi"));

        assertThat(TokenEstimator.charRule(messages)).isEqualTo(4);
    }

    @Test
    void charRule_japaneseAndEmoji_countsCodePointsNotUtf16Units() {
        // 𠮷 (U+20BB7) and 😀 (U+1F600) are one code point each but two chars.
        String text = "𠮷野家😀😀😀";
        assertThat(text.length()).as("precondition").isEqualTo(10);

        // 6 code points -> ceil(6/4) + 1 = 3 (by chars it would be ceil(10/4) + 1 = 4)
        assertThat(TokenEstimator.charRule(List.of(ChatMessage.user(text)))).isEqualTo(3);
    }

    @Test
    void estimate_tokenizerCountAboveCharRule_reservesTokenizerCountPlusMaxTokensTimesN() {
        // Japanese: about one token per character, far more than chars/4
        List<ChatMessage> messages = List.of(ChatMessage.user("吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。"));
        int prompt = o200k.promptTokens(messages);
        assertThat(prompt).as("precondition").isGreaterThan(TokenEstimator.charRule(messages));

        TokenEstimator.Estimate e = o200k.estimate(messages, 50, 3);

        assertThat(e.promptTokens()).isEqualTo(prompt);
        assertThat(e.reserveTokens()).isEqualTo(prompt + 150L);
    }

    @Test
    void estimate_charRuleAboveTokenizerCount_reservesCharRulePlusMaxTokensTimesN() {
        List<ChatMessage> messages = List.of(ChatMessage.user(" hello".repeat(200)));
        int prompt = o200k.promptTokens(messages);
        int charRule = TokenEstimator.charRule(messages);
        assertThat(charRule).as("precondition").isEqualTo(301).isGreaterThan(prompt);

        TokenEstimator.Estimate e = o200k.estimate(messages, 5, 1);

        assertThat(e.promptTokens()).isEqualTo(prompt);
        assertThat(e.reserveTokens()).isEqualTo(306);
    }

    @Test
    void estimate_largeMaxTokensTimesN_doesNotOverflowInt() {
        TokenEstimator.Estimate e = o200k.estimate(List.of(ChatMessage.user("hi")), Integer.MAX_VALUE, 16);

        assertThat(e.reserveTokens()).isGreaterThan(16L * Integer.MAX_VALUE);
    }
}
