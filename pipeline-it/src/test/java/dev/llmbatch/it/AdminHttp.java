package dev.llmbatch.it;

import dev.llmbatch.worker.Worker;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** GETs on a worker's admin HTTP server ({@code /metrics}, {@code /status.json}, {@code /health/...}). */
final class AdminHttp {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private AdminHttp() {
    }

    static HttpResponse<String> send(Worker w, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + w.adminPort() + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The body of {@code path}. */
    static String get(Worker w, String path) throws IOException, InterruptedException {
        return send(w, path).body();
    }

    /** The HTTP status of {@code path}. */
    static int status(Worker w, String path) throws IOException, InterruptedException {
        return send(w, path).statusCode();
    }
}
