package dev.isthmus.protocol.mqtt;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.LongArrayQueue;

import dev.isthmus.core.buffer.Chunk;
import dev.isthmus.core.buffer.ChunkWaiter;
import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.loop.FlushBatch;
import dev.isthmus.core.observe.RateLimitedLog;
import dev.isthmus.core.timer.Timer;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.ConnectionHandler;
import dev.isthmus.core.transport.OutboundChunks;
import dev.isthmus.protocol.mqtt.broker.SubscriptionOptions;
import dev.isthmus.protocol.mqtt.codec.AckView;
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
import dev.isthmus.protocol.mqtt.codec.PingrespPacket;
import dev.isthmus.protocol.mqtt.codec.PropertyId;
import dev.isthmus.protocol.mqtt.codec.PublishView;
import dev.isthmus.protocol.mqtt.codec.ReasonCode;
import dev.isthmus.protocol.mqtt.codec.SubackPacket;
import dev.isthmus.protocol.mqtt.codec.SubscribePacket;
import dev.isthmus.protocol.mqtt.codec.Subscription;
import dev.isthmus.protocol.mqtt.codec.UnsubackPacket;
import dev.isthmus.protocol.mqtt.codec.UnsubscribePacket;
import dev.isthmus.protocol.mqtt.codec.Will;

/**
 * One client connection of the embedded broker: reads its packets, answers them, and writes
 * what its session's subscriptions deliver. Runs on its loop's thread only.
 *
 * <p>Packets are read in place from the receive chunk (a PUBLISH is copied once, into the
 * {@link Message} the subscribers share); answers and deliveries are appended to one outbound
 * chunk and flushed once per loop iteration.
 */
final class MqttConnection extends Timer implements ConnectionHandler, FrameSink, FlushBatch.Member, ChunkWaiter {
    private static final System.Logger LOG = System.getLogger(MqttConnection.class.getName());
    private static final RateLimitedLog PROTOCOL_LOG = new RateLimitedLog(LOG, 10);
    /** Topic aliases a v5 client may use towards the broker (announced as Topic Alias Maximum). */
    static final int TOPIC_ALIAS_MAXIMUM = 64;
    /** Queued messages written per drain; see {@link #drainQueue}. */
    private static final int DRAIN_BATCH = 256;
    /** Batches one flush may drain before the loop's other connections get their turn. */
    private static final int MAX_DRAIN_BATCHES = 16;
    /** Bytes one client gets written per loop iteration before the rest waits in its queue; see {@link #backedUp}. */
    static final int OUTPUT_HIGH_WATER = 256 * 1024;

    private static final ReasonCode[] GRANTED = {
            ReasonCode.GRANTED_QOS_0, ReasonCode.GRANTED_QOS_1, ReasonCode.GRANTED_QOS_2};

    private static final int AWAIT_CONNECT = 0;
    /** CONNECT read; the session is being fetched from another loop. */
    private static final int ATTACHING = 1;
    private static final int CONNECTED = 2;
    private static final int CLOSED = 3;
    /** CONNECT read; the embedder's connect hook is deciding (maybe on a virtual thread). */
    private static final int HOOKING = 4;

    private final BrokerLoop part;
    private final BrokerHub hub;
    private final Connection connection;
    private final EventLoop loop;
    private final FrameReader reader;
    /** Made at the first PUBLISH and acknowledgement: an idle device never sends one (about 400 bytes less). */
    private PublishView publish;
    private AckView ack;

    private int state = AWAIT_CONNECT;
    private MqttVersion version = MqttVersion.V3_1_1;
    Session session;
    /** Set while this connection waits in its loop's {@link FlushBatch}. */
    private boolean batched;
    private final OutboundChunks output;
    /** Registered with the loop's chunk pool because a delivery found it exhausted. */
    private boolean awaitingChunks;

    private long keepAliveNanos;
    private long lastActivity;
    /** The v5 client's Receive Maximum: QoS 1 and 2 messages it takes in flight. */
    private int sendQuota;
    /** The v5 client's Maximum Packet Size; 0 = no limit. */
    private long clientMaxPacket;
    /** Topic names by alias (v5, client to broker), as UTF-8. */
    private byte[][] topicAliases;
    private final org.agrona.concurrent.UnsafeBuffer aliasTopic = new org.agrona.concurrent.UnsafeBuffer(0, 0);
    // ---- the PUBLISH being routed, while it is (see routedMessage)
    private DirectBuffer routedTopic;
    private int routedTopicOffset;
    private int routedTopicLength;
    private Message routedMessage;
    /** The topic of the last message copied out, reused while the publisher stays on it. */
    private byte[] lastTopic;
    /** Input not read yet: what came behind the CONNECT while attaching, or behind a publish that must wait. */
    private Chunk held;
    /** Waits for congested subscribers registered and not yet over; reading stops while there are any. */
    private int waits;
    private final Runnable endWaitTask = this::endWait;
    private final Runnable wakeTask = this::wake;
    private final Runnable drainTask = () -> {
        if (state == CONNECTED) {
            drainQueue();
        }
    };
    /** The embedder's per-connection state and what its hooks know of the client (null without hooks). */
    private Object hookContext;
    private MqttClientInfo clientInfo;
    private String endReason;
    /** Whether the will goes out when this connection ends (false after a normal DISCONNECT). */
    private boolean publishWill = true;

    /** Answers waiting for the session log (type, reason code, packet id, packed), oldest first; lazily made. */
    private LongArrayQueue heldAcks;
    /** How many of {@link #heldAcks} the pending durable wait covers. */
    private int heldAcksCovered;
    private boolean durableWaitPending;
    private Runnable releaseAcksTask;
    private static final PacketType[] PACKET_TYPES = PacketType.values();
    private static final ReasonCode[] REASON_CODES = ReasonCode.values();

