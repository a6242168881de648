package dev.isthmus.protocol.mqtt;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.IntHashSet;
import org.agrona.concurrent.UnsafeBuffer;

import dev.isthmus.core.buffer.Chunk;
import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.observe.ShardedCounter;
import dev.isthmus.core.timer.Timer;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.ConnectionHandler;
import dev.isthmus.core.transport.SpliceCapability;
import dev.isthmus.core.upstream.Peer;
import dev.isthmus.core.upstream.UpstreamGroup;
import dev.isthmus.core.upstream.balance.BalanceAlgorithm;
import dev.isthmus.protocol.mqtt.codec.AckView;
import dev.isthmus.protocol.mqtt.codec.ConnackPacket;
import dev.isthmus.protocol.mqtt.codec.ConnectPacket;
import dev.isthmus.protocol.mqtt.codec.Decoded;
import dev.isthmus.protocol.mqtt.codec.DisconnectPacket;
import dev.isthmus.protocol.mqtt.codec.FrameReader;
import dev.isthmus.protocol.mqtt.codec.FrameSink;
import dev.isthmus.protocol.mqtt.codec.MqttDecoder;
import dev.isthmus.protocol.mqtt.codec.MqttPacket;
import dev.isthmus.protocol.mqtt.codec.MqttProperties;
import dev.isthmus.protocol.mqtt.codec.MqttEncoder;
import dev.isthmus.protocol.mqtt.codec.MqttVersion;
import dev.isthmus.protocol.mqtt.codec.PacketType;
import dev.isthmus.protocol.mqtt.codec.PropertyId;
import dev.isthmus.protocol.mqtt.codec.PublishView;
import dev.isthmus.protocol.mqtt.codec.ReasonCode;
import dev.isthmus.protocol.mqtt.codec.SubackPacket;
import dev.isthmus.protocol.mqtt.codec.SubscribePacket;
import dev.isthmus.protocol.mqtt.codec.Subscription;

/**
 * One client of the MQTT proxy and its connection to a broker. Runs on its loop's thread only
 * (a {@link dev.isthmus.core.server.Blocking} connect hook excepted, whose decision comes back
 * through the loop's inbox).
 *
 * <p>States: the CONNECT is awaited and read; the connect hook decides; a broker is connected
 * (the next one on the balancer's ring when one cannot be reached); then bytes flow, passed
 * through (spliced where the transport can) or inspected packet by packet. An end of stream
 * from either side lets the other side's queued bytes go (a DISCONNECT on its way to the
 * broker must arrive, or the broker would publish the client's will) before it is closed too.
 */
final class ProxyConnection<C> extends Timer implements ConnectionHandler, FrameSink {
    private static final int AWAIT_CONNECT = 0;
    /** The connect hook is deciding; the client does not read. */
    private static final int HOOK = 1;
    /** A broker is being connected; the client does not read. */
    private static final int CONNECTING = 2;
    private static final int OPEN = 3;
    /** One side ended; the other one's queued bytes go out before it is closed. */
    private static final int CLOSING = 4;
    private static final int CLOSED = 5;
    /** How long the remaining side may take to send what it has after the other one ended. */
    private static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final ProxyLoop<C> part;
    private final MqttProxyService<C> service;
    private final MqttProxySettings settings;
    private final ProxyMetrics metrics;
    private final UpstreamGroup group;
    private final Connection client;
    private final EventLoop loop;
    private final FrameReader reader;
    private final ProxyOutbox toClient;
    private final Upstream upstreamSide = new Upstream();
    private final C context;

    private int state = AWAIT_CONNECT;
    private MqttVersion version = MqttVersion.V3_1_1;
    private MqttClientInfo info;
    /** The CONNECT exactly as received, until it is written to the broker. */
    private byte[] connectBytes;
    /** Bytes that arrived behind the CONNECT while the hook decided and the broker was connected. */
    private ArrayDeque<Chunk> held;
    private String endReason;

    // ---- the broker
    private Connection upstream;
    private ProxyOutbox toUpstream;
    private Peer peer;
    /** Whether {@link #peer} came from the balancer, which must hear {@code release} for it. */
    private boolean selected;
    private Peer routed;
    private long keyHash;
    private final List<Peer> tried = new ArrayList<>(2);

    // ---- forwarding
    private boolean inspecting;
    private boolean splicing;
    private long lastActivity;
    private long idleNanos;
    private long splicedSeen;

