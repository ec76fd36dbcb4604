package dev.llmbatch.core.job;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.llmbatch.core.json.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The fields of one job document, read with a streaming parser in one pass: scalars become single nodes, the
 * messages become {@link ChatMessage}s (with the first contract violation among them kept for later), and only
 * {@code metadata} and {@code response_format} (opaque objects the job carries through) are read as trees. Unknown
 * fields are skipped. The whole document is read before anything is validated, so syntax errors, duplicate keys
 * (the shared mapper's parser rejects them) and trailing tokens are found wherever they are, as a tree read would.
 * Not thread-safe; one per document.
 */
final class JobFields {
    static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant");
    /** Reads one value as a tree and stops there (the mapper's own readTree would also demand the document end). */
    private static final ObjectReader TREE = Json.mapper().reader()
            .without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** What the root of the document was: an object, or something else (then no field is set). */
    boolean object;
    JsonNode id;
    JsonNode model;
    JsonNode maxTokens;
    JsonNode maxCompletionTokens;
    JsonNode temperature;
    JsonNode responseFormat;
    JsonNode n;
    JsonNode task;
    JsonNode input;
    JsonNode priority;
    JsonNode deadline;
    JsonNode metadata;
    JsonNode submitter;
    JsonNode batch;
    JsonNode strictMaxTokens;
    JsonNode hedge;
    /** Absent or null: null. */
    List<ChatMessage> messages;
    /** The first violation in the messages field, in document order, as [code, message]; null if none. */
    String[] messagesViolation;

    private JobFields() {
    }

    /** Reads {@code value}; throws IOException for anything that is not one well-formed JSON document. */
    static JobFields read(byte[] value) throws IOException {
        JobFields f = new JobFields();
        try (JsonParser p = Json.mapper().createParser(value)) {
            JsonToken root = p.nextToken();
            if (root == JsonToken.START_OBJECT) {
                f.object = true;
                f.readObject(p);
            } else if (root != null) {
                p.skipChildren();
            }
            if (root != null && p.nextToken() != null) {
                throw MismatchedInputException.from(p, JsonNode.class, "Trailing token (of type "
                        + p.currentToken() + ") found after value (bound as `JsonNode`): not allowed as per "
                        + "`DeserializationFeature.FAIL_ON_TRAILING_TOKENS`");
            }
        }
        return f;
    }

    private void readObject(JsonParser p) throws IOException {
        String name;
        while ((name = p.nextFieldName()) != null) {
            JsonToken t = p.nextToken();
            switch (name) {
                case "id" -> id = scalar(p, t);
                case "model" -> model = scalar(p, t);
                case "messages" -> messages(p, t);
                case "max_tokens" -> maxTokens = scalar(p, t);
                case "max_completion_tokens" -> maxCompletionTokens = scalar(p, t);
                case "temperature" -> temperature = scalar(p, t);
                case "response_format" -> responseFormat = tree(p, t);
                case "n" -> n = scalar(p, t);
                case "task" -> task = scalar(p, t);
                case "input" -> input = scalar(p, t);
                case "priority" -> priority = scalar(p, t);
                case "deadline" -> deadline = scalar(p, t);
                case "metadata" -> metadata = tree(p, t);
                case "submitter" -> submitter = scalar(p, t);
                case "batch" -> batch = scalar(p, t);
                case "strict_max_tokens" -> strictMaxTokens = scalar(p, t);
                case "hedge" -> hedge = scalar(p, t);
                default -> p.skipChildren();
            }
        }
    }

    private static JsonNode tree(JsonParser p, JsonToken t) throws IOException {
        return t == JsonToken.VALUE_NULL ? NullNode.getInstance() : TREE.readTree(p);
    }

    /** A scalar as the node a tree read makes of it; an object or array as its tree (only ever a type error). */
    private static JsonNode scalar(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case VALUE_STRING:
                return TextNode.valueOf(p.getText());
            case VALUE_NUMBER_INT:
                return switch (p.getNumberType()) {
                    case INT -> IntNode.valueOf(p.getIntValue());
                    case LONG -> LongNode.valueOf(p.getLongValue());
                    default -> BigIntegerNode.valueOf(p.getBigIntegerValue());
                };
            case VALUE_NUMBER_FLOAT:
                return p.getNumberType() == JsonParser.NumberType.BIG_DECIMAL
                        ? DecimalNode.valueOf(p.getDecimalValue()) : DoubleNode.valueOf(p.getDoubleValue());
            case VALUE_TRUE:
                return BooleanNode.TRUE;
            case VALUE_FALSE:
                return BooleanNode.FALSE;
            case VALUE_NULL:
                return NullNode.getInstance();
            default:
                return TREE.readTree(p);
        }
    }

    private void messages(JsonParser p, JsonToken t) throws IOException {
        messagesViolation = null;
        if (t == JsonToken.VALUE_NULL) {
            messages = null;
            return;
        }
        messages = new ArrayList<>(2);
        if (t != JsonToken.START_ARRAY) {
            p.skipChildren();
            messagesViolation = new String[] {"invalid_field", "field 'messages' must be an array"};
            return;
        }
        int i = 0;
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken(), i++) {
            if (messagesViolation != null) {
                p.skipChildren();
            } else if (e != JsonToken.START_OBJECT) {
                p.skipChildren();
                messagesViolation = new String[] {"invalid_field", "messages[" + i + "] must be an object"};
            } else {
                message(p, i);
            }
        }
    }

    private void message(JsonParser p, int i) throws IOException {
        JsonNode role = null;
        JsonNode content = null;
        String name;
        while ((name = p.nextFieldName()) != null) {
            JsonToken t = p.nextToken();
            if (name.equals("role")) {
                role = scalar(p, t);
            } else if (name.equals("content")) {
                content = scalar(p, t);
            } else {
                p.skipChildren();
            }
        }
        if (role == null || !role.isTextual() || !ROLES.contains(role.asText())) {
            messagesViolation = new String[] {"invalid_field",
                    "messages[" + i + "].role must be one of " + String.join(", ", ROLES.stream().sorted().toList())};
        } else if (content == null || !content.isTextual()) {
            messagesViolation = new String[] {"invalid_field", "messages[" + i + "].content must be a string"};
        } else {
            messages.add(new ChatMessage(role.asText(), content.asText()));
        }
    }
}