    MqttConnection(BrokerLoop part, Connection connection) {
        this.part = part;
        this.hub = part.hub;
        this.connection = connection;
        this.loop = part.loop;
        this.reader = new FrameReader(hub.settings.maxPacketBytes());
        this.output = new OutboundChunks(loop);
        output.target(connection);
        if (hub.hooks != null) {
            hookContext = hub.hooks.newContext();
        }
        lastActivity = loop.now();
        keepAliveNanos = hub.settings.connectTimeout().toNanos();
        loop.timers().schedule(this, lastActivity + keepAliveNanos);
    }

    // ---- reading

    @Override
    public void onRead(Connection c, Chunk data) {
        if (state == CLOSED) {
            data.release();
            return;
        }
        lastActivity = loop.now();
        hub.metrics.bytesReceived.add(part.shard, data.readable());
        read(data);
    }

    /**
     * Reads the packets in {@code data}'s window. When reading stops before its end (the session
     * is still being attached, or a subscriber's backlog holds this publisher back), the rest
     * stays in the chunk, unread, and the socket is not read either until {@link #resumeHeld}.
     */
    private void read(Chunk data) {
        int start = data.start();
        int length = data.readable();
        boolean kept = false;
        try {
            int consumed = reader.feed(data.view(), start, length, this);
            if (reader.failure() != null) {
                protocolError(reader.failure(), "unreadable packet");
                return;
            }
            if (consumed < length && (state == ATTACHING || state == HOOKING || (state == CONNECTED && waits > 0))) {
                data.window(start + consumed, data.end());
                held = data;
                kept = true;
                connection.suspendRead();
            }
        } finally {
            if (!kept) {
                data.release();
            }
        }
    }

    /** Reads what was held back, then the socket again, unless reading has to stop once more. */
    private void resumeHeld() {
        Chunk rest = held;
        held = null;
        if (rest != null) {
            read(rest);
        }
        if (held == null && waits == 0 && state == CONNECTED) {
            connection.resumeRead();
        }
    }

    private void releaseHeld() {
        if (held != null) {
            held.release();
            held = null;
        }
    }

    /**
     * A wait this publisher registered ({@link BrokerLoop#holdBack}) is over. Any thread: the
     * rest runs on this connection's loop, after the event being handled, so that the session
     * that wakes it finishes draining first.
     */
    void wake() {
        loop.execute(endWaitTask);
    }

    /** {@link #wake} as a task, for another loop to run once it has taken what this publisher sent it. */
    Runnable wakeTask() {
        return wakeTask;
    }

    private void endWait() {
        assert loop.inLoop() : "a wait must end on the publisher's own loop";
        if (waits > 0 && --waits == 0 && state == CONNECTED) {
            resumeHeld();
        }
    }

    @Override
    public boolean frame(int fixedHeader, DirectBuffer buf, int offset, int length) {
        if (state == AWAIT_CONNECT) {
            if ((fixedHeader >>> 4) != PacketType.CONNECT.value()) {
                close("the first packet was not a CONNECT");
                return false;
            }
            connect(fixedHeader, buf, offset, length);
            return state == CONNECTED;
        }
        if (state != CONNECTED) {
            return false;
        }
        switch (fixedHeader >>> 4) {
            case 3 -> publish(fixedHeader, buf, offset, length);
            case 4, 5, 6, 7 -> acknowledgement(fixedHeader, buf, offset, length);
            case 8, 10, 12, 14, 15 -> control(fixedHeader, buf, offset, length);
            case 1 -> protocolError(ReasonCode.PROTOCOL_ERROR, "a second CONNECT");
            default -> protocolError(ReasonCode.PROTOCOL_ERROR, "a packet only a server sends");
        }
        return state == CONNECTED && waits == 0;
    }

    // ---- CONNECT

    private void connect(int fixedHeader, DirectBuffer buf, int offset, int length) {
        int level = MqttDecoder.protocolLevel(buf, offset, length);
        MqttVersion asked = MqttVersion.ofLevel(level);
        if (asked == null || !asked.supported()) {
            // 3.1.1 section 3.2.2.3: answer 0x01 in the 3.1.1 format, whatever the client speaks.
            version = MqttVersion.V3_1_1;
            refuse(ReasonCode.UNSUPPORTED_PROTOCOL_VERSION, "protocol level " + level);
            return;
        }
        version = asked;
        Decoded<ConnectPacket> decoded = MqttDecoder.decodeConnect(fixedHeader, buf, offset, length);
        if (!decoded.isOk()) {
            Decoded.Failure<ConnectPacket> failure = (Decoded.Failure<ConnectPacket>) decoded;
            refuse(failure.reason(), failure.detail());
            return;
        }
        ConnectPacket packet = decoded.packetOrNull();
        String clientId = packet.clientId();
        boolean assigned = false;
        if (clientId.isEmpty()) {
            if (version == MqttVersion.V3_1_1 && !packet.cleanStart()) {
                refuse(ReasonCode.CLIENT_IDENTIFIER_NOT_VALID, "an empty client id needs a clean session");
                return;
            }
            clientId = hub.assignClientId();
            assigned = true;
        }
        if (packet.userName() == null && !hub.settings.allowAnonymous()) {
            refuse(ReasonCode.NOT_AUTHORIZED, "anonymous clients are not allowed");
            return;
        }
        if (hub.hooks != null) {
            clientInfo = new MqttClientInfo(packet, connection.remoteAddress(), connection.localAddress(), part.shard,
                    java.util.List.of());
        }
        if (hub.phases != null && hub.phases.connect) {
            askConnectHook(packet, clientId, assigned);
            return;
        }
        admit(packet, clientId, assigned);
    }

