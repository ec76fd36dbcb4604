package dev.llmbatch.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmbatch.core.batch.PackingProtocol;
import dev.llmbatch.core.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Builds the content of the reply to a packed request: the {@link FakeModel} output per item, then the
 * {@link BatchFaults} corruptions. Stateless; the random generator is the caller's (a region's, on its loop).
 */
final class PackedReply {
    private static final int CORRUPTIONS = 3;

    private PackedReply() {
    }

    /**
     * The JSON content for {@code items} under {@code instruction}, corrupted as {@code faults} draws. {@code rnd} is
     * only used for probabilities above 0, so it may be null with {@link BatchFaults#none()}.
     */
    static String content(String instruction, List<PackingProtocol.Item> items, BatchFaults faults,
                          RandomGenerator rnd) {
        List<String> outputs = new ArrayList<>(items.size());
        for (PackingProtocol.Item item : items) {
            outputs.add(FakeModel.complete(instruction, item.text(), Math.max(1, item.maxTokens())).content());
        }
        List<ObjectNode> entries = new ArrayList<>(items.size());
        for (int i = 0; i < outputs.size(); i++) {
            boolean drop = draw(faults.pDrop(), rnd);
            boolean duplicate = draw(faults.pDuplicate(), rnd);
            boolean corrupt = draw(faults.pCorrupt(), rnd);
            if (drop) {
                continue;
            }
            if (corrupt) {
                entries.add(corrupted(i, outputs.get(i), rnd.nextInt(CORRUPTIONS)));
                continue;
            }
            entries.add(entry(i, outputs.get(i)));
            if (duplicate) {
                entries.add(entry(i, otherOutput(outputs, i)));
            }
        }
        if (draw(faults.pReorder(), rnd)) {
            shuffleOutOfOrder(entries, rnd);
        }
        ObjectNode root = Json.mapper().createObjectNode();
        ArrayNode arr = root.putArray("items");
        entries.forEach(arr::add);
        String json;
        try {
            json = Json.mapper().writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a packed reply", e);
        }
        if (draw(faults.pInvalidJson(), rnd)) {
            int half = json.codePointCount(0, json.length()) / 2;
            json = json.substring(0, json.offsetByCodePoints(0, half));
        }
        return json;
    }

    private static boolean draw(double p, RandomGenerator rnd) {
        return p > 0 && rnd.nextDouble() < p;
    }

    private static ObjectNode entry(int i, String output) {
        return Json.mapper().createObjectNode().put("i", i).put("output", output);
    }

    /** A malformed entry for index {@code i}: output a number, output null, or i a string. */
    private static ObjectNode corrupted(int i, String output, int kind) {
        ObjectNode e = Json.mapper().createObjectNode();
        switch (kind) {
            case 0 -> e.put("i", i).put("output", output.codePointCount(0, output.length()));
            case 1 -> e.put("i", i).putNull("output");
            default -> e.put("i", String.valueOf(i)).put("output", output);
        }
        return e;
    }

    /** Another item's output if one differs from item {@code i}'s, else item {@code i}'s marked as a duplicate. */
    private static String otherOutput(List<String> outputs, int i) {
        String own = outputs.get(i);
        for (int k = 1; k < outputs.size(); k++) {
            String other = outputs.get((i + k) % outputs.size());
            if (!other.equals(own)) {
                return other;
            }
        }
        return own + " (duplicate)";
    }

    /** Fisher-Yates; if that left the order unchanged, rotate by one, so that two or more entries always move. */
    private static void shuffleOutOfOrder(List<ObjectNode> entries, RandomGenerator rnd) {
        if (entries.size() < 2) {
            return;
        }
        List<ObjectNode> before = List.copyOf(entries);
        for (int k = entries.size() - 1; k > 0; k--) {
            int j = rnd.nextInt(k + 1);
            ObjectNode t = entries.get(k);
            entries.set(k, entries.get(j));
            entries.set(j, t);
        }
        boolean unchanged = true;
        for (int k = 0; k < entries.size() && unchanged; k++) {
            unchanged = entries.get(k) == before.get(k);
        }
        if (unchanged) {
            entries.add(entries.remove(0));
        }
    }
}
