package dev.isthmus.protocol.mqtt;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.timer.Timer;
import dev.isthmus.protocol.mqtt.broker.RetainedStore;
import dev.isthmus.protocol.mqtt.broker.SubscriptionOptions;
import dev.isthmus.protocol.mqtt.broker.TopicTrie;
import dev.isthmus.protocol.mqtt.codec.MqttVersion;
import dev.isthmus.protocol.mqtt.codec.PropertyId;
import dev.isthmus.protocol.mqtt.codec.Will;

/**
 * What the broker's event loops share: the session registry, the retained messages, and the
 * fan-out of subscription changes to every loop's replica of the topic trie.
 *
 * <p>Publishing is the hot path and stays on the publisher's loop: it matches against that
 * loop's own trie, with no lock. Subscribing is rare: a change is applied by every loop (each in
 * its own thread, through its inbox) before the SUBACK goes out, so once a client holds its
 * SUBACK a publish on any loop sees the subscription. Retained messages are one store under a
 * lock: they are written by retained publishes and read by subscribes, both rare next to plain
 * publishes, and a QoS 1 retained publish is stored before its PUBACK.
 */
final class BrokerHub {
    final MqttSettings settings;
    final MqttMetrics metrics;
    final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();
    private final RetainedStore<Message> retained = new RetainedStore<>();
    private final Slot[] slots;
    private final AtomicInteger assignedIds = new AtomicInteger();
    /** Subscriptions of all sessions (a filter counted once per session), for $SYS. */
    private final java.util.concurrent.atomic.AtomicLong subscriptions = new java.util.concurrent.atomic.AtomicLong();

    /** The embedder's phases, or null; {@link #phases} says which it overrides. */
    final MqttHooks<Object> hooks;
    final HookPhases phases;

    /** Sessions on disk, or null when they live in memory only. */
    final SessionStore store;
    /** Sessions read back from the log that no loop owns yet; the first loop to attach takes them. */
    private List<Session> unhomed = new ArrayList<>();

    @SuppressWarnings("unchecked")
    BrokerHub(MqttSettings settings, MqttMetrics metrics, int loops, MqttHooks<?> hooks, SessionStore store) {
        this.settings = settings;
        this.metrics = metrics;
        this.hooks = (MqttHooks<Object>) hooks;
        this.phases = hooks == null ? null : new HookPhases(hooks);
        this.store = store;
        this.slots = new Slot[loops];
        for (int i = 0; i < loops; i++) {
            slots[i] = new Slot();
        }
        if (store != null) {
            store.restore(this);
        }
    }

    /** A subscription read back from the log: in every loop's trie once the loop attaches. */
    void restoreSubscription(Session session, String filter, SubscriptionOptions options) {
        for (Slot slot : slots) {
            synchronized (slot) {
                slot.pending.add(part -> part.trie.subscribe(filter, session, options));
            }
        }
        subscriptionAdded();
    }

    /** A session read back from the log, away from its client. */
    void restoreSession(Session session) {
        sessions.put(session.clientId, session);
        synchronized (this) {
            unhomed.add(session);
        }
    }

    /**
     * Binds loop {@code index}'s part; changes broadcast before this (other loops may serve
     * clients before this one has started) are applied now.
     */
    void attach(BrokerLoop part) {
        Slot slot = slots[part.loop.index()];
        List<Consumer<BrokerLoop>> pending;
        synchronized (slot) {
            slot.part = part;
            pending = slot.pending;
            slot.pending = null;
        }
        for (Consumer<BrokerLoop> change : pending) {
            change.accept(part);
        }
        List<Session> restored;
        synchronized (this) {
            restored = unhomed;
            unhomed = null;
        }
        if (restored != null) {
            long nowMillis = System.currentTimeMillis();
            for (Session session : restored) {
                session.home = part.loop;
                if (session.expirySeconds != Session.NEVER) {
                    long left = session.expirySeconds - (nowMillis - session.awayAtEpochMillis) / 1000;
                    if (left <= 0) {
                        end(session, part);
                    } else {
                        scheduleExpiry(session, part, left);
                    }
                }
            }
        }
    }

    int loopCount() {
        return slots.length;
    }

    BrokerLoop part(EventLoop loop) {
        return slots[loop.index()].part;
    }

