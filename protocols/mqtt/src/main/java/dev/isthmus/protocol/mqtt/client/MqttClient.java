package dev.isthmus.protocol.mqtt.client;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.IntHashSet;

import dev.isthmus.core.buffer.Chunk;
import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.loop.FlushBatch;
import dev.isthmus.core.observe.RateLimitedLog;
import dev.isthmus.core.timer.Timer;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.ConnectionHandler;
import dev.isthmus.core.transport.OutboundChunks;
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
import dev.isthmus.protocol.mqtt.codec.PingreqPacket;
import dev.isthmus.protocol.mqtt.codec.PropertyId;
import dev.isthmus.protocol.mqtt.codec.PublishEncoder;
import dev.isthmus.protocol.mqtt.codec.PublishView;
import dev.isthmus.protocol.mqtt.codec.ReasonCode;
import dev.isthmus.protocol.mqtt.codec.SubackPacket;
import dev.isthmus.protocol.mqtt.codec.SubscribePacket;
import dev.isthmus.protocol.mqtt.codec.Subscription;
import dev.isthmus.protocol.mqtt.codec.UnsubackPacket;
import dev.isthmus.protocol.mqtt.codec.UnsubscribePacket;

/**
 * An MQTT 3.1.1 or 5.0 client connection on one event loop that stays connected: it connects,
 * keeps the connection alive with PINGREQ, and after losing it (or being refused) connects
 * again after a capped, jittered back-off ({@link ReconnectDelay}), until {@link #stop()}.
 * Every method must be called on the loop's thread, and the {@link MqttClientListener} is told
 * everything there.
 *
 * <p>Publishing: {@link #publish} writes a QoS 0 message at once and keeps a QoS 1 or 2
 * publication, under a packet identifier of its own, until the broker acknowledges it (PUBACK,
 * or PUBREC, PUBREL and PUBCOMP). At most {@code maxInflight} are unacknowledged (fewer when a
 * 5.0 broker's Receive Maximum says so); beyond that, while disconnected, or while the socket
 * is backed up, {@code publish} returns false and {@link MqttClientListener#ready()} follows
 * when there is room. After a reconnect the publications still unacknowledged are sent again
 * first, in their original order (PUBLISH with DUP, or PUBREL for QoS 2 already received),
 * whether or not the broker kept the session, so nothing accepted is lost to a broker restart
 * (at least once; exactly once for QoS 2 only while the broker keeps the session). Publishing
 * allocates nothing: the publication describes itself into a reused {@link PublishEncoder},
 * which writes straight into the outbound chunk.
 *
 * <p>Receiving: each PUBLISH goes to {@link MqttClientListener#message}; QoS 1 and 2 are
 * acknowledged when the owner calls {@link #acknowledge}, so a message is acknowledged only
 * once the owner has done what delivering means to it. QoS 2 is passed on once per packet
 * identifier until the broker's PUBREL, also across reconnects of a kept session.
 *
 * <p>Subscriptions given to {@link #subscribe} are kept and renewed after every reconnect to a
 * broker that did not keep the session. Caveats: no topic aliases, no AUTH exchange, no TLS.
 */
public final class MqttClient implements ConnectionHandler, FrameSink, FlushBatch.Member {
    private static final System.Logger LOG = System.getLogger(MqttClient.class.getName());

    private static final int NEW = 0;
    private static final int RESOLVING = 1;
    private static final int CONNECTING = 2;
    private static final int AWAIT_CONNACK = 3;
    private static final int CONNECTED = 4;
    /** Waiting for the reconnect delay. */
    private static final int WAITING = 5;
    /** DISCONNECT sent; waiting for the broker to close. */
    private static final int STOPPING = 6;
    private static final int STOPPED = 7;

    private static final int WRITTEN = 0;
    private static final int NO_MEMORY = 1;
    private static final int TOO_LARGE = 2;
    /** Part of a large packet was written before the pool ran dry: the stream is broken. */
    private static final int BROKEN = 3;

    private static final int MAX_PACKET_ID = 0xFFFF;
    /**
     * Bytes written between two flushes before {@link #publish} says "not now": a burst leaves
     * in slices, and the socket's back-pressure can take effect, instead of the whole burst
     * filling the loop's buffer pool (which every connection of the loop shares) in one go.
     */
    static final int MAX_UNFLUSHED_BYTES = 64 << 10;
    private static final long GENERATION_MASK = (1L << 22) - 1;
    private static final long EPOCH_MASK = (1L << 24) - 1;