    /** Runs the embedder's connect hook, on a virtual thread when it is {@code @Blocking}; reading waits. */
    private void askConnectHook(ConnectPacket packet, String clientId, boolean assigned) {
        state = HOOKING;
        connection.suspendRead();
        MqttHooks<Object> hooks = hub.hooks;
        MqttClientInfo who = clientInfo;
        Object ctx = hookContext;
        if (hub.phases.blockingConnect) {
            Thread.ofVirtual().name("isthmus-mqtt-connect").start(() -> {
                ConnectDecision decision;
                Throwable error = null;
                try {
                    decision = hooks.connect(who, ctx);
                } catch (Throwable t) {
                    decision = null;
                    error = t;
                }
                ConnectDecision d = decision;
                Throwable e = error;
                loop.execute(() -> afterConnectHook(d, e, packet, clientId, assigned));
            });
            return;
        }
        ConnectDecision decision = null;
        Throwable error = null;
        try {
            decision = hooks.connect(who, ctx);
        } catch (Exception e) {
            error = e;
        }
        afterConnectHook(decision, error, packet, clientId, assigned);
    }

    private void afterConnectHook(ConnectDecision decision, Throwable error, ConnectPacket packet, String clientId,
                                  boolean assigned) {
        if (state != HOOKING) {
            return;
        }
        if (error != null || decision == null) {
            refuse(ReasonCode.SERVER_UNAVAILABLE, "the connect hook failed: " + (error != null ? error : "no decision"));
            return;
        }
        if (decision.isRejected()) {
            refuse(decision.reason(), "refused by the connect hook");
            return;
        }
        admit(packet, clientId, assigned);
    }

    /** The CONNECT is accepted: keep alive, limits and expiry are settled, and the session is fetched. */
    private void admit(ConnectPacket packet, String clientId, boolean assigned) {
        MqttProperties properties = packet.properties();
        int keepAlive = packet.keepAlive();
        int serverKeepAlive = -1;
        int maxKeepAlive = hub.settings.maxKeepAlive();
        if (version == MqttVersion.V5 && maxKeepAlive > 0 && (keepAlive == 0 || keepAlive > maxKeepAlive)) {
            keepAlive = maxKeepAlive;
            serverKeepAlive = keepAlive;
        }
        sendQuota = version == MqttVersion.V5 && properties.has(PropertyId.RECEIVE_MAXIMUM)
                ? Math.min(properties.receiveMaximum(), hub.settings.receiveMaximum())
                : hub.settings.receiveMaximum();
        clientMaxPacket = version == MqttVersion.V5 && properties.has(PropertyId.MAXIMUM_PACKET_SIZE)
                ? properties.maximumPacketSize() : 0;
        long expiry;
        if (version == MqttVersion.V5) {
            expiry = properties.has(PropertyId.SESSION_EXPIRY_INTERVAL) ? properties.sessionExpiryInterval() : 0;
        } else {
            expiry = packet.cleanStart() ? 0 : Session.NEVER;
        }
        // Keep alive: the client must send something within one and a half times the interval.
        keepAliveNanos = keepAlive == 0 ? 0 : TimeUnit.SECONDS.toNanos(keepAlive) * 3 / 2;
        loop.timers().cancel(this);
        state = ATTACHING;
        // Nothing more is read until the session is here (it may have to come from another loop).
        connection.suspendRead();
        ConnackDetails details = new ConnackDetails(assigned ? clientId : null, serverKeepAlive);
        hub.connect(this, clientId, packet.cleanStart(), expiry, packet.will(), version, details);
    }

    /** What the CONNACK tells a v5 client beyond the defaults. */
    record ConnackDetails(String assignedClientId, int serverKeepAlive) {
    }

    /** The session is ready on this loop (fresh, or moved here from another). Runs on this loop. */
    void attached(Session attachedSession, boolean sessionPresent, ConnackDetails details) {
        if (state != ATTACHING) {
            // The client left while its session was on the way: it stays, waiting for the next connection.
            hub.detach(attachedSession, part, false);
            return;
        }
        session = attachedSession;
        state = CONNECTED;
        writePacket(new ConnackPacket(sessionPresent, ReasonCode.SUCCESS, connackProperties(details)));
        if (keepAliveNanos > 0) {
            loop.timers().schedule(this, loop.now() + keepAliveNanos);
        }
        resend();
        drainQueue();
        part.markDirty(this);
        resumeHeld();
    }

    private MqttProperties connackProperties(ConnackDetails details) {
        if (version != MqttVersion.V5) {
            return MqttProperties.EMPTY;
        }
        MqttProperties.Builder properties = MqttProperties.builder()
                .integer(PropertyId.RECEIVE_MAXIMUM, hub.settings.receiveMaximum())
                .integer(PropertyId.MAXIMUM_PACKET_SIZE, hub.settings.maxPacketBytes())
                .integer(PropertyId.TOPIC_ALIAS_MAXIMUM, TOPIC_ALIAS_MAXIMUM);
        if (details.assignedClientId() != null) {
            properties.string(PropertyId.ASSIGNED_CLIENT_IDENTIFIER, details.assignedClientId());
        }
        if (details.serverKeepAlive() >= 0) {
            properties.integer(PropertyId.SERVER_KEEP_ALIVE, details.serverKeepAlive());
        }
        return properties.build();
    }

    private void refuse(ReasonCode reason, String why) {
        hub.metrics.refusedConnections.increment(part.shard);
        log("refused CONNECT: " + why + " (" + reason + ")");
        endReason = "refused: " + why;
        if (version == MqttVersion.V5 || reason.v3ConnackCode() >= 0) {
            ReasonCode code = version == MqttVersion.V5 ? connackCode(reason) : reason;
            writePacket(new ConnackPacket(false, code, MqttProperties.EMPTY));
        }
        closeAfterFlush();
    }

    /** Malformed packets get 0x81 in a CONNACK too; other reasons are CONNACK reasons already. */
    private static ReasonCode connackCode(ReasonCode reason) {
        return reason.allowedIn(PacketType.CONNACK) ? reason : ReasonCode.UNSPECIFIED_ERROR;
    }

    // ---- PUBLISH from the client

