package dev.isthmus.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Embedding the CoAP gateway" program, taken from the README: compiled (warnings
 * are errors), run in its own JVM, and asked with libcoap's coap-client, with and without a key.
 */
class ReadmeCoapEmbeddingExampleTest {
    private static final String SECTION = "## Embedding the CoAP gateway";

    @TempDir
    Path work;

    @Test
    void theExampleGreetsDevicesWithAKeyAndRefusesTheOthers() throws Exception {
        ReadmeExamples.Block example = ReadmeExamples.onlyBlock(SECTION, "java");
        String className = ReadmeExamples.publicClass(example);
        Path classes = ReadmeExamples.compile(work, className, example);
        try (ChildJvm devices = ChildJvm.start(List.of(), List.of(classes), className, List.of("0"))) {
            Matcher listening = devices.await(Pattern.compile(" listening on (\\S+):(\\d+)"), ChildJvm.STARTUP);
            String base = "coap://" + listening.group(1) + ":" + listening.group(2);
            assertEquals("world", CoapClientProcess.run("-m", "get", base + "/hello?key=k-7f3a9c"), devices.output());
            assertEquals("4.01 a known ?key= is required", CoapClientProcess.run("-m", "get", base + "/hello"));
            devices.terminate();
            devices.awaitExit(ChildJvm.STARTUP);
        }
    }
}
