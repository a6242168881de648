package dev.isthmus.tools.bench;

import dev.isthmus.core.buffer.Chunk;
import dev.isthmus.core.loop.FlushBatch;
import dev.isthmus.core.timer.Timer;
import dev.isthmus.core.tls.TlsConnection;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.ConnectionHandler;
import dev.isthmus.core.transport.OutboundChunks;
import dev.isthmus.protocol.mqtt.codec.ConnackPacket;
import dev.isthmus.protocol.mqtt.codec.ConnectPacket;
import dev.isthmus.protocol.mqtt.codec.Decoded;
import dev.isthmus.protocol.mqtt.codec.DisconnectPacket;
import dev.isthmus.protocol.mqtt.codec.FrameReader;
import dev.isthmus.protocol.mqtt.codec.FrameSink;
import dev.isthmus.protocol.mqtt.codec.MqttDecoder;
import dev.isthmus.protocol.mqtt.codec.MqttEncoder;
import dev.isthmus.protocol.mqtt.codec.MqttPacket;
import dev.isthmus.protocol.mqtt.codec.MqttProperties;
import dev.isthmus.protocol.mqtt.codec.MqttVersion;
import dev.isthmus.protocol.mqtt.codec.PacketType;
import dev.isthmus.protocol.mqtt.codec.PingreqPacket;
import dev.isthmus.protocol.mqtt.codec.PublishEncoder;
import dev.isthmus.protocol.mqtt.codec.PublishView;
import dev.isthmus.protocol.mqtt.codec.ReasonCode;
import dev.isthmus.protocol.mqtt.codec.SubackPacket;
import dev.isthmus.protocol.mqtt.codec.SubscribePacket;
import dev.isthmus.protocol.mqtt.codec.Subscription;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One benchmark client: connects, then (by mode) holds the connection, subscribes and counts
 * what arrives, or publishes on a fixed-rate schedule. Runs on its loop's thread only.
 *
 * <p>Publishing allocates nothing per message: the loop's {@link PublishEncoder} writes the
 * header straight into the outbound chunk, the payload is the run's one byte array, and the send
 * timestamp (epoch nanoseconds, big-endian) overwrites its first 8 bytes in the chunk.
 */
final class BenchClient implements ConnectionHandler, FrameSink, FlushBatch.Member {
    private static final int CONNECTING = 0;
    private static final int AWAIT_CONNACK = 1;
    private static final int AWAIT_SUBACK = 2;
    private static final int RUNNING = 3;
    private static final int CLOSED = 4;
    /** Messages a publisher writes before letting the loop do I/O (-I 0 or catching up). */
    private static final int BURST = 64;
    private static final long STAMP_WINDOW_NANOS = 3_600_000_000_000L;

    private final BenchLoop owner;
    private final BenchRun run;
    private final BenchConfig config;
    private final long seq;
    private final String clientId;
    /** The source address to bind (--ifaddr), or null. */
    private final InetSocketAddress localAddress;
    private final MqttVersion version;
    private final FrameReader reader = new FrameReader(FrameReader.PROTOCOL_MAX_PACKET_SIZE);
    private final List<String> topics;
    private final UnsafeBuffer topicBuffer;
    private final int topicLength;
    private final TopicTemplate.MessageTopic messageTopic;
    private final UnsafeBuffer payloadBuffer;

    private Connection connection;
    private final OutboundChunks out;
    private int state = CONNECTING;
    /** Set while this client waits in its loop's {@link FlushBatch}. */
    private boolean batched;
    boolean queued;

    private int inflight;
    private int maxInflight;
    private int nextPacketId;
    private long nextDue;
    private boolean finished;
    private boolean leaving;

    private final Timer publishTimer = new Timer() {
        @Override
        protected void onTimeout(long nowNanos) {
            pump(nowNanos);
        }
    };
    private final Timer pingTimer = new Timer() {
        @Override
        protected void onTimeout(long nowNanos) {
            ping(nowNanos);
        }
    };