    private void publish(int fixedHeader, DirectBuffer buf, int offset, int length) {
        if (publish == null) {
            publish = new PublishView();
        }
        ReasonCode check = publish.wrap(version, fixedHeader, buf, offset, length);
        if (check != ReasonCode.SUCCESS) {
            protocolError(check, "bad PUBLISH");
            return;
        }
        hub.metrics.received.increment(part.shard);
        DirectBuffer topicBuffer = buf;
        int topicOffset = publish.topicOffset();
        int topicLength = publish.topicLength();
        if (publish.topicAlias() != 0) {
            int alias = publish.topicAlias();
            if (alias < 1 || alias > TOPIC_ALIAS_MAXIMUM) {
                protocolError(ReasonCode.TOPIC_ALIAS_INVALID, "topic alias " + alias);
                return;
            }
            if (topicAliases == null) {
                topicAliases = new byte[TOPIC_ALIAS_MAXIMUM + 1][];
            }
            if (topicLength == 0) {
                byte[] known = topicAliases[alias];
                if (known == null) {
                    protocolError(ReasonCode.PROTOCOL_ERROR, "topic alias " + alias + " was never set");
                    return;
                }
                aliasTopic.wrap(known);
                topicBuffer = aliasTopic;
                topicOffset = 0;
                topicLength = known.length;
            } else {
                byte[] bytes = new byte[topicLength];
                buf.getBytes(topicOffset, bytes);
                topicAliases[alias] = bytes;
            }
        }
        int qos = publish.qos();
        int packetId = publish.packetId();
        if (qos == 2 && session.inboundQos2.contains(packetId)) {
            // A resent QoS 2 PUBLISH whose PUBREL has not come yet: passed on once already.
            acknowledge(PacketType.PUBREC, packetId, ReasonCode.SUCCESS, false);
            return;
        }
        if (qos == 2 && session.inboundQos2.size() >= hub.settings.receiveMaximum()) {
            // More unfinished QoS 2 exchanges than the Receive Maximum the CONNACK announced.
            protocolError(ReasonCode.RECEIVE_MAXIMUM_EXCEEDED, "receive maximum exceeded");
            return;
        }
        if (hub.phases != null && hub.phases.publish && !publishAllowed(topicBuffer, topicOffset, topicLength)) {
            return;
        }
        routedTopic = topicBuffer;
        routedTopicOffset = topicOffset;
        routedTopicLength = topicLength;
        routedMessage = null;
        boolean logged = publish.retain() && hub.retain(routedMessage());
        // Matching first: a message nobody subscribed to is never copied out of the receive buffer.
        if (part.match(session, qos, topicBuffer, topicOffset, topicLength) > 0) {
            part.deliverMatched(this);
            logged |= part.takeLogged();
        }
        routedMessage = null;
        routedTopic = null;
        if (qos == 1) {
            acknowledge(PacketType.PUBACK, packetId, ReasonCode.SUCCESS, logged);
        } else if (qos == 2) {
            session.inboundQos2.add(packetId);
            logged |= hub.store != null && hub.store.inbound(session, packetId, true);
            acknowledge(PacketType.PUBREC, packetId, ReasonCode.SUCCESS, logged);
        }
        if (part.holdBack(this)) {
            // A subscriber is congested: this connection is not read until it has drained.
            waits++;
            hub.metrics.publisherWaits.increment(part.shard);
            connection.suspendRead();
        }
    }

    /**
     * Asks the embedder's publish hook; a refused message is acknowledged with the hook's code
     * (v5 QoS 1 and 2) or as if accepted (QoS 0, 3.1.1, which cannot be told), and not routed.
     */
    private boolean publishAllowed(DirectBuffer topicBuffer, int topicOffset, int topicLength) {
        byte[] name = new byte[topicLength];
        topicBuffer.getBytes(topicOffset, name);
        ReasonCode verdict;
        try {
            verdict = hub.hooks.publish(clientInfo, new String(name, java.nio.charset.StandardCharsets.UTF_8),
                    publish, hookContext);
        } catch (RuntimeException e) {
            log("the publish hook failed: " + e);
            verdict = ReasonCode.UNSPECIFIED_ERROR;
        }
        if (verdict == null || !verdict.isError()) {
            return true;
        }
        hub.metrics.hookRefusals.increment(part.shard);
        ReasonCode answer = version == MqttVersion.V5 && verdict.allowedIn(PacketType.PUBACK)
                ? verdict : version == MqttVersion.V5 ? ReasonCode.UNSPECIFIED_ERROR : ReasonCode.SUCCESS;
        if (publish.qos() == 1) {
            acknowledge(PacketType.PUBACK, publish.packetId(), answer, false);
        } else if (publish.qos() == 2) {
            boolean logged = false;
            if (!answer.isError()) {
                // 3.1.1: the exchange goes on as if accepted, so its PUBREL finds the identifier.
                session.inboundQos2.add(publish.packetId());
                logged = hub.store != null && hub.store.inbound(session, publish.packetId(), true);
            }
            acknowledge(PacketType.PUBREC, publish.packetId(), answer, logged);
        }
        return false;
    }

    /** The PUBLISH being routed, as it was read (its topic resolved: {@link #routedTopic}). */
    PublishView routedPublish() {
        return publish;
    }

    DirectBuffer routedTopic() {
        return routedTopic;
    }

    int routedTopicOffset() {
        return routedTopicOffset;
    }

    int routedTopicLength() {
        return routedTopicLength;
    }

