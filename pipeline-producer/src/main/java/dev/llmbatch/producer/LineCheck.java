package dev.llmbatch.producer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmbatch.core.job.DecodeResult;
import dev.llmbatch.core.job.JobCodec;
import dev.llmbatch.core.json.Json;
import java.io.IOException;

/**
 * What the submitter learns from one JSONL line before sending it as-is: the record key, whether a result will come
 * back for it, and what is wrong with it if it is not a valid job. Immutable.
 *
 * @param key      the line's string {@code id} when it has one, else null (the record is sent without a key)
 * @param resultId the id a result will be published under: set for valid jobs and for invalid ones that have a
 *                 usable id (they get a {@code rejected} result); null for lines that only reach the DLQ
 * @param problem  null for a valid job, else {@code code: message}
 */
record LineCheck(String key, String resultId, String problem) {

    boolean valid() {
        return problem == null;
    }

    static LineCheck of(byte[] line) {
        DecodeResult decoded = JobCodec.decode(line);
        if (decoded instanceof DecodeResult.Valid v) {
            return new LineCheck(v.job().id(), v.job().id(), null);
        }
        if (decoded instanceof DecodeResult.Invalid inv) {
            String problem = inv.code() + ": " + inv.message();
            return inv.id() != null ? new LineCheck(inv.id(), inv.id(), problem)
                    : new LineCheck(stringId(line), null, problem);
        }
        DecodeResult.Unparseable u = (DecodeResult.Unparseable) decoded;
        return new LineCheck(null, null, u.code() + ": " + u.message());
    }

    /** The {@code id} of an object line whose id the codec refused (blank, too long); null when there is none. */
    private static String stringId(byte[] line) {
        try {
            JsonNode id = Json.mapper().readTree(line).get("id");
            return id != null && id.isTextual() ? id.asText() : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
