package dev.isthmus.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** libcoap's {@code coap-client-notls} (Debian libcoap3-bin), run to its end. */
final class CoapClientProcess {
    private static final Path COAP_CLIENT = Path.of("/usr/bin/coap-client-notls");

    private CoapClientProcess() {
    }

    /**
     * What the client printed (the response payload, or for an error its code and diagnostic);
     * fails unless it exits 0 within 20 s. It gives up on a response after 10 s ({@code -B 10}).
     */
    static String run(String... args) throws IOException, InterruptedException {
        if (!Files.isExecutable(COAP_CLIENT)) {
            throw new AssertionError(COAP_CLIENT + " is missing: apt-get install libcoap3-bin");
        }
        List<String> command = new ArrayList<>(List.of(COAP_CLIENT.toString(), "-B", "10"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("coap-client " + String.join(" ", args) + " did not end");
        }
        String text = new String(out, StandardCharsets.UTF_8).strip();
        assertEquals(0, process.exitValue(), "coap-client " + String.join(" ", args) + ": " + text);
        return text;
    }
}