    // ---- inspection
    private FrameReader brokerReader;
    private final BrokerFrames brokerFrames = new BrokerFrames();
    private PublishView publish;
    private AckView ack;
    private TopicRules.Bound publishRules;
    private TopicRules.Bound subscribeRules;
    private double tokens;
    private long tokensAt;
    /** QoS 2 publishes the proxy refused and answered itself: a PUBREL that follows is answered here too. */
    private IntHashSet localQos2;
    /** SUBSCRIBEs sent on with some filters removed: the codes the client's SUBACK gets for those (null: the broker's). */
    private Int2ObjectHashMap<ReasonCode[]> pendingSubacks;
    private String[] topicAliases;
    /** Per alias: whether the broker has its current topic (false after the PUBLISH that set it was refused). */
    private boolean[] aliasAtBroker;
    private boolean connackSeen;

    ProxyConnection(ProxyLoop<C> part, Connection client) {
        this.part = part;
        this.service = part.service;
        this.settings = service.settings;
        this.metrics = service.metrics;
        this.group = service.group;
        this.client = client;
        this.loop = part.loop;
        this.reader = new FrameReader(settings.maxPacketBytes());
        this.toClient = new ProxyOutbox(loop);
        toClient.target(client);
        C ctx;
        try {
            ctx = service.hooks.newContext();
        } catch (RuntimeException e) {
            if (part.log.allow(part.loop.now())) {
                part.info("MQTT proxy: newContext failed: " + e);
            }
            ctx = null;
        }
        this.context = ctx;
        lastActivity = loop.now();
        loop.timers().schedule(this, lastActivity + settings.connectTimeout().toNanos());
    }

    // ================================================================ the client's side

    @Override
    public void onRead(Connection c, Chunk data) {
        switch (state) {
            case AWAIT_CONNECT -> readConnect(data);
            case HOOK, CONNECTING -> hold(data);
            case OPEN -> {
                lastActivity = loop.now();
                if (inspecting) {
                    inspectClient(data);
                } else {
                    metrics.bytesToUpstream.add(part.shard, data.readable());
                    upstream.write(data);
                    if (!upstream.flush() && upstream.isOpen()) {
                        client.suspendRead();
                    }
                }
            }
            default -> data.release();
        }
    }

    private void readConnect(Chunk data) {
        lastActivity = loop.now();
        int length = data.readable();
        int consumed = reader.feed(data.view(), data.start(), length, this);
        if (state == AWAIT_CONNECT && reader.failure() != null) {
            data.release();
            metrics.protocolErrors.increment(part.shard);
            log("unreadable packet before CONNECT (" + reader.failure() + ")");
            closeBoth("malformed packet");
            return;
        }
        if (state != HOOK) {
            // Still waiting for the rest of the CONNECT (the reader holds it), or refused.
            data.release();
            return;
        }
        if (consumed >= 0 && consumed < length) {
            data.window(data.start() + consumed, data.end());
            hold(data);
        } else {
            data.release();
        }
        startHook();
    }

    private void hold(Chunk data) {
        if (held == null) {
            held = new ArrayDeque<>(2);
        }
        held.add(data);
        client.suspendRead();
    }

    @Override
    public boolean frame(int fixedHeader, DirectBuffer buf, int offset, int length) {
        if (state == AWAIT_CONNECT) {
            connect(fixedHeader, buf, offset, length);
            return false;
        }
        if (state != OPEN) {
            return false;
        }
        switch (fixedHeader >>> 4) {
            case 3 -> inspectPublish(fixedHeader, buf, offset, length);
            case 6 -> inspectPubrel(fixedHeader, buf, offset, length);
            case 8 -> inspectSubscribe(fixedHeader, buf, offset, length);
            case 1 -> protocolError(ReasonCode.PROTOCOL_ERROR, "a second CONNECT");
            default -> forward(fixedHeader, buf, offset, length);
        }
        return state == OPEN;
    }

    // ================================================================ CONNECT and the hook

    private void connect(int fixedHeader, DirectBuffer buf, int offset, int length) {
        if ((fixedHeader >>> 4) != PacketType.CONNECT.value()) {
            metrics.protocolErrors.increment(part.shard);
            log("the first packet was not a CONNECT");
            closeBoth("the first packet was not a CONNECT");
            return;
        }
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
        int header = 1 + MqttEncoder.remainingLengthBytes(length);
        connectBytes = new byte[header + length];
        connectBytes[0] = (byte) fixedHeader;
        MqttEncoder.putRemainingLength(new UnsafeBuffer(connectBytes), 1, length);
        buf.getBytes(offset, connectBytes, header, length);
        info = new MqttClientInfo(packet, client.remoteAddress(), client.localAddress(), part.shard, group.peers());
        long keepAlive = packet.keepAlive();
        // Keep alive: the client must send something within one and a half times the interval.
        idleNanos = keepAlive > 0 ? TimeUnit.SECONDS.toNanos(keepAlive) * 3 / 2 : settings.idleTimeout().toNanos();
        state = HOOK;
    }

