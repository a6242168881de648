package dev.isthmus.core.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real mosquitto broker run as a child process for interop tests (an upstream broker for the
 * proxy and the bridge, a reference peer for the load tool), listening on 127.0.0.1 in a
 * directory of its own. A missing {@code /usr/sbin/mosquitto} fails the test with how to
 * install it; it never skips.
 *
 * <p>{@link #start(String)} takes extra configuration lines (after the listener and
 * {@code allow_anonymous true}). The port stays the same across {@link #stop()} and
 * {@link #restart()}, so a test can take the broker away and bring it back at the same address.
 * Closing stops mosquitto and deletes the directory.
 */
public final class MosquittoProcess implements AutoCloseable {
    public static final Path MOSQUITTO = Path.of("/usr/sbin/mosquitto");
    public static final String LOOPBACK = "127.0.0.1";
    private static final long STARTUP_DEADLINE_MILLIS = 15_000;

    private final Path directory;
    private final int port;
    private String extraConfig = "";
    private Process process;

    private MosquittoProcess(Path directory, int port) {
        this.directory = directory;
        this.port = port;
    }

    /** Starts mosquitto on a free loopback port with {@code extraConfig} appended to its configuration. */
    public static MosquittoProcess start(String extraConfig) throws IOException, InterruptedException {
        assertTrue(Files.isExecutable(MOSQUITTO), "this test runs a real mosquitto, expected at " + MOSQUITTO
                + " (Debian: apt-get install mosquitto, as .ci/run does)");
        int port;
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(LOOPBACK, 0));
            port = socket.getLocalPort();
        }
        MosquittoProcess broker = new MosquittoProcess(Files.createTempDirectory("isthmus-mosquitto-"), port);
        broker.extraConfig = extraConfig;
        broker.launch();
        return broker;
    }

    /** Starts mosquitto with its defaults (anonymous clients allowed, no persistence). */
    public static MosquittoProcess start() throws IOException, InterruptedException {
        return start("");
    }

    public int port() {
        return port;
    }

    public String host() {
        return LOOPBACK;
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(LOOPBACK, port);
    }

    /** Where mosquitto keeps its configuration and log; tests may add files (certificates, password files). */
    public Path directory() {
        return directory;
    }

    /** What mosquitto logged so far, for assertion messages. */
    public String log() {
        try {
            return Files.readString(directory.resolve("mosquitto.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Stops the broker (SIGTERM, then SIGKILL after 5 s); its port stays reserved for {@link #restart()}. */
    public void stop() throws InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
            process = null;
        }
    }

    /** Starts the broker again on the same port and configuration. */
    public void restart() throws IOException, InterruptedException {
        stop();
        launch();
    }

    private void launch() throws IOException, InterruptedException {
        Path config = directory.resolve("mosquitto.conf");
        Files.writeString(config, "listener " + port + " " + LOOPBACK + "\nallow_anonymous true\n"
                + "log_dest stdout\n" + extraConfig + (extraConfig.endsWith("\n") || extraConfig.isEmpty() ? "" : "\n"));
        process = new ProcessBuilder(MOSQUITTO.toString(), "-c", config.toString())
                .directory(directory.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("mosquitto.log").toFile()))
                .start();
        long deadline = System.currentTimeMillis() + STARTUP_DEADLINE_MILLIS;
        while (true) {
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress(LOOPBACK, port), 1000);
                return;
            } catch (IOException notYet) {
                if (!process.isAlive()) {
                    fail("mosquitto exited with " + process.exitValue() + ":\n" + log());
                }
                if (System.currentTimeMillis() > deadline) {
                    fail("mosquitto did not listen on " + port + " within " + STARTUP_DEADLINE_MILLIS + " ms:\n" + log());
                }
                Thread.sleep(20);
            }
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        stop();
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
