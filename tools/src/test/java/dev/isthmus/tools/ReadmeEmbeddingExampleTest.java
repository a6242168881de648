package dev.isthmus.tools;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's "Embedding Isthmus" program, taken from the README as a reader would copy it:
 * compiled (warnings are errors) against the library, run in its own JVM with the flags the
 * README names, and driven with the JDK's HttpClient through to a real origin. So the README's
 * example cannot silently rot when the embedding API changes.
 */
class ReadmeEmbeddingExampleTest {
    private static final String SECTION = "## Embedding Isthmus";
    /** A key the example maps to a device, and that device. */
    private static final String API_KEY = "k-7f3a9c";
    private static final String DEVICE_ID = "thermostat-01";
    /** The header the example's responseFilter adds. */
    private static final String ADDED_RESPONSE_HEADER = "X-Served-By";

    @TempDir
    Path work;

    @Test
    void theExampleBuildsAGatewayThatAuthenticatesRewritesAndForwards() throws Exception {
        ReadmeExamples.Block example = ReadmeExamples.onlyBlock(SECTION, "java");
        String className = ReadmeExamples.publicClass(example);
        Path classes = ReadmeExamples.compile(work, className, example);

        try (RecordingOrigin origin = new RecordingOrigin("origin");
             ChildJvm gateway = ChildJvm.start(List.of(), List.of(classes), className,
                     List.of(origin.hostPort(), "127.0.0.1:0"))) {
            Matcher listening = gateway.await(Pattern.compile(" listening on (\\S+):(\\d+)"), ChildJvm.STARTUP);
            URI status = URI.create("http://" + listening.group(1) + ":" + listening.group(2) + "/status?verbose=1");
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

            HttpResponse<String> noKey = client.send(HttpRequest.newBuilder(status).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, noKey.statusCode(), gateway.output());
            assertTrue(noKey.body().contains("X-Api-Key"), noKey.body());
            HttpResponse<String> unknownKey = client.send(HttpRequest.newBuilder(status)
                    .header("X-Api-Key", "k-not-issued").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, unknownKey.statusCode(), gateway.output());
            assertTrue(origin.received.isEmpty(), "the origin saw refused requests: " + origin.received);

            HttpResponse<String> valid = client.send(HttpRequest.newBuilder(status)
                    .header("X-Api-Key", API_KEY).header("X-Trace", "t-1").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, valid.statusCode(), valid.body() + "\n" + gateway.output());
            assertEquals(1, origin.received.size(), origin.received.toString());
            RecordingOrigin.Received forwarded = origin.received.peek();
            assertEquals("/status?verbose=1", forwarded.target());
            assertEquals(DEVICE_ID, forwarded.field("X-Device-Id"));
            assertNull(forwarded.field("X-Api-Key"), "the API key reached the origin");
            assertEquals("t-1", forwarded.field("X-Trace"), "other fields pass unchanged");
            assertTrue(valid.body().startsWith("origin GET /status?verbose=1\n"), valid.body());
            assertEquals("origin", valid.headers().firstValue("X-Origin").orElse(null));
            assertNotNull(valid.headers().firstValue(ADDED_RESPONSE_HEADER).orElse(null),
                    "the response lacks " + ADDED_RESPONSE_HEADER + ": " + valid.headers().map());

            // The example's shutdown hook stops it on SIGTERM (the status is the JVM's: 143).
            gateway.terminate();
            gateway.awaitExit(ChildJvm.STARTUP);
        }
    }

    @Test
    void theReadmeNamesTheDependencyAndTheFlagsTheExampleRunsWith() throws IOException {
        String section = ReadmeExamples.section(SECTION);
        assertTrue(ReadmeExamples.onlyBlock(SECTION, "xml").text().replaceAll("\\s+", "").contains(
                "<groupId>dev.isthmus</groupId><artifactId>isthmus-http1</artifactId><version>"
                        + new ProjectVersion().getVersion()[0].substring("isthmus ".length()) + "</version>"),
                "the dependency snippet does not name isthmus-http1 at the project's version");
        assertTrue(section.contains(String.join(" ", ChildJvm.ENGINE_FLAGS)),
                "the README does not give the JVM flags " + ChildJvm.ENGINE_FLAGS);
    }
}
