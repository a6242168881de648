package dev.isthmus.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import dev.isthmus.core.buffer.Chunk;
import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.server.LoopService;
import dev.isthmus.core.server.ProtocolService;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.ConnectionHandler;

/**
 * An origin for benchmarks: answers every request head (requests without bodies) with the
 * same small response, on the engine's own loops and without allocating, so a benchmark of
 * the proxy path measures the proxy and not the origin.
 */
final class CannedResponder implements ProtocolService {
    static final byte[] RESPONSE = ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 18\r\n\r\n"
            + "hello from origin\n").getBytes(StandardCharsets.US_ASCII);

    @Override
    public LoopService attach(EventLoop loop) {
        return connection -> new Handler(loop);
    }

    private static final class Handler implements ConnectionHandler {
        private final EventLoop loop;
        /** How much of "\r\n\r\n" the previous read ended with. */
        private int matched;

        Handler(EventLoop loop) {
            this.loop = loop;
        }

        @Override
        public void onRead(Connection connection, Chunk data) {
            int requests = 0;
            for (int i = data.start(); i < data.end(); i++) {
                byte b = data.view().getByte(i);
                boolean expected = (matched % 2 == 0) ? b == '\r' : b == '\n';
                matched = expected ? matched + 1 : (b == '\r' ? 1 : 0);
                if (matched == 4) {
                    requests++;
                    matched = 0;
                }
            }
            data.release();
            for (int i = 0; i < requests; i++) {
                Chunk out = loop.smallChunks().acquire();
                out.view().putBytes(0, RESPONSE);
                out.window(0, RESPONSE.length);
                connection.write(out);
            }
            connection.flush();
        }

        @Override
        public void onReadEnd(Connection connection) {
            connection.close();
        }

        @Override
        public void onError(Connection connection, IOException cause) {
        }
    }
}