    BenchClient(BenchLoop owner, long seq, String clientId, InetSocketAddress localAddress) {
        this.owner = owner;
        this.localAddress = localAddress;
        this.run = owner.run;
        this.config = run.config;
        this.seq = seq;
        this.clientId = clientId;
        this.version = config.codecVersion();
        this.out = new OutboundChunks(owner.loop);
        this.topics = new ArrayList<>();
        for (String t : config.topics()) {
            topics.add(new TopicTemplate(t).expandClient(seq, clientId, config.userName()));
        }
        if (config.mode() == BenchConfig.Mode.PUB) {
            String topic = topics.getFirst();
            if (new TopicTemplate(topic).perMessage()) {
                messageTopic = new TopicTemplate.MessageTopic(topic);
                topicBuffer = new UnsafeBuffer(messageTopic.buffer);
                topicLength = -1;
            } else {
                messageTopic = null;
                byte[] bytes = topic.getBytes(StandardCharsets.UTF_8);
                topicBuffer = new UnsafeBuffer(bytes);
                topicLength = bytes.length;
            }
            payloadBuffer = new UnsafeBuffer(config.payload());
        } else {
            messageTopic = null;
            topicBuffer = null;
            topicLength = 0;
            payloadBuffer = null;
        }
    }

    /** Starts connecting; on the loop thread. */
    void start() {
        owner.clients.add(this);
        connection = config.tls() == null
                ? owner.loop.io().connect(run.address, localAddress, config.connectTimeoutNanos(), this)
                : TlsConnection.connect(owner.loop, config.tls(), run.address, localAddress, config.connectTimeoutNanos(),
                        this);
        out.target(connection);
    }

    // ---- connection events

    @Override
    public void onConnected(Connection c) {
        state = AWAIT_CONNACK;
        writeConnect();
        owner.markDirty(this);
    }

    @Override
    public void onConnectFailed(Connection c, IOException cause) {
        fail("connect error - " + describe(cause));
    }

    @Override
    public void onRead(Connection c, Chunk data) {
        int result;
        try {
            result = reader.feed(data.view(), data.start(), data.readable(), this);
        } finally {
            data.release();
        }
        if (result < 0 && state != CLOSED) {
            fail("protocol error - " + reader.failure());
        }
    }

    @Override
    public void onReadEnd(Connection c) {
        fail(state == AWAIT_CONNACK ? "connect error - closed by the server" : "disconnected - closed by the server");
    }

    @Override
    public void onWritable(Connection c) {
        if (state == RUNNING && config.mode() == BenchConfig.Mode.PUB) {
            pump(owner.loop.now());
        }
    }

    @Override
    public void onError(Connection c, IOException cause) {
        fail((state <= AWAIT_CONNACK ? "connect error - " : "disconnected - ") + describe(cause));
    }

    private static String describe(IOException cause) {
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }

    private void fail(String why) {
        if (state == CLOSED) {
            return;
        }
        if (leaving) {
            // The end of the run: the broker closing after our DISCONNECT is no error.
            state = CLOSED;
            out.release();
            connection.close();
            reader.close();
            return;
        }
        int was = state;
        state = CLOSED;
        owner.loop.timers().cancel(publishTimer);
        owner.loop.timers().cancel(pingTimer);
        if (was <= AWAIT_CONNACK) {
            owner.count(BenchCounters.CONNECT_FAIL);
            if (config.mode() == BenchConfig.Mode.SUB) {
                owner.count(BenchCounters.SUB_FAIL);
            }
        }
        owner.count(BenchCounters.DISCONNECTED);
        run.clientError(seq, why);
        out.release();
        if (connection != null && connection.isOpen()) {
            connection.close();
        }
        reader.close();
    }

    // ---- packets in

    @Override
    public boolean frame(int fixedHeader, DirectBuffer buf, int offset, int length) {
        if (state == CLOSED) {
            return false;
        }
        switch (PacketType.of(fixedHeader)) {
            case PUBLISH -> onPublish(fixedHeader, buf, offset, length);
            case PUBACK -> onAck(fixedHeader, buf, offset, length);
            case PUBREC -> onPubrec(fixedHeader, buf, offset, length);
            case PUBREL -> onPubrel(fixedHeader, buf, offset, length);
            case PUBCOMP -> onAck(fixedHeader, buf, offset, length);
            case CONNACK -> onConnack(fixedHeader, buf, offset, length);
            case SUBACK -> onSuback(fixedHeader, buf, offset, length);
            case PINGRESP -> { }
            case DISCONNECT -> {
                Decoded<MqttPacket> d = MqttDecoder.decode(version, fixedHeader, buf, offset, length);
                String reason = d.packetOrNull() instanceof DisconnectPacket p ? p.reasonCode().toString() : "";
                fail("disconnected by the server " + reason);
                return false;
            }
            case null, default -> {
                fail("protocol error - unexpected packet type " + (fixedHeader >>> 4));
                return false;
            }
        }
        return state != CLOSED;
    }

