package dev.llmbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.joran.spi.JoranException;
import dev.llmbatch.core.log.Mdc;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** bin/pipeline's logging: text with the date by default, logback's JSON encoder with PIPELINE_LOG_FORMAT=json. */
class LogFormatTest {

    private static OutputStreamAppender<?> rootAppender(String format) throws JoranException {
        LoggerContext ctx = new LoggerContext();
        if (format != null) {
            ctx.putProperty("PIPELINE_LOG_FORMAT", format);
        }
        JoranConfigurator c = new JoranConfigurator();
        c.setContext(ctx);
        c.doConfigure(LogFormatTest.class.getResource("/logback.xml"));
        List<Appender<?>> appenders = new ArrayList<>();
        ctx.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders().forEachRemaining(appenders::add);
        assertThat(appenders).hasSize(1);
        return (OutputStreamAppender<?>) appenders.get(0);
    }

    @Test
    void logback_noFormat_textWithDate() throws JoranException {
        OutputStreamAppender<?> a = rootAppender(null);
        assertThat(a.getName()).isEqualTo("text");
        assertThat(((PatternLayoutEncoder) a.getEncoder()).getPattern()).startsWith("%d{yyyy-MM-dd HH:mm:ss.SSS}");
    }

    @Test
    void jsonEncoder_eventInMdcScope_writesJobRegionDeployment() throws JoranException {
        OutputStreamAppender<?> a = rootAppender("json");
        // The running context (not the test's own), whose MDC adapter is the one Mdc writes to.
        LoggerContext ctx = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
        String json;
        try (Mdc.Scope s = Mdc.call("rev-000001", "swedencentral", "gpt-4o-mini")) {
            var event = new ch.qos.logback.classic.spi.LoggingEvent(LogFormatTest.class.getName(),
                    ctx.getLogger("dev.llmbatch.worker"), ch.qos.logback.classic.Level.WARN, "retrying", null, null);
            json = new String(((JsonEncoder) a.getEncoder()).encode(event), StandardCharsets.UTF_8);
        }
        assertThat(json).contains("\"job_id\":\"rev-000001\"", "\"region\":\"swedencentral\"",
                "\"deployment\":\"gpt-4o-mini\"", "\"message\":\"retrying\"");
    }

    @Test
    void logback_formatJson_jsonEncoder() throws JoranException {
        OutputStreamAppender<?> a = rootAppender("json");
        assertThat(a.getName()).isEqualTo("json");
        assertThat(a.getEncoder()).isInstanceOf(JsonEncoder.class);
    }
}
