package dev.isthmus.protocol.mqtt;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.agrona.DirectBuffer;
import org.agrona.collections.Object2IntHashMap;
import org.jctools.queues.varhandle.MpscVarHandleArrayQueue;

import dev.isthmus.core.buffer.Chunk;
import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.loop.FlushBatch;
import dev.isthmus.core.observe.RateLimitedLog;
import dev.isthmus.core.timer.Timer;
import dev.isthmus.core.server.LoopService;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.ConnectionHandler;
import dev.isthmus.protocol.mqtt.broker.SharedGroup;
import dev.isthmus.protocol.mqtt.broker.SubscriptionOptions;
import dev.isthmus.protocol.mqtt.broker.TopicTrie;
import dev.isthmus.protocol.mqtt.codec.MqttVersion;
import dev.isthmus.protocol.mqtt.codec.PublishView;

/**
 * The broker on one event loop: its replica of the topic trie, its client connections, and
 * the routing of the messages they publish. Everything here runs on {@link #loop}'s thread.
 *
 * <p>Writes are flushed once per loop iteration, after all the events of that iteration, so
 * a burst of publishes to one subscriber leaves in one send.
 */
final class BrokerLoop implements LoopService, TopicTrie.Visitor<Session> {
    private static final int[] NO_IDS = new int[0];
    private static final RateLimitedLog SLOW_LOG =
            new RateLimitedLog(System.getLogger(BrokerLoop.class.getName()), 10);
    /**
     * QoS 0 payload a connected client may have waiting behind its socket: a burst from a fast
     * publisher fits (measured: 200,000 small messages through mosquitto_pub -l), a client that
     * stopped reading cannot make the broker hold more than this.
     */
    static final long MAX_QUEUED_QOS0_BYTES = 16L << 20;
    /** Deliveries handed to this loop by other loops and not yet taken: see {@link #deliver}. */
    static final int MAX_IN_TRANSIT = 65_536;
    /**
     * A connected client's backlog (messages waiting behind its socket or in-flight window) above
     * which the publishers that feed it stop being read until it is down to the low-water mark:
     * a subscriber that keeps reading loses nothing, and the loop spends no time on messages it
     * would only drop. Measured: a 100-publisher flood into one subscriber was read 50 times
     * faster than it could be delivered, and the subscriber got a trickle.
     */
    static final int HIGH_WATER_MESSAGES = 1024;
    static final long HIGH_WATER_BYTES = 1L << 20;
    static final int LOW_WATER_MESSAGES = HIGH_WATER_MESSAGES / 4;
    static final long LOW_WATER_BYTES = HIGH_WATER_BYTES / 4;
    /**
     * Deliveries in transit to a loop above which publishers sending there wait for them to be
     * taken. Not final only so that a test can make every crossing wait.
     */
    static int transitHighWater = 8192;
    /** Emptied transit batches kept per target loop for reuse. */
    private static final int FREE_BATCHES = 16;

    /** Deliveries other loops have handed to this one and it has not taken yet. */
    final java.util.concurrent.atomic.AtomicInteger inTransit = new java.util.concurrent.atomic.AtomicInteger();
    /** Batches of each other loop's deliveries gathered in this iteration, by loop index. */
    private final TransitBatch[] outgoing;
    /** Emptied batches back from each loop, ready to be filled again. */
    private final MpscVarHandleArrayQueue<TransitBatch>[] freeBatches;
    private boolean batchesScheduled;
    private final Runnable sendBatches = this::sendBatches;

    final BrokerHub hub;
    final EventLoop loop;
    final int shard;
    final TopicTrie<Session> trie = new TopicTrie<>();
    final PublishWriter publishWriter = new PublishWriter();
    private final Set<MqttConnection> connections = new HashSet<>();
    private boolean draining;

    private final FlushBatch<MqttConnection> flushes;

    // ---- the publish being routed (matching runs synchronously inside route)
    private Session publisher;
    private int publishQos;
    private final Object2IntHashMap<Session> matchedIndex = new Object2IntHashMap<>(-1);
    private Session[] matched = new Session[16];
    private int[] matchedQos = new int[16];
    private boolean[] matchedRetainAsPublished = new boolean[16];
    private int[][] matchedIds = new int[16][];
    /** For deliveries written straight from the receive buffer: which encoding they share, else -1. */
    private int[] matchedGroup = new int[16];
    private int matchedCount;
    /** Set when a delivery was written to the session log ({@link #takeLogged}). */
    private boolean logged;
    /** Encodings a QoS 0 delivery may need: (v5 or not) x (retain flag or not). */
    private static final int GROUPS = 4;
    private final int[] groupSizes = new int[GROUPS];
    private final int[] groupStart = new int[GROUPS];
    private final int[] groupLength = new int[GROUPS];
    /** Where packets that several subscribers share are encoded; this loop holds one reference. */
    private Chunk shared;
    /** What the publisher of the message just delivered must wait for, if anything (see {@link #holdBack}). */
    private Session waitSession;
    private BrokerLoop waitLoop;

