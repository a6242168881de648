package dev.isthmus.protocol.http1;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An origin that answers each request with bytes a test wrote by hand, chosen by the path of
 * the target (the query is ignored): for upstream behaviour {@link TestOrigin} does not have
 * (interim 1xx responses before the final one, hop-by-hop fields named in Connection, a 304
 * or HEAD answer that states a length). The same bytes are sent whatever the method. The
 * connection stays open after an answer unless its head says {@code Connection: close}.
 * Where an answer contains {@link #PAUSE}, the origin sends what came before it and waits for
 * the test to {@link #proceed} before sending the rest. Requests are recorded as their head text.
 */
final class SemanticsScriptedOrigin implements AutoCloseable {
    static final String PAUSE = "\u0000pause\u0000";

    private final ServerSocket server;
    private final Semaphore proceed = new Semaphore(0);
    private final Map<String, String> answers;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicInteger connections = new AtomicInteger();
    private final List<Socket> open = new ArrayList<>();
    final ConcurrentLinkedQueue<String> requestHeads = new ConcurrentLinkedQueue<>();

    /** @param answers raw response bytes (ISO-8859-1 text) by path */
    SemanticsScriptedOrigin(Map<String, String> answers) throws IOException {
        this.answers = Map.copyOf(answers);
        server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        threads.submit(this::acceptLoop);
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    /** Lets one paused answer go on. */
    void proceed() {
        proceed.release();
    }

    int connections() {
        return connections.get();
    }

    private Void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                connections.incrementAndGet();
                synchronized (open) {
                    open.add(socket);
                }
                threads.submit(() -> serve(socket));
            } catch (IOException e) {
                return null;
            }
        }
        return null;
    }

    private Void serve(Socket socket) {
        try (socket) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            while (true) {
                String requestLine = line(in);
                if (requestLine == null) {
                    return null;
                }
                StringBuilder head = new StringBuilder(requestLine).append('\n');
                long contentLength = 0;
                boolean chunked = false;
                for (String field = line(in); field != null && !field.isEmpty(); field = line(in)) {
                    head.append(field).append('\n');
                    String lower = field.toLowerCase(Locale.ROOT);
                    if (lower.startsWith("content-length:")) {
                        contentLength = Long.parseLong(field.substring(15).trim());
                    } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                        chunked = true;
                    }
                }
                skipBody(in, contentLength, chunked);
                requestHeads.add(head.toString());
                String target = requestLine.split(" ")[1];
                int query = target.indexOf('?');
                String path = query < 0 ? target : target.substring(0, query);
                String answer = answers.getOrDefault(path, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
                String[] parts = answer.split(PAUSE, -1);
                for (int i = 0; i < parts.length; i++) {
                    if (i > 0) {
                        try {
                            if (!proceed.tryAcquire(SemanticsProxy.PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
                                return null;
                            }
                        } catch (InterruptedException e) {
                            return null;
                        }
                    }
                    out.write(parts[i].getBytes(ISO_8859_1));
                    out.flush();
                }
                if (answer.toLowerCase(Locale.ROOT).contains("\r\nconnection: close\r\n")) {
                    socket.shutdownOutput();
                    return null;
                }
            }
        } catch (IOException e) {
            return null;
        }
    }

    private static void skipBody(InputStream in, long contentLength, boolean chunked) throws IOException {
        if (chunked) {
            while (true) {
                int size = Integer.parseInt(line(in).split(";")[0].trim(), 16);
                if (size == 0) {
                    while (!line(in).isEmpty()) {
                        // trailer fields
                    }
                    return;
                }
                in.skipNBytes(size);
                line(in);
            }
        }
        in.skipNBytes(contentLength);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                String text = line.toString(ISO_8859_1);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        server.close();
        synchronized (open) {
            for (Socket socket : open) {
                socket.close();
            }
        }
        threads.shutdownNow();
    }
}