    private void startHook() {
        client.suspendRead();
        if (service.blockingConnect) {
            MqttHooks<C> hooks = service.hooks;
            MqttClientInfo who = info;
            C ctx = context;
            Thread.ofVirtual().name("isthmus-mqtt-connect").start(() -> {
                ConnectDecision decision = null;
                Throwable error = null;
                try {
                    decision = hooks.connect(who, ctx);
                } catch (Throwable t) {
                    error = t;
                }
                ConnectDecision d = decision;
                Throwable e = error;
                loop.execute(() -> afterHook(d, e));
            });
            return;
        }
        ConnectDecision decision = null;
        Throwable error = null;
        try {
            decision = service.hooks.connect(info, context);
        } catch (Exception e) {
            error = e;
        }
        afterHook(decision, error);
    }

    private void afterHook(ConnectDecision decision, Throwable error) {
        if (state != HOOK) {
            return;
        }
        if (error != null || decision == null) {
            refuse(ReasonCode.SERVER_UNAVAILABLE, "the connect hook failed: "
                    + (error != null ? error : "it returned null"));
            return;
        }
        if (decision.isRejected()) {
            refuse(decision.reason(), "refused by the connect hook");
            return;
        }
        routed = decision.peer();
        byte[] key = info.clientId().isEmpty() || group.algorithm() == BalanceAlgorithm.IP_HASH
                ? client.remoteAddressText() : info.clientId().getBytes(StandardCharsets.UTF_8);
        keyHash = part.selection.hashKey(new UnsafeBuffer(key), 0, key.length);
        loop.timers().cancel(this);
        state = CONNECTING;
        if (!connectUpstream()) {
            metrics.noUpstream.increment(part.shard);
            refuse(ReasonCode.SERVER_UNAVAILABLE, "no broker to connect to");
        }
    }

    /**
     * A CONNECT the proxy answers itself: the client gets a CONNACK with {@code reason} (in
     * 3.1.1, where 3.1.1 has a return code for it), then the connection closes.
     */
    private void refuse(ReasonCode reason, String why) {
        metrics.refusedConnects.increment(part.shard);
        log("refused CONNECT: " + why + " (" + reason + ")");
        if (version == MqttVersion.V5 || reason.v3ConnackCode() >= 0) {
            ReasonCode code = version == MqttVersion.V5
                    ? (reason.allowedIn(PacketType.CONNACK) ? reason : ReasonCode.UNSPECIFIED_ERROR) : reason;
            toClient.encode(version, new ConnackPacket(false, code, MqttProperties.EMPTY));
        }
        closeBoth("refused: " + why);
    }

    // ================================================================ choosing and connecting a broker

    /** Starts connecting the next broker; false when none is left to try. */
    private boolean connectUpstream() {
        Peer next = nextPeer();
        if (next == null) {
            return false;
        }
        peer = next;
        tried.add(next);
        upstream = loop.io().connect(next.address(), settings.upstreamConnectTimeout().toNanos(), upstreamSide);
        return true;
    }

    private Peer nextPeer() {
        if (routed != null && tried.isEmpty()) {
            selected = false;
            return routed;
        }
        if (routed != null && !inGroup(routed)) {
            return null;
        }
        if (tried.size() > group.retries()) {
            return null;
        }
        long now = loop.now();
        Peer next = part.selection.select(keyHash, p -> p.isUsable(now) && !tried.contains(p));
        if (next == null && tried.isEmpty()) {
            // Every broker is marked down: try the one the client belongs to all the same.
            next = part.selection.select(keyHash, p -> true);
        }
        selected = next != null;
        return next;
    }

    private boolean inGroup(Peer p) {
        List<Peer> peers = group.peers();
        return p.index() < peers.size() && peers.get(p.index()) == p;
    }

    private void releasePeer() {
        if (selected) {
            part.selection.release(peer);
            selected = false;
        }
    }

    private void upstreamConnected(Connection c) {
        if (state != CONNECTING || c != upstream) {
            c.close();
            return;
        }
        if (inGroup(peer)) {
            group.passiveHealth().recordSuccess(peer);
        }
        metrics.proxiedConnections.increment(part.shard);
        state = OPEN;
        inspecting = service.inspects;
        toUpstream = new ProxyOutbox(loop);
        toUpstream.target(upstream);
        if (settings.proxyProtocol()) {
            toUpstream.bytes(ProxyProtocolV2.header(client.remoteAddress(), client.localAddress()));
        }
        toUpstream.bytes(connectBytes);
        connectBytes = null;
        if (inspecting) {
            startInspection();
        }
        ArrayDeque<Chunk> pending = held;
        held = null;
        if (pending != null) {
            for (Chunk chunk : pending) {
                if (state != OPEN) {
                    chunk.release();
                } else if (inspecting) {
                    inspectClient(chunk);
                } else {
                    toUpstream.push();
                    metrics.bytesToUpstream.add(part.shard, chunk.readable());
                    upstream.write(chunk);
                }
            }
        }
        if (state != OPEN) {
            return;
        }
        metrics.bytesToUpstream.add(part.shard, toUpstream.takeCount());
        boolean more = toUpstream.flush();
        if (state != OPEN) {
            return;
        }
        if (more) {
            client.resumeRead();
        }
        lastActivity = loop.now();
        if (idleNanos > 0) {
            loop.timers().schedule(this, lastActivity + idleNanos);
        }
        if (!inspecting) {
            startSplice();
        }
    }

