package dev.llmbatch.simulator;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Base of the simulator's HTTP tests: one blocking client ({@link TestHttp}) per test class. */
abstract class HttpClientTest {
    static TestHttp http;

    @BeforeAll
    static void client() {
        http = new TestHttp();
    }

    @AfterAll
    static void closeClient() {
        http.close();
    }
}
