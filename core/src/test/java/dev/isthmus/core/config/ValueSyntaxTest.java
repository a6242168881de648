package dev.isthmus.core.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ValueSyntaxTest {
    @Test
    void durationsInEveryUnit() {
        assertEquals(Duration.ofMillis(500), ValueSyntax.parseDuration("500ms"));
        assertEquals(Duration.ofSeconds(10), ValueSyntax.parseDuration("10s"));
        assertEquals(Duration.ofMinutes(2), ValueSyntax.parseDuration("2m"));
        assertEquals(Duration.ofHours(1), ValueSyntax.parseDuration("1h"));
        assertEquals(Duration.ZERO, ValueSyntax.parseDuration("0s"));
        assertEquals(Duration.ofSeconds(7), ValueSyntax.parseDuration("007s"));
    }

    @Test
    void bareNumberIsAmbiguous() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ValueSyntax.parseDuration("10"));
        assertEquals("duration '10' has no unit; write one, like 500ms, 10s, 2m or 1h", e.getMessage());
    }

    @Test
    void durationsThatAreRejected() {
        for (String bad : new String[] {"", "s", "-1s", "+1s", "1.5s", "10 s", " 10s", "10S", "10sec", "1d", "1h30m", "ms"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ValueSyntax.parseDuration(bad), bad);
            assertTrue(e.getMessage().contains("like 500ms, 10s, 2m or 1h"), e.getMessage());
        }
    }

    @Test
    void durationOverflowIsReported() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ValueSyntax.parseDuration("99999999999999999999h"));
        assertEquals("duration '99999999999999999999h' is too large", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ValueSyntax.parseDuration("9223372036854775807h"));
    }

    @Test
    void sizesWithBinaryUnits() {
        assertEquals(1024, ValueSyntax.parseSize("1024"));
        assertEquals(0, ValueSyntax.parseSize("0"));
        assertEquals(16 * 1024, ValueSyntax.parseSize("16k"));
        assertEquals(16 * 1024, ValueSyntax.parseSize("16K"));
        assertEquals(64L << 20, ValueSyntax.parseSize("64m"));
        assertEquals(1L << 30, ValueSyntax.parseSize("1g"));
        assertEquals(3L << 30, ValueSyntax.parseSize("3G"));
    }

    @Test
    void sizesThatAreRejected() {
        for (String bad : new String[] {"", "k", "-1", "1.5m", "16kb", "16 k", "16KiB", "1t", "0x10"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ValueSyntax.parseSize(bad), bad);
            assertTrue(e.getMessage().contains("k, m or g"), e.getMessage());
        }
    }

    @Test
    void sizesThatMayBeOff() {
        assertEquals(0, ValueSyntax.parseSizeOrOff("off"));
        assertEquals(0, ValueSyntax.parseSizeOrOff("Off"));
        assertEquals(0, ValueSyntax.parseSizeOrOff("0"));
        assertEquals(256 * 1024, ValueSyntax.parseSizeOrOff("256k"));
        assertEquals("'of' is not a size; write bytes, or a whole number with k, m or g (binary: 16k = 16384 bytes), "
                + "or off", assertThrows(IllegalArgumentException.class, () -> ValueSyntax.parseSizeOrOff("of"))
                .getMessage());
        assertEquals("size '8589934592g' is too large",
                assertThrows(IllegalArgumentException.class, () -> ValueSyntax.parseSizeOrOff("8589934592g")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> ValueSyntax.parseSize("off"));
        for (String text : new String[] {"off", "1", "64k", "1m"}) {
            assertEquals(text, ValueSyntax.formatSizeOrOff(ValueSyntax.parseSizeOrOff(text)));
        }
    }

    @Test
    void sizeOverflowIsReported() {
        assertEquals(8589934591L << 30, ValueSyntax.parseSize("8589934591g"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ValueSyntax.parseSize("8589934592g"));
        assertEquals("size '8589934592g' is too large", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ValueSyntax.parseSize("99999999999999999999"));
    }

    @Test
    void formatsReadBack() {
        for (String text : new String[] {"500ms", "1500ms", "10s", "90s", "2m", "1h", "25h", "0s"}) {
            assertEquals(text, ValueSyntax.formatDuration(ValueSyntax.parseDuration(text)));
        }
        assertEquals("1m", ValueSyntax.formatDuration(Duration.ofSeconds(60)));
        for (String text : new String[] {"0", "1000", "1k", "1025", "16k", "1536k", "64m", "1g", "3g"}) {
            assertEquals(text, ValueSyntax.formatSize(ValueSyntax.parseSize(text)));
        }
    }
}