    private void upstreamConnectFailed(Connection c, IOException cause) {
        if (state != CONNECTING || c != upstream) {
            return;
        }
        upstream = null;
        metrics.upstreamConnectFailures.increment(part.shard);
        if (inGroup(peer)) {
            group.passiveHealth().recordFailure(peer, loop.now());
        }
        releasePeer();
        log("broker " + peer.name() + " could not be reached: " + cause.getMessage());
        if (connectUpstream()) {
            metrics.failovers.increment(part.shard);
            return;
        }
        metrics.noUpstream.increment(part.shard);
        refuse(ReasonCode.SERVER_UNAVAILABLE, "no broker could be reached (tried " + tried + ")");
    }

    /** Pass-through on a transport that splices: from here on the bytes move inside the kernel, both ways. */
    private void startSplice() {
        SpliceCapability fromClient = client.splice();
        SpliceCapability fromUpstream = upstream.splice();
        if (!settings.splice() || fromClient == null || fromUpstream == null) {
            return;
        }
        splicing = true;
        metrics.splicedConnections.increment(part.shard);
        Connection up = upstream;
        fromUpstream.spliceTo(client, -1, (bytes, error) -> {
            if (state == OPEN) {
                boolean targetFailed = error instanceof SpliceCapability.TargetFailedException;
                sideEnded(targetFailed ? client : up, error == null ? "the broker closed the connection"
                        : (targetFailed ? "the client connection failed: " : "the broker connection failed: ")
                        + error.getMessage());
            }
        });
        fromClient.spliceTo(up, -1, (bytes, error) -> {
            if (state == OPEN) {
                boolean targetFailed = error instanceof SpliceCapability.TargetFailedException;
                sideEnded(targetFailed ? up : client, error == null ? "the client closed the connection"
                        : (targetFailed ? "the broker connection failed: " : "the client connection failed: ")
                        + error.getMessage());
            }
        });
    }

    // ================================================================ the broker's side

    private void upstreamRead(Chunk data) {
        if (state != OPEN) {
            data.release();
            return;
        }
        lastActivity = loop.now();
        if (inspecting) {
            brokerReader.feed(data.view(), data.start(), data.readable(), brokerFrames);
            data.release();
            if (state != OPEN) {
                return;
            }
            if (brokerReader.failure() != null) {
                log("unreadable packet from broker " + peer.name() + " (" + brokerReader.failure() + ")");
                closeBoth("malformed packet from the broker");
                return;
            }
            flushInspection();
            return;
        }
        metrics.bytesToClient.add(part.shard, data.readable());
        client.write(data);
        if (!client.flush() && client.isOpen()) {
            upstream.suspendRead();
        }
    }

    @Override
    public void onWritable(Connection c) {
        if (state == OPEN && upstream != null) {
            upstream.resumeRead();
        }
    }

    // ================================================================ inspection

    private void startInspection() {
        brokerReader = new FrameReader(FrameReader.PROTOCOL_MAX_PACKET_SIZE);
        publish = new PublishView();
        ack = new AckView();
        bindRules(info.clientId());
        tokens = settings.publishBurst();
        tokensAt = loop.now();
    }

    private void bindRules(String clientId) {
        publishRules = settings.publishRules().bind(clientId, info.userName());
        subscribeRules = settings.subscribeRules().bind(clientId, info.userName());
    }

    private void inspectClient(Chunk data) {
        reader.feed(data.view(), data.start(), data.readable(), this);
        data.release();
        if (state != OPEN) {
            return;
        }
        if (reader.failure() != null) {
            protocolError(reader.failure(), "unreadable packet");
            return;
        }
        flushInspection();
    }

    private void flushInspection() {
        metrics.bytesToUpstream.add(part.shard, toUpstream.takeCount());
        metrics.bytesToClient.add(part.shard, toClient.takeCount());
        if (!toUpstream.isEmpty() && !toUpstream.flush() && upstream.isOpen()) {
            client.suspendRead();
        }
        if (state == OPEN && !toClient.isEmpty() && !toClient.flush() && client.isOpen()) {
            upstream.suspendRead();
        }
    }

