package dev.isthmus.core.server;

import java.io.IOException;
import java.net.InetSocketAddress;

import dev.isthmus.core.buffer.Chunk;
import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.ConnectionHandler;

/**
 * A byte relay on the engine: every accepted connection gets its own upstream connection and
 * bytes flow both ways in the chunks they arrived in, with back-pressure. It exercises the
 * transport the way a proxy does, without any protocol on top.
 */
final class TcpRelay implements ProtocolService {
    private final InetSocketAddress upstream;

    TcpRelay(InetSocketAddress upstream) {
        this.upstream = upstream;
    }

    @Override
    public LoopService attach(EventLoop loop) {
        return client -> {
            Pair pair = new Pair(client);
            client.suspendRead();
            loop.io().connect(upstream, 0, pair.upstreamSide);
            return pair.clientSide;
        };
    }

    private static final class Pair {
        final Side clientSide = new Side();
        final Side upstreamSide = new Side();

        Pair(Connection client) {
            clientSide.self = client;
            clientSide.other = upstreamSide;
            upstreamSide.other = clientSide;
        }

        void closeBoth() {
            clientSide.self.close();
            if (upstreamSide.self != null) {
                upstreamSide.self.close();
            }
        }

        final class Side implements ConnectionHandler {
            Connection self;
            Side other;
            boolean ended;

            @Override
            public void onConnected(Connection connection) {
                self = connection;
                clientSide.self.resumeRead();
            }

            @Override
            public void onConnectFailed(Connection connection, IOException cause) {
                self = connection;
                closeBoth();
            }

            @Override
            public void onRead(Connection connection, Chunk data) {
                Connection target = other.self;
                target.write(data);
                if (!target.flush()) {
                    connection.suspendRead();
                }
            }

            @Override
            public void onWritable(Connection connection) {
                other.self.resumeRead();
            }

            @Override
            public void onReadEnd(Connection connection) {
                ended = true;
                other.self.shutdownOutput();
                if (other.ended) {
                    closeBoth();
                }
            }

            @Override
            public void onError(Connection connection, IOException cause) {
                closeBoth();
            }
        }
    }
}
