package dev.llmbatch.core.job;

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
public final class JobCodec {
    /** Longest accepted job id; ids are Kafka keys and log fields, not documents. */
    public static final int MAX_ID_LENGTH = 256;
    /** Largest accepted n (completions per prompt). */
    public static final int MAX_N = 16;

    private JobCodec() {
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
        JobFields fields;
        try {
            fields = JobFields.read(value);
        } catch (IOException e) {
            return new DecodeResult.Unparseable("invalid_json", firstLine(e));
        }
        if (!fields.object) {
            return new DecodeResult.Unparseable("not_an_object", "a job must be a JSON object");
        }
        return new Reader(fields).read();
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

    /** Validates one read object; stops at the first contract violation, in the order of the contract. */
    private static final class Reader {
        private final JobFields o;
        private String id;

        Reader(JobFields o) {
            this.o = o;
        }

        DecodeResult read() {
            JsonNode idNode = o.id;
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
                String model = optText(o.model, "model");
                List<ChatMessage> messages = messages();
                Integer maxTokens = optPositiveInt(o.maxTokens, "max_tokens");
                if (maxTokens == null) {
                    maxTokens = optPositiveInt(o.maxCompletionTokens, "max_completion_tokens");
                }
                Double temperature = optTemperature();
                JsonNode responseFormat = optObject(o.responseFormat, "response_format");
                Integer n = optPositiveInt(o.n, "n");
                if (n != null && n > MAX_N) {
                    throw new Violation("invalid_field", "field 'n' must be between 1 and " + MAX_N);
                }
                String task = optText(o.task, "task");
                String input = optText(o.input, "input");
                if (messages.isEmpty() && task == null) {
                    throw new Violation("missing_prompt", "a job needs non-empty 'messages' or a 'task'");
                }
                if (!messages.isEmpty() && task != null) {
                    throw new Violation("ambiguous_prompt", "a job has either 'messages' or 'task', not both");
                }
                if (task != null && input == null) {
                    throw new Violation("missing_input", "a 'task' job needs a string 'input'");
                }
                Priority priority = Priority.parse(optText(o.priority, "priority"))
                        .orElseThrow(() -> new Violation("invalid_field",
                                "field 'priority' must be one of high, normal, low"));
                Instant deadline = optInstant(o.deadline, "deadline");
                JsonNode metadata = o.metadata;
                if (metadata != null && metadata.isNull()) {
                    metadata = null;
                }
                return new DecodeResult.Valid(new Job(id, model, messages, maxTokens, temperature, responseFormat,
                        n == null ? 1 : n, task, input, optText(o.submitter, "submitter"), optText(o.batch, "batch"),
                        priority, deadline, metadata, optBoolean(o.strictMaxTokens, "strict_max_tokens"),
                        o.hedge == null || o.hedge.isNull() || optBoolean(o.hedge, "hedge")));
            } catch (Violation v) {
                return invalid(v.code, v.getMessage());
            }
        }

        private static boolean optBoolean(JsonNode v, String field) {
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
            if (o.messagesViolation != null) {
                throw new Violation(o.messagesViolation[0], o.messagesViolation[1]);
            }
            List<ChatMessage> out = o.messages;
            if (out == null) {
                return List.of();
            }
            if (!out.isEmpty() && out.stream().noneMatch(m -> m.role().equals("user"))) {
                throw new Violation("invalid_field", "field 'messages' needs at least one user message");
            }
            return out;
        }

        private static String optText(JsonNode n, String field) {
            if (n == null || n.isNull()) {
                return null;
            }
            if (!n.isTextual()) {
                throw new Violation("invalid_field", "field '" + field + "' must be a string");
            }
            return n.asText();
        }

        private static Integer optPositiveInt(JsonNode n, String field) {
            if (n == null || n.isNull()) {
                return null;
            }
            if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 1) {
                throw new Violation("invalid_field", "field '" + field + "' must be a positive integer");
            }
            return n.asInt();
        }

        private Double optTemperature() {
            JsonNode n = o.temperature;
            if (n == null || n.isNull()) {
                return null;
            }
            if (!n.isNumber() || n.asDouble() < 0 || n.asDouble() > 2) {
                throw new Violation("invalid_field", "field 'temperature' must be a number between 0 and 2");
            }
            return n.asDouble();
        }

        private static JsonNode optObject(JsonNode n, String field) {
            if (n == null || n.isNull()) {
                return null;
            }
            if (!n.isObject()) {
                throw new Violation("invalid_field", "field '" + field + "' must be an object or null");
            }
            return n;
        }

        private static Instant optInstant(JsonNode n, String field) {
            String s = optText(n, field);
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
