package dev.isthmus.tools;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * An origin for end-to-end tests, on the JDK's HTTP server (code nobody here wrote) with a
 * virtual thread per exchange. It records every request it receives and answers:
 *
 * <pre>
 * /slow     waits until the test calls {@link #releaseSlow()}, then 200 "slow done"
 * anything  200, body "NAME METHOD TARGET" and one "name: value" line per received field
 * </pre>
 *
 * Every answer carries {@code X-Origin: NAME}, so a test can tell origins apart.
 */
final class RecordingOrigin implements AutoCloseable {
    /** One request as received: its target and its fields, names in lower case. */
    record Received(String method, String target, Map<String, List<String>> fields) {
        String field(String name) {
            List<String> values = fields.get(name.toLowerCase(Locale.ROOT));
            return values == null ? null : String.join(",", values);
        }
    }

    final String name;
    final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
    private final HttpServer server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore slowArrivals = new Semaphore(0);
    private final CountDownLatch slowRelease = new CountDownLatch(1);

    RecordingOrigin(String name) throws IOException {
        this.name = name;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        server.setExecutor(threads);
        server.createContext("/", this::answer);
        server.start();
    }

    /** host:port, as --upstream and a config file's peers take it. */
    String hostPort() {
        return server.getAddress().getHostString() + ":" + server.getAddress().getPort();
    }

    /** Waits until {@code count} requests to /slow have arrived (and are held). */
    boolean awaitSlowArrivals(int count, long timeout, TimeUnit unit) throws InterruptedException {
        return slowArrivals.tryAcquire(count, timeout, unit);
    }

    /** Lets every held and future /slow request finish. */
    void releaseSlow() {
        slowRelease.countDown();
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange; InputStream body = exchange.getRequestBody()) {
            body.transferTo(OutputStream.nullOutputStream());
            Map<String, List<String>> fields = new TreeMap<>();
            exchange.getRequestHeaders().forEach((field, values) ->
                    fields.put(field.toLowerCase(Locale.ROOT), List.copyOf(values)));
            String target = exchange.getRequestURI().toString();
            received.add(new Received(exchange.getRequestMethod(), target, fields));

            String text;
            if (exchange.getRequestURI().getPath().equals("/slow")) {
                slowArrivals.release();
                if (!slowRelease.await(2, TimeUnit.MINUTES)) {
                    throw new IOException("the test never released /slow");
                }
                text = "slow done\n";
            } else {
                StringBuilder echo = new StringBuilder(name).append(' ').append(exchange.getRequestMethod())
                        .append(' ').append(target).append('\n');
                fields.forEach((field, values) -> values.forEach(value ->
                        echo.append(field).append(": ").append(value).append('\n')));
                text = echo.toString();
            }
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.getResponseHeaders().set("X-Origin", name);
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    @Override
    public void close() {
        releaseSlow();
        server.stop(0);
        threads.shutdownNow();
    }
}