    private final EventLoop loop;
    private final MqttClientSettings settings;
    private final MqttClientListener listener;
    private final MqttVersion version;
    private final FrameReader reader;
    private final OutboundChunks out;
    private final PublishEncoder encoder = new PublishEncoder();
    private final PublishView publishView = new PublishView();
    private final AckView ackView = new AckView();
    private final FlushBatch<MqttClient> flushes;
    private final ReconnectDelay reconnectDelay;
    private final RateLimitedLog protocolLog = new RateLimitedLog(LOG, 10);

    private Connection connection;
    private int state = NEW;
    private boolean batched;
    /** Connections made so far: a QoS 1 acknowledgement is sent only on the connection its message came on. */
    private int generation;
    /** Sessions the broker has started for us: inbound QoS 2 state belongs to one. */
    private int sessionEpoch;
    private int resolveAttempt;
    private String clientId;

    // ---- what the CONNACK granted
    private int sendQuota;
    private int maxQos = 2;
    private boolean retainAvailable = true;
    private long brokerMaxPacket;
    private long keepAliveNanos;

    // ---- QoS 1 and 2 towards the broker, oldest first
    private final Int2ObjectHashMap<Inflight> inflightById = new Int2ObjectHashMap<>();
    private Inflight[] ring = new Inflight[16];
    private int ringHead;
    private int ringTail;
    /** Ring position from which publications still wait to be sent on this connection. */
    private int unsent;
    /** Publications sent on this connection and not done. */
    private int onWire;
    private Inflight spare;
    private int nextPacketId = 1;
    /** {@link #publish} said no since the last {@link MqttClientListener#ready()}. */
    private boolean refused;
    /** PUBLISH bytes written since the last flush. */
    private int unflushed;

    // ---- QoS 2 from the broker
    /** Passed to the listener, not yet acknowledged by it. */
    private final IntHashSet routing = new IntHashSet();
    /** Acknowledged with PUBREC, waiting for PUBREL. */
    private final IntHashSet awaitingRelease = new IntHashSet();

    // ---- subscriptions
    private final LinkedHashMap<String, Subscription> subscriptions = new LinkedHashMap<>();
    private final Set<String> confirmed = new HashSet<>();
    private final Int2ObjectHashMap<List<String>> pendingSubscribes = new Int2ObjectHashMap<>();
    private final Int2ObjectHashMap<List<String>> pendingUnsubscribes = new Int2ObjectHashMap<>();

    // ---- keep alive
    private long lastSent;
    private long lastReceived;
    /** When the outstanding PINGREQ went out, or 0. */
    private long pingSent;

    private final Timer keepAliveTimer = Timer.calling(this::keepAlive);
    /** The CONNACK (or, stopping, the broker's close) is late. */
    private final Timer answerTimer = Timer.calling(now -> answerLate());
    private final Timer reconnectTimer = Timer.calling(now -> {
        if (state == WAITING) {
            connectNow();
        }
    });

    public MqttClient(EventLoop loop, MqttClientSettings settings, MqttClientListener listener) {
        this.loop = loop;
        this.settings = settings;
        this.listener = listener;
        this.version = settings.version();
        this.clientId = settings.clientId();
        this.reader = new FrameReader(Math.min(settings.maxPacketBytes(), FrameReader.PROTOCOL_MAX_PACKET_SIZE));
        this.out = new OutboundChunks(loop);
        // A client mostly publishes in bursts; what it writes is released once flushed.
        out.preferLargeChunks(true);
        this.flushes = new FlushBatch<>(loop);
        this.reconnectDelay = new ReconnectDelay(settings.reconnectMin().toNanos(), settings.reconnectMax().toNanos());
    }

    // ---- lifecycle

    /** Starts connecting; from then on the client reconnects whenever the connection is lost, until {@link #stop()}. */
    public void start() {
        if (state != NEW) {
            throw new IllegalStateException("the client was started before");
        }
        connectNow();
    }

    /**
     * Ends the client: a connected one sends DISCONNECT (its will is not published) and closes
     * once the broker has closed, or after the connect timeout; otherwise it closes now. No
     * reconnect follows; publications still unacknowledged are dropped.
     */
    public void stop() {
        if (state == CONNECTED) {
            writePacket(DisconnectPacket.NORMAL);
            if (state != CONNECTED) {
                finish(); // the DISCONNECT found no buffer and the connection went with it
                return;
            }
            state = STOPPING;
            loop.timers().cancel(keepAliveTimer);
            out.flush();
            if (connection.isOpen()) {
                connection.shutdownOutput();
            }
            loop.timers().schedule(answerTimer, loop.now() + settings.connectTimeout().toNanos());
        } else if (state != STOPPING && state != STOPPED) {
            finish();
        }
    }

