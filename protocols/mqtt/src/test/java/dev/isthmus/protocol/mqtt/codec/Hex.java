package dev.isthmus.protocol.mqtt.codec;

import java.nio.ByteBuffer;
import java.util.HexFormat;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/** Bytes for tests: hex with optional spaces and 'text' runs, and exact-fit off-heap buffers. */
final class Hex {
    private Hex() {
    }

    /** Parses hex pairs; a run in single quotes is taken as ASCII text: {@code "00 04 'MQTT' 04"}. */
    static byte[] bytes(String spec) {
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < spec.length(); i++) {
            char c = spec.charAt(i);
            if (c == '\'') {
                int close = spec.indexOf('\'', i + 1);
                for (char t : spec.substring(i + 1, close).toCharArray()) {
                    hex.append(String.format("%02x", (int) t));
                }
                i = close;
            } else if (!Character.isWhitespace(c)) {
                hex.append(c);
            }
        }
        return HexFormat.of().parseHex(hex);
    }

    static String of(byte[] bytes) {
        return HexFormat.ofDelimiter(" ").formatHex(bytes);
    }

    static String of(DirectBuffer buf, int offset, int length) {
        return of(copy(buf, offset, length));
    }

    static byte[] copy(DirectBuffer buf, int offset, int length) {
        byte[] out = new byte[length];
        buf.getBytes(offset, out);
        return out;
    }

    /** An off-heap buffer holding exactly these bytes: any read outside them throws. */
    static UnsafeBuffer exact(byte[] bytes) {
        UnsafeBuffer buf = new UnsafeBuffer(ByteBuffer.allocateDirect(Math.max(bytes.length, 1)), 0, bytes.length);
        buf.putBytes(0, bytes);
        return buf;
    }

    static UnsafeBuffer direct(int capacity) {
        return new UnsafeBuffer(ByteBuffer.allocateDirect(capacity));
    }
}