    private void forward(int fixedHeader, DirectBuffer buf, int offset, int length) {
        if (!toUpstream.packet(fixedHeader, buf, offset, length)) {
            fail("out of buffer memory");
        }
    }

    private void inspectPublish(int fixedHeader, DirectBuffer buf, int offset, int length) {
        ReasonCode check = publish.wrap(version, fixedHeader, buf, offset, length);
        if (check != ReasonCode.SUCCESS) {
            protocolError(check, "bad PUBLISH");
            return;
        }
        String topic = null;
        if (publish.topicLength() > 0) {
            topic = publish.topicString();
            if (publish.hasTopicAlias()) {
                rememberAlias(publish.topicAlias(), topic);
            }
        } else if (publish.hasTopicAlias()) {
            topic = alias(publish.topicAlias());
        }
        if (settings.publishRate() > 0 && !takeToken()) {
            refusePublish(ReasonCode.QUOTA_EXCEEDED, metrics.rateLimitedPublishes, "over the publish rate limit",
                    topic);
            return;
        }
        if (topic != null && !publishRules.allowsTopic(topic)) {
            refusePublish(ReasonCode.NOT_AUTHORIZED, metrics.refusedPublishes, "not allowed by the publish rules",
                    topic);
            return;
        }
        ReasonCode verdict;
        try {
            verdict = service.hooks.publish(info, topic, publish, context);
        } catch (RuntimeException e) {
            log("the publish hook failed: " + e);
            verdict = ReasonCode.UNSPECIFIED_ERROR;
        }
        if (verdict != null && verdict.isError()) {
            refusePublish(verdict, metrics.refusedPublishes, "refused by the publish hook", topic);
            return;
        }
        if (publish.hasTopicAlias()) {
            int alias = publish.topicAlias();
            if (publish.topicLength() == 0 && topic != null && !aliasAtBroker[alias]) {
                // The PUBLISH that set this alias up was refused, so the broker does not know it:
                // this one goes with its topic (and the alias, which sets it up at the broker).
                forwardWithTopic(fixedHeader, buf, offset, length, topic);
                aliasAtBroker[alias] = true;
                return;
            }
            if (publish.topicLength() > 0) {
                aliasAtBroker[alias] = true;
            }
        }
        forward(fixedHeader, buf, offset, length);
    }

    /** A PUBLISH whose topic name is empty (a topic alias stands for it), sent with {@code topic} written in. */
    private void forwardWithTopic(int fixedHeader, DirectBuffer buf, int offset, int length, String topic) {
        byte[] name = topic.getBytes(StandardCharsets.UTF_8);
        int bodyLength = length + name.length;
        byte[] head = new byte[1 + MqttEncoder.remainingLengthBytes(bodyLength) + 2 + name.length];
        UnsafeBuffer h = new UnsafeBuffer(head);
        h.putByte(0, (byte) fixedHeader);
        int p = 1 + MqttEncoder.putRemainingLength(h, 1, bodyLength);
        head[p] = (byte) (name.length >>> 8);
        head[p + 1] = (byte) name.length;
        System.arraycopy(name, 0, head, p + 2, name.length);
        // The body's own topic field is its two zero length bytes: the rest follows them.
        if (!toUpstream.bytes(head) || !toUpstream.copy(buf, offset + 2, length - 2)) {
            fail("out of buffer memory");
        }
    }

