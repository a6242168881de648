package dev.isthmus.tools;

import org.junit.jupiter.api.Test;

import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OneLineLogFormatTest {
    private final OneLineLogFormat format = new OneLineLogFormat();

    @Test
    void oneLineWithTimeLevelShortNameAndMessage() {
        LogRecord record = new LogRecord(Level.INFO, "listening on {0}");
        record.setLoggerName("dev.isthmus.tools.Gateway");
        record.setParameters(new Object[] {"0.0.0.0:8080"});
        String line = format.format(record);
        assertTrue(line.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) "
                + "INFO  Gateway: listening on 0\\.0\\.0\\.0:8080\\R"), line);
    }

    @Test
    void stackTraceFollowsTheLine() {
        LogRecord record = new LogRecord(Level.SEVERE, "loop failed");
        record.setLoggerName("EventLoop");
        record.setThrown(new IllegalStateException("boom"));
        String[] lines = format.format(record).split("\\R");
        assertTrue(lines[0].endsWith(" ERROR EventLoop: loop failed"), lines[0]);
        assertEquals("java.lang.IllegalStateException: boom", lines[1]);
    }

    @Test
    void levelsAreNamedAsSystemLoggerNamesThem() {
        assertEquals("ERROR", OneLineLogFormat.levelName(Level.SEVERE));
        assertEquals("WARN", OneLineLogFormat.levelName(Level.WARNING));
        assertEquals("INFO", OneLineLogFormat.levelName(Level.INFO));
        assertEquals("DEBUG", OneLineLogFormat.levelName(Level.FINE));
        assertEquals("TRACE", OneLineLogFormat.levelName(Level.FINER));
    }
}
