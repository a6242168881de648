package dev.isthmus.protocol.mqtt;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.agrona.DirectBuffer;
import org.agrona.collections.Object2IntHashMap;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.loop.FlushBatch;
import dev.isthmus.core.server.LoopService;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.ConnectionHandler;
import dev.isthmus.protocol.mqtt.broker.SharedGroup;
import dev.isthmus.protocol.mqtt.broker.SubscriptionOptions;
import dev.isthmus.protocol.mqtt.broker.TopicTrie;

/**
 * The broker on one event loop: its replica of the topic trie, its client connections, and
 * the routing of the messages they publish. Everything here runs on {@link #loop}'s thread.
 *
 * <p>Writes are flushed once per loop iteration, after all the events of that iteration, so
 * a burst of publishes to one subscriber leaves in one send.
 */
final class BrokerLoop implements LoopService, TopicTrie.Visitor<Session> {
    private static final int[] NO_IDS = new int[0];
    /**
     * QoS 0 payload a connected client may have waiting behind its socket: a burst from a fast
     * publisher fits (measured: 200,000 small messages through mosquitto_pub -l), a client that
     * stopped reading cannot make the broker hold more than this.
     */
    static final long MAX_QUEUED_QOS0_BYTES = 16L << 20;
    /** Deliveries handed to this loop by other loops and not yet taken: see {@link #deliver}. */
    static final int MAX_IN_TRANSIT = 65_536;

    final java.util.concurrent.atomic.AtomicInteger inTransit = new java.util.concurrent.atomic.AtomicInteger();

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
    private int matchedCount;

    BrokerLoop(BrokerHub hub, EventLoop loop) {
        this.hub = hub;
        this.loop = loop;
        this.shard = loop.index();
        this.flushes = new FlushBatch<>(loop);
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
        trie.match(topic, topicOffset, topicLength, this);
        publisher = null;
        return matchedCount;
    }

    /** Delivers {@code message} to the sessions the last {@link #match} found, on whichever loop each lives. */
    void deliverMatched(Message message) {
        int count = matchedCount;
        for (int i = 0; i < count; i++) {
            Session session = matched[i];
            int[] ids = matchedIds[i];
            Session.Delivery delivery = new Session.Delivery(message, matchedQos[i],
                    matchedRetainAsPublished[i] && message.retain(), ids == null ? NO_IDS : ids);
            matched[i] = null;
            matchedIds[i] = null;
            deliver(session, delivery);
        }
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
    }

    /** Hands {@code delivery} to its session, on the session's own loop. */
    void deliver(Session session, Session.Delivery delivery) {
        EventLoop home = session.home;
        if (home != loop) {
            BrokerLoop target = hub.part(home);
            // Publishers on this loop can outrun the session's loop: what is on its way there is
            // bounded like a session's queue, and beyond the bound dropped and counted.
            if (target.inTransit.incrementAndGet() > MAX_IN_TRANSIT) {
                target.inTransit.decrementAndGet();
                hub.metrics.dropped.increment(shard);
                return;
            }
            home.execute(() -> {
                target.inTransit.decrementAndGet();
                target.deliver(session, delivery);
            });
            return;
        }
        if (session.ended) {
            return;
        }
        if (session.connection != null) {
            session.connection.deliver(delivery);
        } else if (session.internal != null) {
            session.internal.accept(delivery);
        } else if (delivery.qos > 0 && session.expirySeconds > 0) {
            enqueue(session, delivery);
        }
    }

    /** Keeps {@code delivery} in the session's queue, or drops it (counted) when the queue is full. */
    void enqueue(Session session, Session.Delivery delivery) {
        if (!session.enqueue(delivery, hub.settings.maxQueuedMessages(), MAX_QUEUED_QOS0_BYTES)) {
            hub.metrics.dropped.increment(shard);
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
