package dev.llmbatch.core.job;

// The tree-based decoder JobCodec had before the streaming one, kept as the reference of JobCodecStreamingTest.

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmbatch.core.json.Json;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads and writes the job contract (UTF-8 JSON). Decoding never throws for bad input: every outcome is a
 * {@link DecodeResult}, so one bad record cannot stop a partition. Unknown fields are ignored. Thread-safe.
 */
final class TreeJobCodec {
    /** Longest accepted job id; ids are Kafka keys and log fields, not documents. */
    public static final int MAX_ID_LENGTH = 256;
    /** Largest accepted n (completions per prompt). */
    public static final int MAX_N = 16;
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant");

    private TreeJobCodec() {
    }

    /** Decodes one record value. {@code value} may be null (a tombstone), which is unparseable. */
    public static DecodeResult decode(byte[] value) {
        if (value == null || value.length == 0) {
            return new DecodeResult.Unparseable("empty_record", "record value is empty");
        }
        if (value.length > Json.MAX_DOCUMENT_CHARS) {
            return new DecodeResult.Unparseable("record_too_large",
                    "record value is " + value.length + " bytes; the limit is " + Json.MAX_DOCUMENT_CHARS);
        }
        JsonNode root;
        try {
            root = Json.mapper().readTree(value);
        } catch (IOException e) {
            return new DecodeResult.Unparseable("invalid_json", firstLine(e));
        }
        if (root == null || !root.isObject()) {
            return new DecodeResult.Unparseable("not_an_object", "a job must be a JSON object");
        }
        return new Reader((ObjectNode) root).read();
    }

    /** Encodes a job to the contract's JSON. */
    public static byte[] encode(Job job) {
        ObjectNode o = Json.mapper().createObjectNode();
        o.put("id", job.id());
        putIfNotNull(o, "model", job.model());
        if (!job.messages().isEmpty()) {
            ArrayNode arr = o.putArray("messages");
            for (ChatMessage m : job.messages()) {
                arr.addObject().put("role", m.role()).put("content", m.content());
            }
        }
        if (job.maxTokens() != null) {
            o.put("max_tokens", job.maxTokens());
        }
        if (job.temperature() != null) {
            o.put("temperature", job.temperature());
        }
        if (job.responseFormat() != null) {
            o.set("response_format", job.responseFormat());
        }
        if (job.n() != 1) {
            o.put("n", job.n());
        }
        putIfNotNull(o, "task", job.task());
        putIfNotNull(o, "input", job.input());
        putIfNotNull(o, "submitter", job.submitter());
        putIfNotNull(o, "batch", job.batch());
        o.put("priority", job.priority().wire());
        if (job.deadline() != null) {
            o.put("deadline", job.deadline().toString());
        }
        if (job.strictMaxTokens()) {
            o.put("strict_max_tokens", true);
        }
        if (!job.hedge()) {
            o.put("hedge", false);
        }
        if (job.metadata() != null) {
            o.set("metadata", job.metadata());
        }
        try {
            return Json.mapper().writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode job " + job.id(), e);
        }
    }

    private static void putIfNotNull(ObjectNode o, String field, String value) {
        if (value != null) {
            o.put(field, value);
        }
    }

