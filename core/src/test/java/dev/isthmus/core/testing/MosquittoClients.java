package dev.isthmus.core.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * mosquitto_pub and mosquitto_sub (Debian mosquitto-clients) run as child processes. A missing
 * client fails the test with how to install it; it never skips.
 */
public final class MosquittoClients {
    public static final Path PUB = Path.of("/usr/bin/mosquitto_pub");
    public static final Path SUB = Path.of("/usr/bin/mosquitto_sub");

    private MosquittoClients() {
    }

    /** The outcome of a client that ran to its end. */
    public record Result(int exitCode, String output) {
        public List<String> lines() {
            return output.isEmpty() ? List.of() : output.lines().toList();
        }
    }

    /** Runs mosquitto_pub with {@code args} to its end (at most {@code timeoutSeconds}). */
    public static Result publish(int timeoutSeconds, String... args) throws IOException, InterruptedException {
        return run(PUB, timeoutSeconds, null, args);
    }

    /** Runs mosquitto_pub with {@code args} and -l: one message per line of {@code lines}, as fast as it goes. */
    public static Result publishLines(int timeoutSeconds, Path lines, String... args)
            throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("-l");
        return run(PUB, timeoutSeconds, lines, all.toArray(String[]::new));
    }

    /** Runs mosquitto_sub with {@code args} (give it -C N or -W S so it ends) to its end. */
    public static Result subscribe(int timeoutSeconds, String... args) throws IOException, InterruptedException {
        return run(SUB, timeoutSeconds, null, args);
    }

    /** Starts mosquitto_sub in the background; read its lines from {@link Process#getInputStream()}. */
    public static Process startSubscriber(String... args) throws IOException {
        assertInstalled(SUB);
        // Its output is a pipe, which stdio buffers in blocks: stdbuf makes each line arrive as printed.
        List<String> lineBuffered = new ArrayList<>(List.of("stdbuf", "-oL", "-eL"));
        lineBuffered.addAll(command(SUB, args));
        return new ProcessBuilder(lineBuffered).redirectErrorStream(true).start();
    }

    private static Result run(Path client, int timeoutSeconds, Path input, String... args)
            throws IOException, InterruptedException {
        assertInstalled(client);
        ProcessBuilder builder = new ProcessBuilder(command(client, args)).redirectErrorStream(true);
        if (input != null) {
            builder.redirectInput(input.toFile());
        }
        Process process = builder.start();
        // Read while it runs: a client that prints more than a pipe holds would otherwise stall.
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()),
                Thread::startVirtualThread);
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError(client.getFileName() + " " + String.join(" ", args) + " did not end within "
                    + timeoutSeconds + " s; it printed:\n" + output.join());
        }
        return new Result(process.exitValue(), output.join());
    }

    private static String readAll(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(output unreadable: " + e + ")";
        }
    }

    private static List<String> command(Path client, String... args) {
        List<String> command = new ArrayList<>();
        command.add(client.toString());
        command.addAll(List.of(args));
        return command;
    }

    private static void assertInstalled(Path client) {
        assertTrue(Files.isExecutable(client), "this test runs the real " + client.getFileName() + ", expected at "
                + client + " (Debian: apt-get install mosquitto-clients, as .ci/run does)");
    }
}
