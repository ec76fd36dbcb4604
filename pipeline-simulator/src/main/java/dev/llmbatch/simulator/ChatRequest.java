package dev.llmbatch.simulator;

import dev.llmbatch.core.batch.PackingProtocol;
import dev.llmbatch.core.job.ChatMessage;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The parts of a chat-completions body the simulator acts on, validated the way the service validates them
 * (reference section 1). Array-valued message content contributes its text parts, concatenated. Immutable.
 */
record ChatRequest(List<Message> messages, Integer maxTokens, int n, boolean jsonObjectFormat) {
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");
    private static final int MAX_MESSAGES = 2048;

    /** One message: role, text content ("" when null), optional name. */
    record Message(String role, String content, String name) {
    }

    static JsonObject decode(Buffer body) throws BadRequest {
        Object value;
        try {
            value = body == null || body.length() == 0 ? null : Json.decodeValue(body);
        } catch (DecodeException e) {
            value = null;
        }
        if (!(value instanceof JsonObject json)) {
            throw BadRequest.invalid("We could not parse the JSON body of your request. (HINT: This likely means you "
                    + "aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was "
                    + "sent was not valid JSON.)", null, null);
        }
        return json;
    }

    static ChatRequest parse(JsonObject body) throws BadRequest {
        Object rawMessages = body.getValue("messages");
        if (rawMessages == null) {
            throw BadRequest.invalid("'messages' is a required property", "messages", null);
        }
        if (!(rawMessages instanceof JsonArray array)) {
            throw BadRequest.invalid("Invalid type for 'messages': expected an array.", "messages",
                    "invalid_type");
        }
        if (array.isEmpty()) {
            throw BadRequest.invalid("[] is too short - 'messages'", "messages", null);
        }
        if (array.size() > MAX_MESSAGES) {
            throw BadRequest.invalid("Invalid 'messages': array too long. Expected an array with maximum length "
                    + MAX_MESSAGES + ", but got an array with length " + array.size() + " instead.", "messages",
                    "array_above_max_length");
        }
        List<Message> messages = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            messages.add(message(array.getValue(i), "messages[" + i + "]"));
        }
        Integer maxTokens = positiveInt(body, "max_tokens");
        if (maxTokens == null) {
            maxTokens = positiveInt(body, "max_completion_tokens");
        }
        Integer n = positiveInt(body, "n");
        return new ChatRequest(List.copyOf(messages), maxTokens, n == null ? 1 : n, jsonObject(body));
    }

    private static Message message(Object raw, String param) throws BadRequest {
        if (!(raw instanceof JsonObject m)) {
            throw BadRequest.invalid("Invalid type for '" + param + "': expected an object.", param, "invalid_type");
        }
        Object role = m.getValue("role");
        if (!(role instanceof String r) || !ROLES.contains(r)) {
            throw BadRequest.invalid("Invalid value for '" + param + ".role': expected one of system, developer, "
                    + "user, assistant, tool, function.", param + ".role", "invalid_value");
        }
        Object content = m.getValue("content");
        String text;
        if (content == null) {
            text = "";
        } else if (content instanceof String s) {
            text = s;
        } else if (content instanceof JsonArray parts) {
            StringBuilder sb = new StringBuilder();
            for (Object part : parts) {
                if (part instanceof JsonObject p && p.getValue("text") instanceof String t) {
                    sb.append(t);
                }
            }
            text = sb.toString();
        } else {
            throw BadRequest.invalid("Invalid type for '" + param + ".content': expected a string or an array.",
                    param + ".content", "invalid_type");
        }
        Object name = m.getValue("name");
        return new Message(r, text, name instanceof String s ? s : null);
    }

    private static Integer positiveInt(JsonObject body, String key) throws BadRequest {
        Object v = body.getValue(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Integer || v instanceof Long) || ((Number) v).longValue() > Integer.MAX_VALUE) {
            throw BadRequest.invalid("Invalid type for '" + key + "': expected an integer, but got "
                    + (v instanceof String ? "a string" : "a " + v.getClass().getSimpleName().toLowerCase(Locale.ROOT))
                    + " instead.", key, "invalid_type");
        }
        long value = ((Number) v).longValue();
        if (value < 1) {
            throw BadRequest.invalid("Invalid '" + key + "': integer below minimum value. Expected a value >= 1, but "
                    + "got " + value + " instead.", key, "integer_below_min_value");
        }
        return (int) value;
    }

    private static boolean jsonObject(JsonObject body) {
        return body.getValue("response_format") instanceof JsonObject f && "json_object".equals(f.getValue("type"));
    }

    /** System-role contents joined by "\n" ("" if none): the {@link FakeModel} instruction. */
    String systemInstruction() {
        StringBuilder sb = new StringBuilder();
        for (Message m : messages) {
            if (m.role().equals("system")) {
                if (sb.length() > 0) {
                    sb.append('\n');
                }
                sb.append(m.content());
            }
        }
        return sb.toString();
    }

    /** The last user-role content ("" if none). */
    String lastUserMessage() {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).role().equals("user")) {
                return messages.get(i).content();
            }
        }
        return "";
    }

    /** The request as the prompt-packing protocol sees it; empty for an ordinary request. */
    Optional<PackingProtocol.Parsed> packed() {
        List<ChatMessage> chat = new ArrayList<>(messages.size());
        for (Message m : messages) {
            chat.add(new ChatMessage(m.role(), m.content()));
        }
        return PackingProtocol.parse(chat);
    }

    /** Unicode code points of all contents together, for the estimator. */
    long contentCodePoints() {
        long total = 0;
        for (Message m : messages) {
            total += m.content().codePointCount(0, m.content().length());
        }
        return total;
    }

    boolean anyContentMatches(Pattern pattern) {
        for (Message m : messages) {
            if (pattern.matcher(m.content()).find()) {
                return true;
            }
        }
        return false;
    }

    boolean mentionsJson() {
        for (Message m : messages) {
            if (m.content().toLowerCase(Locale.ROOT).contains("json")) {
                return true;
            }
        }
        return false;
    }
}