    /** Closes at once, without DISCONNECT (the broker publishes the will); no reconnect follows. */
    public void abort() {
        if (state != STOPPED) {
            finish();
        }
    }

    private void answerLate() {
        if (state == AWAIT_CONNACK) {
            lost("no CONNACK within " + settings.connectTimeout().toMillis() + " ms", false);
        } else if (state == STOPPING) {
            finish();
        }
    }

    private void finish() {
        state = STOPPED;
        closeConnection();
        loop.timers().cancel(reconnectTimer);
        reader.close();
    }

    public boolean isConnected() {
        return state == CONNECTED;
    }

    /** Whether the client has ended ({@link #stop()} or {@link #abort()} done). */
    public boolean isStopped() {
        return state == STOPPED;
    }

    /** The client identifier in use: the configured one, or the one a 5.0 broker assigned. */
    public String clientId() {
        return clientId;
    }

    /** QoS 1 and 2 publications held until the broker acknowledges them. */
    public int inflight() {
        return inflightById.size();
    }

    public EventLoop loop() {
        return loop;
    }

    private void connectNow() {
        state = RESOLVING;
        int attempt = ++resolveAttempt;
        InetAddress literal = literal(settings.host());
        if (literal != null) {
            resolved(new InetSocketAddress(literal, settings.port()), attempt);
            return;
        }
        // A name lookup may block for seconds: never on the loop.
        Thread.ofVirtual().name("mqtt-resolve-" + settings.host()).start(() -> {
            InetSocketAddress address = new InetSocketAddress(settings.host(), settings.port());
            loop.execute(() -> resolved(address, attempt));
        });
    }

    private static InetAddress literal(String host) {
        try {
            return InetAddress.ofLiteral(host);
        } catch (IllegalArgumentException notALiteral) {
            return null;
        }
    }

    private void resolved(InetSocketAddress address, int attempt) {
        if (state != RESOLVING || attempt != resolveAttempt) {
            return;
        }
        if (address.isUnresolved()) {
            lost("cannot resolve " + settings.host(), false);
            return;
        }
        state = CONNECTING;
        generation++;
        connection = loop.io().connect(address, settings.connectTimeout().toNanos(), this);
        out.target(connection);
    }

    @Override
    public void onConnected(Connection c) {
        if (c != connection || state != CONNECTING) {
            return;
        }
        state = AWAIT_CONNACK;
        lastReceived = loop.now();
        writeConnect();
        loop.timers().schedule(answerTimer, loop.now() + settings.connectTimeout().toNanos());
    }

    @Override
    public void onConnectFailed(Connection c, IOException cause) {
        if (c == connection) {
            lost("cannot connect to " + settings.host() + ":" + settings.port() + ": " + describe(cause), false);
        }
    }

    @Override
    public void onReadEnd(Connection c) {
        if (c != connection) {
            return;
        }
        if (state == STOPPING) {
            finish();
        } else {
            lost("the broker closed the connection", state == CONNECTED);
        }
    }

    @Override
    public void onError(Connection c, IOException cause) {
        if (c != connection) {
            return;
        }
        if (state == STOPPING) {
            finish();
        } else {
            lost("connection failed: " + describe(cause), state == CONNECTED);
        }
    }

    @Override
    public void onWritable(Connection c) {
        if (c == connection && state == CONNECTED) {
            resend();
            maybeReady();
        }
    }

    private static String describe(IOException cause) {
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }

    /**
     * The connection is gone (or never came): everything in flight waits to be sent again, and
     * a reconnect is scheduled.
     */
    private void lost(String why, boolean wasConnected) {
        if (state == NEW || state == WAITING || state == STOPPED) {
            return;
        }
        if (state == STOPPING) {
            finish();
            return;
        }
        closeConnection();
        for (int i = ringHead; i != ringTail; i++) {
            Inflight entry = ring[i & (ring.length - 1)];
            if (entry.publication != null) {
                entry.needsSend = true;
            }
        }
        unsent = ringHead;
        onWire = 0;
        unflushed = 0;
        pendingSubscribes.clear();
        pendingUnsubscribes.clear();
        state = WAITING;
        loop.timers().schedule(reconnectTimer, loop.now() + reconnectDelay.next());
        if (wasConnected) {
            listener.disconnected(why);
        } else {
            listener.connectFailed(why);
        }
    }