    private void onConnack(int fixedHeader, DirectBuffer buf, int offset, int length) {
        Decoded<MqttPacket> d = MqttDecoder.decode(version, fixedHeader, buf, offset, length);
        if (!(d.packetOrNull() instanceof ConnackPacket connack)) {
            fail("connect error - malformed CONNACK");
            return;
        }
        if (connack.reasonCode() != ReasonCode.SUCCESS) {
            fail("connect error - " + connack.reasonCode());
            return;
        }
        owner.count(BenchCounters.CONNECT_SUCC);
        int receiveMaximum = version == MqttVersion.V5 ? connack.properties().receiveMaximum() : -1;
        int limit = receiveMaximum > 0 ? receiveMaximum : 65535;
        maxInflight = config.inflight() == 0 ? limit : Math.min(config.inflight(), limit);
        long now = owner.loop.now();
        if (config.keepAlive() > 0) {
            owner.loop.timers().schedule(pingTimer, now + config.keepAlive() * 1_000_000_000L);
        }
        switch (config.mode()) {
            case CONN -> state = RUNNING;
            case SUB -> {
                state = AWAIT_SUBACK;
                List<Subscription> subscriptions = new ArrayList<>();
                for (String t : topics) {
                    subscriptions.add(Subscription.of(t, config.qos()));
                }
                writePacket(new SubscribePacket(1, subscriptions, MqttProperties.EMPTY));
            }
            case PUB -> {
                state = RUNNING;
                out.preferLargeChunks(true);
                nextDue = now;
                pump(now);
            }
        }
    }

    private void onSuback(int fixedHeader, DirectBuffer buf, int offset, int length) {
        Decoded<MqttPacket> d = MqttDecoder.decode(version, fixedHeader, buf, offset, length);
        if (!(d.packetOrNull() instanceof SubackPacket suback)) {
            fail("subscribe error - malformed SUBACK");
            return;
        }
        boolean ok = true;
        for (ReasonCode code : suback.reasonCodes()) {
            ok &= !code.isError();
        }
        if (ok) {
            owner.count(BenchCounters.SUB);
        } else {
            owner.count(BenchCounters.SUB_FAIL);
            run.clientError(seq, "subscribe error - " + suback.reasonCodes());
        }
        state = RUNNING;
    }

    private void onPublish(int fixedHeader, DirectBuffer buf, int offset, int length) {
        PublishView view = owner.publishView;
        if (view.wrap(version, fixedHeader, buf, offset, length) != ReasonCode.SUCCESS) {
            fail("protocol error - malformed PUBLISH");
            return;
        }
        owner.count(BenchCounters.RECV);
        if (view.payloadLength() >= 8) {
            long sent = view.buffer().getLong(view.payloadOffset(), ByteOrder.BIG_ENDIAN);
            long latency = run.epochNanos() - sent;
            if (latency > -STAMP_WINDOW_NANOS && latency < STAMP_WINDOW_NANOS) {
                owner.recordLatency(latency / 1000);
            }
        }
        if (view.qos() == 1) {
            writeAck(PacketType.PUBACK, view.packetId());
        } else if (view.qos() == 2) {
            writeAck(PacketType.PUBREC, view.packetId());
        }
    }

    private void onPubrec(int fixedHeader, DirectBuffer buf, int offset, int length) {
        if (owner.ackView.wrap(version, fixedHeader, buf, offset, length) != ReasonCode.SUCCESS) {
            fail("protocol error - malformed PUBREC");
            return;
        }
        if (owner.ackView.reasonCode().isError()) {
            completed(false);
            return;
        }
        writeAck(PacketType.PUBREL, owner.ackView.packetId());
    }