    private static String firstLine(Exception e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** Reads one parsed object; collects the first contract violation. */
    private static final class Reader {
        private final ObjectNode o;
        private String id;

        Reader(ObjectNode o) {
            this.o = o;
        }

        DecodeResult read() {
            JsonNode idNode = o.get("id");
            if (idNode == null || idNode.isNull()) {
                return invalid("missing_id", "field 'id' is required");
            }
            if (!idNode.isTextual() || idNode.asText().isBlank()) {
                return invalid("invalid_id", "field 'id' must be a non-empty string");
            }
            if (idNode.asText().length() > MAX_ID_LENGTH) {
                return invalid("invalid_id", "field 'id' is longer than " + MAX_ID_LENGTH + " characters");
            }
            id = idNode.asText();
            try {
                String model = optText("model");
                List<ChatMessage> messages = messages();
                Integer maxTokens = optPositiveInt("max_tokens");
                if (maxTokens == null) {
                    maxTokens = optPositiveInt("max_completion_tokens");
                }
                Double temperature = optTemperature();
                JsonNode responseFormat = optObject("response_format");
                Integer n = optPositiveInt("n");
                if (n != null && n > MAX_N) {
                    throw new Violation("invalid_field", "field 'n' must be between 1 and " + MAX_N);
                }
                String task = optText("task");
                String input = optText("input");
                if (messages.isEmpty() && task == null) {
                    throw new Violation("missing_prompt", "a job needs non-empty 'messages' or a 'task'");
                }
                if (!messages.isEmpty() && task != null) {
                    throw new Violation("ambiguous_prompt", "a job has either 'messages' or 'task', not both");
                }
                if (task != null && input == null) {
                    throw new Violation("missing_input", "a 'task' job needs a string 'input'");
                }
                Priority priority = Priority.parse(optText("priority"))
                        .orElseThrow(() -> new Violation("invalid_field",
                                "field 'priority' must be one of high, normal, low"));
                Instant deadline = optInstant("deadline");
                JsonNode metadata = o.get("metadata");
                if (metadata != null && metadata.isNull()) {
                    metadata = null;
                }
                return new DecodeResult.Valid(new Job(id, model, messages, maxTokens, temperature, responseFormat,
                        n == null ? 1 : n, task, input, optText("submitter"), optText("batch"), priority, deadline,
                        metadata, optBoolean("strict_max_tokens"), o.get("hedge") == null
                                || o.get("hedge").isNull() || optBoolean("hedge")));
            } catch (Violation v) {
                return invalid(v.code, v.getMessage());
            }
        }

        private boolean optBoolean(String field) {
            JsonNode v = o.get(field);
            if (v == null || v.isNull()) {
                return false;
            }
            if (!v.isBoolean()) {
                throw new Violation("invalid_field", "field '" + field + "' must be true or false");
            }
            return v.booleanValue();
        }

        private DecodeResult invalid(String code, String message) {
            return new DecodeResult.Invalid(id, code, message);
        }

        private List<ChatMessage> messages() {
            JsonNode node = o.get("messages");
            if (node == null || node.isNull()) {
                return List.of();
            }
            if (!node.isArray()) {
                throw new Violation("invalid_field", "field 'messages' must be an array");
            }
            List<ChatMessage> out = new ArrayList<>(node.size());
            for (int i = 0; i < node.size(); i++) {
                JsonNode m = node.get(i);
                if (!m.isObject()) {
                    throw new Violation("invalid_field", "messages[" + i + "] must be an object");
                }
                JsonNode role = m.get("role");
                JsonNode content = m.get("content");
                if (role == null || !role.isTextual() || !ROLES.contains(role.asText())) {
                    throw new Violation("invalid_field",
                            "messages[" + i + "].role must be one of " + String.join(", ", ROLES.stream().sorted().toList()));
                }
                if (content == null || !content.isTextual()) {
                    throw new Violation("invalid_field", "messages[" + i + "].content must be a string");
                }
                out.add(new ChatMessage(role.asText(), content.asText()));
            }
            if (out.stream().noneMatch(m -> m.role().equals("user"))) {
                if (!out.isEmpty()) {
                    throw new Violation("invalid_field", "field 'messages' needs at least one user message");
                }
            }
            return out;
        }

        private String optText(String field) {
            JsonNode n = o.get(field);
            if (n == null || n.isNull()) {
                return null;
            }
            if (!n.isTextual()) {
                throw new Violation("invalid_field", "field '" + field + "' must be a string");
            }
            return n.asText();
        }

        private Integer optPositiveInt(String field) {
            JsonNode n = o.get(field);
            if (n == null || n.isNull()) {
                return null;
            }
            if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 1) {
                throw new Violation("invalid_field", "field '" + field + "' must be a positive integer");
            }
            return n.asInt();
        }

        private Double optTemperature() {
            JsonNode n = o.get("temperature");
            if (n == null || n.isNull()) {
                return null;
            }
            if (!n.isNumber() || n.asDouble() < 0 || n.asDouble() > 2) {
                throw new Violation("invalid_field", "field 'temperature' must be a number between 0 and 2");
            }
            return n.asDouble();
        }

        private JsonNode optObject(String field) {
            JsonNode n = o.get(field);
            if (n == null || n.isNull()) {
                return null;
            }
            if (!n.isObject()) {
                throw new Violation("invalid_field", "field '" + field + "' must be an object or null");
            }
            return n;
        }

        private Instant optInstant(String field) {
            String s = optText(field);
            if (s == null) {
                return null;
            }
            try {
                return Instant.parse(s);
            } catch (DateTimeParseException e) {
                throw new Violation("invalid_field", "field '" + field + "' must be an ISO-8601 instant such as "
                        + "2026-11-23T12:00:00Z");
            }
        }
    }

    /** A contract violation found while reading; carries the stable code. */
    private static final class Violation extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String code;

        Violation(String code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

}
