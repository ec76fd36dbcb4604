package dev.llmbatch.core.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The streaming decoder decides every document exactly as the tree decoder it replaced (issue 11). */
class JobCodecStreamingTest {
    private static final List<String> SEEDS = List.of(
            "{\"id\":\"r-1\",\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":\"Classify.\"},"
                    + "{\"role\":\"user\",\"content\":\"Great phone\"}],\"max_tokens\":5,\"temperature\":0,"
                    + "\"response_format\":null,\"task\":null,\"input\":null,\"submitter\":\"svc\",\"batch\":\"b\","
                    + "\"priority\":\"normal\",\"deadline\":\"2026-11-23T12:00:00Z\",\"metadata\":{\"row\":123}}",
            "{\"id\":\"t-1\",\"model\":\"m\",\"task\":\"sentiment\",\"input\":\"text\",\"n\":2,\"strict_max_tokens\":true,"
                    + "\"response_format\":{\"type\":\"json_object\"},\"metadata\":[1,{\"a\":null}],\"x\":{\"y\":[1,2]}}",
            "{\"id\":\"m-1\",\"messages\":[{\"content\":\"c\",\"role\":\"user\",\"name\":\"n\"}],"
                    + "\"max_completion_tokens\":7,\"temperature\":1.5,\"priority\":\"high\"}",
            "{\"id\":\"bad\",\"messages\":[{\"role\":\"assistant\",\"content\":\"c\"},{\"role\":\"robot\"},3],"
                    + "\"max_tokens\":0}",
            "{\"id\":\"bad2\",\"messages\":{\"role\":\"user\"},\"n\":99,\"temperature\":\"hot\"}",
            "{\"id\":12}", "{\"id\":null}", "{}", "[]", "null", "\"s\"", "3", "{\"id\":\"a\"} {", "{\"id\":\"a\",\"id\":\"b\"}",
            "{\"id\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"x\",\"role\":\"user\"}]}",
            "{\"id\":\"a\",\"task\":\"t\",\"input\":\"i\",\"deadline\":\"tomorrow\"}",
            "{\"id\":\"a\",\"task\":\"t\",\"input\":\"i\",\"max_tokens\":12345678901234567890}",
            "{\"id\":\"a\",\"task\":\"t\",\"input\":\"i\",\"max_tokens\":3.0}",
            "{\"id\":\"a\",\"task\":\"t\",\"input\":\"i\",\"max_tokens\":2147483648}",
            "{\"id\":\"a\",\"task\":\"t\",\"input\":\"i\",\"temperature\":1e400}",
            "{\"id\":\"a\",\"task\":\"t\",\"input\":\"i\",\"strict_max_tokens\":\"yes\"}",
            "{\"id\":\"a\",\"task\":\"t\",\"input\":\"i\",\"hedge\":false}",
            "{\"id\":\"a\",\"task\":\"t\",\"input\":\"i\",\"hedge\":null}",
            "{\"id\":\"a\",\"task\":\"t\",\"input\":\"i\",\"hedge\":\"no\"}",
            "{\"id\":\"a\",\"task\":\"t\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
            "  ", "{\"id\":\"a\",\"task\":\"t\",\"input\":\"i\"} ");

    private static String describe(DecodeResult r) {
        return r.toString();
    }

    private static void same(byte[] doc) {
        DecodeResult tree = TreeJobCodec.decode(doc);
        DecodeResult stream = JobCodec.decode(doc);
        if (tree instanceof DecodeResult.Unparseable t && stream instanceof DecodeResult.Unparseable s) {
            assertThat(s.code()).as(new String(doc, StandardCharsets.UTF_8)).isEqualTo(t.code());
            return;
        }
        assertThat(describe(stream)).as(new String(doc, StandardCharsets.UTF_8)).isEqualTo(describe(tree));
    }

    @Test
    void decode_seeds_sameAsTheTree() {
        SEEDS.forEach(s -> same(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void decode_mutatedDocuments_sameAsTheTree() {
        SplittableRandom rnd = new SplittableRandom(11);
        String alphabet = "{}[]\",:0123456789.-eE truefalsn\\u\u00e9\u65e5";
        List<byte[]> docs = new ArrayList<>();
        for (int k = 0; k < 10_000; k++) {
            StringBuilder sb = new StringBuilder(SEEDS.get(rnd.nextInt(SEEDS.size())));
            int edits = 1 + rnd.nextInt(3);
            for (int e = 0; e < edits && sb.length() > 0; e++) {
                int at = rnd.nextInt(sb.length());
                switch (rnd.nextInt(3)) {
                    case 0 -> sb.deleteCharAt(at);
                    case 1 -> sb.insert(at, alphabet.charAt(rnd.nextInt(alphabet.length())));
                    default -> sb.setCharAt(at, alphabet.charAt(rnd.nextInt(alphabet.length())));
                }
            }
            docs.add(sb.toString().getBytes(StandardCharsets.UTF_8));
        }
        docs.forEach(JobCodecStreamingTest::same);
    }
}