    /**
     * The PUBLISH being routed copied out of the receive buffer, made once per publish and only
     * when something has to keep it (the retained store, a queue, a QoS 1/2 delivery, another loop).
     */
    Message routedMessage() {
        if (routedMessage != null) {
            return routedMessage;
        }
        byte[] topic = lastTopic;
        if (!sameBytes(routedTopic, routedTopicOffset, routedTopicLength, topic)) {
            // Publishers mostly repeat their topic: its copy is shared by their messages.
            topic = new byte[routedTopicLength];
            routedTopic.getBytes(routedTopicOffset, topic);
            lastTopic = topic;
        }
        byte[] payload = new byte[publish.payloadLength()];
        publish.buffer().getBytes(publish.payloadOffset(), payload);
        long expiresAt = Long.MAX_VALUE;
        PublishProperties forwarded = PublishProperties.NONE;
        if (version == MqttVersion.V5) {
            if (publish.hasMessageExpiryInterval()) {
                expiresAt = loop.now() + TimeUnit.SECONDS.toNanos(publish.messageExpiryInterval());
            }
            forwarded = PublishProperties.of(publish);
        }
        routedMessage = new Message(topic, payload, publish.qos(), publish.retain(), forwarded, expiresAt, session);
        return routedMessage;
    }

    private static boolean sameBytes(DirectBuffer buffer, int offset, int length, byte[] bytes) {
        if (bytes == null || bytes.length != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (buffer.getByte(offset + i) != bytes[i]) {
                return false;
            }
        }
        return true;
    }

    // ---- acknowledgements from the client

    private void acknowledgement(int fixedHeader, DirectBuffer buf, int offset, int length) {
        if (ack == null) {
            ack = new AckView();
        }
        ReasonCode check = ack.wrap(version, fixedHeader, buf, offset, length);
        if (check != ReasonCode.SUCCESS) {
            protocolError(check, "bad acknowledgement");
            return;
        }
        int packetId = ack.packetId();
        switch (ack.type()) {
            case PUBACK -> {
                Session.Delivery done = session.inflight.get(packetId);
                if (done != null && done.qos == 1) {
                    session.inflight.remove(packetId);
                    part.forget(session, done);
                    drainQueue();
                }
            }
            case PUBREC -> {
                Session.Delivery pending = session.inflight.get(packetId);
                if (pending != null && pending.qos == 2) {
                    if (ack.reasonCode().value() >= 0x80) {
                        // The client refused the message: the exchange ends here (5.0 4.3.3).
                        session.inflight.remove(packetId);
                        part.forget(session, pending);
                        drainQueue();
                    } else {
                        pending.released = true;
                        if (pending.stored) {
                            hub.store.released(session, pending);
                        }
                        writeAck(PacketType.PUBREL, packetId, ReasonCode.SUCCESS);
                    }
                } else {
                    writeAck(PacketType.PUBREL, packetId, ReasonCode.PACKET_IDENTIFIER_NOT_FOUND);
                }
            }
            case PUBREL -> {
                boolean known = session.inboundQos2.remove(packetId);
                // The identifier is free once PUBCOMP is out: the log must not hold it past that.
                boolean logged = known && hub.store != null && hub.store.inbound(session, packetId, false);
                acknowledge(PacketType.PUBCOMP, packetId, known ? ReasonCode.SUCCESS
                        : ReasonCode.PACKET_IDENTIFIER_NOT_FOUND, logged);
            }
            case PUBCOMP -> {
                Session.Delivery done = session.inflight.get(packetId);
                if (done != null && done.qos == 2) {
                    session.inflight.remove(packetId);
                    part.forget(session, done);
                    drainQueue();
                }
            }
            default -> protocolError(ReasonCode.PROTOCOL_ERROR, "unexpected acknowledgement");
        }
        part.markDirty(this);
    }

    // ---- SUBSCRIBE, UNSUBSCRIBE, PINGREQ, DISCONNECT, AUTH

    private void control(int fixedHeader, DirectBuffer buf, int offset, int length) {
        Decoded<MqttPacket> decoded = MqttDecoder.decode(version, fixedHeader, buf, offset, length);
        if (!decoded.isOk()) {
            Decoded.Failure<MqttPacket> failure = (Decoded.Failure<MqttPacket>) decoded;
            protocolError(failure.reason(), failure.detail());
            return;
        }
        switch (decoded.packetOrNull()) {
            case SubscribePacket subscribe -> subscribe(subscribe);
            case UnsubscribePacket unsubscribe -> unsubscribe(unsubscribe);
            case dev.isthmus.protocol.mqtt.codec.PingreqPacket ignored -> {
                writePacket(PingrespPacket.INSTANCE);
                part.markDirty(this);
            }
            case DisconnectPacket disconnect -> disconnect(disconnect);
            default -> protocolError(ReasonCode.BAD_AUTHENTICATION_METHOD, "AUTH without an authentication method");
        }
    }

    private void subscribe(SubscribePacket packet) {
        int subscriptionId = packet.subscriptionIdentifier();
        List<Subscription> subscriptions = packet.subscriptions();
        List<ReasonCode> granted = new ArrayList<>(subscriptions.size());
        Session owner = session;
        List<Subscription> accepted = new ArrayList<>(subscriptions.size());
        for (Subscription subscription : subscriptions) {
            ReasonCode refusal = subscriptionRefusal(subscription);
            granted.add(refusal != null ? refusal : GRANTED[subscription.maxQos()]);
            if (refusal == null) {
                accepted.add(subscription);
            }
        }
        List<Subscription> retainedWanted = new ArrayList<>();
        Runnable acknowledge = () -> {
            if (state == CONNECTED && session == owner) {
                // Every loop matches the new filters now: acknowledge, then replay retained messages.
                writePacket(new SubackPacket(packet.packetId(), granted, MqttProperties.EMPTY));
                for (Subscription wanted : retainedWanted) {
                    for (Message retained : part.retainedFor(wanted.topicFilter())) {
                        int qos = Math.min(retained.qos(), wanted.maxQos());
                        int[] ids = subscriptionId == 0 ? new int[0] : new int[] {subscriptionId};
                        deliver(new Session.Delivery(retained, qos, true, ids));
                    }
                }
                part.markDirty(this);
            }
        };
        if (accepted.isEmpty()) {
            acknowledge.run();
            return;
        }
        boolean logged = false;
        for (Subscription subscription : accepted) {
            logged |= hub.store != null && hub.store.subscribed(owner, subscription.topicFilter(),
                    options(subscription, subscriptionId));
        }
        // With sessions on disk, the SUBACK goes once the subscriptions are durable too.
        Runnable afterLoops = logged ? () -> hub.store.afterDurable(loop, acknowledge) : acknowledge;
        int[] left = {accepted.size()};
        for (Subscription subscription : accepted) {
            String filter = subscription.topicFilter();
            SubscriptionOptions options = options(subscription, subscriptionId);
            boolean existed = owner.subscriptions.put(filter, options) != null;
            if (!existed) {
                hub.subscriptionAdded();
            }
            if (!subscription.isShared() && (subscription.retainHandling() == SubscriptionOptions.SEND_RETAINED
                    || (subscription.retainHandling() == SubscriptionOptions.SEND_RETAINED_IF_NEW && !existed))) {
                retainedWanted.add(subscription);
            }
            hub.subscribe(owner, filter, options, loop, () -> {
                if (--left[0] == 0) {
                    afterLoops.run();
                }
            });
        }
    }

