package dev.llmbatch.worker.intake;

import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.core.result.Usage;
import java.util.List;

/** Results for tests. */
final class ResultSinkResults {
    private ResultSinkResults() {
    }

    static JobResult succeeded(String id) {
        return new JobResult(id, Status.SUCCEEDED, "positive", "stop", new Usage(10, 1), "r1", "d", 1, 1, 5, 1, null,
                null, null, null, List.of("r1:200"));
    }
}