    BrokerLoop(BrokerHub hub, EventLoop loop) {
        this.hub = hub;
        this.loop = loop;
        this.shard = loop.index();
        this.flushes = new FlushBatch<>(loop);
        int loops = hub.loopCount();
        this.outgoing = new TransitBatch[loops];
        @SuppressWarnings("unchecked")
        MpscVarHandleArrayQueue<TransitBatch>[] free = new MpscVarHandleArrayQueue[loops];
        for (int i = 0; i < loops; i++) {
            free[i] = new MpscVarHandleArrayQueue<>(FREE_BATCHES);
        }
        this.freeBatches = free;
    }

    @Override
    public ConnectionHandler accepted(Connection connection) {
        if (draining) {
            return null;
        }
        MqttConnection client = new MqttConnection(this, connection);
        connections.add(client);
        hub.metrics.acceptedConnections.increment(shard);
        hub.metrics.activeConnections.increment(shard);
        return client;
    }

    void closed(MqttConnection client) {
        if (connections.remove(client)) {
            hub.metrics.activeConnections.decrement(shard);
        }
    }

    @Override
    public void drain() {
        draining = true;
        // MQTT has no request to finish: a v5 client is told the server is shutting down.
        for (MqttConnection client : List.copyOf(connections)) {
            client.serverShutdown();
        }
    }

    @Override
    public void close() {
        for (MqttConnection client : List.copyOf(connections)) {
            client.abort();
        }
        if (shared != null) {
            shared.release();
            shared = null;
        }
    }

    // ---- flushing

    void markDirty(MqttConnection client) {
        flushes.add(client);
    }

    // ---- routing

    /**
     * Finds the sessions whose subscriptions match {@code topic}, once per session (overlapping
     * subscriptions give the highest QoS and all their subscription identifiers), for a message
     * of {@code qos} from {@code from}; {@link #deliverMatched} then hands them the message. Two
     * steps, so that a message nobody subscribed to is never copied out of the receive buffer.
     *
     * @return the number of sessions matched
     */
    int match(Session from, int qos, DirectBuffer topic, int topicOffset, int topicLength) {
        publisher = from;
        publishQos = qos;
        matchedCount = 0;
        if (matchedIndex.size() > 0) {
            // Left over from a delivery an exception cut short.
            matchedIndex.clear();
        }
        waitSession = null;
        waitLoop = null;
        logged = false;
        trie.match(topic, topicOffset, topicLength, this);
        publisher = null;
        return matchedCount;
    }

    /** Delivers {@code message} to the sessions the last {@link #match} found, on whichever loop each lives. */
    void deliverMatched(Message message) {
        int count = matchedCount;
        for (int i = 0; i < count; i++) {
            deliverKept(i, message);
        }
        endDelivery(count);
    }

    /**
     * Delivers the PUBLISH {@code from} is routing to the sessions the last {@link #match} found.
     * QoS 0 deliveries to clients of this loop that can take them at once are written straight
     * from the receive buffer, and encoded once for all of them that need the same bytes (the
     * same protocol family and retain flag): their connections share the encoded chunk. Every
     * other delivery gets the message copied out ({@link MqttConnection#routedMessage}, once).
     */
    void deliverMatched(MqttConnection from) {
        int count = matchedCount;
        PublishView view = from.routedPublish();
        int[] groupSizes = this.groupSizes;
        java.util.Arrays.fill(groupSizes, 0);
        for (int i = 0; i < count; i++) {
            Session session = matched[i];
            MqttConnection client = session.home == loop ? session.connection : null;
            int group = -1;
            if (matchedQos[i] == 0 && matchedIds[i] == null && client != null && client.takesDirect()) {
                boolean retain = matchedRetainAsPublished[i] && view.retain();
                group = (client.version() == MqttVersion.V5 ? 2 : 0) | (retain ? 1 : 0);
                groupSizes[group]++;
            }
            matchedGroup[i] = group;
        }
        for (int group = 0; group < GROUPS; group++) {
            groupLength[group] = groupSizes[group] >= 2 ? encodeShared(group, from) : 0;
        }
        for (int i = 0; i < count; i++) {
            int group = matchedGroup[i];
            if (group >= 0 && writeDirect(matched[i].connection, group, from)) {
                matched[i] = null;
            } else {
                deliverKept(i, from.routedMessage());
            }
        }
        endDelivery(count);
    }

