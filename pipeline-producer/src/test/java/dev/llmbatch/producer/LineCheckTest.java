package dev.llmbatch.producer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LineCheckTest {

    private static LineCheck check(String line) {
        return LineCheck.of(line.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void of_validJob_keyAndResultIdAreTheId() {
        LineCheck c = check("{\"id\":\"r-1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertThat(c.valid()).isTrue();
        assertThat(c.key()).isEqualTo("r-1");
        assertThat(c.resultId()).isEqualTo("r-1");
        assertThat(c.problem()).isNull();
    }

    @Test
    void of_invalidJobWithId_isKeyedAndAwaitsARejectedResult() {
        LineCheck c = check("{\"id\":\"r-2\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":0}");

        assertThat(c.valid()).isFalse();
        assertThat(c.key()).isEqualTo("r-2");
        assertThat(c.resultId()).isEqualTo("r-2");
        assertThat(c.problem()).startsWith("invalid_field:").contains("max_tokens");
    }

    @Test
    void of_missingId_noKeyAndNoResult() {
        LineCheck c = check("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertThat(c.key()).isNull();
        assertThat(c.resultId()).isNull();
        assertThat(c.problem()).startsWith("missing_id:");
    }

    @Test
    void of_numericId_noKeyBecauseOnlyStringIdsAreKeys() {
        LineCheck c = check("{\"id\":42,\"task\":\"sentiment\",\"input\":\"x\"}");

        assertThat(c.key()).isNull();
        assertThat(c.resultId()).isNull();
        assertThat(c.problem()).startsWith("invalid_id:");
    }

    @Test
    void of_tooLongStringId_keyedButNoResultAwaited() {
        String id = "x".repeat(300);
        LineCheck c = check("{\"id\":\"" + id + "\",\"task\":\"sentiment\",\"input\":\"x\"}");

        assertThat(c.key()).isEqualTo(id);
        assertThat(c.resultId()).isNull();
    }

    @Test
    void of_brokenJson_unparseableWithoutKey() {
        LineCheck c = check("{\"id\":\"r-3\",");

        assertThat(c.valid()).isFalse();
        assertThat(c.key()).isNull();
        assertThat(c.resultId()).isNull();
        assertThat(c.problem()).startsWith("invalid_json:");
    }

    @Test
    void of_jsonArray_unparseableAsAJob() {
        assertThat(check("[1,2]").problem()).startsWith("not_an_object:");
    }
}
