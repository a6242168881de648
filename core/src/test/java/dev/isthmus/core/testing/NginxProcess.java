package dev.isthmus.core.testing;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real nginx run as a child process for interop tests, in a directory of its own on
 * 127.0.0.1. A missing {@code /usr/sbin/nginx} fails the test with how to install it; it never
 * skips.
 *
 * <p>Use: {@link #prepare()}, pick ports with {@link #freePort()}, put files in
 * {@link #directory()}, then {@link #start(String, int)} with the directives of the
 * {@code http} block; one of its servers must answer {@code GET /ready} with "ready". Closing
 * stops nginx and deletes the directory.
 */
public final class NginxProcess implements AutoCloseable {
    public static final Path NGINX = Path.of("/usr/sbin/nginx");
    public static final String LOOPBACK = "127.0.0.1";
    private static final long STARTUP_DEADLINE_MILLIS = 15_000;
    private static final int SOCKET_TIMEOUT_MILLIS = 5_000;

    private final Path directory;
    private Process process;

    private NginxProcess(Path directory) {
        this.directory = directory;
    }

    /** Checks that nginx is installed and makes its directory. */
    public static NginxProcess prepare() throws IOException {
        assertTrue(Files.isExecutable(NGINX), "this test runs a real nginx, expected at " + NGINX
                + " (Debian: apt-get install nginx, as .ci/run does)");
        // Started as root, nginx drops its workers to an unprivileged user: they must be able to
        // reach what is inside.
        return new NginxProcess(Files.createTempDirectory("isthmus-nginx-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x"))));
    }

    /** Where nginx keeps its configuration, logs and temporary files; tests may add their own. */
    public Path directory() {
        return directory;
    }

    /** A loopback port that was free a moment ago. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(LOOPBACK, 0));
            return socket.getLocalPort();
        }
    }

    /**
     * Writes the configuration, with {@code httpDirectives} inside its {@code http} block, starts
     * nginx on it, and returns once {@code GET /ready} on {@code readyPort} answers "ready".
     */
    public void start(String httpDirectives, int readyPort) throws IOException, InterruptedException {
        Path config = directory.resolve("nginx.conf");
        Files.writeString(config, """
                worker_processes 1;
                error_log %1$s/error.log info;
                pid %1$s/nginx.pid;
                events { worker_connections 256; }
                http {
                    access_log off;
                    client_body_temp_path %1$s/client_body;
                    proxy_temp_path %1$s/proxy;
                    fastcgi_temp_path %1$s/fastcgi;
                    uwsgi_temp_path %1$s/uwsgi;
                    scgi_temp_path %1$s/scgi;
                %2$s
                }
                """.formatted(directory, httpDirectives.indent(4).stripTrailing()));
        process = new ProcessBuilder(NGINX.toString(), "-p", directory + "/", "-c", config.toString(),
                "-e", directory.resolve("error.log").toString(), "-g", "daemon off;")
                .redirectErrorStream(true)
                .redirectOutput(directory.resolve("output.log").toFile())
                .start();
        awaitReady(readyPort);
    }

    private void awaitReady(int port) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + STARTUP_DEADLINE_MILLIS;
        while (true) {
            if (!process.isAlive()) {
                fail("nginx exited with " + process.exitValue() + ":\n" + logs());
            }
            String answer = "";
            IOException notListeningYet = null;
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(LOOPBACK, port), SOCKET_TIMEOUT_MILLIS);
                socket.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
                socket.getOutputStream().write("GET /ready HTTP/1.0\r\nHost: localhost\r\n\r\n".getBytes(ISO_8859_1));
                answer = new String(socket.getInputStream().readAllBytes(), ISO_8859_1);
            } catch (IOException e) {
                notListeningYet = e;
            }
            if (answer.endsWith("\r\n\r\nready")) {
                return;
            }
            if (System.currentTimeMillis() > deadline) {
                fail("nginx did not answer \"ready\" on port " + port + " (last answer: " + answer + "):\n" + logs(),
                        notListeningYet);
            }
            Thread.sleep(20);
        }
    }

    /** What nginx wrote to its output and error log, for failure messages. */
    public String logs() throws IOException {
        StringBuilder logs = new StringBuilder();
        for (String name : List.of("output.log", "error.log")) {
            Path log = directory.resolve(name);
            if (Files.exists(log)) {
                logs.append(name).append(":\n").append(Files.readString(log));
            }
        }
        return logs.toString();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