    private void closeConnection() {
        loop.timers().cancel(keepAliveTimer);
        loop.timers().cancel(answerTimer);
        out.release();
        out.target(null);
        reader.reset();
        pingSent = 0;
        if (connection != null) {
            if (connection.isOpen()) {
                connection.close();
            }
            connection = null;
        }
    }

    // ---- packets in

    @Override
    public void onRead(Connection c, Chunk data) {
        try {
            if (c != connection) {
                return;
            }
            lastReceived = loop.now();
            int result = reader.feed(data.view(), data.start(), data.readable(), this);
            if (result < 0 && c == connection) {
                protocolError(reader.failure(), "unreadable packet");
            }
        } finally {
            data.release();
        }
    }

    @Override
    public boolean frame(int fixedHeader, DirectBuffer buf, int offset, int length) {
        Connection current = connection;
        if (state == AWAIT_CONNACK) {
            if (PacketType.of(fixedHeader) != PacketType.CONNACK) {
                protocolError(ReasonCode.PROTOCOL_ERROR, "the first packet was not a CONNACK");
                return false;
            }
            connack(fixedHeader, buf, offset, length);
        } else if (state == CONNECTED) {
            switch (PacketType.of(fixedHeader)) {
                case PUBLISH -> publishIn(fixedHeader, buf, offset, length);
                case PUBACK, PUBREC, PUBREL, PUBCOMP -> acknowledgement(fixedHeader, buf, offset, length);
                case SUBACK, UNSUBACK, DISCONNECT -> control(fixedHeader, buf, offset, length);
                case PINGRESP -> pingSent = 0;
                case null, default -> protocolError(ReasonCode.PROTOCOL_ERROR,
                        "a packet a broker does not send (type " + (fixedHeader >>> 4) + ")");
            }
        }
        return connection == current && state == CONNECTED;
    }

    private void connack(int fixedHeader, DirectBuffer buf, int offset, int length) {
        Decoded<MqttPacket> decoded = MqttDecoder.decode(version, fixedHeader, buf, offset, length);
        if (!(decoded.packetOrNull() instanceof ConnackPacket connack)) {
            protocolError(ReasonCode.MALFORMED_PACKET, "malformed CONNACK");
            return;
        }
        if (connack.reasonCode() != ReasonCode.SUCCESS) {
            lost("the broker refused the connection: " + connack.reasonCode(), false);
            return;
        }
        loop.timers().cancel(answerTimer);
        MqttProperties granted = connack.properties();
        boolean v5 = version == MqttVersion.V5;
        int receiveMaximum = v5 && granted.has(PropertyId.RECEIVE_MAXIMUM) ? granted.receiveMaximum() : 65_535;
        sendQuota = Math.min(settings.maxInflight(), receiveMaximum);
        maxQos = v5 && granted.has(PropertyId.MAXIMUM_QOS) ? granted.maximumQos() : 2;
        retainAvailable = !v5 || !granted.has(PropertyId.RETAIN_AVAILABLE) || granted.retainAvailable() == 1;
        brokerMaxPacket = v5 && granted.has(PropertyId.MAXIMUM_PACKET_SIZE) ? granted.maximumPacketSize() : 0;
        int keepAlive = v5 && granted.has(PropertyId.SERVER_KEEP_ALIVE)
                ? granted.serverKeepAlive() : settings.keepAliveSeconds();
        keepAliveNanos = TimeUnit.SECONDS.toNanos(keepAlive);
        if (v5 && granted.has(PropertyId.ASSIGNED_CLIENT_IDENTIFIER)) {
            clientId = granted.assignedClientIdentifier();
        }
        boolean present = connack.sessionPresent();
        if (!present) {
            // A new session at the broker: nothing it sent before is pending any more.
            sessionEpoch++;
            routing.clear();
            awaitingRelease.clear();
            confirmed.clear();
        }
        state = CONNECTED;
        reconnectDelay.reset();
        if (keepAliveNanos > 0) {
            loop.timers().schedule(keepAliveTimer, loop.now() + keepAliveNanos);
        }
        renewSubscriptions();
        resend();
        listener.connected(present);
        maybeReady();
    }

    private void publishIn(int fixedHeader, DirectBuffer buf, int offset, int length) {
        ReasonCode check = publishView.wrap(version, fixedHeader, buf, offset, length);
        if (check != ReasonCode.SUCCESS) {
            protocolError(check, "bad PUBLISH");
            return;
        }
        if (publishView.topicAlias() != 0) {
            // The CONNECT allowed none (Topic Alias Maximum 0).
            protocolError(ReasonCode.TOPIC_ALIAS_INVALID, "a topic alias, though none was allowed");
            return;
        }
        int qos = publishView.qos();
        int packetId = publishView.packetId();
        if (qos == 0) {
            listener.message(publishView, 0);
        } else if (qos == 1) {
            listener.message(publishView, token(1, packetId));
        } else if (awaitingRelease.contains(packetId)) {
            // Resent before our PUBREC arrived: passed on already.
            writeAck(PacketType.PUBREC, packetId, ReasonCode.SUCCESS);
        } else if (routing.add(packetId)) {
            listener.message(publishView, token(2, packetId));
        }
    }

