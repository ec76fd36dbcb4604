package dev.llmbatch.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmbatch.core.batch.PackingProtocol;
import dev.llmbatch.core.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class FakeModelTest {
    private static final int TEXTS = 20_000;

    private static int cp(String s) {
        return s.codePointCount(0, s.length());
    }

    private static String firstCodePoints(String s, long n) {
        return s.codePoints().limit(n)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }

    /** Texts like the IT fixtures: words of several scripts, each text different. */
    private static String text(int i) {
        String[] words = {"great", "phone", "battery", "died", "kaputt", "très", "この商品は防水ですか", "最高", "😀",
            "refund", "shipping"};
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < 2 + i % 7; k++) {
            sb.append(words[(i * 7 + k * 13 + k * k) % words.length]).append(' ');
        }
        return sb.append('#').append(i).toString();
    }

    private static double[] sortedVerbosities() {
        double[] f = new double[TEXTS];
        for (int i = 0; i < TEXTS; i++) {
            f[i] = FakeModel.verbosity(text(i));
        }
        Arrays.sort(f);
        return f;
    }

    @Test
    void fnv1a32_standardTestVectors_match() {
        assertThat(FakeModel.fnv1a32(new byte[0])).isEqualTo(0x811C9DC5);
        assertThat(FakeModel.fnv1a32("a".getBytes(StandardCharsets.UTF_8))).isEqualTo(0xE40C292C);
        assertThat(FakeModel.fnv1a32("foobar".getBytes(StandardCharsets.UTF_8))).isEqualTo(0xBF9CF968);
    }

    @Test
    void fnv1a64_standardTestVectors_match() {
        assertThat(FakeModel.fnv1a64(new byte[0])).isEqualTo(0xCBF29CE484222325L);
        assertThat(FakeModel.fnv1a64("a".getBytes(StandardCharsets.UTF_8))).isEqualTo(0xAF63DC4C8601EC8CL);
        assertThat(FakeModel.fnv1a64("foobar".getBytes(StandardCharsets.UTF_8))).isEqualTo(0x85944171F73967E8L);
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
    void reply_sentimentLongText_oneLabelWhateverTheLength() {
        String system = "Classify the sentiment.";
        for (int i = 0; i < 200; i++) {
            assertThat(FakeModel.reply(system, text(i).repeat(20))).isIn("positive", "negative", "neutral");
        }
    }

    @Test
    void reply_translateInstruction_reversesCodePointsKeepingSurrogatePairs() {
        assertThat(FakeModel.reply("Translate to French", "abc")).isEqualTo("[translated] cba");       // 1.12 x 3
        assertThat(FakeModel.reply("You are a translator", "日本語😀x")).isEqualTo("[translated] x😀語本日"); // 1.00
        assertThat(FakeModel.reply("translate", "")).isEqualTo("[translated] ");
    }

    @Test
    void reply_translateTerseText_cutsTheReversedText() {
        assertThat(FakeModel.verbosity("hello")).isCloseTo(0.717, within(0.001));
        assertThat(FakeModel.reply("translate", "hello")).isEqualTo("[translated] olle");             // round(3.58)
    }

    @Test
    void reply_translateVerboseText_repeatsTheReversedText() {
        assertThat(FakeModel.verbosity("text 92")).isEqualTo(3.0);
        assertThat(FakeModel.reply("translate", "text 92")).isEqualTo("[translated] 29 txet29 txet29 txet");
    }

    @Test
    void reply_translateAnyText_bodyIsRoundedFactorTimesLengthOfCycledReversal() {
        for (int i = 0; i < 500; i++) {
            String t = text(i);
            String body = FakeModel.reply("translate", t).substring("[translated] ".length());
            String reversed = new StringBuilder(t).reverse().toString();   // StringBuilder keeps surrogate pairs
            long expected = Math.max(1, Math.round(FakeModel.verbosity(t) * cp(t)));
            assertThat(cp(body)).as(t).isEqualTo(expected);
            assertThat(body).as(t).isEqualTo(firstCodePoints(reversed.repeat(4), expected));
        }
    }

    @Test
    void verbosity_manyTexts_realisticTranslationSpreadWithThinTailToThree() {
        double[] f = sortedVerbosities();
        double mean = Arrays.stream(f).average().orElseThrow();
        long within = Arrays.stream(f).filter(x -> x >= 0.8 && x <= 1.3).count();
        long overTwo = Arrays.stream(f).filter(x -> x > 2).count();

        assertThat(f[0]).isGreaterThanOrEqualTo(0.5);
        assertThat(f[TEXTS - 1]).isEqualTo(3.0);
        assertThat(mean).isBetween(1.03, 1.11);
        assertThat(f[TEXTS / 2]).as("p50").isBetween(1.0, 1.08);
        assertThat(f[TEXTS / 10]).as("p10").isBetween(0.75, 0.85);
        assertThat(f[TEXTS * 99 / 100]).as("p99").isBetween(1.7, 2.2);
        assertThat(within / (double) TEXTS).as("share within [0.8, 1.3]").isBetween(0.72, 0.82);
        assertThat(overTwo / (double) TEXTS).as("share above 2x").isBetween(0.004, 0.015);
    }

    @Test
    void verbosity_sameText_sameFactorEveryCall() {
        assertThat(FakeModel.verbosity("Bonjour")).isEqualTo(FakeModel.verbosity(new String("Bonjour")));
        assertThat(FakeModel.reply("translate", text(7))).isEqualTo(FakeModel.reply("Translate it", text(7)));
    }

    @Test
    void reply_otherInstruction_echoesThenFillerOfTheComputedLength() {
        assertThat(FakeModel.reply("", "hello")).isEqualTo("echo: hello lo");
        assertThat(FakeModel.echoFillerLength("text 20")).isZero();
        assertThat(FakeModel.reply("", "text 20")).isEqualTo("echo: text 20");
        for (int i = 0; i < 200; i++) {
            String t = text(i);
            int k = FakeModel.echoFillerLength(t);
            String expected = "echo: " + t + (k == 0 ? "" : " " + firstCodePoints(FakeModel.FILLER.repeat(k / 50 + 1), k));
            assertThat(FakeModel.reply(null, t)).isEqualTo(expected);
        }
        assertThat(FakeModel.reply(null, null)).isEqualTo(FakeModel.reply("", ""));
    }

    @Test
    void echoFillerLength_manyTexts_longTailed() {
        int[] k = new int[TEXTS];
        for (int i = 0; i < TEXTS; i++) {
            k[i] = FakeModel.echoFillerLength(text(i));
        }
        Arrays.sort(k);
        assertThat(k[TEXTS / 2]).as("p50").isBetween(14, 18);
        assertThat(k[TEXTS * 99 / 100]).as("p99").isBetween(130, 200);
        assertThat(k[TEXTS - 1]).isLessThanOrEqualTo(FakeModel.MAX_FILLER).isGreaterThan(300);
    }

    @Test
    void reply_sentimentAndTranslate_sentimentWins() {
        assertThat(FakeModel.reply("translate, then give the sentiment", "c")).isEqualTo("neutral");
    }

    @Test
    void complete_withinMaxTokens_stopsWithCeilQuarterTokens() {
        FakeModel.Completion c = FakeModel.complete("", "hello", 5);   // "echo: hello lo" = 14 code points
        assertThat(c.content()).isEqualTo("echo: hello lo");
        assertThat(c.completionTokens()).isEqualTo(4);
        assertThat(c.finishReason()).isEqualTo("stop");
        assertThat(FakeModel.completionTokens("")).isEqualTo(1);
    }

    @Test
    void complete_overMaxTokens_truncatesToFourCodePointsPerToken() {
        String user = "😀😀😀😀😀😀😀😀😀😀";
        FakeModel.Completion c = FakeModel.complete("translate", user, 3);
        assertThat(c.content()).isEqualTo(firstCodePoints(FakeModel.reply("translate", user), 12));
        assertThat(c.content()).startsWith("[translated]");
        assertThat(cp(c.content())).isEqualTo(12);
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

    @Test
    void packedReply_longTailedItems_eachOutputEqualsTheUnpackedCompletion() throws IOException {
        for (String instruction : List.of("Translate to German.", "Summarise.", "Give the sentiment.")) {
            List<PackingProtocol.Item> items = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                items.add(new PackingProtocol.Item(i == 3 ? "text 92" : text(i), 8 + i % 30));
            }
            JsonNode entries = Json.mapper().readTree(FakeModel.packedReply(instruction, items)).get("items");
            assertThat(entries).hasSize(items.size());
            int cut = 0;
            for (int i = 0; i < items.size(); i++) {
                FakeModel.Completion single = FakeModel.complete(instruction, items.get(i).text(),
                        items.get(i).maxTokens());
                assertThat(entries.get(i).get("i").intValue()).isEqualTo(i);
                assertThat(entries.get(i).get("output").textValue()).isEqualTo(single.content());
                cut += single.finishReason().equals("length") ? 1 : 0;
            }
            if (!instruction.contains("sentiment")) {
                assertThat(cut).as("some items of %s are cut by their budget", instruction).isPositive();
            }
        }
    }

    @Test
    void ignoredPackingReply_packedRequest_plainTextThatNeverUnpacks() {
        List<PackingProtocol.Item> items = List.of(new PackingProtocol.Item("Great phone", 5),
                new PackingProtocol.Item("{\"items\":[]}", 5));
        for (String instruction : List.of("Translate to German.", "Summarise.", "Give the sentiment.")) {
            var spec = PackingProtocol.pack(instruction, items, 0.0);
            String reply = FakeModel.ignoredPackingReply(spec.messages().get(0).content(),
                    spec.messages().get(1).content());
            assertThat(PackingProtocol.unpack(reply, items.size()).failed().cardinality()).as(reply)
                    .isEqualTo(items.size());
        }
    }
}