    private static SubscriptionOptions options(Subscription subscription, int subscriptionId) {
        return new SubscriptionOptions(subscription.maxQos(), subscription.noLocal(),
                subscription.retainAsPublished(), subscription.retainHandling(), subscriptionId);
    }

    /** The embedder's subscribe hook's refusal of {@code subscription} (a SUBACK failure code), or null. */
    private ReasonCode subscriptionRefusal(Subscription subscription) {
        if (hub.phases == null || !hub.phases.subscribe) {
            return null;
        }
        ReasonCode verdict;
        try {
            verdict = hub.hooks.subscribe(clientInfo, subscription, hookContext);
        } catch (RuntimeException e) {
            log("the subscribe hook failed: " + e);
            verdict = ReasonCode.UNSPECIFIED_ERROR;
        }
        if (verdict == null || !verdict.isError()) {
            return null;
        }
        hub.metrics.hookRefusals.increment(part.shard);
        return verdict.allowedIn(PacketType.SUBACK) ? verdict : ReasonCode.UNSPECIFIED_ERROR;
    }

    private void unsubscribe(UnsubscribePacket packet) {
        List<ReasonCode> results = new ArrayList<>();
        for (String filter : packet.topicFilters()) {
            boolean removed = session.subscriptions.remove(filter) != null;
            if (removed) {
                hub.subscriptionRemoved();
                if (hub.store != null) {
                    hub.store.unsubscribed(session, filter);
                }
            }
            results.add(removed ? ReasonCode.SUCCESS
                    : ReasonCode.NO_SUBSCRIPTION_EXISTED);
        }
        Session owner = session;
        Runnable acknowledge = () -> {
            if (state == CONNECTED && session == owner) {
                writePacket(new UnsubackPacket(packet.packetId(), results, MqttProperties.EMPTY));
                part.markDirty(this);
            }
        };
        hub.unsubscribe(owner, packet.topicFilters(), loop,
                hub.store != null && owner.persistent ? () -> hub.store.afterDurable(loop, acknowledge) : acknowledge);
    }

    private void disconnect(DisconnectPacket packet) {
        if (version == MqttVersion.V5 && packet.properties().has(PropertyId.SESSION_EXPIRY_INTERVAL)) {
            long expiry = packet.properties().sessionExpiryInterval();
            if (session.expirySeconds == 0 && expiry != 0) {
                protocolError(ReasonCode.PROTOCOL_ERROR, "a session expiry set only at DISCONNECT");
                return;
            }
            session.expirySeconds = expiry;
            if (hub.store != null) {
                hub.store.expiryChanged(session);
            }
        }
        publishWill = packet.reasonCode() == ReasonCode.DISCONNECT_WITH_WILL_MESSAGE;
        endReason = "client sent DISCONNECT";
        end();
    }

    // ---- delivering to the client

    /** A message for this connection's session; runs on the session's (this) loop. */
    void deliver(Session.Delivery delivery) {
        if (state != CONNECTED) {
            part.enqueue(session, delivery);
            return;
        }
        Session s = session;
        boolean mustWait = s.hasQueued() || backedUp() || (delivery.qos > 0 && s.inflight.size() >= sendQuota);
        if (mustWait) {
            // Behind what already waits, QoS 0 included: messages leave in the order they came.
            part.enqueue(s, delivery);
            return;
        }
        send(delivery);
        part.markDirty(this);
    }

    /**
     * Whether what was written and not sent yet is enough for now: the transport holds more than
     * it wants to, or this loop iteration already wrote {@link #OUTPUT_HIGH_WATER} bytes. Messages
     * then wait in the session's queue, where they count towards holding publishers back, instead
     * of filling the loop's buffer pool.
     */
    private boolean backedUp() {
        return connection.hasPendingWrites() || output.written() >= OUTPUT_HIGH_WATER || awaitingChunks;
    }

    /**
     * Whether a QoS 0 message may be written to this client right now, straight from the
     * publisher's receive buffer (nothing waits before it, and there is room).
     */
    boolean takesDirect() {
        return state == CONNECTED && !session.hasQueued() && !backedUp();
    }

    /** Where deliveries written straight to this client go ({@link #takesDirect}). */
    OutboundChunks output() {
        return output;
    }

    /** The client's Maximum Packet Size (v5), or 0 for no limit. */
    long maxPacketSize() {
        return clientMaxPacket;
    }

    /** A delivery was written straight to {@link #output()}. */
    void wroteDirect() {
        hub.metrics.delivered.increment(part.shard);
        part.markDirty(this);
    }

