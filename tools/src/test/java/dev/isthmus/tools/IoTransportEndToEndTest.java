package dev.isthmus.tools;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --io} as a user meets it, in real gateway processes answering real HTTP: each mode
 * serves requests on the transport it names, and where io_uring cannot be used (here: a JVM
 * that refuses native access, so the probe's FFM downcalls fail) {@code auto} falls back to NIO
 * with one log line while {@code uring} refuses to start.
 *
 * <p>The {@code uring} and {@code auto} cases expect this machine to allow io_uring, as the
 * HTTP suite's io_uring run does: where it does not, they fail loudly rather than pass on NIO.
 */
class IoTransportEndToEndTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    /** {@code INFO  Server: http 127.0.0.1:0 listening on 127.0.0.1:41234 (2 loops, io: uring)}. */
    private static final Pattern HTTP_LISTENING =
            Pattern.compile("Server: http 127\\.0\\.0\\.1:0 listening on (\\S+):(\\d+) \\((\\d+) loops, io: (\\w+)\\)");

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @TempDir
    Path dir;

    @ParameterizedTest(name = "--io {0} runs on {1}")
    @CsvSource({"nio, nio", "uring, uring", "auto, uring"})
    void eachModeServesThroughTheBuiltInOrigin(String mode, String transport) throws Exception {
        try (ChildJvm isthmus = ChildJvm.isthmus("--listen", "127.0.0.1:0", "--io", mode,
                "--splice-threshold", "1")) {
            Matcher listening = isthmus.await(HTTP_LISTENING, ChildJvm.STARTUP);
            assertEquals(transport, listening.group(4), isthmus.output());
            assertDevicesAnswered(address(listening), isthmus);
            assertTrue(isthmus.output().contains("Server: built-in origin listening on 127.0.0.1:"), isthmus.output());
            assertTrue(isthmus.output().contains("loops, io: " + transport + ")"), isthmus.output());
            assertFalse(isthmus.output().contains("io_uring is unavailable"), isthmus.output());

            isthmus.terminate();
            assertEquals(0, isthmus.awaitExit(DEADLINE), isthmus.output());
        }
    }

    @Test
    void autoFallsBackToNioWhereNativeAccessIsDenied() throws Exception {
        // The file asks for uring, which would fail here; the flag overrides it, as every flag does.
        Path config = Files.writeString(dir.resolve("isthmus.yaml"), """
                io: uring
                http:
                  listen: "127.0.0.1:0"
                  splice-threshold: off
                """);
        try (ChildJvm isthmus = ChildJvm.isthmusWithoutNativeAccess("--config", config.toString(), "--io", "auto")) {
            isthmus.await(Pattern.compile("WARN +UringTransport: io_uring is unavailable \\(native access is "
                    + "unavailable \\(java\\.lang\\.IllegalCallerException: Illegal native access.*\\)\\); "
                    + "using the NIO transport$"), ChildJvm.STARTUP);
            Matcher listening = isthmus.await(HTTP_LISTENING, ChildJvm.STARTUP);
            assertEquals("nio", listening.group(4), isthmus.output());
            assertDevicesAnswered(address(listening), isthmus);

            isthmus.terminate();
            assertEquals(0, isthmus.awaitExit(DEADLINE), isthmus.output());
            String output = isthmus.output();
            assertEquals(1, output.lines().filter(line -> line.contains("io_uring")).count(),
                    "the fallback is said once\n" + output);
            assertFalse(output.contains("io: uring"), output);
        }
    }

    @Test
    void uringFailsToStartWhereNativeAccessIsDenied() throws Exception {
        try (ChildJvm isthmus = ChildJvm.isthmusWithoutNativeAccess("--listen", "127.0.0.1:0", "--admin",
                "127.0.0.1:0", "--io", "uring")) {
            int status = isthmus.awaitExit(DEADLINE);
            String output = isthmus.output();
            assertNotEquals(0, status, output);
            assertNotEquals(Main.EXIT_INVALID, status, "a start-up failure, not a mistake in flags\n" + output);
            Matcher error = Pattern.compile("(?m)^isthmus: io_uring is unavailable: native access is unavailable "
                    + "\\(java\\.lang\\.IllegalCallerException: Illegal native access.*\\)$").matcher(output);
            assertTrue(error.find(), output);
            assertFalse(output.contains("listening on"), "nothing may start\n" + output);
            assertFalse(output.contains("\tat ") || output.contains("Exception in thread"), "no stack trace\n" + output);
        }
    }

    @Test
    void uringFromTheFileFailsTheSameWay() throws Exception {
        Path config = Files.writeString(dir.resolve("isthmus.yaml"), "io: uring\nhttp: { listen: \"127.0.0.1:0\" }\n");
        try (ChildJvm isthmus = ChildJvm.isthmusWithoutNativeAccess("--config", config.toString())) {
            int status = isthmus.awaitExit(DEADLINE);
            assertNotEquals(0, status, isthmus.output());
            assertTrue(isthmus.output().contains("isthmus: io_uring is unavailable: native access is unavailable"),
                    isthmus.output());
        }
    }

    private void assertDevicesAnswered(InetSocketAddress http, ChildJvm isthmus) throws Exception {
        URI uri = URI.create("http://" + http.getHostString() + ":" + http.getPort() + "/devices");
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).timeout(DEADLINE).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body() + isthmus.output());
        assertTrue(response.body().startsWith("{\"devices\":[{\"id\":\"thermostat-01\""), response.body());
    }

    private static InetSocketAddress address(Matcher listening) {
        return new InetSocketAddress(listening.group(1), Integer.parseInt(listening.group(2)));
    }
}
