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
    void logback_formatJson_jsonEncoder() throws JoranException {
        OutputStreamAppender<?> a = rootAppender("json");
        assertThat(a.getName()).isEqualTo("json");
        assertThat(a.getEncoder()).isInstanceOf(JsonEncoder.class);
    }
}