    /** The token bucket of the publish rate limit: {@code rate} tokens a second, at most {@code burst} saved. */
    private boolean takeToken() {
        long now = loop.now();
        double burst = settings.publishBurst();
        if (tokens < burst) {
            tokens = Math.min(burst, tokens + (now - tokensAt) * settings.publishRate() / 1e9);
        }
        tokensAt = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    /**
     * A refused PUBLISH: a v5 client's QoS 1 or 2 message is answered with {@code reason} in its
     * PUBACK or PUBREC (the exchange ends there). A 3.1.1 client cannot be told: its message is
     * dropped and acknowledged as if delivered, as mosquitto does for a publish its ACL denies,
     * so the client does not resend it forever. QoS 0 is dropped.
     */
    private void refusePublish(ReasonCode reason, ShardedCounter counter, String why, String topic) {
        counter.increment(part.shard);
        if (mayLog()) {
            part.info("MQTT client " + client.remoteAddress() + " (" + info.clientId() + "): refused PUBLISH to "
                    + topic + ": " + why);
        }
        if (publish.hasTopicAlias() && publish.topicLength() > 0) {
            aliasAtBroker[publish.topicAlias()] = false;
        }
        int qos = publish.qos();
        if (qos == 0) {
            return;
        }
        boolean v5 = version == MqttVersion.V5;
        PacketType type = qos == 1 ? PacketType.PUBACK : PacketType.PUBREC;
        ReasonCode code = !v5 ? ReasonCode.SUCCESS : reason.allowedIn(type) ? reason : ReasonCode.UNSPECIFIED_ERROR;
        if (!toClient.ack(version, type, publish.packetId(), code)) {
            fail("out of buffer memory");
            return;
        }
        if (qos == 2) {
            // A 3.1.1 client goes on with PUBREL, and so do some v5 clients (Paho) after a refusing PUBREC:
            // the broker never saw the message, so the proxy completes the exchange.
            if (localQos2 == null) {
                localQos2 = new IntHashSet();
            }
            localQos2.add(publish.packetId());
        }
    }

    private void inspectPubrel(int fixedHeader, DirectBuffer buf, int offset, int length) {
        if (localQos2 != null && !localQos2.isEmpty()) {
            ReasonCode check = ack.wrap(version, fixedHeader, buf, offset, length);
            if (check != ReasonCode.SUCCESS) {
                protocolError(check, "bad PUBREL");
                return;
            }
            if (localQos2.remove(ack.packetId())) {
                if (!toClient.ack(version, PacketType.PUBCOMP, ack.packetId(), ReasonCode.SUCCESS)) {
                    fail("out of buffer memory");
                }
                return;
            }
        }
        forward(fixedHeader, buf, offset, length);
    }

    private void inspectSubscribe(int fixedHeader, DirectBuffer buf, int offset, int length) {
        Decoded<MqttPacket> decoded = MqttDecoder.decode(version, fixedHeader, buf, offset, length);
        if (!decoded.isOk()) {
            Decoded.Failure<MqttPacket> failure = (Decoded.Failure<MqttPacket>) decoded;
            protocolError(failure.reason(), failure.detail());
            return;
        }
        if (!(decoded.packetOrNull() instanceof SubscribePacket packet)) {
            protocolError(ReasonCode.PROTOCOL_ERROR, "not a SUBSCRIBE");
            return;
        }
        List<Subscription> subscriptions = packet.subscriptions();
        ReasonCode[] refused = null;
        List<Subscription> allowed = new ArrayList<>(subscriptions.size());
        for (int i = 0; i < subscriptions.size(); i++) {
            Subscription subscription = subscriptions.get(i);
            ReasonCode verdict = subscribeRules.allowsFilter(subscription.topicFilter())
                    ? hookSubscribe(subscription) : ReasonCode.NOT_AUTHORIZED;
            if (verdict != null && verdict.isError()) {
                if (refused == null) {
                    refused = new ReasonCode[subscriptions.size()];
                }
                refused[i] = verdict.allowedIn(PacketType.SUBACK) ? verdict : ReasonCode.UNSPECIFIED_ERROR;
                metrics.refusedSubscriptions.increment(part.shard);
                if (mayLog()) {
                    part.info("MQTT client " + client.remoteAddress() + " (" + info.clientId()
                            + "): refused SUBSCRIBE to " + subscription.topicFilter() + " (" + refused[i] + ")");
                }
            } else {
                allowed.add(subscription);
            }
        }
        if (refused == null) {
            forward(fixedHeader, buf, offset, length);
        } else if (allowed.isEmpty()) {
            if (!toClient.encode(version, new SubackPacket(packet.packetId(), Arrays.asList(refused),
                    MqttProperties.EMPTY))) {
                fail("out of buffer memory");
            }
        } else {
            if (pendingSubacks == null) {
                pendingSubacks = new Int2ObjectHashMap<>();
            }
            pendingSubacks.put(packet.packetId(), refused);
            if (!toUpstream.encode(version, new SubscribePacket(packet.packetId(), allowed, packet.properties()))) {
                fail("out of buffer memory");
            }
        }
    }

    private ReasonCode hookSubscribe(Subscription subscription) {
        try {
            return service.hooks.subscribe(info, subscription, context);
        } catch (RuntimeException e) {
            log("the subscribe hook failed: " + e);
            return ReasonCode.UNSPECIFIED_ERROR;
        }
    }

    private void rememberAlias(int alias, String topic) {
        if (topicAliases == null) {
            topicAliases = new String[Math.max(16, alias + 1)];
            aliasAtBroker = new boolean[topicAliases.length];
        } else if (alias >= topicAliases.length) {
            topicAliases = Arrays.copyOf(topicAliases, Math.max(alias + 1, topicAliases.length * 2));
            aliasAtBroker = Arrays.copyOf(aliasAtBroker, topicAliases.length);
        }
        topicAliases[alias] = topic;
    }

    private String alias(int alias) {
        return topicAliases != null && alias < topicAliases.length ? topicAliases[alias] : null;
    }

    /** Packets from the broker, in inspection mode: forwarded whole, SUBACKs merged with the proxy's refusals. */
    private final class BrokerFrames implements FrameSink {
        @Override
        public boolean frame(int fixedHeader, DirectBuffer buf, int offset, int length) {
            int type = fixedHeader >>> 4;
            if (type == PacketType.CONNACK.value() && !connackSeen) {
                connackSeen = true;
                assignedClientId(fixedHeader, buf, offset, length);
            } else if (type == PacketType.SUBACK.value() && pendingSubacks != null && !pendingSubacks.isEmpty()
                    && mergedSuback(fixedHeader, buf, offset, length)) {
                return state == OPEN;
            }
            if (!toClient.packet(fixedHeader, buf, offset, length)) {
                fail("out of buffer memory");
            }
            return state == OPEN;
        }
    }

    /** A v5 client without a client id gets one from the broker: the rules' %c means that one. */
    private void assignedClientId(int fixedHeader, DirectBuffer buf, int offset, int length) {
        if (version != MqttVersion.V5 || !info.clientId().isEmpty()) {
            return;
        }
        Decoded<MqttPacket> decoded = MqttDecoder.decode(version, fixedHeader, buf, offset, length);
        if (decoded.packetOrNull() instanceof ConnackPacket connack
                && connack.properties().has(PropertyId.ASSIGNED_CLIENT_IDENTIFIER)) {
            bindRules(connack.properties().assignedClientIdentifier());
        }
    }

    private boolean mergedSuback(int fixedHeader, DirectBuffer buf, int offset, int length) {
        Decoded<MqttPacket> decoded = MqttDecoder.decode(version, fixedHeader, buf, offset, length);
        if (!(decoded.packetOrNull() instanceof SubackPacket suback)) {
            return false;
        }
        ReasonCode[] refused = pendingSubacks.remove(suback.packetId());
        if (refused == null) {
            return false;
        }
        List<ReasonCode> merged = new ArrayList<>(refused.length);
        int next = 0;
        for (ReasonCode code : refused) {
            if (code != null) {
                merged.add(code);
            } else {
                merged.add(next < suback.reasonCodes().size() ? suback.reasonCodes().get(next++)
                        : ReasonCode.UNSPECIFIED_ERROR);
            }
        }
        if (!toClient.encode(version, new SubackPacket(suback.packetId(), merged, suback.properties()))) {
            fail("out of buffer memory");
        }
        return true;
    }

    // ================================================================ timers

    @Override
    protected void onTimeout(long nowNanos) {
        switch (state) {
            case AWAIT_CONNECT -> {
                log("no CONNECT within " + settings.connectTimeout().toMillis() + " ms");
                closeBoth("no CONNECT in time");
            }
            case HOOK -> refuse(ReasonCode.SERVER_UNAVAILABLE, "the connect hook took longer than "
                    + settings.connectTimeout().toMillis() + " ms");
            case OPEN -> idleCheck(nowNanos);
            case CLOSING -> finish();
            default -> {
            }
        }
    }

    private void idleCheck(long now) {
        if (idleNanos == 0) {
            return;
        }
        if (splicing) {
            long moved = client.splice().moved() + upstream.splice().moved();
            if (moved != splicedSeen) {
                splicedSeen = moved;
                lastActivity = now;
            }
        }
        long due = lastActivity + idleNanos;
        if (now - due < 0) {
            loop.timers().schedule(this, due);
            return;
        }
        metrics.idleTimeouts.increment(part.shard);
        log("no traffic for " + TimeUnit.NANOSECONDS.toMillis(idleNanos) + " ms: closing");
        if (inspecting && version == MqttVersion.V5) {
            toClient.encode(version, new DisconnectPacket(ReasonCode.KEEP_ALIVE_TIMEOUT, MqttProperties.EMPTY));
        }
        closeBoth("idle timeout");
    }

    // ================================================================ ending

    @Override
    public void onReadEnd(Connection c) {
        if (state == CLOSING) {
            finish();
        } else if (state == OPEN) {
            sideEnded(client, "the client closed the connection");
        } else {
            closeBoth("the client closed the connection");
        }
    }

    @Override
    public void onError(Connection c, IOException cause) {
        if (state == CLOSING) {
            finish();
        } else if (state != CLOSED) {
            closeBoth("the client connection failed: " + cause.getMessage());
        }
    }

    /**
     * {@code gone} ended (end of stream, or failed): it is closed, and the other side gets what
     * is still queued for it, a FIN, and {@link #LINGER_NANOS} to close.
     */
    private void sideEnded(Connection gone, String why) {
        if (state != OPEN) {
            return;
        }
        endReason = why;
        Connection other = gone == client ? upstream : client;
        gone.close();
        if (other == null || !other.isOpen()) {
            finish();
            return;
        }
        state = CLOSING;
        if (inspecting) {
            (other == client ? toClient : toUpstream).flush();
        }
        other.shutdownOutput();
        other.resumeRead();
        loop.timers().cancel(this);
        loop.timers().schedule(this, loop.now() + LINGER_NANOS);
    }

    /** The client broke the protocol: a v5 client is told why, then both connections end. */
    private void protocolError(ReasonCode reason, String detail) {
        if (state == CLOSED || state == CLOSING) {
            return;
        }
        metrics.protocolErrors.increment(part.shard);
        log("protocol error: " + detail + " (" + reason + ")");
        if (version == MqttVersion.V5 && state == OPEN && reason.allowedIn(PacketType.DISCONNECT)) {
            toClient.encode(version, new DisconnectPacket(reason, MqttProperties.EMPTY));
        }
        closeBoth(detail);
    }

    private void fail(String why) {
        log(why);
        closeBoth(why);
    }

    /** Graceful shutdown of the server: see {@link ProxyLoop#drain}. */
    void serverShutdown() {
        if (state == OPEN && inspecting && version == MqttVersion.V5) {
            toClient.encode(version, new DisconnectPacket(ReasonCode.SERVER_SHUTTING_DOWN, MqttProperties.EMPTY));
        }
        closeBoth("server shutting down");
    }

    void abort() {
        if (upstream != null) {
            upstream.close();
        }
        client.close();
        finish();
    }

    /** Both connections end now; what was written for the client (a CONNACK, a DISCONNECT) is flushed first. */
    private void closeBoth(String why) {
        if (state == CLOSED) {
            return;
        }
        if (endReason == null) {
            endReason = why;
        }
        if (client.isOpen()) {
            if (!toClient.isEmpty()) {
                metrics.bytesToClient.add(part.shard, toClient.takeCount());
                toClient.flush();
            }
            client.close();
        }
        if (upstream != null && upstream.isOpen()) {
            upstream.close();
        }
        finish();
    }

    private void finish() {
        if (state == CLOSED) {
            return;
        }
        state = CLOSED;
        loop.timers().cancel(this);
        if (client.isOpen()) {
            client.close();
        }
        if (upstream != null && upstream.isOpen()) {
            upstream.close();
        }
        if (splicing) {
            metrics.bytesToClient.add(part.shard, upstream.splice().moved());
            metrics.bytesToUpstream.add(part.shard, client.splice().moved());
        }
        reader.close();
        if (brokerReader != null) {
            brokerReader.close();
        }
        toClient.release();
        if (toUpstream != null) {
            toUpstream.release();
        }
        if (held != null) {
            held.forEach(Chunk::release);
            held = null;
        }
        releasePeer();
        part.closed(this);
        if (info != null) {
            try {
                service.hooks.disconnected(info, endReason == null ? "closed" : endReason, context);
            } catch (RuntimeException e) {
                log("the disconnected hook failed: " + e);
            }
        }
    }

    /** Whether a line may go to the log now (at most 10 a second per loop); counts it as suppressed if not. */
    private boolean mayLog() {
        return part.log.allow(loop.now());
    }

    /** One line, within the loop's budget; hot paths ask {@link #mayLog()} before building {@code what}. */
    private void log(String what) {
        if (!mayLog()) {
            return;
        }
        part.info("MQTT client " + client.remoteAddress()
                + (info != null && !info.clientId().isEmpty() ? " (" + info.clientId() + ")" : "") + ": " + what);
    }

    /** The upstream connection's events. */
    private final class Upstream implements ConnectionHandler {
        @Override
        public void onConnected(Connection connection) {
            upstreamConnected(connection);
        }

        @Override
        public void onConnectFailed(Connection connection, IOException cause) {
            upstreamConnectFailed(connection, cause);
        }

        @Override
        public void onRead(Connection connection, Chunk data) {
            upstreamRead(data);
        }

        @Override
        public void onReadEnd(Connection connection) {
            if (state == CLOSING) {
                finish();
            } else if (state == OPEN) {
                sideEnded(connection, "the broker closed the connection");
            }
        }

        @Override
        public void onWritable(Connection connection) {
            if (state == OPEN) {
                client.resumeRead();
            }
        }

        @Override
        public void onError(Connection connection, IOException cause) {
            if (state == CLOSING) {
                finish();
            } else if (state == OPEN) {
                closeBoth("the broker connection failed: " + cause.getMessage());
            }
        }
    }
}
