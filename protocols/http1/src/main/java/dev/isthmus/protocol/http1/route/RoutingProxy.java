package dev.isthmus.protocol.http1.route;

import java.nio.charset.StandardCharsets;

import org.agrona.AsciiSequenceView;
import org.agrona.DirectBuffer;

import dev.isthmus.core.upstream.Peer;
import dev.isthmus.core.upstream.UpstreamGroup;
import dev.isthmus.core.upstream.balance.BackendSelection;
import dev.isthmus.core.upstream.balance.HashKey;
import dev.isthmus.core.upstream.balance.PeerFilter;
import dev.isthmus.protocol.http1.HttpSession;
import dev.isthmus.protocol.http1.ProxyError;
import dev.isthmus.protocol.http1.ProxyHttp;
import dev.isthmus.protocol.http1.codec.RequestHead;

/**
 * The proxy the command line runs, built on the same phase API as any embedding: routes by
 * host and path to upstream groups, balances within the group, skips unhealthy peers, tries
 * another peer when connecting fails, and feeds passive health checking.
 *
 * <p>No route: 404 from the proxy. No usable peer: 503 at once.
 */
public final class RoutingProxy implements ProxyHttp<Void> {
    private static final byte[] NOT_FOUND = "no route for this host and path\n".getBytes(StandardCharsets.US_ASCII);

    private final Router router;
    private final LoopFilter[] filters;

    /** @param loops the number of event loops that will call this proxy */
    public RoutingProxy(Router router, int loops) {
        this.router = router;
        this.filters = new LoopFilter[Math.max(1, loops)];
        for (int i = 0; i < filters.length; i++) {
            filters[i] = new LoopFilter();
        }
    }

    @Override
    public boolean requestFilter(HttpSession session, Void ctx) {
        Route route = router.match(session.host(), session.path());
        if (route == null) {
            session.respond(404, "text/plain", NOT_FOUND);
            return true;
        }
        session.attach(route);
        return false;
    }

    @Override
    public Peer upstreamPeer(HttpSession session, Void ctx) {
        UpstreamGroup group = ((Route) session.attachment()).group();
        BackendSelection selection = group.selection(session.loopIndex());
        long hash = group.algorithm().usesKey() ? keyHash(session, group.hashKey(), selection) : 0;
        LoopFilter filter = filters[session.loopIndex()];
        filter.session = session;
        filter.now = System.nanoTime();
        Peer peer = selection.select(hash, filter);
        filter.session = null;
        return peer;
    }

    private static long keyHash(HttpSession session, HashKey key, BackendSelection selection) {
        RequestHead head = session.requestHead();
        DirectBuffer buffer = session.requestBuffer();
        switch (key.source()) {
            case CLIENT_IP -> {
                AsciiSequenceView ip = (AsciiSequenceView) session.clientIp();
                return selection.hashKey(ip.buffer(), ip.offset(), ip.length());
            }
            case PATH -> {
                return selection.hashKey(buffer, head.pathOffset(), head.pathLength());
            }
            case URI -> {
                return selection.hashKey(buffer, head.targetOffset(), head.targetLength());
            }
            case HEADER -> {
                int i = head.find(key.headerNameBytes());
                return i < 0 ? selection.hashKey(buffer, 0, 0)
                        : selection.hashKey(buffer, head.valueOffset(i), head.valueLength(i));
            }
            default -> throw new IllegalStateException("unknown key source " + key.source());
        }
    }

    @Override
    public boolean failToConnect(HttpSession session, Peer peer, ProxyError error, Void ctx) {
        UpstreamGroup group = ((Route) session.attachment()).group();
        group.selection(session.loopIndex()).release(peer);
        group.passiveHealth().recordFailure(peer, System.nanoTime());
        return session.triedPeers() <= group.retries();
    }

    @Override
    public void logging(HttpSession session, ProxyError error, Void ctx) {
        Peer peer = session.peer();
        Object route = session.attachment();
        if (peer == null || !(route instanceof Route r)) {
            return;
        }
        UpstreamGroup group = r.group();
        if (session.hasTried(peer)) {
            // Connecting to it failed: already released and counted in failToConnect. It is still
            // the session's peer when the request ended that way, or when the retry found no
            // usable peer (503) after it.
            return;
        }
        group.selection(session.loopIndex()).release(peer);
        if (error == ProxyError.UPSTREAM_BROKEN || error == ProxyError.UPSTREAM_TIMEOUT) {
            group.passiveHealth().recordFailure(peer, System.nanoTime());
        } else if (error == null) {
            group.passiveHealth().recordSuccess(peer);
        }
    }

    /** Accepts usable peers not yet tried for the request; one per loop, reused for every pick. */
    private static final class LoopFilter implements PeerFilter {
        HttpSession session;
        long now;

        @Override
        public boolean accept(Peer peer) {
            return peer.isUsable(now) && !session.hasTried(peer);
        }
    }
}
