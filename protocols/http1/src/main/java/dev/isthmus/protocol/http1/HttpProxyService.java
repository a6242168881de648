package dev.isthmus.protocol.http1;

import java.lang.reflect.Method;
import java.util.Objects;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.observe.MetricRegistry;
import dev.isthmus.core.server.Blocking;
import dev.isthmus.core.server.LoopService;
import dev.isthmus.core.server.ProtocolService;

/**
 * The HTTP/1.1 reverse proxy as a protocol service: give it a {@link ProxyHttp}
 * implementation and settings, and listen with it on a {@link dev.isthmus.core.server.Server}.
 *
 * <pre>{@code
 * Server server = Server.builder()
 *         .listen("http", new InetSocketAddress(8080),
 *                 new HttpProxyService<>(myProxy, HttpProxySettings.DEFAULT, metrics, "http"))
 *         .build().start();
 * }</pre>
 *
 * @param <C> the implementation's per-request context type
 */
public final class HttpProxyService<C> implements ProtocolService {
    final ProxyHttp<C> proxy;
    final HttpProxySettings settings;
    final HttpMetrics metrics;
    final boolean blockingRequestFilter;
    final boolean blockingUpstreamPeer;

    public HttpProxyService(ProxyHttp<C> proxy, HttpProxySettings settings, MetricRegistry metrics, String listenerName) {
        this.proxy = Objects.requireNonNull(proxy, "proxy");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.metrics = new HttpMetrics(metrics, listenerName);
        this.blockingRequestFilter = isBlocking(proxy.getClass(), "requestFilter");
        this.blockingUpstreamPeer = isBlocking(proxy.getClass(), "upstreamPeer");
    }

    /** Whether the implementation's override of {@code phase} carries {@link Blocking} (bridges carry nothing). */
    private static boolean isBlocking(Class<?> type, String phase) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Method method : c.getDeclaredMethods()) {
                if (method.getName().equals(phase) && !method.isBridge() && method.getParameterCount() == 2) {
                    return method.isAnnotationPresent(Blocking.class);
                }
            }
        }
        return false;
    }

    @Override
    public LoopService attach(EventLoop loop) {
        return new HttpLoop(this, loop);
    }

    public HttpProxySettings settings() {
        return settings;
    }
}
