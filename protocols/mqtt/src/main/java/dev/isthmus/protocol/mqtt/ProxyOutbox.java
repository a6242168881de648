package dev.isthmus.protocol.mqtt;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import dev.isthmus.core.buffer.Chunk;
import dev.isthmus.core.buffer.ChunkPool;
import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.protocol.mqtt.codec.MqttEncoder;
import dev.isthmus.protocol.mqtt.codec.MqttPacket;
import dev.isthmus.protocol.mqtt.codec.MqttVersion;
import dev.isthmus.protocol.mqtt.codec.PacketType;
import dev.isthmus.protocol.mqtt.codec.ReasonCode;

/**
 * Bytes on their way to one connection of the proxy, appended to a chunk of the loop's pool and
 * queued on the connection when full or flushed. Whole packets only, so that packets the proxy
 * writes itself (an acknowledgement, a SUBACK) fall between the packets it forwards.
 */
final class ProxyOutbox {
    private final EventLoop loop;
    private Connection target;
    private Chunk out;
    /** Bytes appended since the last {@link #takeCount()}. */
    private long appended;

    ProxyOutbox(EventLoop loop) {
        this.loop = loop;
    }

    void target(Connection connection) {
        this.target = connection;
    }

    /** Room for {@code bytes} contiguous bytes at {@link #position()}, or null when the pool is out of chunks. */
    private MutableDirectBuffer reserve(int bytes) {
        if (out != null && out.capacity() - out.end() >= bytes) {
            return out.view();
        }
        push();
        ChunkPool small = loop.smallChunks();
        ChunkPool pool = bytes <= small.chunkBytes() ? small : loop.chunks();
        if (bytes > pool.chunkBytes()) {
            return null;
        }
        out = pool.acquire();
        if (out == null) {
            return null;
        }
        out.window(0, 0);
        return out.view();
    }

    private int position() {
        return out.end();
    }

    private void advance(int bytes) {
        out.window(out.start(), out.end() + bytes);
        appended += bytes;
    }

    /** Copies {@code length} bytes, over as many chunks as they take. False when the pool ran dry. */
    boolean copy(DirectBuffer source, int offset, int length) {
        int at = offset;
        int end = offset + length;
        while (at < end) {
            if (out == null || out.capacity() == out.end()) {
                push();
                out = loop.chunks().acquire();
                if (out == null) {
                    return false;
                }
                out.window(0, 0);
            }
            int n = Math.min(end - at, out.capacity() - out.end());
            out.view().putBytes(out.end(), source, at, n);
            advance(n);
            at += n;
        }
        return true;
    }

    /** A whole packet as it was read: its fixed header byte, the remaining length, the body. */
    boolean packet(int fixedHeader, DirectBuffer body, int offset, int length) {
        int header = 1 + vbiLength(length);
        MutableDirectBuffer buf = reserve(header);
        if (buf == null) {
            return false;
        }
        int p = position();
        buf.putByte(p, (byte) fixedHeader);
        putVbi(buf, p + 1, length);
        advance(header);
        return copy(body, offset, length);
    }

    boolean encode(MqttVersion version, MqttPacket packet) {
        int length = MqttEncoder.encodedLength(version, packet);
        MutableDirectBuffer buf = reserve(length);
        if (buf == null) {
            return false;
        }
        MqttEncoder.encode(version, packet, buf, position());
        advance(length);
        return true;
    }

    boolean ack(MqttVersion version, PacketType type, int packetId, ReasonCode reason) {
        int length = MqttEncoder.ackLength(version, reason, null);
        MutableDirectBuffer buf = reserve(length);
        if (buf == null) {
            return false;
        }
        MqttEncoder.encodeAck(version, type, packetId, reason, buf, position());
        advance(length);
        return true;
    }

    /** Raw bytes (a PROXY protocol header, a CONNECT as it was received). */
    boolean bytes(byte[] bytes) {
        return copy(new org.agrona.concurrent.UnsafeBuffer(bytes), 0, bytes.length);
    }

    /** Queues the current chunk on the connection. */
    void push() {
        if (out != null) {
            if (out.readable() > 0 && target != null && target.isOpen()) {
                target.write(out);
            } else {
                out.release();
            }
            out = null;
        }
    }

    boolean isEmpty() {
        return out == null || out.readable() == 0;
    }

    /** Queues and sends; the connection's {@link Connection#flush()} result. */
    boolean flush() {
        push();
        return target.flush();
    }

    long takeCount() {
        long n = appended;
        appended = 0;
        return n;
    }

    void release() {
        if (out != null) {
            out.release();
            out = null;
        }
    }

    static int vbiLength(int value) {
        return value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;
    }

    static int putVbi(MutableDirectBuffer buf, int index, int value) {
        int p = index;
        do {
            int b = value & 0x7F;
            value >>>= 7;
            buf.putByte(p++, (byte) (value > 0 ? b | 0x80 : b));
        } while (value > 0);
        return p - index;
    }
}
