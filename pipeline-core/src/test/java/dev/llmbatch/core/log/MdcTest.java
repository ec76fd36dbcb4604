package dev.llmbatch.core.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

class MdcTest {

    @AfterEach
    void clear() {
        MDC.clear();
    }

    @Test
    void call_setsJobRegionDeployment_closeRemovesThem() {
        try (Mdc.Scope s = Mdc.call("r-1", "swedencentral", "gpt-4o-mini")) {
            assertThat(MDC.getCopyOfContextMap()).containsEntry("job_id", "r-1")
                    .containsEntry("region", "swedencentral").containsEntry("deployment", "gpt-4o-mini");
        }
        assertThat(MDC.getCopyOfContextMap()).isNullOrEmpty();
    }

    @Test
    void nestedScopes_innerCloseRestoresOuterValues() {
        try (Mdc.Scope outer = Mdc.deployment("eastus", "d1")) {
            try (Mdc.Scope inner = Mdc.call("r-2", "westeurope", "d2")) {
                assertThat(MDC.get("region")).isEqualTo("westeurope");
            }
            assertThat(MDC.get("region")).isEqualTo("eastus");
            assertThat(MDC.get("deployment")).isEqualTo("d1");
            assertThat(MDC.get("job_id")).isNull();
        }
        assertThat(MDC.get("region")).isNull();
    }

    @Test
    void nullValue_leavesKeyAsItIs() {
        MDC.put("region", "kept");
        try (Mdc.Scope s = Mdc.deployment(null, "d")) {
            assertThat(MDC.get("region")).isEqualTo("kept");
            assertThat(MDC.get("deployment")).isEqualTo("d");
        }
        assertThat(MDC.get("region")).isEqualTo("kept");
        assertThat(MDC.get("deployment")).isNull();
    }

    @Test
    void closeTwice_secondDoesNothing() {
        Mdc.Scope s = Mdc.job("r-3");
        s.close();
        MDC.put("job_id", "later");
        s.close();
        assertThat(MDC.get("job_id")).isEqualTo("later");
    }

    @Test
    void of_oddArguments_rejected() {
        assertThatThrownBy(() -> Mdc.of("region")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void logEvent_insideScope_carriesTheKeys() {
        Logger logger = (Logger) LoggerFactory.getLogger("mdc-test");
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
        events.start();
        logger.addAppender(events);
        try (Mdc.Scope s = Mdc.deployment("swedencentral", "gpt-4o-mini")) {
            logger.warn("inside");
        }
        logger.warn("outside");
        logger.detachAppender(events);
        assertThat(events.list.get(0).getMDCPropertyMap()).containsEntry("region", "swedencentral")
                .containsEntry("deployment", "gpt-4o-mini");
        assertThat(events.list.get(1).getMDCPropertyMap()).doesNotContainKey("region");
    }
}
