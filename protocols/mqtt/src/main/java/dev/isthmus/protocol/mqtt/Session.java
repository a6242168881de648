package dev.isthmus.protocol.mqtt;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.IntHashSet;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.timer.Timer;
import dev.isthmus.protocol.mqtt.broker.SubscriptionOptions;
import dev.isthmus.protocol.mqtt.codec.MqttVersion;
import dev.isthmus.protocol.mqtt.codec.Will;

/**
 * The broker's state for one client identifier: its subscriptions, the messages on their way
 * to it, and the QoS 2 messages it is sending. A session outlives its connections when the
 * client asks for that (clean session off in 3.1.1, a Session Expiry Interval in 5).
 *
 * <p>A session lives on one event loop at a time, its {@link #home}; only that loop reads or
 * changes it. When its client reconnects through another loop the session moves there
 * ({@link BrokerHub#connect}); the topic tries of every loop name the session object itself,
 * so a move changes no subscription, and deliveries that reach the old loop are passed on.
 */
final class Session {
    /** "Never expires": the v5 maximum, and what a 3.1.1 persistent session gets. */
    static final long NEVER = 0xFFFF_FFFFL;

    final String clientId;
    /** The loop that owns this session now; written by the owner when it hands the session over. */
    volatile EventLoop home;
    MqttConnection connection;
    /** Takes the deliveries of a session without a connection inside the process ({@link LocalBrokerAdapter}). */
    java.util.function.Consumer<Delivery> internal;
    MqttVersion version = MqttVersion.V3_1_1;
    /** Seconds the session lives on after its connection ends; 0 ends it with the connection. */
    long expirySeconds;
    /** Set once the session has ended for good (expired, replaced by a clean start). */
    boolean ended;
    /**
     * Whether the session is written to the session log (sessions on disk, and it outlives its
     * connection). Read by publishers on any loop, which log what they queue for it.
     */
    volatile boolean persistent;
    /** A session read back from the log: when its client went away (epoch ms), for its expiry. */
    long awayAtEpochMillis;

    /** Filter as written (incl. $share/...) -> options, for unsubscribe-all and resubscribe answers. */
    final Map<String, SubscriptionOptions> subscriptions = new LinkedHashMap<>();

    // ---- towards the client
    /** Messages waiting for room in the in-flight window, the socket, or the client to come back. */
    private final ArrayDeque<Delivery> queue = new ArrayDeque<>();
    /** QoS 1 and 2 messages in {@link #queue}: what the max-queued-messages limit counts. */
    private int queuedReliable;
    /** Payload bytes of the QoS 0 messages in {@link #queue}. */
    private long queuedQos0Bytes;
    /** Payload bytes of all messages in {@link #queue}. */
    private long queuedBytes;
    /** QoS 1 and 2 messages sent and not yet fully acknowledged, by packet identifier. */
    final Int2ObjectHashMap<Delivery> inflight = new Int2ObjectHashMap<>();
    private int nextPacketId = 1;
    /** Deliveries put in flight so far: their {@link Delivery#sendOrder}. */
    private long sends;

    // ---- from the client
    /** Packet identifiers of QoS 2 messages received and passed on, until their PUBREL. */
    final IntHashSet inboundQos2 = new IntHashSet();

    /** The will of the current connection. */
    Will will;
    /** Publishes {@link #pendingWill} once its delay is over (v5 Will Delay Interval). */
    Timer willTimer;
    Will pendingWill;
    /** Ends the session once its expiry interval is over after a disconnect. */
    Timer expiryTimer;

    // ---- holding publishers back (see BrokerLoop#noteBacklog)
    /**
     * Set while the connected client's backlog is above the high-water mark: a publisher that
     * delivers to this session waits until it drains. Written on the home loop, read by
     * publishers on any loop.
     */
    volatile boolean congested;
    /**
     * Set once the backlog stayed above the mark for longer than the broker waits for a slow
     * subscriber: publishers no longer wait for it, and its queue limits apply as if it were away.
     */
    boolean slow;
    /** Publishers (on any loop) waiting for this session's backlog to drain; created on first need. */
    java.util.ArrayList<MqttConnection> waitingPublishers;
    /** Fires when the session has been congested for too long; see {@link #slow}. */
    Timer slowTimer;

