package dev.isthmus.protocol.http1;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * curl run as a process, a real client nobody here wrote. A missing curl fails the test
 * with a message saying how to install it; it never skips.
 *
 * @param stdout what curl wrote to standard output (ISO-8859-1, so bytes map one to one)
 */
record Curl(int exitCode, String stdout, String stderr) {
    static final Path CURL = Path.of("/usr/bin/curl");

    static Curl run(String... args) throws IOException, InterruptedException {
        assertTrue(Files.isExecutable(CURL), "this test runs a real curl, expected at " + CURL
                + " (Debian: apt-get install curl, as .ci/run does)");
        List<String> command = new ArrayList<>();
        command.add(CURL.toString());
        command.add("--max-time");
        command.add("60");
        command.addAll(List.of(args));
        Path out = Files.createTempFile("isthmus-curl-", ".out");
        Path err = Files.createTempFile("isthmus-curl-", ".err");
        try {
            Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(90, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                fail("curl did not finish: " + command + "\n" + Files.readString(err, ISO_8859_1));
            }
            return new Curl(process.exitValue(), Files.readString(out, ISO_8859_1), Files.readString(err, ISO_8859_1));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
