package dev.isthmus.protocol.http1;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * An origin that answers each request with bytes a test wrote by hand, chosen by the path of
 * the target (the query is ignored): for upstream behaviour {@link TestOrigin} does not have
 * (interim 1xx responses before the final one, hop-by-hop fields named in Connection, a 304
 * or HEAD answer that states a length). The same bytes are sent whatever the method. The
 * connection stays open after an answer unless its head says {@code Connection: close}.
 * Where an answer contains {@link #PAUSE}, the origin sends what came before it and waits for
 * the test to {@link #proceed} before sending the rest. Requests are recorded as their head text.
 */
final class ScriptedOrigin implements AutoCloseable {
    static final String PAUSE = "\u0000pause\u0000";

    private final OriginListener listener;
    private final Semaphore proceed = new Semaphore(0);
    private final Map<String, String> answers;
    final ConcurrentLinkedQueue<String> requestHeads = new ConcurrentLinkedQueue<>();

    /** @param answers raw response bytes (ISO-8859-1 text) by path */
    ScriptedOrigin(Map<String, String> answers) throws IOException {
        this.answers = Map.copyOf(answers);
        listener = new OriginListener(128, this::serve);
    }

    InetSocketAddress address() {
        return listener.address();
    }

    /** Lets one paused answer go on. */
    void proceed() {
        proceed.release();
    }

    int connections() {
        return listener.connections();
    }

    private void serve(Socket socket) throws IOException {
        InputStream in = new BufferedInputStream(socket.getInputStream());
        MessageReader reader = new MessageReader(in, false);
        OutputStream out = socket.getOutputStream();
        while (true) {
            String requestLine = reader.line();
            if (requestLine == null) {
                return;
            }
            StringBuilder head = new StringBuilder(requestLine).append('\n');
            long contentLength = 0;
            boolean chunked = false;
            for (String field = reader.line(); field != null && !field.isEmpty(); field = reader.line()) {
                head.append(field).append('\n');
                String lower = field.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    contentLength = Long.parseLong(field.substring(15).trim());
                } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                }
            }
            if (chunked) {
                reader.chunked();
            } else {
                in.skipNBytes(contentLength);
            }
            requestHeads.add(head.toString());
            String target = requestLine.split(" ")[1];
            int query = target.indexOf('?');
            String path = query < 0 ? target : target.substring(0, query);
            String answer = answers.getOrDefault(path, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
            String[] parts = answer.split(PAUSE, -1);
            for (int i = 0; i < parts.length; i++) {
                if (i > 0 && !awaitProceed()) {
                    return;
                }
                out.write(parts[i].getBytes(ISO_8859_1));
                out.flush();
            }
            if (answer.toLowerCase(Locale.ROOT).contains("\r\nconnection: close\r\n")) {
                socket.shutdownOutput();
                return;
            }
        }
    }

    private boolean awaitProceed() {
        try {
            return proceed.tryAcquire(TestProxy.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