    private long token(int qos, int packetId) {
        return ((sessionEpoch & EPOCH_MASK) << 40) | ((generation & GENERATION_MASK) << 18) | ((long) qos << 16)
                | packetId;
    }

    /**
     * Acknowledges a message {@link MqttClientListener#message} passed on. A QoS 1 token of an
     * earlier connection is ignored (the broker sends the message again); a QoS 2 one still
     * counts while the broker keeps the session, and the PUBREC goes out when the broker resends.
     */
    public void acknowledge(long ackToken) {
        int qos = (int) (ackToken >>> 16) & 3;
        int packetId = (int) ackToken & MAX_PACKET_ID;
        boolean thisConnection = ((ackToken >>> 18) & GENERATION_MASK) == (generation & GENERATION_MASK)
                && state == CONNECTED;
        if (qos == 1) {
            if (thisConnection) {
                writeAck(PacketType.PUBACK, packetId, ReasonCode.SUCCESS);
            }
        } else if (qos == 2 && ((ackToken >>> 40) & EPOCH_MASK) == (sessionEpoch & EPOCH_MASK)
                && routing.remove(packetId)) {
            awaitingRelease.add(packetId);
            if (thisConnection) {
                writeAck(PacketType.PUBREC, packetId, ReasonCode.SUCCESS);
            }
        }
    }

    private void acknowledgement(int fixedHeader, DirectBuffer buf, int offset, int length) {
        ReasonCode check = ackView.wrap(version, fixedHeader, buf, offset, length);
        if (check != ReasonCode.SUCCESS) {
            protocolError(check, "bad acknowledgement");
            return;
        }
        int packetId = ackView.packetId();
        ReasonCode reason = ackView.reasonCode();
        Inflight entry = inflightById.get(packetId);
        switch (ackView.type()) {
            case PUBACK -> {
                if (entry != null && entry.qos == 1) {
                    complete(entry, reason);
                }
            }
            case PUBREC -> {
                if (entry == null || entry.qos != 2) {
                    writeAck(PacketType.PUBREL, packetId, ReasonCode.PACKET_IDENTIFIER_NOT_FOUND);
                } else if (reason.isError()) {
                    complete(entry, reason);
                } else {
                    entry.released = true;
                    if (entry.needsSend) {
                        entry.needsSend = false;
                        onWire++;
                    }
                    writeAck(PacketType.PUBREL, packetId, ReasonCode.SUCCESS);
                }
            }
            case PUBCOMP -> {
                if (entry != null && entry.qos == 2) {
                    complete(entry, reason);
                }
            }
            case PUBREL -> {
                boolean known = awaitingRelease.remove(packetId);
                writeAck(PacketType.PUBCOMP, packetId, known ? ReasonCode.SUCCESS
                        : ReasonCode.PACKET_IDENTIFIER_NOT_FOUND);
            }
            default -> protocolError(ReasonCode.PROTOCOL_ERROR, "unexpected acknowledgement");
        }
    }

    private void control(int fixedHeader, DirectBuffer buf, int offset, int length) {
        Decoded<MqttPacket> decoded = MqttDecoder.decode(version, fixedHeader, buf, offset, length);
        if (!decoded.isOk()) {
            Decoded.Failure<MqttPacket> failure = (Decoded.Failure<MqttPacket>) decoded;
            protocolError(failure.reason(), failure.detail());
            return;
        }
        switch (decoded.packetOrNull()) {
            case SubackPacket suback -> {
                List<String> filters = pendingSubscribes.remove(suback.packetId());
                if (filters != null) {
                    for (int i = 0; i < filters.size() && i < suback.reasonCodes().size(); i++) {
                        if (!suback.reasonCodes().get(i).isError() && subscriptions.containsKey(filters.get(i))) {
                            confirmed.add(filters.get(i));
                        }
                    }
                    listener.subscribed(filters, suback.reasonCodes());
                }
            }
            case UnsubackPacket unsuback -> {
                List<String> filters = pendingUnsubscribes.remove(unsuback.packetId());
                if (filters != null) {
                    listener.unsubscribed(filters);
                }
            }
            case DisconnectPacket disconnect -> lost("the broker disconnected: " + disconnect.reasonCode(), true);
            default -> protocolError(ReasonCode.PROTOCOL_ERROR, "unexpected " + decoded.packetOrNull().type());
        }
    }

