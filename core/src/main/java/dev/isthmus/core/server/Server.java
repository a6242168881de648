package dev.isthmus.core.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.loop.LoopSettings;
import dev.isthmus.core.tls.TlsConnection;
import dev.isthmus.core.tls.TlsContext;
import dev.isthmus.core.transport.Acceptor;
import dev.isthmus.core.transport.DatagramEndpoint;
import dev.isthmus.core.transport.DatagramHandler;
import dev.isthmus.core.transport.Listener;
import dev.isthmus.core.transport.Transport;
import dev.isthmus.core.transport.nio.NioTransport;

/**
 * The engine: N event loops, each with its own {@code SO_REUSEPORT} listener per address, so the
 * kernel spreads connections and a connection stays on its loop for life.
 *
 * <p>Lifecycle: {@link #start()} opens loops and listeners; {@link #shutdown(Duration)} stops
 * accepting, lets protocols finish what is in flight for up to the grace period, then closes
 * everything. {@link #close()} is shutdown without grace.
 */
public final class Server implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Server.class.getName());
    private static final int BACKLOG = 4096;
    private static final long DRAIN_POLL_MILLIS = 20;

    private final int threads;
    private final Transport transport;
    private final LoopSettings loopSettings;
    private final List<ListenerSpec> listenerSpecs;
    /** UDP listeners: their services' loop parts are the {@link DatagramHandler}s. */
    private final List<ListenerSpec> datagramSpecs;
    /** Services on every loop without a listener of their own (they make outbound connections). */
    private final List<ProtocolService> services;
    private final List<EventLoop> loops = new ArrayList<>();
    private final Map<String, InetSocketAddress> bound = new LinkedHashMap<>();
    /** Per loop: the loop services and the listeners opened on that loop. */
    private final List<Map<ProtocolService, LoopService>> loopServices = new ArrayList<>();
    private final List<List<Listener>> loopListeners = new ArrayList<>();
    private volatile boolean stopped;

    private Server(Builder builder) {
        this.threads = builder.threads > 0 ? builder.threads : Runtime.getRuntime().availableProcessors();
        this.transport = builder.transport;
        this.loopSettings = builder.loopSettings;
        this.listenerSpecs = List.copyOf(builder.listeners);
        this.datagramSpecs = List.copyOf(builder.datagramListeners);
        this.services = List.copyOf(builder.services);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts the loops and opens every listener on every loop. */
    public Server start() throws IOException {
        try {
            for (int i = 0; i < threads; i++) {
                EventLoop loop = new EventLoop(i, transport, loopSettings);
                loop.start();
                loops.add(loop);
                loopServices.add(new IdentityHashMap<>());
                loopListeners.add(new ArrayList<>());
            }
            for (ListenerSpec spec : listenerSpecs) {
                InetSocketAddress address = spec.address();
                for (int i = 0; i < loops.size(); i++) {
                    InetSocketAddress actual = open(i, spec, address);
                    // Port 0 is resolved by the first loop; the others join that port.
                    address = new InetSocketAddress(address.getAddress(), actual.getPort());
                }
                bound.put(spec.name(), address);
                LOG.log(System.Logger.Level.INFO, spec.name() + " listening on " + describe(address) + " ("
                        + loops.size() + " loops, io: " + transport.name()
                        + (spec.tls() == null ? "" : ", TLS: " + spec.tls().provider().name()) + ")");
            }
            for (ListenerSpec spec : datagramSpecs) {
                InetSocketAddress address = spec.address();
                for (int i = 0; i < loops.size(); i++) {
                    InetSocketAddress actual = openDatagram(i, spec, address);
                    address = new InetSocketAddress(address.getAddress(), actual.getPort());
                }
                bound.put(spec.name(), address);
                LOG.log(System.Logger.Level.INFO, spec.name() + " listening on UDP " + describe(address) + " ("
                        + loops.size() + " loops, io: " + transport.name() + ")");
            }
            // After the listeners: a service may use what the listeners' services set up on its loop.
            for (ProtocolService service : services) {
                for (int i = 0; i < loops.size(); i++) {
                    attach(i, service);
                }
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        return this;
    }

    private InetSocketAddress open(int loopIndex, ListenerSpec spec, InetSocketAddress address) throws IOException {
        EventLoop loop = loops.get(loopIndex);
        try {
            return loop.submit(() -> {
                LoopService service = loopServices.get(loopIndex)
                        .computeIfAbsent(spec.service(), s -> s.attach(loop));
                Acceptor acceptor = spec.tls() == null ? service : TlsConnection.acceptor(spec.tls(), service);
                Listener listener = loop.io().listen(address, true, BACKLOG, acceptor);
                loopListeners.get(loopIndex).add(listener);
                return listener.localAddress();
            }).get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw new IOException("cannot listen on " + describe(address) + " for " + spec.name() + ": "
                        + io.getMessage(), io);
            }
            throw new IllegalStateException("cannot listen on " + describe(address), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while opening listeners", e);
        }
    }

    private InetSocketAddress openDatagram(int loopIndex, ListenerSpec spec, InetSocketAddress address)
            throws IOException {
        EventLoop loop = loops.get(loopIndex);
        try {
            return loop.submit(() -> {
                LoopService service = loopServices.get(loopIndex)
                        .computeIfAbsent(spec.service(), s -> s.attach(loop));
                if (!(service instanceof DatagramHandler handler)) {
                    throw new IllegalArgumentException(spec.name() + ": " + spec.service()
                            + " does not take datagrams (its loop part is no DatagramHandler)");
                }
                DatagramEndpoint endpoint = loop.io().bindDatagram(address, true, handler);
                loopListeners.get(loopIndex).add(endpoint);
                return endpoint.localAddress();
            }).get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw new IOException("cannot bind UDP " + describe(address) + " for " + spec.name() + ": "
                        + io.getMessage(), io);
            }
            throw new IllegalStateException("cannot bind UDP " + describe(address) + " for " + spec.name() + ": "
                    + cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while opening listeners", e);
        }
    }

    private void attach(int loopIndex, ProtocolService service) throws IOException {
        EventLoop loop = loops.get(loopIndex);
        try {
            loop.submit(() -> loopServices.get(loopIndex).computeIfAbsent(service, s -> s.attach(loop))).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot start " + service + " on " + loop + ": " + e.getCause(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting services", e);
        }
    }

    private static String describe(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    /** The address listener {@code name} is bound to (with its real port). */
    public InetSocketAddress boundAddress(String name) {
        InetSocketAddress address = bound.get(name);
        if (address == null) {
            throw new IllegalArgumentException("no listener named " + name);
        }
        return address;
    }

    public List<EventLoop> loops() {
        return List.copyOf(loops);
    }

    public Transport transport() {
        return transport;
    }

    /**
     * Stops accepting, lets in-flight work finish for up to {@code grace}, then closes
     * everything. Blocks until the loops have ended. Safe to call more than once.
     */
    public void shutdown(Duration grace) {
        if (stopped) {
            return;
        }
        stopped = true;
        long deadline = System.nanoTime() + grace.toNanos();
        // Every loop stops accepting before any starts draining, so once one connection has
        // seen the drain, no listener of this server takes new connections.
        List<CompletableFuture<Void>> closed = new ArrayList<>();
        for (int i = 0; i < loops.size(); i++) {
            int index = i;
            closed.add(loops.get(i).submit(() -> {
                loopListeners.get(index).forEach(Listener::close);
                return null;
            }));
        }
        awaitAll(closed);
        for (int i = 0; i < loops.size(); i++) {
            int index = i;
            loops.get(i).execute(() -> loopServices.get(index).values().forEach(LoopService::drain));
        }
        awaitDrained(deadline);
        for (int i = 0; i < loops.size(); i++) {
            int index = i;
            loops.get(i).execute(() -> loopServices.get(index).values().forEach(LoopService::close));
            loops.get(i).stop();
        }
        for (EventLoop loop : loops) {
            try {
                if (!loop.awaitTermination(10, TimeUnit.SECONDS)) {
                    LOG.log(System.Logger.Level.WARNING, loop + " did not end within 10 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        java.util.stream.Stream.concat(java.util.stream.Stream.of(listenerSpecs, datagramSpecs).flatMap(List::stream)
                .map(ListenerSpec::service), services.stream()).distinct().forEach(ProtocolService::stopped);
    }

    private static void awaitAll(List<CompletableFuture<Void>> futures) {
        for (CompletableFuture<Void> future : futures) {
            try {
                future.get(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                LOG.log(System.Logger.Level.WARNING, "closing a listener failed", e);
            }
        }
    }

    private void awaitDrained(long deadlineNanos) {
        if (System.nanoTime() - deadlineNanos >= 0) {
            return;
        }
        while (System.nanoTime() - deadlineNanos < 0) {
            int open = 0;
            for (EventLoop loop : loops) {
                try {
                    open += loop.submit(() -> loop.io().connectionCount()).get(1, TimeUnit.SECONDS);
                } catch (Exception e) {
                    return;
                }
            }
            if (open == 0) {
                return;
            }
            try {
                Thread.sleep(DRAIN_POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        LOG.log(System.Logger.Level.WARNING, "shutdown grace period ended with connections still open; closing them");
    }

    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }

    /** Builds a {@link Server}. Defaults: one loop per processor, the NIO transport, {@link LoopSettings#DEFAULT}. */
    public static final class Builder {
        private int threads;
        private Transport transport = NioTransport.INSTANCE;
        private LoopSettings loopSettings = LoopSettings.DEFAULT;
        private final List<ListenerSpec> listeners = new ArrayList<>();
        private final List<ListenerSpec> datagramListeners = new ArrayList<>();
        private final List<ProtocolService> services = new ArrayList<>();

        private Builder() {
        }

        /** Event loops; 0 means one per available processor. */
        public Builder threads(int threads) {
            if (threads < 0) {
                throw new IllegalArgumentException("threads must be >= 0");
            }
            this.threads = threads;
            return this;
        }

        public Builder transport(Transport transport) {
            this.transport = Objects.requireNonNull(transport);
            return this;
        }

        public Builder loopSettings(LoopSettings settings) {
            this.loopSettings = Objects.requireNonNull(settings);
            return this;
        }

        public Builder listen(String name, InetSocketAddress address, ProtocolService service) {
            listeners.add(new ListenerSpec(name, address, service));
            return this;
        }

        /** Listens behind TLS: accepted connections run {@code tls}'s server side, {@code service} sees plaintext. */
        public Builder listen(String name, InetSocketAddress address, TlsContext tls, ProtocolService service) {
            listeners.add(new ListenerSpec(name, address, service, Objects.requireNonNull(tls, "tls")));
            return this;
        }

        /**
         * Listens for UDP datagrams on {@code address} (port 0: a free port, shared by all loops),
         * one socket per loop with SO_REUSEPORT, so the kernel keeps each sender on one loop.
         * {@code service}'s loop part must be a {@link DatagramHandler}. On shutdown the sockets
         * close with the TCP listeners.
         */
        public Builder listenDatagram(String name, InetSocketAddress address, ProtocolService service) {
            datagramListeners.add(new ListenerSpec(name, address, service));
            return this;
        }

        /**
         * Attaches {@code service} to every loop without listening for it, after the listeners'
         * services: for protocols that only connect out (a bridge to another broker). Drained and
         * closed like the others.
         */
        public Builder service(ProtocolService service) {
            services.add(Objects.requireNonNull(service));
            return this;
        }

        public Server build() {
            return new Server(this);
        }
    }
}
