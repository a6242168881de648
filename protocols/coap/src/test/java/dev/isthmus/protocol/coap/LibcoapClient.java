package dev.isthmus.protocol.coap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** libcoap's {@code coap-client-notls} (Debian libcoap3-bin), run as a process. */
final class LibcoapClient {
    static final Path CLIENT = Path.of("/usr/bin/coap-client-notls");

    private LibcoapClient() {
    }

    /** What the client printed on stdout (the payloads), its exit code and stderr. */
    record Result(int exitCode, String out, String err) {
        List<String> lines() {
            return out.isEmpty() ? List.of() : List.of(out.split("\n"));
        }
    }

    static Result run(int timeoutSeconds, String... args) throws IOException, InterruptedException {
        if (!Files.isExecutable(CLIENT)) {
            throw new AssertionError(CLIENT + " is missing: apt-get install libcoap3-bin");
        }
        List<String> command = new ArrayList<>();
        command.add(CLIENT.toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        byte[][] streams = new byte[2][];
        Thread err = Thread.ofPlatform().start(() -> {
            try {
                streams[1] = process.getErrorStream().readAllBytes();
            } catch (IOException e) {
                streams[1] = e.toString().getBytes(StandardCharsets.UTF_8);
            }
        });
        streams[0] = process.getInputStream().readAllBytes();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("coap-client-notls " + String.join(" ", args) + " did not end within "
                    + timeoutSeconds + " s");
        }
        err.join();
        return new Result(process.exitValue(), new String(streams[0], StandardCharsets.UTF_8).strip(),
                new String(streams[1], StandardCharsets.UTF_8));
    }
}
