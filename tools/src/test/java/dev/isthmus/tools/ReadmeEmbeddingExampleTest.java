package dev.isthmus.tools;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

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
    private static final Path README = Path.of(System.getProperty("basedir", ".")).resolve("../README.md").normalize();
    private static final String SECTION = "## Embedding Isthmus";
    /** A key the example maps to a device, and that device. */
    private static final String API_KEY = "k-7f3a9c";
    private static final String DEVICE_ID = "thermostat-01";
    /** The header the example's responseFilter adds. */
    private static final String ADDED_RESPONSE_HEADER = "X-Served-By";

    @TempDir
    Path work;

    /** A fenced block of the README: its text and the README line its first line is on. */
    record Block(String language, String text, int firstLine) {
    }

    @Test
    void theExampleBuildsAGatewayThatAuthenticatesRewritesAndForwards() throws Exception {
        Block example = onlyBlock("java");
        Matcher declaration = Pattern.compile("(?m)^public (?:final )?class (\\w+)").matcher(example.text());
        assertTrue(declaration.find(), "the README's java block declares no public class");
        String className = declaration.group(1);
        Path classes = compile(className, example);

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
        String section = section();
        assertTrue(onlyBlock("xml").text().replaceAll("\\s+", "").contains(
                "<groupId>dev.isthmus</groupId><artifactId>isthmus-http1</artifactId><version>"
                        + new ProjectVersion().getVersion()[0].substring("isthmus ".length()) + "</version>"),
                "the dependency snippet does not name isthmus-http1 at the project's version");
        assertTrue(section.contains(String.join(" ", ChildJvm.ENGINE_FLAGS)),
                "the README does not give the JVM flags " + ChildJvm.ENGINE_FLAGS);
    }

    private static String section() throws IOException {
        String readme = Files.readString(README);
        int start = readme.indexOf("\n" + SECTION + "\n");
        assertTrue(start >= 0, README + " has no section '" + SECTION + "'");
        int end = readme.indexOf("\n## ", start + 1);
        return readme.substring(start + 1, end < 0 ? readme.length() : end);
    }

    /** The one fenced block of {@code language} in the section. */
    private static Block onlyBlock(String language) throws IOException {
        String readme = Files.readString(README);
        String section = section();
        int sectionLine = lineOf(readme, readme.indexOf("\n" + SECTION + "\n") + 1);
        List<Block> blocks = new ArrayList<>();
        Matcher fence = Pattern.compile("(?ms)^```(\\w*)\\n(.*?)^```$").matcher(section);
        while (fence.find()) {
            if (fence.group(1).equals(language)) {
                blocks.add(new Block(language, fence.group(2), sectionLine + lineOf(section, fence.start(2)) - 1));
            }
        }
        assertEquals(1, blocks.size(), "expected exactly one ```" + language + " block in '" + SECTION + "'");
        return blocks.getFirst();
    }

    /** 1-based line number of {@code offset} in {@code text}. */
    private static int lineOf(String text, int offset) {
        return (int) text.substring(0, offset).chars().filter(c -> c == '\n').count() + 1;
    }

    /** Compiles the example as a file of its own, reporting mistakes at their README lines. */
    private Path compile(String className, Block example) throws IOException {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        assertNotNull(compiler, "no system Java compiler: the tests need a JDK, not a JRE");
        Path sources = Files.createDirectories(work.resolve("src"));
        Path classes = Files.createDirectories(work.resolve("classes"));
        Path source = Files.writeString(sources.resolve(className + ".java"), example.text());
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = compiler.getStandardFileManager(diagnostics, Locale.ROOT, null)) {
            List<String> options = List.of("-d", classes.toString(), "-classpath", System.getProperty("java.class.path"),
                    "--release", String.valueOf(Runtime.version().feature()),
                    // "path": jars on the test class path name manifest Class-Path entries that do not exist.
                    "-Xlint:all,-path,-processing", "-Werror", "-proc:none");
            boolean compiled = compiler.getTask(null, files, diagnostics, options, null,
                    files.getJavaFileObjects(source)).call();
            StringBuilder report = new StringBuilder();
            for (Diagnostic<? extends JavaFileObject> diagnostic : diagnostics.getDiagnostics()) {
                long line = diagnostic.getLineNumber();
                report.append(README.getFileName()).append(':')
                        .append(line > 0 ? String.valueOf(example.firstLine() + line - 1) : "?").append(": ")
                        .append(diagnostic.getKind().toString().toLowerCase(Locale.ROOT)).append(": ")
                        .append(diagnostic.getMessage(Locale.ROOT)).append('\n');
            }
            assertTrue(compiled && report.isEmpty(), "the README's example does not compile cleanly:\n" + report);
        }
        return classes;
    }
}