    /** The broker broke the protocol: a 5.0 broker is told why; the connection ends and is made again. */
    private void protocolError(ReasonCode reason, String detail) {
        if (protocolLog.allow(loop.now())) {
            protocolLog.log(System.Logger.Level.INFO, "MQTT client " + clientId + " to " + settings.host() + ":"
                    + settings.port() + ": protocol error: " + detail + " (" + reason + ")");
        }
        boolean wasConnected = state == CONNECTED;
        if (version == MqttVersion.V5 && connection != null && reason.allowedIn(PacketType.DISCONNECT)) {
            writePacket(new DisconnectPacket(reason, MqttProperties.EMPTY));
            out.flush();
        }
        lost("protocol error: " + detail, wasConnected);
    }

    // ---- subscriptions

    /**
     * Subscribes now if connected, and again after every reconnect to a broker that did not keep
     * the session; {@link MqttClientListener#subscribed} tells the broker's answer. A filter given
     * again replaces its options.
     */
    public void subscribe(List<Subscription> wanted) {
        List<Subscription> now = new ArrayList<>();
        for (Subscription subscription : wanted) {
            subscriptions.put(subscription.topicFilter(), subscription);
            confirmed.remove(subscription.topicFilter());
            now.add(subscription);
        }
        if (state == CONNECTED && !now.isEmpty()) {
            sendSubscribe(now);
        }
    }

    /** Forgets the filters and, if connected, unsubscribes from them; {@link MqttClientListener#unsubscribed} follows. */
    public void unsubscribe(List<String> filters) {
        for (String filter : filters) {
            subscriptions.remove(filter);
            confirmed.remove(filter);
        }
        if (state == CONNECTED && !filters.isEmpty()) {
            int packetId = nextPacketId();
            if (packetId != 0) {
                pendingUnsubscribes.put(packetId, List.copyOf(filters));
                writePacket(new UnsubscribePacket(packetId, filters, MqttProperties.EMPTY));
            }
        }
    }

    private void renewSubscriptions() {
        List<Subscription> renew = new ArrayList<>();
        for (Subscription subscription : subscriptions.values()) {
            if (!confirmed.contains(subscription.topicFilter())) {
                renew.add(subscription);
            }
        }
        if (!renew.isEmpty()) {
            sendSubscribe(renew);
        }
    }

    private void sendSubscribe(List<Subscription> list) {
        int packetId = nextPacketId();
        if (packetId == 0) {
            return; // every identifier in use: renewed with the next connection
        }
        List<String> filters = new ArrayList<>(list.size());
        for (Subscription subscription : list) {
            filters.add(subscription.topicFilter());
        }
        pendingSubscribes.put(packetId, filters);
        writePacket(new SubscribePacket(packetId, list, MqttProperties.EMPTY));
    }

    // ---- publishing

    /**
     * Sends {@code publication}: a QoS 0 one now, a QoS 1 or 2 one now and again after
     * reconnects until acknowledged ({@link MqttClientListener#published}).
     *
     * @return false when it cannot be taken now (not connected, the in-flight window is full,
     *         earlier publications wait to be resent, {@value #MAX_UNFLUSHED_BYTES} bytes wait for
     *         the end of the loop iteration, the socket is backed up, or the loop is out of buffer
     *         memory); {@link MqttClientListener#ready()} follows once it can. True
     *         also when it was dropped for being larger than the broker accepts (then
     *         {@code published} says {@link ReasonCode#PACKET_TOO_LARGE})
     */
    public boolean publish(Publication publication) {
        int qos = Math.min(publication.qos(), maxQos);
        // Nothing overtakes what waits to be resent, QoS 0 included: messages leave in order.
        if (state != CONNECTED || connection.hasPendingWrites() || unsent != ringTail
                || unflushed >= MAX_UNFLUSHED_BYTES || qos > 0 && inflightById.size() >= sendQuota) {
            refused = true;
            return false;
        }
        int packetId = 0;
        if (qos > 0) {
            packetId = nextPacketId();
            if (packetId == 0) {
                refused = true;
                return false;
            }
        }
        boolean retain = publication.retain() && retainAvailable;
        int written = writePublish(publication, qos, retain, packetId, false);
        if (written == NO_MEMORY) {
            refused = true;
            return false;
        }
        if (written == TOO_LARGE) {
            listener.published(publication, ReasonCode.PACKET_TOO_LARGE);
            return true;
        }
        if (qos > 0) {
            Inflight entry = track(publication, packetId, qos, retain);
            entry.needsSend = written == BROKEN;
            if (!entry.needsSend) {
                onWire++;
            }
        }
        if (written == BROKEN) {
            lost("out of buffer memory", true);
        } else if (qos == 0 && publication.qos() > 0) {
            // Lowered to the broker's Maximum QoS 0: done once written, as its owner must learn.
            listener.published(publication, ReasonCode.SUCCESS);
        }
        return true;
    }

