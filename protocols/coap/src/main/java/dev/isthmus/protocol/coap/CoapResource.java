package dev.isthmus.protocol.coap;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import dev.isthmus.core.loop.EventLoop;

/**
 * A resource at a path: its handler, the link attributes discovery lists it with (RFC 6690:
 * {@code rt}, {@code if}, {@code ct}, {@code title}, {@code sz}), and, when observable
 * (RFC 7641), its observers, told through {@link #changed}. A subtree resource takes every path
 * below its own too (a gateway prefix such as {@code /ps}).
 */
public final class CoapResource {
    private final List<String> path;
    private final CoapHandler handler;
    private final boolean subtree;
    private final boolean observable;
    private final Map<String, String> attributes;
    private final ObserverListener observerListener;
    /** One per event loop of every endpoint serving this resource: the loop's relations are told there. */
    private final List<LoopObserver> observers = new CopyOnWriteArrayList<>();

    /** An endpoint's part on one loop, told of changes there, on its thread. */
    record LoopObserver(EventLoop loop, Consumer<String> changed) {
    }

    private CoapResource(Builder builder) {
        this.path = List.copyOf(builder.path);
        this.handler = Objects.requireNonNull(builder.handler, "handler");
        this.subtree = builder.subtree;
        this.observable = builder.observable;
        this.attributes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(builder.attributes));
        this.observerListener = builder.observerListener;
    }

    /**
     * Told when a path of an observable resource gains its first observer on an event loop and
     * when it loses its last there, on that loop: a resource that feeds its notifications from
     * elsewhere (a broker subscription) holds that feed only while someone observes.
     */
    public interface ObserverListener {
        void firstObserver(EventLoop loop, String path);

        void lastObserverGone(EventLoop loop, String path);
    }

    /** Its observer listener, or null. */
    ObserverListener observerListener() {
        return observerListener;
    }

    /** A resource at {@code path} ({@code /a/b}). */
    public static Builder at(String path) {
        return new Builder(path);
    }

    public List<String> path() {
        return path;
    }

    public String pathString() {
        return path.isEmpty() ? "/" : "/" + String.join("/", path);
    }

    CoapHandler handler() {
        return handler;
    }

    public boolean isSubtree() {
        return subtree;
    }

    public boolean isObservable() {
        return observable;
    }

    /** Link attributes without the {@code obs} flag, which {@link #isObservable()} stands for. */
    public Map<String, String> attributes() {
        return attributes;
    }

    /** Its state changed: every observer of it gets a notification (any thread). */
    public void changed() {
        changed(pathString());
    }

    /**
     * The state at {@code path} (this resource's own or, for a subtree, one below it) changed:
     * its observers get a notification. Any thread.
     */
    public void changed(String path) {
        for (LoopObserver observer : observers) {
            // Through the loop's queue even from its own thread: a handler that calls this while
            // answering a PUT has its response go out before the notifications.
            observer.loop.execute(() -> observer.changed.accept(path));
        }
    }

    /**
     * The state at {@code path} changed for the observers on {@code loop} only: a resource whose
     * state is kept per loop (fed by a per-loop subscription) tells each loop of its own. Called
     * on {@code loop}, its observers are notified before this returns.
     */
    public void changed(EventLoop loop, String path) {
        for (LoopObserver observer : observers) {
            if (observer.loop == loop) {
                if (loop.inLoop()) {
                    observer.changed.accept(path);
                } else {
                    loop.execute(() -> observer.changed.accept(path));
                }
            }
        }
    }

    void addObserver(LoopObserver observer) {
        observers.add(observer);
    }

    void removeObserver(LoopObserver observer) {
        observers.remove(observer);
    }

    /** Builds a {@link CoapResource}. */
    public static final class Builder {
        private final List<String> path = new ArrayList<>();
        private CoapHandler handler;
        private boolean subtree;
        private boolean observable;
        private final Map<String, String> attributes = new LinkedHashMap<>();
        private ObserverListener observerListener;

        private Builder(String path) {
            for (String segment : path.split("/")) {
                if (!segment.isEmpty()) {
                    this.path.add(segment);
                }
            }
        }

        public Builder handler(CoapHandler handler) {
            this.handler = handler;
            return this;
        }

        /** Takes every path below its own as well. */
        public Builder subtree() {
            this.subtree = true;
            return this;
        }

        /** Clients may observe it (RFC 7641); {@link CoapResource#changed} notifies them. */
        public Builder observable() {
            this.observable = true;
            return this;
        }

        /** Observable, and {@code listener} hears when paths gain and lose their observers. */
        public Builder observable(ObserverListener listener) {
            this.observable = true;
            this.observerListener = listener;
            return this;
        }

        /** A link attribute for discovery: {@code rt}, {@code if}, {@code ct}, {@code title}, {@code sz}. */
        public Builder attribute(String name, String value) {
            attributes.put(name, value);
            return this;
        }

        public CoapResource build() {
            return new CoapResource(this);
        }
    }
}
