package dev.llmbatch.core.result;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmbatch.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Reads and writes the result contract (UTF-8 JSON). Thread-safe. */
public final class ResultCodec {
    private ResultCodec() {
    }

    /**
     * The result's bytes, written field by field with a streaming generator straight into one byte buffer (no JSON
     * tree per result: this runs once per job on the Kafka loop thread). Same bytes as {@link #toJson} serialised.
     */
    public static byte[] encode(JobResult r) {
        ByteArrayBuilder out = new ByteArrayBuilder(Json.mapper().getFactory()._getBufferRecycler(), 512);
        try (JsonGenerator g = Json.mapper().createGenerator(out)) {
            write(g, r);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode result " + r.id(), e);
        }
        byte[] bytes = out.toByteArray();
        out.release();
        return bytes;
    }

    private static void write(JsonGenerator g, JobResult r) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", r.id());
        g.writeStringField("status", r.status().wire());
        g.writeStringField("output", r.output());
        g.writeStringField("finish_reason", r.finishReason());
        g.writeObjectFieldStart("usage");
        g.writeNumberField("prompt_tokens", r.usage().promptTokens());
        g.writeNumberField("completion_tokens", r.usage().completionTokens());
        g.writeEndObject();
        g.writeStringField("region", r.region());
        g.writeStringField("deployment", r.deployment());
        g.writeNumberField("attempts", r.attempts());
        g.writeNumberField("batch_size", r.batchSize());
        g.writeNumberField("latency_ms", r.latencyMs());
        g.writeNumberField("queued_ms", r.queuedMs());
        if (r.error() == null) {
            g.writeNullField("error");
        } else {
            g.writeObjectFieldStart("error");
            g.writeStringField("code", r.error().code());
            g.writeStringField("message", r.error().message());
            g.writeBooleanField("retryable", r.error().retryable());
            g.writeEndObject();
        }
        g.writeStringField("submitter", r.submitter());
        g.writeStringField("batch", r.batch());
        g.writeFieldName("metadata");
        if (r.metadata() == null) {
            g.writeNull();
        } else {
            g.writeTree(r.metadata());
        }
        g.writeArrayFieldStart("trace");
        for (String t : r.trace()) {
            g.writeString(t);
        }
        g.writeEndArray();
        if (r.budget() != null) {
            g.writeObjectFieldStart("budget");
            g.writeStringField("source", r.budget().source());
            g.writeNumberField("max_tokens", r.budget().maxTokens());
            g.writeEndObject();
        }
        if (r.hedged() != null) {
            g.writeObjectFieldStart("hedged");
            g.writeStringField("won", r.hedged().won());
            g.writeNumberField("extra_tokens", r.hedged().extraTokens());
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    /** The result as a JSON tree (also used for JSONL output files). */
    public static ObjectNode toJson(JobResult r) {
        ObjectNode o = Json.mapper().createObjectNode();
        o.put("id", r.id());
        o.put("status", r.status().wire());
        o.put("output", r.output());
        o.put("finish_reason", r.finishReason());
        ObjectNode usage = o.putObject("usage");
        usage.put("prompt_tokens", r.usage().promptTokens());
        usage.put("completion_tokens", r.usage().completionTokens());
        o.put("region", r.region());
        o.put("deployment", r.deployment());
        o.put("attempts", r.attempts());
        o.put("batch_size", r.batchSize());
        o.put("latency_ms", r.latencyMs());
        o.put("queued_ms", r.queuedMs());
        if (r.error() == null) {
            o.putNull("error");
        } else {
            o.putObject("error").put("code", r.error().code()).put("message", r.error().message())
                    .put("retryable", r.error().retryable());
        }
        o.put("submitter", r.submitter());
        o.put("batch", r.batch());
        o.set("metadata", r.metadata());
        var trace = o.putArray("trace");
        r.trace().forEach(trace::add);
        if (r.budget() != null) {
            o.putObject("budget").put("source", r.budget().source()).put("max_tokens", r.budget().maxTokens());
        }
        if (r.hedged() != null) {
            o.putObject("hedged").put("won", r.hedged().won()).put("extra_tokens", r.hedged().extraTokens());
        }
        return o;
    }

    public static JobResult decode(byte[] bytes) {
        JsonNode o;
        try {
            o = Json.mapper().readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("not a result document", e);
        }
        JsonNode usage = o.path("usage");
        JsonNode err = o.get("error");
        ErrorInfo error = err == null || err.isNull() ? null
                : new ErrorInfo(err.path("code").asText(), err.path("message").asText(),
                        err.path("retryable").asBoolean());
        List<String> trace = new ArrayList<>();
        o.path("trace").forEach(t -> trace.add(t.asText()));
        JsonNode metadata = o.get("metadata");
        JsonNode b = o.get("budget");
        Budget budget = b == null || !b.isObject() || !b.path("source").isTextual() ? null
                : budgetOrNull(b.path("source").asText(), b.path("max_tokens").asInt());
        return new JobResult(o.path("id").asText(), Status.fromWire(o.path("status").asText()), text(o, "output"),
                text(o, "finish_reason"),
                new Usage(usage.path("prompt_tokens").asInt(), usage.path("completion_tokens").asInt()),
                text(o, "region"), text(o, "deployment"), o.path("attempts").asInt(), o.path("batch_size").asInt(),
                o.path("latency_ms").asLong(), o.path("queued_ms").asLong(), error, text(o, "submitter"),
                text(o, "batch"), metadata == null || metadata.isNull() ? null : metadata, trace, budget,
                hedged(o.get("hedged")));
    }

    private static Hedged hedged(JsonNode h) {
        if (h == null || !h.isObject()) {
            return null;
        }
        String won = h.path("won").asText();
        return Hedged.ORIGINAL.equals(won) || Hedged.HEDGE.equals(won)
                ? new Hedged(won, Math.max(0, h.path("extra_tokens").asInt())) : null;
    }

    private static Budget budgetOrNull(String source, int maxTokens) {
        return Budget.JOB.equals(source) || Budget.LEARNED.equals(source) ? new Budget(source, maxTokens) : null;
    }

    private static String text(JsonNode o, String f) {
        JsonNode n = o.get(f);
        return n == null || n.isNull() ? null : n.asText();
    }
}