    private Inflight track(Publication publication, int packetId, int qos, boolean retain) {
        Inflight entry = spare;
        if (entry != null) {
            spare = entry.nextSpare;
            entry.nextSpare = null;
        } else {
            entry = new Inflight();
        }
        entry.publication = publication;
        entry.packetId = packetId;
        entry.qos = qos;
        entry.retain = retain;
        entry.released = false;
        entry.needsSend = false;
        if (ringTail - ringHead == ring.length) {
            Inflight[] larger = new Inflight[ring.length * 2];
            for (int i = ringHead; i != ringTail; i++) {
                larger[i - ringHead] = ring[i & (ring.length - 1)];
            }
            unsent -= ringHead;
            ringTail -= ringHead;
            ringHead = 0;
            ring = larger;
        }
        ring[ringTail & (ring.length - 1)] = entry;
        ringTail++;
        if (unsent == ringTail - 1 && state == CONNECTED) {
            unsent = ringTail; // sent as it was tracked: nothing waits
        }
        inflightById.put(packetId, entry);
        return entry;
    }

    private void complete(Inflight entry, ReasonCode reason) {
        inflightById.remove(entry.packetId);
        if (!entry.needsSend) {
            onWire--;
        }
        Publication publication = entry.publication;
        entry.publication = null;
        while (ringHead != ringTail && ring[ringHead & (ring.length - 1)].publication == null) {
            Inflight done = ring[ringHead & (ring.length - 1)];
            ring[ringHead & (ring.length - 1)] = null;
            done.nextSpare = spare;
            spare = done;
            ringHead++;
        }
        if (unsent - ringHead < 0) {
            unsent = ringHead;
        }
        listener.published(publication, reason);
        if (state == CONNECTED) {
            resend();
            maybeReady();
        }
    }

    /** Sends what waits since a reconnect, in order, as far as the broker's window allows. */
    private void resend() {
        while (state == CONNECTED && unsent != ringTail && onWire < sendQuota && !connection.hasPendingWrites()
                && unflushed < MAX_UNFLUSHED_BYTES) {
            Inflight entry = ring[unsent & (ring.length - 1)];
            if (entry.publication != null && entry.needsSend) {
                if (entry.released) {
                    writeAck(PacketType.PUBREL, entry.packetId, ReasonCode.SUCCESS);
                } else {
                    int written = writePublish(entry.publication, entry.qos, entry.retain, entry.packetId, true);
                    if (written == NO_MEMORY) {
                        return; // again after the next flush
                    }
                    if (written == TOO_LARGE) {
                        unsent++;
                        entry.needsSend = false;
                        onWire++;
                        complete(entry, ReasonCode.PACKET_TOO_LARGE);
                        continue;
                    }
                    if (written == BROKEN) {
                        lost("out of buffer memory", true);
                        return;
                    }
                    listener.resent(entry.publication);
                }
                entry.needsSend = false;
                onWire++;
            }
            unsent++;
        }
    }

    private void maybeReady() {
        if (refused && state == CONNECTED && unsent == ringTail && !connection.hasPendingWrites()
                && unflushed < MAX_UNFLUSHED_BYTES) {
            refused = false;
            listener.ready();
        }
    }

    private int nextPacketId() {
        for (int tries = 0; tries < MAX_PACKET_ID; tries++) {
            int id = nextPacketId;
            nextPacketId = id == MAX_PACKET_ID ? 1 : id + 1;
            if (!inflightById.containsKey(id) && !pendingSubscribes.containsKey(id)
                    && !pendingUnsubscribes.containsKey(id)) {
                return id;
            }
        }
        return 0;
    }