    private void onPubrel(int fixedHeader, DirectBuffer buf, int offset, int length) {
        if (owner.ackView.wrap(version, fixedHeader, buf, offset, length) != ReasonCode.SUCCESS) {
            fail("protocol error - malformed PUBREL");
            return;
        }
        writeAck(PacketType.PUBCOMP, owner.ackView.packetId());
    }

    /** PUBACK (QoS 1) or PUBCOMP (QoS 2): the message is done. */
    private void onAck(int fixedHeader, DirectBuffer buf, int offset, int length) {
        if (owner.ackView.wrap(version, fixedHeader, buf, offset, length) != ReasonCode.SUCCESS) {
            fail("protocol error - malformed acknowledgement");
            return;
        }
        completed(!owner.ackView.reasonCode().isError());
    }

    private void completed(boolean success) {
        owner.count(success ? BenchCounters.PUB_SUCC : BenchCounters.PUB_FAIL);
        if (inflight > 0) {
            inflight--;
        }
        if (state == RUNNING) {
            pump(owner.loop.now());
        }
    }

    // ---- publishing

    /**
     * Publishes what is due: on the fixed-rate schedule (-I), while the inflight window has room
     * and the connection takes writes; at most a burst at a time so the loop keeps reading.
     */
    void pump(long now) {
        if (state != RUNNING || finished || config.mode() != BenchConfig.Mode.PUB) {
            return;
        }
        long interval = config.messageIntervalNanos();
        int qos = config.qos();
        for (int burst = 0; ; burst++) {
            if (qos > 0 && inflight >= maxInflight) {
                return; // the next ack calls pump
            }
            if (connection.hasPendingWrites()) {
                return; // onWritable calls pump
            }
            if (interval > 0 && nextDue - now > 0) {
                owner.loop.timers().schedule(publishTimer, nextDue);
                return;
            }
            if (burst == BURST) {
                owner.continueLater(this);
                return;
            }
            if (!run.claimMessage()) {
                finished = true;
                return;
            }
            if (!publishOne()) {
                owner.continueLater(this); // out of buffer memory: try again after the flush
                return;
            }
            if (interval > 0) {
                nextDue += interval;
                if (nextDue - now < 0) {
                    owner.count(BenchCounters.PUB_OVERRUN);
                }
            }
        }
    }

    private boolean publishOne() {
        PublishEncoder encoder = owner.encoder;
        encoder.reset(version).qos(config.qos()).retain(config.retain());
        if (messageTopic != null) {
            messageTopic.set(run.messageSeq.incrementAndGet());
            encoder.topic(topicBuffer, 0, messageTopic.length);
        } else {
            encoder.topic(topicBuffer, 0, topicLength);
        }
        if (config.qos() > 0) {
            nextPacketId = nextPacketId == 0xFFFF ? 1 : nextPacketId + 1;
            encoder.packetId(nextPacketId);
        }
        byte[] payload = config.payload();
        encoder.payload(payloadBuffer, 0, payload.length);
        int headerLength = encoder.headerLength();
        int total = headerLength + payload.length;
        boolean stamp = config.stampPayload();
        if (total <= owner.loop.chunks().chunkBytes()) {
            MutableDirectBuffer b = out.reserve(total);
            if (b == null) {
                return false;
            }
            int p = out.position();
            encoder.encodeHeader(b, p);
            b.putBytes(p + headerLength, payload, 0, payload.length);
            if (stamp) {
                b.putLong(p + headerLength, run.epochNanos(), ByteOrder.BIG_ENDIAN);
            }
            out.advance(total);
        } else {
            MutableDirectBuffer b = out.reserve(headerLength + 8);
            if (b == null) {
                return false;
            }
            int p = out.position();
            encoder.encodeHeader(b, p);
            out.advance(headerLength);
            int from = 0;
            if (stamp) {
                b.putLong(p + headerLength, run.epochNanos(), ByteOrder.BIG_ENDIAN);
                out.advance(8);
                from = 8;
            }
            if (!out.append(payload, from, payload.length - from)) {
                fail("out of buffer memory");
                return false;
            }
        }
        owner.count(BenchCounters.PUB);
        if (config.qos() > 0) {
            inflight++;
        }
        owner.markDirty(this);
        return true;
    }

    // ---- other packets out