    /**
     * Applies {@code change} on every loop, each on its own thread, then runs {@code done} on
     * {@code origin}.
     */
    void broadcast(Consumer<BrokerLoop> change, EventLoop origin, Runnable done) {
        AtomicInteger left = new AtomicInteger(slots.length);
        for (Slot slot : slots) {
            Consumer<BrokerLoop> counted = part -> {
                change.accept(part);
                if (left.decrementAndGet() == 0) {
                    origin.execute(done);
                }
            };
            BrokerLoop part;
            synchronized (slot) {
                part = slot.part;
                if (part == null) {
                    slot.pending.add(counted);
                    continue;
                }
            }
            part.loop.execute(() -> counted.accept(part));
        }
    }

    void subscribe(Session session, String filter, SubscriptionOptions options, EventLoop origin, Runnable done) {
        broadcast(part -> part.trie.subscribe(filter, session, options), origin, done);
    }

    void unsubscribe(Session session, List<String> filters, EventLoop origin, Runnable done) {
        broadcast(part -> {
            TopicTrie<Session> trie = part.trie;
            for (String filter : filters) {
                trie.unsubscribe(filter, session);
            }
        }, origin, done);
    }

    // ---- sessions

    /**
     * Finds or makes the session of {@code clientId} for a connection that sent its CONNECT on
     * its own loop, and hands it to {@link MqttConnection#attached} there. A session that lives
     * on another loop is taken over on that loop (its old connection is closed) and moved.
     */
    void connect(MqttConnection connection, String clientId, boolean cleanStart, long expirySeconds, Will will,
                 MqttVersion version, MqttConnection.ConnackDetails details) {
        EventLoop here = connection.loop();
        Session existing = sessions.get(clientId);
        if (existing == null) {
            Session fresh = new Session(clientId, here);
            if (sessions.putIfAbsent(clientId, fresh) != null) {
                connect(connection, clientId, cleanStart, expirySeconds, will, version, details);
                return;
            }
            start(fresh, connection, false, expirySeconds, will, version, details);
            return;
        }
        EventLoop home = existing.home;
        home.execute(() -> {
            if (existing.home != home) {
                // It moved on while this task was on its way: try again where it is now.
                connect(connection, clientId, cleanStart, expirySeconds, will, version, details);
                return;
            }
            BrokerLoop part = part(home);
            MqttConnection previous = existing.connection;
            if (previous != null) {
                existing.connection = null;
                previous.takenOver();
            }
            part.relieve(existing);
            cancelTimers(existing, part);
            if (cleanStart || existing.ended) {
                end(existing, part);
                Session fresh = new Session(clientId, here);
                sessions.put(clientId, fresh);
                here.execute(() -> start(fresh, connection, false, expirySeconds, will, version, details));
            } else {
                existing.home = here;
                here.execute(() -> start(existing, connection, true, expirySeconds, will, version, details));
            }
        });
    }

    private void start(Session session, MqttConnection connection, boolean present, long expirySeconds,
                       Will will, MqttVersion version, MqttConnection.ConnackDetails details) {
        session.expirySeconds = expirySeconds;
        session.will = will;
        session.version = version;
        session.connection = connection;
        if (store != null) {
            store.started(session);
        }
        connection.attached(session, present, details);
    }

    /**
     * The session's connection ended (on the session's loop): the will goes out now or after
     * its delay, and the session ends now or after its expiry interval.
     */
    void detach(Session session, BrokerLoop part, boolean publishWill) {
        session.connection = null;
        // Away, the session no longer holds publishers back: its queue limits apply instead.
        session.slow = false;
        part.relieve(session);
        Will will = session.will;
        session.will = null;
        if (publishWill && will != null) {
            long delay = Math.min(will.properties().willDelayInterval(), session.expirySeconds);
            if (delay <= 0) {
                publishWill(will, part);
            } else {
                session.willTimer = new Timer() {
                    @Override
                    protected void onTimeout(long nowNanos) {
                        session.willTimer = null;
                        publishWill(will, part);
                    }
                };
                session.pendingWill = will;
                part.loop.timers().schedule(session.willTimer, part.loop.now() + TimeUnit.SECONDS.toNanos(delay));
            }
        }
        if (store != null) {
            store.away(session);
        }
        if (session.expirySeconds == 0) {
            end(session, part);
        } else if (session.expirySeconds != Session.NEVER) {
            scheduleExpiry(session, part, session.expirySeconds);
        }
    }