    /**
     * Encodes the message once into the shared chunk for the clients of {@code group}; returns
     * its length, or 0 when it does not fit a chunk (each client then gets its own copy).
     */
    private int encodeShared(int group, MqttConnection from) {
        MqttVersion version = (group & 2) != 0 ? MqttVersion.V5 : MqttVersion.V3_1_1;
        int length = publishWriter.prepareQos0(version, from.routedPublish(), from.routedTopic(),
                from.routedTopicOffset(), from.routedTopicLength(), (group & 1) != 0);
        if (length > loop.chunks().chunkBytes()) {
            return 0;
        }
        if (shared == null || shared.capacity() - shared.end() < length) {
            if (shared != null) {
                shared.release();
            }
            shared = loop.chunks().acquire();
            if (shared == null) {
                return 0;
            }
            shared.window(0, 0);
        }
        int at = shared.end();
        publishWriter.encode(shared.view(), at);
        shared.window(0, at + length);
        groupStart[group] = at;
        return length;
    }

    /** Writes a QoS 0 delivery straight to {@code client}; false when it has to take the kept path. */
    private boolean writeDirect(MqttConnection client, int group, MqttConnection from) {
        int length = groupLength[group];
        if (length > 0) {
            if (client.maxPacketSize() == 0 || length <= client.maxPacketSize()) {
                client.output().appendShared(shared, groupStart[group], groupStart[group] + length);
            }
        } else {
            length = publishWriter.prepareQos0(client.version(), from.routedPublish(), from.routedTopic(),
                    from.routedTopicOffset(), from.routedTopicLength(), (group & 1) != 0);
            if (client.maxPacketSize() == 0 || length <= client.maxPacketSize()) {
                int written = publishWriter.write(client.output(), length);
                if (written == PublishWriter.NO_ROOM) {
                    return false;
                }
                if (written == PublishWriter.BROKEN) {
                    client.abandon("out of buffer memory in the middle of a packet");
                    return true;
                }
            }
        }
        // A packet over the client's Maximum Packet Size is dropped as if delivered (5.0 3.1.2.25).
        client.wroteDirect();
        return true;
    }

    /** Hands match {@code i} its delivery of the kept {@code message}. */
    private void deliverKept(int i, Message message) {
        Session session = matched[i];
        int[] ids = matchedIds[i];
        Session.Delivery delivery = new Session.Delivery(message, matchedQos[i],
                matchedRetainAsPublished[i] && message.retain(), ids == null ? NO_IDS : ids);
        matched[i] = null;
        matchedIds[i] = null;
        // Written here, on the publisher's loop, so it is in the log before the publisher's
        // acknowledgement waits for it, wherever the session lives.
        if (hub.store != null && hub.store.queued(session, delivery)) {
            logged = true;
        }
        deliver(session, delivery);
        noteWait(session);
    }

    /**
     * Whether the deliveries since the last call wrote anything to the session log: the
     * publisher then acknowledges only once it is durable.
     */
    boolean takeLogged() {
        boolean was = logged;
        logged = false;
        return was;
    }

    private void endDelivery(int count) {
        if (count > 8) {
            matchedIndex.clear();
        }
        matchedCount = 0;
    }

    @Override
    public void visit(Session session, SubscriptionOptions options) {
        if (options.noLocal() && session == publisher) {
            return;
        }
        int qos = Math.min(publishQos, options.maxQos());
        int id = options.subscriptionIdentifier();
        int index = find(session);
        if (index < 0) {
            if (matchedCount == matched.length) {
                grow();
            }
            index = matchedCount++;
            matched[index] = session;
            matchedQos[index] = qos;
            matchedRetainAsPublished[index] = options.retainAsPublished();
            matchedIds[index] = id == 0 ? null : new int[] {id};
            if (matchedCount == 9) {
                for (int i = 0; i < matchedCount; i++) {
                    matchedIndex.put(matched[i], i);
                }
            } else if (matchedCount > 9) {
                matchedIndex.put(session, index);
            }
        } else {
            matchedQos[index] = Math.max(matchedQos[index], qos);
            matchedRetainAsPublished[index] |= options.retainAsPublished();
            if (id != 0) {
                int[] ids = matchedIds[index];
                if (ids == null) {
                    matchedIds[index] = new int[] {id};
                } else {
                    int[] more = java.util.Arrays.copyOf(ids, ids.length + 1);
                    more[ids.length] = id;
                    matchedIds[index] = more;
                }
            }
        }
    }