    private void writeConnect() {
        byte[] password = config.password() == null ? null : config.password().getBytes(StandardCharsets.UTF_8);
        if (config.versionFlag() == 3) {
            writeConnect31(password);
            return;
        }
        MqttProperties properties = MqttProperties.EMPTY;
        if (version == MqttVersion.V5 && config.sessionExpiry() > 0) {
            properties = MqttProperties.builder().sessionExpiryInterval(config.sessionExpiry()).build();
        }
        writePacket(new ConnectPacket(version, config.clean(), config.keepAlive(), clientId, null, config.userName(),
                password, properties));
    }

    /** MQTT 3.1 CONNECT (protocol name MQIsdp, level 3), which the codec only recognises. */
    private void writeConnect31(byte[] password) {
        byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        byte[] user = config.userName() == null ? null : config.userName().getBytes(StandardCharsets.UTF_8);
        int body = 2 + 6 + 1 + 1 + 2 + 2 + id.length + (user == null ? 0 : 2 + user.length)
                + (password == null || user == null ? 0 : 2 + password.length);
        int total = 1 + vbiLength(body) + body;
        MutableDirectBuffer b = out.reserve(total);
        if (b == null) {
            fail("connect error - out of buffer memory");
            return;
        }
        int p = out.position();
        b.putByte(p++, (byte) 0x10);
        for (int v = body; ; ) {
            int digit = v & 0x7F;
            v >>>= 7;
            b.putByte(p++, (byte) (v > 0 ? digit | 0x80 : digit));
            if (v == 0) {
                break;
            }
        }
        p = putField(b, p, "MQIsdp".getBytes(StandardCharsets.US_ASCII));
        b.putByte(p++, (byte) 3);
        int flags = (config.clean() ? 0x02 : 0) | (user != null ? 0x80 : 0) | (user != null && password != null ? 0x40 : 0);
        b.putByte(p++, (byte) flags);
        b.putShort(p, (short) config.keepAlive(), ByteOrder.BIG_ENDIAN);
        p += 2;
        p = putField(b, p, id);
        if (user != null) {
            p = putField(b, p, user);
            if (password != null) {
                p = putField(b, p, password);
            }
        }
        out.advance(total);
    }

    private static int vbiLength(int v) {
        return v < 128 ? 1 : v < 16384 ? 2 : v < 2097152 ? 3 : 4;
    }

    private static int putField(MutableDirectBuffer b, int p, byte[] bytes) {
        b.putShort(p, (short) bytes.length, ByteOrder.BIG_ENDIAN);
        b.putBytes(p + 2, bytes);
        return p + 2 + bytes.length;
    }

    private void ping(long now) {
        if (state == CLOSED) {
            return;
        }
        writePacket(PingreqPacket.INSTANCE);
        owner.loop.timers().schedule(pingTimer, now + config.keepAlive() * 1_000_000_000L);
    }

    /** DISCONNECT at the end of the run, so the broker drops the session quietly (no will, no error). */
    void disconnect() {
        if (state == CLOSED || state == CONNECTING) {
            return;
        }
        if (state != AWAIT_CONNACK) {
            writePacket(DisconnectPacket.NORMAL);
        }
        finished = true;
        leaving = true;
        owner.loop.timers().cancel(publishTimer);
        owner.loop.timers().cancel(pingTimer);
    }

    private void writeAck(PacketType type, int packetId) {
        int length = MqttEncoder.ackLength(version, ReasonCode.SUCCESS, null);
        MutableDirectBuffer b = out.reserve(length);
        if (b == null) {
            fail("out of buffer memory");
            return;
        }
        MqttEncoder.encodeAck(version, type, packetId, ReasonCode.SUCCESS, b, out.position());
        out.advance(length);
        owner.markDirty(this);
    }

    private void writePacket(MqttPacket packet) {
        int length = MqttEncoder.encodedLength(version, packet);
        MutableDirectBuffer b = out.reserve(length);
        if (b == null) {
            fail("out of buffer memory");
            return;
        }
        MqttEncoder.encode(version, packet, b, out.position());
        out.advance(length);
        owner.markDirty(this);
    }

    @Override
    public boolean batched() {
        return batched;
    }

    @Override
    public void batched(boolean batched) {
        this.batched = batched;
    }

    /** Sends what was written since the last flush; once per loop iteration, through the {@link FlushBatch}. */
    @Override
    public void flushBatched() {
        out.flush();
    }
}
