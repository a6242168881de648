package dev.isthmus.core.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real mosquitto broker run as a child process for interop tests (an upstream broker for
 * the MQTT proxy, the far side of a bridge), listening on 127.0.0.1 at a port of the test's
 * choosing, in a directory of its own, persistence off. A missing {@code /usr/sbin/mosquitto}
 * fails the test with how to install it; it never skips.
 */
public final class MosquittoProcess implements AutoCloseable {
    public static final Path MOSQUITTO = Path.of("/usr/sbin/mosquitto");
    private static final long STARTUP_DEADLINE_MILLIS = 15_000;

    private final Path directory;
    private final int port;
    private Process process;

    private MosquittoProcess(Path directory, int port) {
        this.directory = directory;
        this.port = port;
    }

    /**
     * Starts mosquitto on {@code 127.0.0.1:port} with {@code extraConfig} appended to its
     * configuration, and returns once it accepts connections.
     */
    public static MosquittoProcess start(int port, String extraConfig) throws IOException, InterruptedException {
        assertTrue(Files.isExecutable(MOSQUITTO), "this test runs a real mosquitto, expected at " + MOSQUITTO
                + " (Debian: apt-get install mosquitto, as .ci/run does)");
        MosquittoProcess broker = new MosquittoProcess(Files.createTempDirectory("isthmus-mosquitto-"), port);
        broker.launch(extraConfig);
        return broker;
    }

    public static MosquittoProcess start(int port) throws IOException, InterruptedException {
        return start(port, "");
    }

    private void launch(String extraConfig) throws IOException, InterruptedException {
        Path config = directory.resolve("mosquitto.conf");
        Files.writeString(config, """
                listener %d 127.0.0.1
                allow_anonymous true
                persistence false
                log_dest file %s
                log_type error
                log_type warning
                log_type notice
                %s
                """.formatted(port, directory.resolve("mosquitto.log"), extraConfig));
        process = new ProcessBuilder(MOSQUITTO.toString(), "-c", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(directory.resolve("output.log").toFile())
                .start();
        long deadline = System.currentTimeMillis() + STARTUP_DEADLINE_MILLIS;
        while (true) {
            if (!process.isAlive()) {
                fail("mosquitto exited with " + process.exitValue() + ":\n" + logs());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(NginxProcess.LOOPBACK, port), 1000);
                return;
            } catch (IOException notYet) {
                if (System.currentTimeMillis() > deadline) {
                    fail("mosquitto did not listen on port " + port + ":\n" + logs(), notYet);
                }
            }
            Thread.sleep(20);
        }
    }

    public int port() {
        return port;
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(NginxProcess.LOOPBACK, port);
    }

    /** Stops the broker abruptly (SIGKILL), as a crash would; {@link #restart()} brings it back. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /** Starts the broker again on the same port and configuration. */
    public void restart() throws IOException, InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            process.waitFor();
        }
        String config = Files.readString(directory.resolve("mosquitto.conf"));
        int extraStart = config.indexOf("log_type notice\n") + "log_type notice\n".length();
        launch(config.substring(extraStart));
    }

    /** What mosquitto logged, for failure messages. */
    public String logs() throws IOException {
        StringBuilder logs = new StringBuilder();
        for (String name : new String[] {"output.log", "mosquitto.log"}) {
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