    @Override
    public boolean offerShared(Session member, SubscriptionOptions options, SharedGroup<Session> group) {
        // A member that is away does not hold up the group when another one is connected.
        if (member.ended || (member.connection == null && group.size() > 1 && anyConnected(group))) {
            return false;
        }
        visit(member, options);
        return true;
    }

    private static boolean anyConnected(SharedGroup<Session> group) {
        for (int i = 0; i < group.size(); i++) {
            if (group.member(i).connection != null) {
                return true;
            }
        }
        return false;
    }

    private int find(Session session) {
        if (matchedCount <= 8) {
            for (int i = 0; i < matchedCount; i++) {
                if (matched[i] == session) {
                    return i;
                }
            }
            return -1;
        }
        return matchedIndex.getValue(session);
    }

    private void grow() {
        int size = matched.length * 2;
        matched = java.util.Arrays.copyOf(matched, size);
        matchedQos = java.util.Arrays.copyOf(matchedQos, size);
        matchedRetainAsPublished = java.util.Arrays.copyOf(matchedRetainAsPublished, size);
        matchedIds = java.util.Arrays.copyOf(matchedIds, size);
        matchedGroup = java.util.Arrays.copyOf(matchedGroup, size);
    }

    // ---- holding publishers back

    private void noteWait(Session session) {
        if (waitSession != null || waitLoop != null || session == publisher) {
            // One wait per publish is enough; and a client is never held back by its own
            // subscription (a client that writes without reading would wait for itself).
            return;
        }
        if (session.congested) {
            waitSession = session;
        } else if (session.home != loop) {
            BrokerLoop target = hub.part(session.home);
            if (inTransitTo(target) >= transitHighWater) {
                waitLoop = target;
            }
        }
    }

    /**
     * After {@link #deliverMatched}: when a delivery found its subscriber congested (or too much
     * already on its way to another loop), registers {@code publisher} to be woken
     * ({@link MqttConnection#wake}) once that has drained, and returns true: the publisher stops
     * reading until then.
     */
    boolean holdBack(MqttConnection publisher) {
        Session session = waitSession;
        BrokerLoop target = waitLoop;
        waitSession = null;
        waitLoop = null;
        if (session != null || target != null) {
            // What this publisher sent there goes first: the wait is to come after it.
            sendBatches();
        }
        if (session != null) {
            EventLoop home = session.home;
            if (home == loop) {
                holdUntilDrained(session, publisher);
            } else {
                home.execute(() -> hub.part(home).holdUntilDrained(session, publisher));
            }
            return true;
        }
        if (target != null) {
            // Runs behind the deliveries already on their way there: by then they have been taken,
            // and the wake goes back to the publisher's own loop.
            target.loop.execute(publisher.wakeTask());
            return true;
        }
        return false;
    }

    /** On (what was) the session's home loop: wakes {@code publisher} once the session is no longer congested. */
    void holdUntilDrained(Session session, MqttConnection publisher) {
        EventLoop home = session.home;
        if (home != loop) {
            home.execute(() -> hub.part(home).holdUntilDrained(session, publisher));
            return;
        }
        if (session.congested) {
            if (session.waitingPublishers == null) {
                session.waitingPublishers = new ArrayList<>();
            }
            session.waitingPublishers.add(publisher);
        } else {
            publisher.wake();
        }
    }

    /** After {@code session}'s backlog grew: over the high-water mark, its publishers start waiting. */
    private void noteBacklog(Session session) {
        if (!session.congested && !session.slow && (session.queued() >= HIGH_WATER_MESSAGES
                || session.queuedBytes() >= HIGH_WATER_BYTES)) {
            session.congested = true;
            if (session.slowTimer == null) {
                session.slowTimer = new Timer() {
                    @Override
                    protected void onTimeout(long nowNanos) {
                        becameSlow(session);
                    }
                };
            }
            loop.timers().schedule(session.slowTimer, loop.now() + hub.settings.slowSubscriberTimeout().toNanos());
        }
    }

    /** After {@code session}'s backlog shrank: at the low-water mark its publishers go on. */
    void noteDrained(Session session) {
        if ((session.congested || session.slow) && session.queued() <= LOW_WATER_MESSAGES
                && session.queuedBytes() <= LOW_WATER_BYTES) {
            session.slow = false;
            relieve(session);
        }
    }

