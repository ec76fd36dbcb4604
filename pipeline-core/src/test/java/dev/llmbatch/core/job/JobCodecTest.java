package dev.llmbatch.core.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmbatch.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JobCodecTest {
    /** The example from DESIGN.md, verbatim. */
    private static final String DESIGN_EXAMPLE = """
            {"id":"r-000123", "model":"gpt-4o-mini",
             "messages":[{"role":"system","content":"Classify the sentiment..."},{"role":"user","content":"Great phone"}],
             "max_tokens":5, "temperature":0, "response_format":null,
             "task":null, "input":null, "submitter":"reviews-svc", "batch":"nightly-2026-11-23",
             "priority":"normal", "deadline":"2026-11-23T12:00:00Z", "metadata":{"row":123}}
            """;

    private static DecodeResult decode(String json) {
        return JobCodec.decode(json.getBytes(StandardCharsets.UTF_8));
    }

    private static Job valid(String json) {
        DecodeResult r = decode(json);
        assertThat(r).isInstanceOf(DecodeResult.Valid.class);
        return ((DecodeResult.Valid) r).job();
    }

    private static DecodeResult.Invalid invalid(String json) {
        DecodeResult r = decode(json);
        assertThat(r).isInstanceOf(DecodeResult.Invalid.class);
        return (DecodeResult.Invalid) r;
    }

    private static DecodeResult.Unparseable unparseable(byte[] bytes) {
        DecodeResult r = JobCodec.decode(bytes);
        assertThat(r).isInstanceOf(DecodeResult.Unparseable.class);
        return (DecodeResult.Unparseable) r;
    }

    private static JsonNode json(String s) throws Exception {
        return Json.mapper().readTree(s);
    }

    @Test
    void decode_designExample_isValidWithEveryField() throws Exception {
        Job job = valid(DESIGN_EXAMPLE);

        assertThat(job.id()).isEqualTo("r-000123");
        assertThat(job.model()).isEqualTo("gpt-4o-mini");
        assertThat(job.messages()).containsExactly(ChatMessage.system("Classify the sentiment..."),
                ChatMessage.user("Great phone"));
        assertThat(job.maxTokens()).isEqualTo(5);
        assertThat(job.temperature()).isEqualTo(0.0);
        assertThat(job.responseFormat()).isNull();
        assertThat(job.n()).isEqualTo(1);
        assertThat(job.task()).isNull();
        assertThat(job.input()).isNull();
        assertThat(job.submitter()).isEqualTo("reviews-svc");
        assertThat(job.batch()).isEqualTo("nightly-2026-11-23");
        assertThat(job.priority()).isEqualTo(Priority.NORMAL);
        assertThat(job.deadline()).isEqualTo(Instant.parse("2026-11-23T12:00:00Z"));
        assertThat(job.metadata()).isEqualTo(json("{\"row\":123}"));
    }

    @Test
    void decode_unknownFields_areIgnored() {
        Job job = valid("{\"id\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"future_field\":"
                + "{\"x\":[1,2]},\"stream\":true}");

        assertThat(job.id()).isEqualTo("a");
    }

    @Test
    void decode_taskJob_isValid() {
        Job job = valid("{\"id\":\"t1\",\"task\":\"sentiment\",\"input\":\"Great phone\",\"priority\":\"high\"}");

        assertThat(job.task()).isEqualTo("sentiment");
        assertThat(job.input()).isEqualTo("Great phone");
        assertThat(job.messages()).isEmpty();
        assertThat(job.priority()).isEqualTo(Priority.HIGH);
    }

    @Test
    void decode_hedge_defaultsToTrue_falseOptsOut_andRoundTrips() {
        assertThat(valid("{\"id\":\"h\",\"task\":\"t\",\"input\":\"x\"}").hedge()).isTrue();
        Job off = valid("{\"id\":\"h\",\"task\":\"t\",\"input\":\"x\",\"hedge\":false}");
        assertThat(off.hedge()).isFalse();
        assertThat(valid(new String(JobCodec.encode(off), java.nio.charset.StandardCharsets.UTF_8)).hedge()).isFalse();
        assertThat(JobCodec.decode("{\"id\":\"h\",\"task\":\"t\",\"input\":\"x\",\"hedge\":1}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8))).isInstanceOf(DecodeResult.Invalid.class);
    }

    @Test
    void decode_maxCompletionTokensOnly_isTheMaxTokens() {
        Job job = valid("{\"id\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"max_completion_tokens\":9}");

        assertThat(job.maxTokens()).isEqualTo(9);
    }

    @Test
    void decode_missingId_isInvalidMissingIdWithNullId() {
        DecodeResult.Invalid r = invalid("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertThat(r.id()).isNull();
        assertThat(r.code()).isEqualTo("missing_id");
    }

    @Test
    void decode_nullId_isInvalidMissingId() {
        assertThat(invalid("{\"id\":null,\"task\":\"t\",\"input\":\"x\"}").code()).isEqualTo("missing_id");
    }

    @ParameterizedTest
    @ValueSource(strings = {"123", "true", "{\"a\":1}", "[\"a\"]", "\"\"", "\"   \""})
    void decode_nonStringOrBlankId_isInvalidIdWithNullId(String id) {
        DecodeResult.Invalid r = invalid("{\"id\":" + id + ",\"task\":\"t\",\"input\":\"x\"}");

        assertThat(r.id()).isNull();
        assertThat(r.code()).isEqualTo("invalid_id");
        assertThat(r.message()).contains("'id'");
    }

    @Test
    void decode_overlongId_isInvalidId() {
        String id = "x".repeat(JobCodec.MAX_ID_LENGTH + 1);

        DecodeResult.Invalid r = invalid("{\"id\":\"" + id + "\",\"task\":\"t\",\"input\":\"x\"}");

        assertThat(r.code()).isEqualTo("invalid_id");
        assertThat(r.id()).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"id\":\"a\",", "{id:'a'}", "not json", "{\"id\":\"a\"} {\"id\":\"b\"}",
            "{\"id\":\"a\"} x"})
    void decode_badJson_isUnparseableInvalidJson(String text) {
        assertThat(unparseable(text.getBytes(StandardCharsets.UTF_8)).code()).isEqualTo("invalid_json");
    }

    @Test
    void decode_invalidUtf8InValue_isUnparseable() {
        byte[] head = "{\"id\":\"a\",\"task\":\"t\",\"input\":\"".getBytes(StandardCharsets.UTF_8);
        byte[] tail = "\"}".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[head.length + 2 + tail.length];
        System.arraycopy(head, 0, bytes, 0, head.length);
        bytes[head.length] = (byte) 0xC3; // a lead byte followed by a non-continuation byte
        bytes[head.length + 1] = (byte) 0x28;
        System.arraycopy(tail, 0, bytes, head.length + 2, tail.length);

        assertThat(unparseable(bytes).code()).isEqualTo("invalid_json");
    }

    @Test
    void decode_loneContinuationByte_isUnparseable() {
        byte[] bytes = {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0x80, '"', '}'};

        assertThat(unparseable(bytes).code()).isEqualTo("invalid_json");
    }

    @Test
    void decode_jsonArray_isUnparseableNotAnObject() {
        assertThat(unparseable("[{\"id\":\"a\"}]".getBytes(StandardCharsets.UTF_8)).code()).isEqualTo("not_an_object");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"just a string\"", "42", "null", "   "})
    void decode_scalarOrBlank_isUnparseableNotAnObject(String text) {
        assertThat(unparseable(text.getBytes(StandardCharsets.UTF_8)).code()).isEqualTo("not_an_object");
    }

    @Test
    void decode_emptyOrNull_isUnparseableEmptyRecord() {
        assertThat(unparseable(new byte[0]).code()).isEqualTo("empty_record");
        assertThat(unparseable(null).code()).isEqualTo("empty_record");
    }

    @Test
    void decode_duplicateKeys_areRejected() {
        DecodeResult r = decode("{\"id\":\"a\",\"id\":\"b\",\"task\":\"t\",\"input\":\"x\"}");

        assertThat(r).isInstanceOf(DecodeResult.Unparseable.class);
        assertThat(((DecodeResult.Unparseable) r).code()).isEqualTo("invalid_json");
    }

    @Test
    void decode_duplicateKeysInNestedObject_areRejected() {
        assertThat(decode("{\"id\":\"a\",\"task\":\"t\",\"input\":\"x\",\"metadata\":{\"k\":1,\"k\":2}}"))
                .isInstanceOf(DecodeResult.Unparseable.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "0", "1.5", "\"5\"", "99999999999"})
    void decode_badMaxTokens_isInvalidWithTheId(String value) {
        DecodeResult.Invalid r = invalid("{\"id\":\"r-1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"max_tokens\":" + value + "}");

        assertThat(r.id()).isEqualTo("r-1");
        assertThat(r.code()).isEqualTo("invalid_field");
        assertThat(r.message()).contains("max_tokens");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"hi\"", "{\"role\":\"user\",\"content\":\"hi\"}", "42"})
    void decode_messagesNotAnArray_isInvalidWithTheId(String value) {
        DecodeResult.Invalid r = invalid("{\"id\":\"r-2\",\"messages\":" + value + "}");

        assertThat(r.id()).isEqualTo("r-2");
        assertThat(r.code()).isEqualTo("invalid_field");
        assertThat(r.message()).contains("messages");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[\"hi\"]", "[{\"role\":\"robot\",\"content\":\"hi\"}]", "[{\"content\":\"hi\"}]",
            "[{\"role\":\"user\"}]", "[{\"role\":\"user\",\"content\":5}]", "[{\"role\":\"system\",\"content\":\"s\"}]"})
    void decode_badMessageEntry_isInvalidField(String messages) {
        DecodeResult.Invalid r = invalid("{\"id\":\"r-3\",\"messages\":" + messages + "}");

        assertThat(r.id()).isEqualTo("r-3");
        assertThat(r.code()).isEqualTo("invalid_field");
    }

    @Test
    void decode_messagesAndTask_isInvalidAmbiguousPrompt() {
        DecodeResult.Invalid r = invalid("{\"id\":\"r-4\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"task\":\"sentiment\",\"input\":\"x\"}");

        assertThat(r.id()).isEqualTo("r-4");
        assertThat(r.code()).isEqualTo("ambiguous_prompt");
    }

    @Test
    void decode_taskWithoutInput_isInvalidMissingInput() {
        DecodeResult.Invalid r = invalid("{\"id\":\"r-5\",\"task\":\"sentiment\"}");

        assertThat(r.id()).isEqualTo("r-5");
        assertThat(r.code()).isEqualTo("missing_input");
    }

    @Test
    void decode_neitherMessagesNorTask_isInvalidMissingPrompt() {
        assertThat(invalid("{\"id\":\"r-6\"}").code()).isEqualTo("missing_prompt");
        assertThat(invalid("{\"id\":\"r-6\",\"messages\":[]}").code()).isEqualTo("missing_prompt");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"tomorrow\"", "\"2026-11-23\"", "\"2026-11-23 12:00:00\"", "1764000000"})
    void decode_badDeadline_isInvalidField(String deadline) {
        DecodeResult.Invalid r = invalid("{\"id\":\"r-7\",\"task\":\"t\",\"input\":\"x\",\"deadline\":" + deadline + "}");

        assertThat(r.id()).isEqualTo("r-7");
        assertThat(r.code()).isEqualTo("invalid_field");
        assertThat(r.message()).contains("deadline");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"urgent\"", "\"\"", "1"})
    void decode_badPriority_isInvalidField(String priority) {
        DecodeResult.Invalid r = invalid("{\"id\":\"r-8\",\"task\":\"t\",\"input\":\"x\",\"priority\":" + priority + "}");

        assertThat(r.id()).isEqualTo("r-8");
        assertThat(r.code()).isEqualTo("invalid_field");
        assertThat(r.message()).contains("priority");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"temperature\":3", "\"temperature\":-0.1", "\"temperature\":\"hot\"", "\"n\":0",
            "\"n\":17", "\"response_format\":\"json\"", "\"model\":5", "\"input\":5"})
    void decode_badOptionalField_isInvalidField(String field) {
        String json = ("{\"id\":\"r-9\",\"task\":\"t\",\"input\":\"x\"," + field + "}")
                .replace("\"input\":\"x\",\"input\":5", "\"input\":5");

        DecodeResult.Invalid r = invalid(json);

        assertThat(r.id()).isEqualTo("r-9");
        assertThat(r.code()).isEqualTo("invalid_field");
    }

    @Test
    void encode_thenDecode_roundTripsEveryField() throws Exception {
        Job job = new Job("r-10", "gpt-4o-mini", List.of(ChatMessage.system("be brief"), ChatMessage.user("héllo 😀")),
                7, 0.3, json("{\"type\":\"json_object\"}"), 3, null, null, "svc", "b-1", Priority.LOW,
                Instant.parse("2026-11-23T12:00:00.5Z"), json("{\"row\":123,\"tags\":[\"a\"]}"));

        DecodeResult r = JobCodec.decode(JobCodec.encode(job));

        assertThat(r).isEqualTo(new DecodeResult.Valid(job));
    }

    @Test
    void encode_designExample_writesTheContractFieldNames() throws Exception {
        JsonNode o = json(new String(JobCodec.encode(valid(DESIGN_EXAMPLE)), StandardCharsets.UTF_8));

        assertThat(o.get("id").asText()).isEqualTo("r-000123");
        assertThat(o.get("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(o.get("messages")).isEqualTo(json("[{\"role\":\"system\",\"content\":\"Classify the sentiment...\"},"
                + "{\"role\":\"user\",\"content\":\"Great phone\"}]"));
        assertThat(o.get("max_tokens").asInt()).isEqualTo(5);
        assertThat(o.get("temperature").asDouble()).isEqualTo(0.0);
        assertThat(o.get("submitter").asText()).isEqualTo("reviews-svc");
        assertThat(o.get("batch").asText()).isEqualTo("nightly-2026-11-23");
        assertThat(o.get("priority").asText()).isEqualTo("normal");
        assertThat(o.get("deadline").asText()).isEqualTo("2026-11-23T12:00:00Z");
        assertThat(o.get("metadata")).isEqualTo(json("{\"row\":123}"));
        assertThat(o.has("max_completion_tokens")).isFalse();
        assertThat(o.has("task")).isFalse();
    }

    @Test
    void encode_thenDecode_taskJobRoundTrips() {
        Job job = Job.ofTask("r-11", null, "sentiment", "Great phone");

        assertThat(JobCodec.decode(JobCodec.encode(job))).isEqualTo(new DecodeResult.Valid(job));
    }
}
