package dev.isthmus.protocol.mqtt;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.isthmus.core.testing.MosquittoClients;

/**
 * A mosquitto_sub that is subscribed when the constructor returns: run with -d it reports the
 * SUBACK, and every line that is not a debug line is a message. Public for the client's and the
 * bridge's tests.
 */
public final class LiveSubscriber implements AutoCloseable {
    /** How long {@link #messages(int)} waits for the lines it expects. */
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String END = "\u0000end";

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    /** @param args mosquitto_sub's arguments (host, port, topics, ...); -d is added */
    public LiveSubscriber(String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("-d");
        process = MosquittoClients.startSubscriber(all.toArray(String[]::new));
        BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.contains("received SUBACK")) {
                break;
            }
            // A persistent session's queued messages come before the SUBACK.
            if (isMessage(line)) {
                lines.add(line);
            }
        }
        if (line == null) {
            throw new AssertionError("mosquitto_sub ended before its SUBACK");
        }
        Thread.ofVirtual().name("mosquitto_sub-lines").start(() -> {
            try {
                String next;
                while ((next = reader.readLine()) != null) {
                    if (isMessage(next)) {
                        lines.add(next);
                    }
                }
            } catch (IOException ended) {
                // The process went away: the lines so far are all there is.
            }
            lines.add(END);
        });
    }

    private static boolean isMessage(String line) {
        return !line.startsWith("Client ") && !line.startsWith("Subscribed (");
    }

    /** The next {@code count} message lines (payloads, or whatever -v or -F prints); fails after a minute without them. */
    public List<String> messages(int count) throws IOException {
        return messages(count, PATIENCE);
    }

    /** The next {@code count} message lines, or fails naming what came within {@code patience}. */
    public List<String> messages(int count, Duration patience) {
        List<String> messages = new ArrayList<>();
        long deadline = System.nanoTime() + patience.toNanos();
        try {
            while (messages.size() < count) {
                String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null || line.equals(END)) {
                    throw new AssertionError("mosquitto_sub printed " + messages.size() + " of " + count
                            + " messages" + (line == null ? " within " + patience.toSeconds() + " s" : " before it ended")
                            + ": " + messages);
                }
                messages.add(line);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        return messages;
    }

    /** Message lines that arrive within {@code quiet}, for checking that nothing (more) comes. */
    public List<String> messagesWithin(Duration quiet) throws InterruptedException {
        List<String> messages = new ArrayList<>();
        long deadline = System.nanoTime() + quiet.toNanos();
        String line;
        while ((line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) != null
                && !line.equals(END)) {
            messages.add(line);
        }
        return messages;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