    /**
     * Sends what waits in the session's queue, as far as the in-flight window and the socket
     * allow, at most {@link #DRAIN_BATCH} messages at a time: the rest follows after the next
     * flush ({@link #flush}), so a long backlog neither fills the loop's buffer pool nor holds
     * the loop.
     */
    private void drainQueue() {
        Session s = session;
        int sent = 0;
        while (sent < DRAIN_BATCH && s.hasQueued() && !backedUp()) {
            Session.Delivery next = s.peekQueued();
            if (next.qos > 0 && s.inflight.size() >= sendQuota) {
                break;
            }
            s.pollQueued();
            if (!send(next)) {
                break;
            }
            sent++;
        }
        if (sent > 0) {
            part.markDirty(this);
            part.noteDrained(s);
        }
    }

    /** After a reconnect: what was in flight goes again, as the protocol asks (DUP set, or a PUBREL). */
    private void resend() {
        for (Session.Delivery pending : session.inflightInOrder()) {
            if (pending.released) {
                writeAck(PacketType.PUBREL, pending.packetId, ReasonCode.SUCCESS);
            } else if (!writePublish(pending, pending.packetId, true)) {
                fail("out of buffer memory");
                return;
            }
        }
    }

    /**
     * Writes {@code delivery} (taken from the queue, or nothing was queued). False when the
     * loop's buffer pool is exhausted: the delivery is back at the head of the queue and is
     * sent once a chunk is free.
     */
    private boolean send(Session.Delivery delivery) {
        if (delivery.message.expired(loop.now())) {
            part.forget(session, delivery);
            return true;
        }
        int packetId = 0;
        if (delivery.qos > 0) {
            packetId = session.nextPacketId();
            if (packetId == 0) {
                part.enqueue(session, delivery);
                return true;
            }
            session.putInflight(packetId, delivery);
        }
        if (!writePublish(delivery, packetId, false)) {
            if (packetId != 0) {
                session.inflight.remove(packetId);
            }
            session.requeueFirst(delivery);
            awaitChunks();
            return false;
        }
        if (delivery.stored && packetId != 0) {
            // A restart resends it with this identifier (QoS 2: the client may have seen it).
            hub.store.sent(session, delivery);
        }
        hub.metrics.delivered.increment(part.shard);
        return true;
    }

    /**
     * False when the buffer pool is exhausted and nothing of the packet was written; a packet
     * the pool ran out in the middle of ends the connection.
     */
    private boolean writePublish(Session.Delivery delivery, int packetId, boolean dup) {
        long secondsLeft = delivery.message.secondsLeft(loop.now());
        PublishWriter writer = part.publishWriter;
        int length = writer.prepare(version, delivery, packetId, dup, secondsLeft);
        if (clientMaxPacket > 0 && length > clientMaxPacket) {
            // Too big for this client: dropped as if delivered (5.0 3.1.2.25).
            if (packetId != 0) {
                session.inflight.remove(packetId);
            }
            part.forget(session, delivery);
            return true;
        }
        int written = writer.write(output, length);
        if (written == PublishWriter.BROKEN) {
            fail("out of buffer memory in the middle of a packet");
        }
        return written != PublishWriter.NO_ROOM;
    }

    /** The pool ran dry: deliveries wait in the queue until a chunk is freed. */
    private void awaitChunks() {
        if (!awaitingChunks) {
            awaitingChunks = true;
            loop.chunks().await(this);
        }
    }

    @Override
    public void chunkAvailable() {
        awaitingChunks = false;
        if (state == CONNECTED) {
            // From inside another connection's release: send on the next turn of the loop.
            loop.execute(drainTask);
        }
    }

    // ---- writing

    private void writePacket(MqttPacket packet) {
        int length = MqttEncoder.encodedLength(version, packet);
        MutableDirectBuffer buffer = output.reserve(length);
        if (buffer == null) {
            fail("out of buffer memory");
            return;
        }
        MqttEncoder.encode(version, packet, buffer, output.position());
        output.advance(length);
    }

    /**
     * Answers a PUBLISH or PUBREL with {@code type}. When {@code logged} (it wrote to the session
     * log), the answer waits until the log has it on disk; answers after it wait behind it, so
     * the client hears them in the order its packets came (4.6).
     */
    private void acknowledge(PacketType type, int packetId, ReasonCode reason, boolean logged) {
        if (!logged && (heldAcks == null || heldAcks.isEmpty())) {
            writeAck(type, packetId, reason);
            return;
        }
        if (heldAcks == null) {
            heldAcks = new LongArrayQueue(Long.MIN_VALUE);
        }
        heldAcks.offerLong(((long) type.ordinal() << 32) | ((long) reason.ordinal() << 16) | packetId);
        if (!durableWaitPending) {
            awaitDurable();
        }
    }

    /** One wait covers every answer held so far: a burst of QoS 1 messages costs one fsync, not one each. */
    private void awaitDurable() {
        durableWaitPending = true;
        heldAcksCovered = heldAcks.size();
        if (releaseAcksTask == null) {
            releaseAcksTask = this::releaseAcks;
        }
        hub.store.afterDurable(loop, releaseAcksTask);
    }

    private void releaseAcks() {
        durableWaitPending = false;
        if (state != CONNECTED) {
            heldAcks.clear();
            return;
        }
        for (int i = 0; i < heldAcksCovered; i++) {
            long ack = heldAcks.pollLong();
            writeAck(PACKET_TYPES[(int) (ack >>> 32)], (int) ack & 0xFFFF, REASON_CODES[(int) (ack >>> 16) & 0xFFFF]);
        }
        part.markDirty(this);
        if (!heldAcks.isEmpty()) {
            awaitDurable();
        }
    }

    private void writeAck(PacketType type, int packetId, ReasonCode reason) {
        int length = MqttEncoder.ackLength(version, reason, null);
        MutableDirectBuffer buffer = output.reserve(length);
        if (buffer == null) {
            fail("out of buffer memory");
            return;
        }
        MqttEncoder.encodeAck(version, type, packetId, reason, buffer, output.position());
        output.advance(length);
        part.markDirty(this);
    }

    @Override
    public boolean batched() {
        return batched;
    }

