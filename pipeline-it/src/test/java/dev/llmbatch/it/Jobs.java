package dev.llmbatch.it;

import dev.llmbatch.core.job.ChatMessage;
import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.job.JobCodec;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Job fixtures with inputs varied enough to exercise the fake model (ASCII, accents, Japanese, emoji). */
final class Jobs {
    static final String[] WORDS = {"great", "phone", "battery", "died", "after", "two", "days", "love", "it", "meh",
        "kaputt", "très", "bien", "この商品は防水ですか", "最高", "😀", "okay", "refund", "please", "fast", "shipping"};

    private Jobs() {
    }

    static String text(int i) {
        StringBuilder sb = new StringBuilder();
        int n = 3 + i % 9;
        for (int k = 0; k < n; k++) {
            sb.append(WORDS[(i * 7 + k * 13 + k * k) % WORDS.length]).append(' ');
        }
        return sb.append('#').append(i).toString();
    }

    /** Alternating task jobs (sentiment) and messages jobs (translation). */
    static Job job(String prefix, int i) {
        String id = prefix + "-" + i;
        if (i % 2 == 0) {
            return Job.ofTask(id, "gpt-4o-mini", "sentiment", text(i));
        }
        return Job.ofMessages(id, "gpt-4o-mini", List.of(ChatMessage.system("Translate the user's text to French."),
                ChatMessage.user(text(i))), 120);
    }

    static List<Map.Entry<String, byte[]>> records(List<Job> jobs) {
        List<Map.Entry<String, byte[]>> out = new ArrayList<>(jobs.size());
        for (Job j : jobs) {
            out.add(new AbstractMap.SimpleEntry<>(j.id(), JobCodec.encode(j)));
        }
        return out;
    }

    static Map.Entry<String, byte[]> raw(String key, String value) {
        return new AbstractMap.SimpleEntry<>(key, value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
