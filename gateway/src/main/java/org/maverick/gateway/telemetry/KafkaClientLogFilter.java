package org.maverick.gateway.telemetry;

import io.quarkus.logging.LoggingFilter;
import org.jboss.logmanager.ExtLogRecord;

import java.util.logging.Filter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * Rate-limits the Kafka clients' own warnings: while a broker is away or a topic is missing, every
 * client repeats the same line on every reconnect, fetch or metadata refresh (a reply consumer on a
 * deleted topic wrote about 5,400 lines a second). Lines of {@code org.apache.kafka} (and the broker's
 * {@code kafka}) loggers at WARNING and above pass once per logger and message (digits ignored, so a
 * correlation id or port does not make a line new) per {@link RepeatedWarnings#INTERVAL}; the next one
 * after that carries the count of those dropped. Other loggers pass untouched.
 *
 * <p>Named in {@code quarkus.log.console.filter} (and {@code quarkus.log.file.filter} where a file log is on).
 */
@LoggingFilter(name = KafkaClientLogFilter.NAME)
public final class KafkaClientLogFilter implements Filter {

    public static final String NAME = "kafka-client-repeats";

    private final RepeatedWarnings repeats = new RepeatedWarnings();
    /**
     * The last record this thread judged, and the verdict: the console and the file handler each ask about
     * the same record, and the second must get the first's answer instead of counting it as a repeat.
     */
    private final ThreadLocal<Object[]> last = ThreadLocal.withInitial(() -> new Object[2]);

    @Override
    public boolean isLoggable(LogRecord record) {
        Object[] judged = last.get();
        if (judged[0] == record) {
            return (Boolean) judged[1];
        }
        boolean verdict = judge(record);
        judged[0] = record;
        judged[1] = verdict;
        return verdict;
    }

    private boolean judge(LogRecord record) {
        String logger = record.getLoggerName();
        if (logger == null || record.getLevel().intValue() < Level.WARNING.intValue()
                || !(logger.startsWith("org.apache.kafka") || logger.startsWith("kafka."))) {
            return true;
        }
        String text = record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage();
        String reason = logger + '|' + (text == null ? "" : text.replaceAll("[0-9]+", "#"));
        long[] count = new long[1];
        if (!repeats.due(reason, System.nanoTime(), n -> count[0] = n)) {
            return false;
        }
        if (count[0] > 0 && record instanceof ExtLogRecord ext) {
            // The record is formatted later by the handler: prefix the count to its pattern (no quote or
            // brace, so no format style reads it as markup).
            ext.setMessage("[" + count[0] + " more like this in the last " + RepeatedWarnings.INTERVAL.toSeconds()
                    + " s] " + ext.getMessage(), ext.getFormatStyle());
        }
        return true;
    }
}
