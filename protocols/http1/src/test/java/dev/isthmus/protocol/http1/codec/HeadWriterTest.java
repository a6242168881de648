package dev.isthmus.protocol.http1.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** HeadWriter writes what it is given, tracks its position and never passes its limit. */
class HeadWriterTest {
    private static final byte GUARD = (byte) 0xEE;
    private static final int OFFSET = 4;

    private final UnsafeBuffer buf = Wire.direct(64);
    private final HeadWriter writer = new HeadWriter();

    private String written() {
        return Wire.text(buf, OFFSET, writer.length());
    }

    @Test
    void writesAHead() {
        buf.setMemory(0, buf.capacity(), GUARD);
        writer.wrap(buf, OFFSET, 40);
        UnsafeBuffer source = new UnsafeBuffer(Wire.bytes("xxHTTP/1.1yy"));
        assertTrue(writer.put(source, 2, 8));
        assertTrue(writer.putByte((byte) ' '));
        assertTrue(writer.putDecimal(200));
        assertTrue(writer.putCrlf());
        assertTrue(writer.put(Wire.bytes("Content-Length: ")));
        assertTrue(writer.putDecimal(0));
        assertTrue(writer.putCrlf());
        assertEquals("HTTP/1.1 200\r\nContent-Length: 0\r\n", written());
        assertEquals(OFFSET + 33, writer.position());
        assertEquals(33, writer.length());
        assertEquals(7, writer.remaining());
        assertFalse(writer.overflowed());
        assertEquals(GUARD, buf.getByte(OFFSET - 1));
        assertEquals(GUARD, buf.getByte(writer.position()));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 7, 10, 99, 100, 65535, -1, -10, 1234567890123L, Long.MAX_VALUE, Long.MIN_VALUE,
            Long.MIN_VALUE + 1, (1L << 62) - 1})
    void decimalsMatchLongToString(long value) {
        writer.wrap(buf, OFFSET, 30);
        assertTrue(writer.putDecimal(value));
        assertEquals(Long.toString(value), written());
    }

    @Test
    void putThatDoesNotFitWritesNothingAndStaysOverflowed() {
        buf.setMemory(0, buf.capacity(), GUARD);
        writer.wrap(buf, OFFSET, 5);
        assertTrue(writer.put(Wire.bytes("abc")));
        assertFalse(writer.put(Wire.bytes("def")));
        assertTrue(writer.overflowed());
        assertEquals("abc", written());
        assertEquals(GUARD, buf.getByte(OFFSET + 3));
        assertFalse(writer.putByte((byte) 'x'));
        assertFalse(writer.putCrlf());
        assertFalse(writer.putDecimal(1));
        assertFalse(writer.put(new UnsafeBuffer(new byte[1]), 0, 1));
        assertEquals(3, writer.length());
        assertEquals(2, writer.remaining());
        for (int i = OFFSET + 3; i < buf.capacity(); i++) {
            assertEquals(GUARD, buf.getByte(i));
        }
    }

    @Test
    void decimalThatDoesNotFitWritesNothing() {
        buf.setMemory(0, buf.capacity(), GUARD);
        writer.wrap(buf, OFFSET, 3);
        assertFalse(writer.putDecimal(1000));
        assertEquals(0, writer.length());
        assertEquals(GUARD, buf.getByte(OFFSET));
        writer.wrap(buf, OFFSET, 3);
        assertFalse(writer.putDecimal(-100));
        assertTrue(writer.overflowed());
    }

    @Test
    void exactFitIsNotAnOverflow() {
        writer.wrap(buf, OFFSET, 4);
        assertTrue(writer.put(Wire.bytes("ab")));
        assertTrue(writer.putCrlf());
        assertEquals(0, writer.remaining());
        assertFalse(writer.overflowed());
    }

    @Test
    void wrapClearsTheOverflow() {
        writer.wrap(buf, OFFSET, 1);
        assertFalse(writer.putCrlf());
        writer.wrap(buf, OFFSET, 2);
        assertFalse(writer.overflowed());
        assertTrue(writer.putCrlf());
    }

    @Test
    void regionOutsideTheBufferIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> writer.wrap(buf, 60, 8));
        assertThrows(IllegalArgumentException.class, () -> writer.wrap(buf, -1, 8));
        assertThrows(IllegalArgumentException.class, () -> writer.wrap(buf, 0, -1));
    }
}
