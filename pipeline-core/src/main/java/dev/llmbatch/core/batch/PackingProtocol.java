package dev.llmbatch.core.batch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmbatch.core.job.ChatMessage;
import dev.llmbatch.core.json.Json;
import dev.llmbatch.core.request.RequestSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The prompt-packing protocol: several small jobs that share one instruction travel as one chat request, and the
 * reply carries exactly one answer per job, by index.
 *
 * <p>Request: a system message = the shared instruction, a blank line, then {@link #MARKER} and the protocol rules;
 * a user message = {@code {"items":[{"i":0,"text":"...","max_tokens":5}, ...]}}; {@code response_format} =
 * a strict json_schema named {@link #SCHEMA_NAME} requiring {@code {"items":[{"i":int,"output":string}]}};
 * {@code max_tokens} = the items' budgets + {@link #TOKENS_PER_ITEM} each + {@link #TOKENS_FIXED}. An item's budget
 * may be below the {@code max_tokens} it is told (a learned budget): its answer is then never cut on its own; only
 * the whole reply can be, which shows as {@code finish_reason: length}.
 *
 * <p>Reply: {@code {"items":[{"i":0,"output":"positive"}, ...]}} in any order. See {@link Unpacked} for how a
 * reply is validated. Stateless; thread-safe.
 */
public final class PackingProtocol {
    /** First line of the protocol section of the system message; everything before it is the shared instruction. */
    public static final String MARKER = "### Batch protocol v1";
    /** Name of the json_schema response format. */
    public static final String SCHEMA_NAME = "batch_reply_v1";
    /** JSON framing of one reply entry ({"i":12,"output":""},) in tokens, generously. */
    public static final int TOKENS_PER_ITEM = 10;
    public static final int TOKENS_FIXED = 16;

    static final String RULES = MARKER + "\n"
            + "The user message is a JSON object {\"items\": [...]} where each item has an index \"i\", a \"text\" and "
            + "a \"max_tokens\" budget. Apply the instruction above to each item's text on its own, as if it were the "
            + "only input, within its budget. Reply with a JSON object {\"items\": [{\"i\": <index>, \"output\": "
            + "<your answer for that item>}]} with exactly one entry per index and nothing else.";

    private static final JsonNode RESPONSE_FORMAT = responseFormat();

    private PackingProtocol() {
    }

    /**
     * One job inside a packed request: its text, the {@code max_tokens} the model is told for it (the job's own
     * limit), and what the request reserves for its answer ({@code budget}, a learned budget at most that limit).
     */
    public record Item(String text, int maxTokens, int budget) {
        /** An item that reserves its whole limit. */
        public Item(String text, int maxTokens) {
            this(text, maxTokens, maxTokens);
        }
    }

    /** Builds the packed request for {@code items} sharing {@code instruction}. */
    public static RequestSpec pack(String instruction, List<Item> items, Double temperature) {
        if (items.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one item");
        }
        ObjectNode user = Json.mapper().createObjectNode();
        ArrayNode arr = user.putArray("items");
        long budgets = 0;
        for (int i = 0; i < items.size(); i++) {
            Item it = items.get(i);
            arr.addObject().put("i", i).put("text", it.text()).put("max_tokens", it.maxTokens());
            budgets += it.budget();
        }
        int budget = requestMaxTokens(budgets, items.size());
        String userText;
        try {
            userText = Json.mapper().writeValueAsString(user);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a batch", e);
        }
        List<ChatMessage> messages = List.of(ChatMessage.system(instruction + "\n\n" + RULES),
                ChatMessage.user(userText));
        return new RequestSpec(messages, budget, temperature, 1, RESPONSE_FORMAT);
    }

    /**
     * What one item adds to an open batch's bound (checked against {@code max-batch-tokens} before the request is
     * built): its text by the char rule, its budget, the framing of its entry in the request and in the reply. The
     * batcher and {@code plan} both group by it, so that plan groups as the worker does.
     */
    public static long batchItemCost(String text, int maxTokens) {
        return (text.codePointCount(0, text.length()) + 3) / 4 + 12 + maxTokens + TOKENS_PER_ITEM;
    }

    /** An open batch's bound before its first item: the instruction by the char rule, the rules and the schema. */
    public static long batchOpenCost(String instruction) {
        return (instruction.length() + 3) / 4 + 120;
    }

    /** A packed request's max_tokens for items whose budgets add up to {@code budgets}: theirs plus the framing. */
    public static int requestMaxTokens(long budgets, int items) {
        return (int) Math.min(Integer.MAX_VALUE, TOKENS_FIXED + budgets + (long) TOKENS_PER_ITEM * items);
    }

    /** The reply to a packed request, validated: which indices have a usable answer. */
    public static Unpacked unpack(String content, int itemCount) {
        return Unpacked.parse(content, itemCount);
    }

    /** A packed request as the receiving side sees it (used by the simulator's fake model). */
    public record Parsed(String instruction, List<Item> items) {
    }

    /**
     * Recognises a packed request from its messages: a system message containing {@link #MARKER} and a user
     * message with the items. Empty for an ordinary request.
     */
    public static Optional<Parsed> parse(List<ChatMessage> messages) {
        String system = null;
        String user = null;
        for (ChatMessage m : messages) {
            if (m.role().equals("system") && m.content().contains(MARKER)) {
                system = m.content();
            } else if (m.role().equals("user")) {
                user = m.content();
            }
        }
        if (system == null || user == null) {
            return Optional.empty();
        }
        String instruction = system.substring(0, system.indexOf(MARKER)).stripTrailing();
        try {
            JsonNode items = Json.mapper().readTree(user).path("items");
            if (!items.isArray()) {
                return Optional.empty();
            }
            List<Item> out = new ArrayList<>(items.size());
            for (JsonNode it : items) {
                out.add(new Item(it.path("text").asText(), it.path("max_tokens").asInt(Integer.MAX_VALUE)));
            }
            return Optional.of(new Parsed(instruction, out));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static JsonNode responseFormat() {
        ObjectNode rf = Json.mapper().createObjectNode().put("type", "json_schema");
        ObjectNode js = rf.putObject("json_schema").put("name", SCHEMA_NAME).put("strict", true);
        ObjectNode schema = js.putObject("schema").put("type", "object").put("additionalProperties", false);
        schema.putArray("required").add("items");
        ObjectNode entry = schema.putObject("properties").putObject("items").put("type", "array")
                .putObject("items").put("type", "object").put("additionalProperties", false);
        entry.putArray("required").add("i").add("output");
        ObjectNode props = entry.putObject("properties");
        props.putObject("i").put("type", "integer");
        props.putObject("output").put("type", "string");
        return rf;
    }
}
