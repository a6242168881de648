package dev.isthmus.protocol.mqtt;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.isthmus.core.testing.MosquittoClients;

/**
 * A mosquitto_sub that is subscribed when the constructor returns: run with -d it reports the
 * SUBACK, and every line that is not a debug line is a message.
 */
final class LiveSubscriber implements AutoCloseable {
    private final Process process;
    private final BufferedReader lines;

    /** @param args mosquitto_sub's arguments (host, port, topics, ...); -d is added */
    LiveSubscriber(String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("-d");
        process = MosquittoClients.startSubscriber(all.toArray(String[]::new));
        lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = lines.readLine()) != null) {
            if (line.contains("received SUBACK")) {
                return;
            }
        }
        throw new AssertionError("mosquitto_sub ended before its SUBACK");
    }

    /** The next {@code count} message lines (payloads, or whatever -v or -F prints). */
    List<String> messages(int count) throws IOException {
        List<String> messages = new ArrayList<>();
        String line;
        while (messages.size() < count && (line = lines.readLine()) != null) {
            if (!line.startsWith("Client ") && !line.startsWith("Subscribed (")) {
                messages.add(line);
            }
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