    /** Ends the session {@code seconds} from now unless its client is back by then. */
    private void scheduleExpiry(Session session, BrokerLoop part, long seconds) {
        session.expiryTimer = new Timer() {
            @Override
            protected void onTimeout(long nowNanos) {
                session.expiryTimer = null;
                if (session.connection == null && !session.ended) {
                    end(session, part);
                }
            }
        };
        part.loop.timers().schedule(session.expiryTimer, part.loop.now() + TimeUnit.SECONDS.toNanos(seconds));
    }

    private void cancelTimers(Session session, BrokerLoop part) {
        if (session.expiryTimer != null) {
            part.loop.timers().cancel(session.expiryTimer);
            session.expiryTimer = null;
        }
        if (session.willTimer != null) {
            // A client back before its will's delay is over: the will is not sent (5.0 3.1.3.2.2).
            part.loop.timers().cancel(session.willTimer);
            session.willTimer = null;
            session.pendingWill = null;
        }
    }

    /** The session ends for good: a delayed will goes out now, its subscriptions go away everywhere. */
    void end(Session session, BrokerLoop part) {
        if (session.ended) {
            return;
        }
        session.ended = true;
        if (session.willTimer != null) {
            part.loop.timers().cancel(session.willTimer);
            session.willTimer = null;
            Will will = session.pendingWill;
            session.pendingWill = null;
            if (will != null) {
                publishWill(will, part);
            }
        }
        sessions.remove(session.clientId, session);
        if (store != null) {
            store.ended(session);
        }
        part.relieve(session);
        List<String> filters = List.copyOf(session.subscriptions.keySet());
        session.subscriptions.clear();
        subscriptions.addAndGet(-filters.size());
        session.clearQueue();
        session.inflight.clear();
        if (!filters.isEmpty()) {
            unsubscribe(session, filters, part.loop, () -> { });
        }
    }

    private void publishWill(Will will, BrokerLoop part) {
        metrics.willsPublished.increment(part.shard);
        long expiresAt = will.properties().has(PropertyId.MESSAGE_EXPIRY_INTERVAL)
                ? part.loop.now() + TimeUnit.SECONDS.toNanos(will.properties().messageExpiryInterval())
                : Long.MAX_VALUE;
        part.publishFromBroker(Message.of(will.topic(), will.payload(), will.qos(), will.retain(),
                PublishProperties.forwarded(will.properties()), expiresAt, null));
    }

    /** An identifier for a client that connected without one: "isthmus-" and a counter. */
    String assignClientId() {
        String id;
        do {
            id = "isthmus-" + Integer.toUnsignedString(assignedIds.incrementAndGet(), 36) + "-"
                    + Long.toUnsignedString(System.nanoTime() & 0xFFFFFF, 36);
        } while (sessions.containsKey(id));
        return id;
    }

    void subscriptionAdded() {
        subscriptions.incrementAndGet();
    }

    void subscriptionRemoved() {
        subscriptions.decrementAndGet();
    }

    long subscriptionCount() {
        return subscriptions.get();
    }

    // ---- retained messages

    /**
     * Keeps (or, with an empty payload, clears) the retained message of its topic.
     *
     * @return whether it was written to the session log (an acknowledgement then waits for it)
     */
    boolean retain(Message message) {
        retainInMemory(message);
        return store != null && store.retained(message);
    }

    void retainInMemory(Message message) {
        synchronized (retained) {
            if (message.payload().length == 0) {
                retained.remove(message.topic());
            } else {
                retained.put(message.topic(), message);
            }
        }
    }

    /** The retained messages matching {@code filter} that have not expired. */
    List<Message> retainedMatching(String filter, long nowNanos) {
        List<Message> found = new ArrayList<>();
        synchronized (retained) {
            retained.matching(filter, message -> {
                if (!message.expired(nowNanos)) {
                    found.add(message);
                }
            });
            if (found.isEmpty() && retained.size() > 0) {
                retained.removeIf(message -> message.expired(nowNanos));
            }
        }
        return found;
    }

    int retainedCount() {
        synchronized (retained) {
            return retained.size();
        }
    }

    private static final class Slot {
        BrokerLoop part;
        List<Consumer<BrokerLoop>> pending = new ArrayList<>();
    }
}