    private int writePublish(Publication publication, int qos, boolean retain, int packetId, boolean dup) {
        encoder.reset(version);
        publication.describe(encoder, loop.now());
        encoder.qos(qos).retain(retain).packetId(packetId).dup(dup && qos > 0);
        int length = encoder.encodedLength();
        if (brokerMaxPacket > 0 && length > brokerMaxPacket) {
            return TOO_LARGE;
        }
        MutableDirectBuffer buffer = out.reserve(length);
        if (buffer != null) {
            encoder.encode(buffer, out.position());
            out.advance(length);
        } else {
            int header = encoder.headerLength();
            buffer = out.reserve(header);
            if (buffer == null) {
                return NO_MEMORY;
            }
            encoder.encodeHeader(buffer, out.position());
            out.advance(header);
            if (!out.append(encoder.payloadBuffer(), encoder.payloadOffset(), encoder.payloadLength())) {
                return BROKEN;
            }
        }
        unflushed += length;
        markDirty();
        return WRITTEN;
    }

    // ---- other packets out

    private void writeConnect() {
        MqttProperties properties = MqttProperties.EMPTY;
        if (version == MqttVersion.V5) {
            MqttProperties.Builder builder = MqttProperties.builder();
            if (settings.sessionExpiry() > 0) {
                builder.sessionExpiryInterval(settings.sessionExpiry());
            }
            if (settings.receiveMaximum() < 65_535) {
                builder.integer(PropertyId.RECEIVE_MAXIMUM, settings.receiveMaximum());
            }
            builder.integer(PropertyId.MAXIMUM_PACKET_SIZE, settings.maxPacketBytes());
            properties = builder.build();
        }
        ConnectPacket connect = new ConnectPacket(version, settings.cleanStart(), settings.keepAliveSeconds(), clientId,
                settings.will(), settings.userName(), settings.password(), properties);
        int length = MqttEncoder.encodedLength(version, connect);
        MutableDirectBuffer buffer = out.reserve(length);
        if (buffer == null) {
            lost("out of buffer memory", false);
            return;
        }
        int start = out.position();
        MqttEncoder.encode(version, connect, buffer, start);
        if (settings.bridge() && version == MqttVersion.V3_1_1) {
            // The bridge convention: protocol level 0x84. It sits behind the fixed header, the
            // remaining length (1 to 4 bytes) and the protocol name "MQTT" with its length.
            int at = start + 1;
            while ((buffer.getByte(at) & 0x80) != 0) {
                at++;
            }
            at += 1 + 2 + 4;
            buffer.putByte(at, (byte) (buffer.getByte(at) | 0x80));
        }
        out.advance(length);
        markDirty();
    }

    private void writePacket(MqttPacket packet) {
        int length = MqttEncoder.encodedLength(version, packet);
        MutableDirectBuffer buffer = out.reserve(length);
        if (buffer == null) {
            lost("out of buffer memory", state == CONNECTED);
            return;
        }
        MqttEncoder.encode(version, packet, buffer, out.position());
        out.advance(length);
        markDirty();
    }

    private void writeAck(PacketType type, int packetId, ReasonCode reason) {
        int length = MqttEncoder.ackLength(version, reason, null);
        MutableDirectBuffer buffer = out.reserve(length);
        if (buffer == null) {
            lost("out of buffer memory", state == CONNECTED);
            return;
        }
        MqttEncoder.encodeAck(version, type, packetId, reason, buffer, out.position());
        out.advance(length);
        markDirty();
    }

    private void markDirty() {
        lastSent = loop.now();
        flushes.add(this);
    }

    // ---- keep alive

    private void keepAlive(long now) {
        if (state != CONNECTED || keepAliveNanos == 0) {
            return;
        }
        if (pingSent != 0 && lastReceived - pingSent >= 0) {
            pingSent = 0;
        }
        if (pingSent != 0 && now - pingSent >= keepAliveNanos) {
            lost("no answer to PINGREQ within " + TimeUnit.NANOSECONDS.toSeconds(keepAliveNanos) + " s", true);
            return;
        }
        if (pingSent == 0 && now - lastSent >= keepAliveNanos) {
            writePacket(PingreqPacket.INSTANCE);
            pingSent = now;
        }
        long next = pingSent != 0 ? pingSent + keepAliveNanos : lastSent + keepAliveNanos;
        loop.timers().schedule(keepAliveTimer, next);
    }

    // ---- flushing

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
        out.flush();
        unflushed = 0;
        if (state == CONNECTED) {
            resend();
            maybeReady();
        }
    }

    /** A QoS 1 or 2 publication held until its acknowledgement; recycled through {@link #spare}. */
    private static final class Inflight {
        Publication publication;
        int packetId;
        int qos;
        boolean retain;
        /** QoS 2: PUBREC came, PUBREL went. */
        boolean released;
        /** Waits to be sent (again) on the current connection. */
        boolean needsSend;
        Inflight nextSpare;
    }
}