    private void becameSlow(Session session) {
        if (!session.congested) {
            return;
        }
        session.slow = true;
        hub.metrics.slowSubscribers.increment(shard);
        SLOW_LOG.log(System.Logger.Level.WARNING, "MQTT " + session + " reads too slowly: publishers no longer wait "
                + "for it, and its messages beyond the queue limits are dropped until it catches up");
        relieve(session);
    }

    /** The session no longer holds its publishers back (drained, disconnected, ended or moving): wakes them. */
    void relieve(Session session) {
        session.congested = false;
        if (session.slowTimer != null) {
            loop.timers().cancel(session.slowTimer);
        }
        java.util.ArrayList<MqttConnection> waiting = session.waitingPublishers;
        if (waiting != null && !waiting.isEmpty()) {
            for (MqttConnection publisher : waiting) {
                publisher.wake();
            }
            waiting.clear();
        }
    }

    /** Hands {@code delivery} to its session, on the session's own loop. */
    void deliver(Session session, Session.Delivery delivery) {
        EventLoop home = session.home;
        if (home != loop) {
            TransitBatch batch = batchTo(home);
            // Publishers held back at the high-water mark keep this far below the bound; it
            // remains as the last guard of the heap, beyond it deliveries are dropped and counted.
            if (batch.target().inTransit.get() + batch.size() >= MAX_IN_TRANSIT) {
                dropped(session, delivery);
                return;
            }
            batch.add(session, delivery);
            return;
        }
        if (session.ended) {
            forget(session, delivery);
            return;
        }
        if (session.connection != null) {
            session.connection.deliver(delivery);
            noteBacklog(session);
        } else if (session.internal != null) {
            session.internal.accept(delivery);
        } else if (delivery.qos > 0 && session.expirySeconds > 0) {
            enqueue(session, delivery);
        } else {
            forget(session, delivery);
        }
    }

    /** A delivery that will not be made: the session log, if it holds it, is told. */
    void forget(Session session, Session.Delivery delivery) {
        if (delivery.stored) {
            hub.store.done(session, delivery);
        }
    }

    private void dropped(Session session, Session.Delivery delivery) {
        hub.metrics.dropped.increment(shard);
        forget(session, delivery);
    }

    // ---- deliveries to other loops

    /** The batch of this iteration's deliveries to {@code home}; the first one schedules {@link #sendBatches}. */
    private TransitBatch batchTo(EventLoop home) {
        int index = home.index();
        TransitBatch batch = outgoing[index];
        if (batch == null) {
            batch = freeBatches[index].relaxedPoll();
            if (batch == null) {
                batch = new TransitBatch(hub.part(home), freeBatches[index]);
            }
            outgoing[index] = batch;
            if (!batchesScheduled) {
                batchesScheduled = true;
                loop.execute(sendBatches);
            }
        }
        return batch;
    }

    /** Hands every batch gathered so far to its loop (at the end of the iteration, or before a wait is posted). */
    void sendBatches() {
        batchesScheduled = false;
        for (int i = 0; i < outgoing.length; i++) {
            TransitBatch batch = outgoing[i];
            if (batch != null) {
                outgoing[i] = null;
                batch.target().inTransit.addAndGet(batch.size());
                batch.target().loop.execute(batch);
            }
        }
    }

    /** Deliveries on their way to {@code target}: handed over, and gathered here for it. */
    private int inTransitTo(BrokerLoop target) {
        TransitBatch batch = outgoing[target.loop.index()];
        return target.inTransit.get() + (batch == null ? 0 : batch.size());
    }

    /** Keeps {@code delivery} in the session's queue, or drops it (counted) when the queue is full. */
    void enqueue(Session session, Session.Delivery delivery) {
        boolean limited = session.connection == null || session.slow;
        if (!session.enqueue(delivery, limited, hub.settings.maxQueuedMessages(), MAX_QUEUED_QOS0_BYTES)) {
            dropped(session, delivery);
        }
    }

    /** Publishes a message that no client connection carries (a will): routes it and keeps it if retained. */
    void publishFromBroker(Message message) {
        if (message.retain()) {
            hub.retain(message);
        }
        byte[] topic = message.topicUtf8();
        match(message.publisher(), message.qos(), new org.agrona.concurrent.UnsafeBuffer(topic), 0, topic.length);
        deliverMatched(message);
    }

    List<Message> retainedFor(String filter) {
        return filter.startsWith(TopicTrie.SHARE_PREFIX) ? new ArrayList<>() : hub.retainedMatching(filter, loop.now());
    }
}