    Session(String clientId, EventLoop home) {
        this.clientId = clientId;
        this.home = home;
    }

    /** A free packet identifier for a message to the client, or 0 when all 65,535 are in flight. */
    int nextPacketId() {
        for (int tries = 0; tries < 65_535; tries++) {
            int id = nextPacketId;
            nextPacketId = id == 65_535 ? 1 : id + 1;
            if (!inflight.containsKey(id)) {
                return id;
            }
        }
        return 0;
    }

    /**
     * Queues {@code delivery} unless {@code limited} and a limit is reached: {@code maxReliable}
     * QoS 1/2 messages, or {@code maxQos0Bytes} of QoS 0 payload (a burst should not be lost to
     * a count meant for offline sessions). A connected client that keeps reading is not limited:
     * its publishers are held back instead, which bounds its queue.
     *
     * @return false when it was dropped
     */
    boolean enqueue(Delivery delivery, boolean limited, int maxReliable, long maxQos0Bytes) {
        long bytes = delivery.message.payload().length;
        if (delivery.qos > 0) {
            if (limited && queuedReliable >= maxReliable) {
                return false;
            }
            queuedReliable++;
        } else {
            if (limited && queuedQos0Bytes + bytes > maxQos0Bytes) {
                return false;
            }
            queuedQos0Bytes += bytes;
        }
        queuedBytes += bytes;
        queue.add(delivery);
        return true;
    }

    /** Messages waiting in the queue. */
    int queued() {
        return queue.size();
    }

    /** Payload bytes waiting in the queue. */
    long queuedBytes() {
        return queuedBytes;
    }

    /** Puts back a delivery just polled (it could not be written yet): it goes first again, beyond any limit. */
    void requeueFirst(Delivery delivery) {
        long bytes = delivery.message.payload().length;
        if (delivery.qos > 0) {
            queuedReliable++;
        } else {
            queuedQos0Bytes += bytes;
        }
        queuedBytes += bytes;
        queue.addFirst(delivery);
    }

    /** Puts {@code delivery} in flight under {@code packetId}, after every delivery in flight so far. */
    void putInflight(int packetId, Delivery delivery) {
        delivery.packetId = packetId;
        delivery.sendOrder = ++sends;
        inflight.put(packetId, delivery);
    }

    /** What is in flight in the order it was first sent, the order a reconnect resends it in (4.6). */
    List<Delivery> inflightInOrder() {
        List<Delivery> inOrder = new ArrayList<>(inflight.values());
        inOrder.sort(java.util.Comparator.comparingLong(delivery -> delivery.sendOrder));
        return inOrder;
    }

    /** Adds a delivery read back from the session log at the end of the queue, beyond any limit. */
    void requeueLast(Delivery delivery) {
        enqueue(delivery, false, 0, 0);
    }

    Delivery peekQueued() {
        return queue.peek();
    }

    Delivery pollQueued() {
        Delivery delivery = queue.poll();
        if (delivery != null) {
            long bytes = delivery.message.payload().length;
            if (delivery.qos > 0) {
                queuedReliable--;
            } else {
                queuedQos0Bytes -= bytes;
            }
            queuedBytes -= bytes;
        }
        return delivery;
    }

    boolean hasQueued() {
        return !queue.isEmpty();
    }

    void clearQueue() {
        queue.clear();
        queuedReliable = 0;
        queuedQos0Bytes = 0;
        queuedBytes = 0;
    }

    boolean connected() {
        return connection != null;
    }

    @Override
    public String toString() {
        return "session " + clientId;
    }

    /**
     * A message on its way to this session's client, at the QoS of the subscription that
     * matched it.
     */
    static final class Delivery {
        final Message message;
        final int qos;
        final boolean retain;
        final int[] subscriptionIds;
        /** For QoS 2: PUBREC came, PUBREL was sent, PUBCOMP is awaited. */
        boolean released;
        /** Written to the session log: its end is written there too. */
        boolean stored;
        int packetId;
        long sendOrder;

        Delivery(Message message, int qos, boolean retain, int[] subscriptionIds) {
            this.message = message;
            this.qos = qos;
            this.retain = retain;
            this.subscriptionIds = subscriptionIds;
        }
    }
}
