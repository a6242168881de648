package dev.isthmus.protocol.mqtt;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.OutboundChunks;
import dev.isthmus.protocol.mqtt.codec.MqttEncoder;
import dev.isthmus.protocol.mqtt.codec.MqttPacket;
import dev.isthmus.protocol.mqtt.codec.MqttVersion;
import dev.isthmus.protocol.mqtt.codec.PacketType;
import dev.isthmus.protocol.mqtt.codec.ReasonCode;

/**
 * Bytes on their way to one connection of the proxy, in whole packets, so that packets the proxy
 * writes itself (an acknowledgement, a SUBACK) fall between the packets it forwards. The chunks
 * are core's {@link OutboundChunks}; this adds the MQTT shapes and counts the bytes for the
 * metrics.
 */
final class ProxyOutbox {
    private final OutboundChunks out;
    private final UnsafeBuffer wrapper = new UnsafeBuffer(0, 0);
    /** Bytes appended since the last {@link #takeCount()}. */
    private long appended;

    ProxyOutbox(EventLoop loop) {
        this.out = new OutboundChunks(loop);
    }

    void target(Connection connection) {
        out.target(connection);
    }

    /** Copies {@code length} bytes, over as many chunks as they take. False when the pool ran dry. */
    boolean copy(DirectBuffer source, int offset, int length) {
        long before = out.written();
        boolean copied = out.append(source, offset, length);
        appended += out.written() - before;
        return copied;
    }

    /** A whole packet as it was read: its fixed header byte, the remaining length, the body. */
    boolean packet(int fixedHeader, DirectBuffer body, int offset, int length) {
        int header = 1 + MqttEncoder.remainingLengthBytes(length);
        MutableDirectBuffer buf = out.reserve(header);
        if (buf == null) {
            return false;
        }
        int p = out.position();
        buf.putByte(p, (byte) fixedHeader);
        MqttEncoder.putRemainingLength(buf, p + 1, length);
        advance(header);
        return copy(body, offset, length);
    }

    boolean encode(MqttVersion version, MqttPacket packet) {
        int length = MqttEncoder.encodedLength(version, packet);
        MutableDirectBuffer buf = out.reserve(length);
        if (buf == null) {
            return false;
        }
        MqttEncoder.encode(version, packet, buf, out.position());
        advance(length);
        return true;
    }

    boolean ack(MqttVersion version, PacketType type, int packetId, ReasonCode reason) {
        int length = MqttEncoder.ackLength(version, reason, null);
        MutableDirectBuffer buf = out.reserve(length);
        if (buf == null) {
            return false;
        }
        MqttEncoder.encodeAck(version, type, packetId, reason, buf, out.position());
        advance(length);
        return true;
    }

    /** Raw bytes (a PROXY protocol header, a CONNECT as it was received). */
    boolean bytes(byte[] bytes) {
        wrapper.wrap(bytes);
        return copy(wrapper, 0, bytes.length);
    }

    private void advance(int bytes) {
        out.advance(bytes);
        appended += bytes;
    }

    /** Queues what was written on the connection. */
    void push() {
        out.push();
    }

    /** Whether nothing was written since the last flush. */
    boolean isEmpty() {
        return out.written() == 0;
    }

    /** Queues and sends; the connection's {@link Connection#flush()} result. */
    boolean flush() {
        return out.flush();
    }

    long takeCount() {
        long n = appended;
        appended = 0;
        return n;
    }

    void release() {
        out.release();
    }
}
