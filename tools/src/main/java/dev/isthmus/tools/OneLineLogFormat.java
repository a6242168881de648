package dev.isthmus.tools;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * java.util.logging format of one line per record, easy to grep and to read in a terminal:
 * {@code 2025-11-28T14:42:07.123+01:00 INFO  Gateway: message}. The level is named as
 * {@link System.Logger.Level} names it (a JUL {@code SEVERE} prints as {@code ERROR}), and the
 * logger by its last name segment. A stack trace, when there is one, follows on its own lines.
 */
final class OneLineLogFormat extends Formatter {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX");

    @Override
    public String format(LogRecord record) {
        String logger = record.getLoggerName() == null ? "-" : record.getLoggerName();
        StringBuilder line = new StringBuilder(128)
                .append(TIME.format(record.getInstant().atZone(ZoneId.systemDefault())))
                .append(' ')
                .append(String.format("%-5s", levelName(record.getLevel())))
                .append(' ')
                .append(logger, logger.lastIndexOf('.') + 1, logger.length())
                .append(": ")
                .append(formatMessage(record))
                .append(System.lineSeparator());
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace));
            line.append(trace);
        }
        return line.toString();
    }

    /** System.Logger's names for the JUL levels it maps onto. */
    static String levelName(Level level) {
        int value = level.intValue();
        if (value >= Level.SEVERE.intValue()) {
            return "ERROR";
        }
        if (value >= Level.WARNING.intValue()) {
            return "WARN";
        }
        if (value >= Level.INFO.intValue()) {
            return "INFO";
        }
        if (value >= Level.FINE.intValue()) {
            return "DEBUG";
        }
        return "TRACE";
    }
}
