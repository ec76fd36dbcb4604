package dev.llmbatch.core.batch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmbatch.core.json.Json;
import java.io.IOException;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * A validated packed reply. An index gets an answer only if the reply is a JSON object whose {@code items} array
 * holds exactly one well-formed entry for it ({@code i} an integer in range, {@code output} a string). Indices
 * that are missing, duplicated or malformed are {@link #failed()}: their jobs are re-sent on their own, never
 * given another item's answer. Immutable.
 */
public final class Unpacked {
    private final Map<Integer, String> outputs;
    private final BitSet failed;

    private Unpacked(Map<Integer, String> outputs, BitSet failed) {
        this.outputs = outputs;
        this.failed = failed;
    }

    static Unpacked parse(String content, int itemCount) {
        BitSet all = new BitSet(itemCount);
        all.set(0, itemCount);
        JsonNode root;
        try {
            root = content == null ? null : Json.mapper().readTree(content);
        } catch (IOException e) {
            return new Unpacked(Map.of(), all);
        }
        JsonNode items = root == null ? null : root.get("items");
        if (items == null || !items.isArray()) {
            return new Unpacked(Map.of(), all);
        }
        Map<Integer, String> outputs = new HashMap<>();
        BitSet seenTwice = new BitSet(itemCount);
        for (JsonNode e : items) {
            JsonNode i = e.get("i");
            JsonNode out = e.get("output");
            if (i == null || !i.isIntegralNumber() || !i.canConvertToInt()) {
                continue;
            }
            int idx = i.asInt();
            if (idx < 0 || idx >= itemCount) {
                continue;
            }
            if (outputs.containsKey(idx) || seenTwice.get(idx)) {
                outputs.remove(idx);
                seenTwice.set(idx);
                continue;
            }
            if (out == null || !out.isTextual()) {
                seenTwice.set(idx);
                continue;
            }
            outputs.put(idx, out.asText());
        }
        BitSet failed = new BitSet(itemCount);
        for (int k = 0; k < itemCount; k++) {
            if (!outputs.containsKey(k)) {
                failed.set(k);
            }
        }
        return new Unpacked(Map.copyOf(outputs), failed);
    }

    /** The answer for index {@code i}, or null if it has none. */
    public String output(int i) {
        return outputs.get(i);
    }

    /** Indices without a usable answer. A copy. */
    public BitSet failed() {
        return (BitSet) failed.clone();
    }

    public int answered() {
        return outputs.size();
    }
}
