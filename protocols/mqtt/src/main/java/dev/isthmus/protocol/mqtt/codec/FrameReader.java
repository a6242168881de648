package dev.isthmus.protocol.mqtt.codec;

import java.nio.ByteBuffer;

import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Splits one connection's inbound byte stream into MQTT packets (MQTT 5.0 §2.1): a fixed header
 * byte, a remaining length of one to four bytes (a variable byte integer), and that many bytes of
 * body. One reader per connection; not thread-safe.
 *
 * <p>{@link #feed} takes bytes as they arrive, in chunks that may split a packet anywhere (even
 * inside the remaining length). A packet lying wholly inside the chunk is handed to the
 * {@link FrameSink} in place, without copying. A packet that spans chunks is assembled in an
 * off-heap buffer owned by the reader, allocated the first time one is needed and grown to the
 * largest such packet (never beyond the maximum packet size); {@link #close()} frees it. Nothing
 * is allocated per packet once that buffer is big enough.
 *
 * <p>Framing failures end the stream: a fifth length byte or a length in a longer form than
 * needed is {@link ReasonCode#MALFORMED_PACKET}; a packet whose total size (fixed header, length
 * and body) exceeds {@link #maxPacketSize()} is {@link ReasonCode#PACKET_TOO_LARGE}, detected as
 * soon as the length is read, before any of the body arrives. After a failure every feed returns
 * it again. The fixed header's type and flags are the decoders' business, not the reader's.
 *
 * <p>The sink can stop the feed after any packet (to switch the connection to raw pass-through
 * after CONNECT, or to stop reading under back-pressure); {@link #feed} then returns the bytes
 * consumed up to the end of that packet, and the caller keeps or forwards the rest itself.
 */
public final class FrameReader implements AutoCloseable {
    /** Default limit on a packet's total size: 1 MiB, far above what IoT devices send. */
    public static final int DEFAULT_MAX_PACKET_SIZE = 1 << 20;
    /** The largest packet MQTT can express: 1 header byte, 4 length bytes, 268,435,455 body bytes. */
    public static final int PROTOCOL_MAX_PACKET_SIZE = 1 + 4 + MqttWire.MAX_VARIABLE_BYTE_INTEGER;

    /** Result of a feed that ended in a malformed remaining length. */
    public static final int MALFORMED_PACKET = -ReasonCode.MALFORMED_PACKET.value();
    /** Result of a feed that met a packet larger than the maximum packet size. */
    public static final int PACKET_TOO_LARGE = -ReasonCode.PACKET_TOO_LARGE.value();

    private static final int HEADER = 0;
    private static final int LENGTH = 1;
    private static final int BODY = 2;
    private static final int FAILED = 3;

    private static final int MIN_ASSEMBLY_CAPACITY = 512;

    private int maxPacketSize;
    private int state = HEADER;
    private int failure;
    private int fixedHeader;
    private int remainingLength;
    private int lengthBytes;
    private int bodyFilled;

    private ByteBuffer assemblyMemory;
    private final UnsafeBuffer assembly = new UnsafeBuffer(0, 0);

    /** A reader with {@link #DEFAULT_MAX_PACKET_SIZE}. */
    public FrameReader() {
        this(DEFAULT_MAX_PACKET_SIZE);
    }

    /** @param maxPacketSize total bytes a packet may have, 2..{@link #PROTOCOL_MAX_PACKET_SIZE} */
    public FrameReader(int maxPacketSize) {
        maxPacketSize(maxPacketSize);
    }

    public int maxPacketSize() {
        return maxPacketSize;
    }

    /**
     * Changes the limit, e.g. to the Maximum Packet Size a server announced in its CONNACK. It
     * applies from the next packet whose length has not been read yet.
     */
    public void maxPacketSize(int maxPacketSize) {
        if (maxPacketSize < 2 || maxPacketSize > PROTOCOL_MAX_PACKET_SIZE) {
            throw new IllegalArgumentException("maximum packet size " + maxPacketSize);
        }
        this.maxPacketSize = maxPacketSize;
    }

    /**
     * Consumes {@code length} bytes from {@code offset}, calling {@code sink} for each complete
     * packet.
     *
     * @return the bytes consumed: {@code length}, unless the sink stopped the feed (then up to the
     *         end of the packet it stopped at; a partial packet at the end of the bytes is always
     *         consumed, held by the reader); or {@link #MALFORMED_PACKET} or
     *         {@link #PACKET_TOO_LARGE}
     */
    public int feed(DirectBuffer buf, int offset, int length, FrameSink sink) {
        if (state == FAILED) {
            return failure;
        }
        int p = offset;
        int end = offset + length;
        while (p < end) {
            if (state == HEADER) {
                int header = buf.getByte(p) & 0xFF;
                // Fast path: the whole length is here; the body may be too.
                int value = 0;
                int i = 0;
                int b;
                do {
                    if (p + 1 + i >= end) {
                        // The length continues in the next chunk (fewer than four bytes so far,
                        // all with the continuation bit).
                        fixedHeader = header;
                        remainingLength = value;
                        lengthBytes = i;
                        state = LENGTH;
                        return end - offset;
                    }
                    b = buf.getByte(p + 1 + i) & 0xFF;
                    value |= (b & 0x7F) << (7 * i);
                    i++;
                } while ((b & 0x80) != 0 && i < 4);
                if (!lengthDone(header, value, i, b)) {
                    return failure;
                }
                int bodyStart = p + 1 + i;
                if (value <= end - bodyStart) {
                    p = bodyStart + value;
                    if (!sink.frame(header, buf, bodyStart, value)) {
                        return p - offset;
                    }
                } else {
                    startAssembly(header, value, i);
                    p = bodyStart;
                }
            } else if (state == LENGTH) {
                while (state == LENGTH && p < end) {
                    int b = buf.getByte(p++) & 0xFF;
                    remainingLength |= (b & 0x7F) << (7 * lengthBytes);
                    lengthBytes++;
                    if ((b & 0x80) == 0 || lengthBytes == 4) {
                        if (!lengthDone(fixedHeader, remainingLength, lengthBytes, b)) {
                            return failure;
                        }
                        startAssembly(fixedHeader, remainingLength, lengthBytes);
                    }
                }
                if (state == LENGTH) {
                    return p - offset;
                }
            } else {
                int n = Math.min(remainingLength - bodyFilled, end - p);
                assembly.putBytes(bodyFilled, buf, p, n);
                bodyFilled += n;
                p += n;
            }
            if (state == BODY && bodyFilled == remainingLength) {
                state = HEADER;
                if (!sink.frame(fixedHeader, assembly, 0, remainingLength)) {
                    return p - offset;
                }
            }
        }
        return p - offset;
    }

    /**
     * Checks a remaining length just read in {@code bytes} bytes, the last being {@code last}.
     * False (and the reader failed) if malformed or too large.
     */
    private boolean lengthDone(int header, int value, int bytes, int last) {
        if ((last & 0x80) != 0 || (bytes > 1 && last == 0)) {
            // A fifth byte would follow, or the last byte adds nothing: not the shortest form.
            return fail(MALFORMED_PACKET);
        }
        if ((long) 1 + bytes + value > maxPacketSize) {
            return fail(PACKET_TOO_LARGE);
        }
        return true;
    }

    private boolean fail(int code) {
        state = FAILED;
        failure = code;
        return false;
    }

    private void startAssembly(int header, int bodyLength, int bytes) {
        fixedHeader = header;
        remainingLength = bodyLength;
        lengthBytes = bytes;
        bodyFilled = 0;
        state = BODY;
        if (assembly.capacity() < bodyLength) {
            grow(bodyLength);
        }
    }

    private void grow(int needed) {
        int capacity = Math.max(MIN_ASSEMBLY_CAPACITY, assembly.capacity());
        while (capacity < needed) {
            capacity = capacity > Integer.MAX_VALUE / 2 ? needed : capacity * 2;
        }
        capacity = Math.max(needed, Math.min(capacity, maxPacketSize));
        release();
        assemblyMemory = ByteBuffer.allocateDirect(capacity);
        assembly.wrap(assemblyMemory);
    }

    private void release() {
        if (assemblyMemory != null) {
            assembly.wrap(0, 0);
            BufferUtil.free(assemblyMemory);
            assemblyMemory = null;
        }
    }

    /** Whether a packet has been started but not completed: bytes are held between feeds. */
    public boolean hasPartialPacket() {
        return state == LENGTH || state == BODY;
    }

    /** The failure that stopped the stream, or null. */
    public ReasonCode failure() {
        return state == FAILED ? MqttWire.reason(failure) : null;
    }

    /** Bytes of off-heap memory the reader holds for assembling packets. */
    public int assemblyCapacity() {
        return assembly.capacity();
    }

    /** Forgets any partial packet and failure, keeping the assembly buffer. */
    public void reset() {
        state = HEADER;
        failure = 0;
        bodyFilled = 0;
    }

    /** Frees the assembly buffer and resets; the reader may be used again and reallocates on demand. */
    @Override
    public void close() {
        reset();
        release();
    }
}