    @Override
    public void batched(boolean batched) {
        this.batched = batched;
    }

    @Override
    public void flushBatched() {
        flush();
    }

    /** Sends what was written since the last flush; called once per loop iteration through the {@link FlushBatch}. */
    private void flush() {
        hub.metrics.bytesSent.add(part.shard, output.written());
        boolean more = output.flush();
        if (!connection.isOpen()) {
            return;
        }
        if (state == CLOSED) {
            connection.close();
            return;
        }
        // A backlog drains while the socket takes it: waiting for the next loop iteration per
        // batch held a busy subscriber to one batch per iteration (measured on fan-in).
        for (int batches = 1; more && state == CONNECTED && session.hasQueued() && batches < MAX_DRAIN_BATCHES;
                batches++) {
            drainQueue();
            hub.metrics.bytesSent.add(part.shard, output.written());
            more = output.flush();
        }
    }

    @Override
    public void onWritable(Connection c) {
        if (state == CONNECTED) {
            drainQueue();
        }
    }

    // ---- ending

    @Override
    public void onReadEnd(Connection c) {
        close("the client closed its side without DISCONNECT");
    }

    @Override
    public void onError(Connection c, IOException cause) {
        if (state != CLOSED) {
            lost("connection failed: " + cause.getMessage());
        }
    }

    @Override
    protected void onTimeout(long nowNanos) {
        if (state == CLOSED) {
            return;
        }
        if (state == AWAIT_CONNECT) {
            close("no CONNECT within " + hub.settings.connectTimeout().toMillis() + " ms");
            return;
        }
        if (keepAliveNanos == 0) {
            return;
        }
        long due = lastActivity + keepAliveNanos;
        if (nowNanos - due < 0) {
            loop.timers().schedule(this, due);
            return;
        }
        if (version == MqttVersion.V5) {
            writePacket(new DisconnectPacket(ReasonCode.KEEP_ALIVE_TIMEOUT, MqttProperties.EMPTY));
        }
        close("keep alive expired");
    }

    /** The client broke the protocol: a v5 client is told why, then the connection ends (and its will goes out). */
    private void protocolError(ReasonCode reason, String detail) {
        if (state == CLOSED) {
            return;
        }
        hub.metrics.protocolErrors.increment(part.shard);
        log("protocol error: " + detail + " (" + reason + ")");
        if (version == MqttVersion.V5 && state == CONNECTED && reason.allowedIn(PacketType.DISCONNECT)) {
            writePacket(new DisconnectPacket(reason, MqttProperties.EMPTY));
        }
        close(detail);
    }

    private void log(String what) {
        PROTOCOL_LOG.log(System.Logger.Level.INFO, "MQTT client " + connection.remoteAddress()
                + (session != null ? " (" + session.clientId + ")" : "") + ": " + what);
    }

    /** Ends the connection abnormally: the will goes out, the session stays or ends per its expiry. */
    private void close(String why) {
        if (state == CLOSED) {
            return;
        }
        publishWill = true;
        if (endReason == null) {
            endReason = why;
        }
        if (LOG.isLoggable(System.Logger.Level.DEBUG)) {
            LOG.log(System.Logger.Level.DEBUG, "closing " + connection.remoteAddress() + ": " + why);
        }
        end();
    }

    /** Tells the embedder's hooks that a client which reached the connect phase has gone. */
    private void toldGone(String fallbackReason) {
        if (clientInfo == null || hub.phases == null || !hub.phases.disconnected) {
            return;
        }
        MqttClientInfo gone = clientInfo;
        clientInfo = null;
        try {
            hub.hooks.disconnected(gone, endReason != null ? endReason : fallbackReason, hookContext);
        } catch (RuntimeException e) {
            log("the disconnected hook failed: " + e);
        }
    }

    private void lost(String why) {
        close(why);
    }

    /** Ends the connection for a failure of the broker's own (logged), as {@link #fail} does. */
    void abandon(String why) {
        fail(why);
    }

    private void fail(String why) {
        log(why);
        close(why);
    }

    /** Closes once the packets written so far are flushed (a refusing CONNACK, a DISCONNECT). */
    private void closeAfterFlush() {
        end();
    }

    private void end() {
        if (state == CLOSED) {
            return;
        }
        boolean wasConnected = state == CONNECTED;
        state = CLOSED;
        loop.timers().cancel(this);
        reader.close();
        releaseHeld();
        part.closed(this);
        if (wasConnected) {
            Session s = session;
            hub.detach(s, part, publishWill);
        }
        toldGone("closed");
        // Whatever was written (a CONNACK refusal, a DISCONNECT) still goes out, then the socket closes.
        part.markDirty(this);
    }

    /** The session was taken over by a new connection of the same client. */
    void takenOver() {
        if (state != CONNECTED) {
            return;
        }
        if (version == MqttVersion.V5) {
            writePacket(new DisconnectPacket(ReasonCode.SESSION_TAKEN_OVER, MqttProperties.EMPTY));
        }
        state = CLOSED;
        loop.timers().cancel(this);
        reader.close();
        releaseHeld();
        part.closed(this);
        toldGone("session taken over by a new connection");
        part.markDirty(this);
    }

    void serverShutdown() {
        if (state == CONNECTED && version == MqttVersion.V5) {
            writePacket(new DisconnectPacket(ReasonCode.SERVER_SHUTTING_DOWN, MqttProperties.EMPTY));
        }
        publishWill = false;
        if (endReason == null) {
            endReason = "server shutting down";
        }
        end();
    }

    void abort() {
        if (state != CLOSED) {
            state = CLOSED;
            loop.timers().cancel(this);
            reader.close();
            part.closed(this);
            toldGone("server stopped");
        }
        releaseHeld();
        output.release();
        connection.close();
    }

    Connection transport() {
        return connection;
    }

    EventLoop loop() {
        return loop;
    }

    MqttVersion version() {
        return version;
    }
}
