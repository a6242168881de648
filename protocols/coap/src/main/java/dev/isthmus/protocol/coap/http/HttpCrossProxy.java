package dev.isthmus.protocol.coap.http;

import java.util.Locale;
import java.util.Objects;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.observe.MetricRegistry;
import dev.isthmus.core.observe.RateLimitedLog;
import dev.isthmus.core.server.LoopService;
import dev.isthmus.core.server.ProtocolService;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.ConnectionHandler;
import dev.isthmus.core.upstream.UpstreamGroup;
import dev.isthmus.protocol.coap.CoapExchange;
import dev.isthmus.protocol.coap.CoapHandler;
import dev.isthmus.protocol.coap.CoapRequest;
import dev.isthmus.protocol.coap.CoapResource;
import dev.isthmus.protocol.coap.CoapResponse;
import dev.isthmus.protocol.coap.codec.CoapCode;
import dev.isthmus.protocol.http1.client.HttpClientSettings;
import dev.isthmus.protocol.http1.client.HttpFailure;
import dev.isthmus.protocol.http1.client.HttpResponse;
import dev.isthmus.protocol.http1.client.HttpResponseHandler;
import dev.isthmus.protocol.http1.client.LoopHttpClient;

/**
 * CoAP to HTTP as a reverse cross-proxy (RFC 7252 section 10.2, RFC 8075's mappings read the
 * other way): each {@link #resource route} is a subtree of CoAP paths whose requests go to an
 * HTTP upstream group with their full path and query, and whose responses come back translated.
 *
 * <p>Each event loop forwards through a {@link LoopHttpClient} of its own, shared by every route,
 * so the origins see one keep-alive pool per loop. A response is translated whole; the endpoint
 * sends a large one in Block2 blocks and a slow one as a separate response. Proxied paths are
 * not observable: a GET with Observe is answered once, without registering (RFC 7641 allows it).
 *
 * <p>Register it with the server as a service ({@code Server.Builder.service}) as well: its loop
 * part closes the idle origin connections when a graceful shutdown begins, so the drain does
 * not wait for their keep-alive to run out.
 *
 * <p>What the gateway answers itself: 4.05 for FETCH, 4.15 for a Content-Format and 4.06 for an
 * Accept with no HTTP media type, 5.05 for Proxy-Uri, 4.00 for a dot segment or a slash inside a
 * segment (they could leave the route's prefix at the origin), 5.02 when no peer answered
 * properly or the body is too large, 5.04 when the answer was too slow.
 */
public final class HttpCrossProxy implements ProtocolService {
    private final HttpClientSettings settings;
    private final MetricRegistry metrics;
    private final LoopState[] loops;

    /**
     * @param settings how to talk to the origins; {@code maxResponseBodyBytes} bounds what a CoAP
     *                 client can be sent
     * @param loops    the number of event loops the resources are served on
     * @param metrics  where each route counts its outcomes; shards = loops
     */
    public HttpCrossProxy(HttpClientSettings settings, int loops, MetricRegistry metrics) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.loops = new LoopState[Math.max(1, loops)];
    }

    /** The resource that forwards every request at or below {@code pathPrefix} to {@code group}. */
    public CoapResource resource(String pathPrefix, UpstreamGroup group) {
        Route route = new Route(pathPrefix, group, new CrossProxyMetrics(metrics, pathPrefix));
        return CoapResource.at(pathPrefix).subtree().attribute("title", "HTTP upstream " + group.name())
                .handler(route).build();
    }

    @Override
    public LoopService attach(EventLoop loop) {
        LoopState state = state(loop);
        return new LoopService() {
            @Override
            public ConnectionHandler accepted(Connection connection) {
                // Nothing listens for this service: it only connects out.
                return null;
            }

            @Override
            public void drain() {
                state.client.drain();
            }
        };
    }

    /** What one loop keeps: its client and its log budget. Made on the loop, touched only there. */
    private static final class LoopState {
        final LoopHttpClient client;
        final RateLimitedLog failures = new RateLimitedLog(System.getLogger(HttpCrossProxy.class.getName()), 20);

        LoopState(EventLoop loop, HttpClientSettings settings) {
            this.client = new LoopHttpClient(loop, settings);
        }
    }

    /** The loop's state: made when the service is attached, or by the loop's first request when it is not. */
    private LoopState state(EventLoop loop) {
        LoopState state = loops[loop.index()];
        if (state == null) {
            state = new LoopState(loop, settings);
            loops[loop.index()] = state;
        }
        return state;
    }

    private final class Route implements CoapHandler {
        private final String prefix;
        private final UpstreamGroup group;
        private final CrossProxyMetrics counters;

        Route(String prefix, UpstreamGroup group, CrossProxyMetrics counters) {
            this.prefix = prefix;
            this.group = group;
            this.counters = counters;
        }

        @Override
        public void handle(CoapRequest request, CoapExchange exchange) {
            EventLoop loop = exchange.loop();
            int shard = loop.index();
            Translation.Mapped mapped = Translation.request(request);
            if (mapped.refusal() != null) {
                counters.refused.increment(shard);
                exchange.respond(mapped.refusal());
                return;
            }
            LoopState state = state(loop);
            state.client.send(group, mapped.request(), new HttpResponseHandler() {
                @Override
                public void onResponse(HttpResponse response) {
                    counters.answered.increment(shard);
                    exchange.respond(Translation.response(request.method(), mapped.request(), response));
                }

                @Override
                public void onFailure(HttpFailure failure, String detail) {
                    counters.failed(failure).increment(shard);
                    CoapResponse answer = Translation.failure(failure, settings.maxResponseBodyBytes());
                    if (state.failures.allow(loop.now())) {
                        state.failures.log(System.Logger.Level.WARNING, "CoAP " + request.methodName() + " "
                                + request.pathString() + " from " + request.sender() + " via " + prefix + " to "
                                + group.name() + ": " + CoapCode.toString(answer.code()) + " ("
                                + failure.name().toLowerCase(Locale.ROOT).replace('_', ' ') + ": " + detail + ")");
                    }
                    exchange.respond(answer);
                }
            });
        }
    }
}
