package dev.llmbatch.core.result;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmbatch.core.json.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResultCodecTest {

    private static JsonNode json(String s) throws Exception {
        return Json.mapper().readTree(s);
    }

    /** The streaming encoder writes the bytes the tree did, field for field (contract unchanged). */
    @Test
    void encode_streaming_sameBytesAsTheTree() throws Exception {
        List<JobResult> results = List.of(
                new JobResult("r-1", Status.SUCCEEDED, "pos\"it\u00e9\n", "stop", new Usage(41, 1), "swc", "d", 2,
                        16, 812, 40, null, "svc", "b", json("{\"row\":123,\"n\":{\"a\":[1,\"x\",null,2.5]}}"),
                        List.of("eastus:429", "swc:200"), new Budget(Budget.LEARNED, 12)),
                new JobResult("r-h", Status.SUCCEEDED, "ok", "stop", new Usage(80, 3), "japaneast", "d", 2, 1, 140,
                        0, null, null, null, null, List.of("westeurope:cancelled", "japaneast:200:hedge"),
                        new Budget(Budget.JOB, 64), new Hedged(Hedged.HEDGE, 40)),
                new JobResult("r-2", Status.FAILED, null, null, null, null, null, 6, 1, 0, 5,
                        new ErrorInfo("http_503", "gave up", true), null, null, null, null),
                new JobResult("r-3", Status.REJECTED, null, null, null, null, null, 0, 0, 0, 0,
                        new ErrorInfo("invalid_field", "x", false), "s", null, json("[1]"), List.of()));
        for (JobResult r : results) {
            assertThat(new String(ResultCodec.encode(r), java.nio.charset.StandardCharsets.UTF_8))
                    .isEqualTo(Json.mapper().writeValueAsString(ResultCodec.toJson(r)));
        }
    }

    @Test
    void decode_encodedSuccess_roundTripsEveryField() throws Exception {
        JobResult r = new JobResult("r-000123", Status.SUCCEEDED, "positive", "stop", new Usage(41, 1),
                "swedencentral", "gpt-4o-mini", 2, 16, 812, 40, null, "reviews-svc", "nightly-2026-11-23",
                json("{\"row\":123,\"nested\":{\"a\":[1,\"x\",null]}}"), List.of("eastus:429", "swedencentral:200"));

        assertThat(ResultCodec.decode(ResultCodec.encode(r))).isEqualTo(r);
    }

    @Test
    void decode_hedgedResult_roundTripsWhichCallWonAndTheExtraTokens() {
        JobResult r = new JobResult("r-h", Status.SUCCEEDED, "ok", "stop", new Usage(80, 3), "japaneast", "d", 2, 1,
                140, 0, null, null, null, null, List.of("westeurope:cancelled", "japaneast:200:hedge"),
                new Budget(Budget.JOB, 64), new Hedged(Hedged.HEDGE, 40));

        assertThat(ResultCodec.decode(ResultCodec.encode(r))).isEqualTo(r);
        assertThat(ResultCodec.toJson(r).path("hedged").path("won").asText()).isEqualTo("hedge");
        assertThat(ResultCodec.toJson(r).path("hedged").path("extra_tokens").asInt()).isEqualTo(40);
    }

    @Test
    void decode_encodedFailureWithError_roundTripsErrorAndNulls() {
        JobResult r = new JobResult("r-7", Status.FAILED, null, null, null, null, null, 6, 1, 0, 5,
                new ErrorInfo("http_503", "gave up after 6 attempts; last: overloaded", true), null, null, null, null);

        JobResult back = ResultCodec.decode(ResultCodec.encode(r));

        assertThat(back).isEqualTo(r);
        assertThat(back.error().retryable()).isTrue();
        assertThat(back.usage()).isEqualTo(Usage.NONE);
        assertThat(back.trace()).isEmpty();
    }

    @Test
    void decode_everyStatus_roundTrips() {
        for (Status s : Status.values()) {
            JobResult r = new JobResult("r-" + s, s, null, null, null, null, null, 0, 0, 0, 0,
                    s == Status.SUCCEEDED ? null : new ErrorInfo("c", "m", false), null, null, null, null);

            assertThat(ResultCodec.decode(ResultCodec.encode(r))).isEqualTo(r);
        }
    }

    @Test
    void toJson_result_usesTheContractFieldNames() throws Exception {
        JobResult r = new JobResult("r-1", Status.FILTERED, "", "content_filter", new Usage(3, 0), "eastus",
                "gpt-4o-mini", 1, 4, 100, 7, new ErrorInfo("content_filter", "blocked", false), "svc", "b",
                json("{\"row\":1}"), List.of("eastus:400"));

        // re-read, so that numbers compare by value rather than by node type (int vs long)
        JsonNode o = json(Json.mapper().writeValueAsString(ResultCodec.toJson(r)));

        assertThat(o).isEqualTo(json("""
                {"id":"r-1","status":"filtered","output":"","finish_reason":"content_filter",
                 "usage":{"prompt_tokens":3,"completion_tokens":0},"region":"eastus","deployment":"gpt-4o-mini",
                 "attempts":1,"batch_size":4,"latency_ms":100,"queued_ms":7,
                 "error":{"code":"content_filter","message":"blocked","retryable":false},
                 "submitter":"svc","batch":"b","metadata":{"row":1},"trace":["eastus:400"]}
                """));
    }

    @Test
    void toJson_noError_writesExplicitNull() {
        JobResult r = new JobResult("r-2", Status.SUCCEEDED, "ok", "stop", null, null, null, 1, 1, 1, 1, null, null,
                null, null, null);

        JsonNode o = ResultCodec.toJson(r);

        assertThat(o.has("error")).isTrue();
        assertThat(o.get("error").isNull()).isTrue();
        assertThat(o.get("metadata").isNull()).isTrue();
    }
}
