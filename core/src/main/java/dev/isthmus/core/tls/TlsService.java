package dev.isthmus.core.tls;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.server.LoopService;
import dev.isthmus.core.server.ProtocolService;
import dev.isthmus.core.transport.Acceptor;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.ConnectionHandler;

/**
 * A protocol served over TLS: wraps any {@link ProtocolService} so that its listeners run the
 * server side of TLS ({@link TlsConnection#acceptor}) and the protocol sees plaintext
 * connections, e.g. the MQTT broker on 8883 or the HTTP proxy as HTTPS. Draining and closing
 * are the protocol's own.
 */
public final class TlsService implements ProtocolService {
    private final TlsContext context;
    private final ProtocolService protocol;

    public TlsService(TlsContext context, ProtocolService protocol) {
        if (context.isClient()) {
            throw new IllegalArgumentException("a listener needs a server-side TLS context");
        }
        this.context = context;
        this.protocol = protocol;
    }

    @Override
    public LoopService attach(EventLoop loop) {
        LoopService part = protocol.attach(loop);
        Acceptor tls = TlsConnection.acceptor(context, part);
        return new LoopService() {
            @Override
            public ConnectionHandler accepted(Connection connection) {
                return tls.accepted(connection);
            }

            @Override
            public void drain() {
                part.drain();
            }

            @Override
            public void close() {
                part.close();
            }
        };
    }

    @Override
    public void stopped() {
        protocol.stopped();
    }
}
