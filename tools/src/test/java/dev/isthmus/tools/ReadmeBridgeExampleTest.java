package dev.isthmus.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.isthmus.core.config.BridgeTopicConfig;
import dev.isthmus.core.config.BridgeTopicConfig.Direction;
import dev.isthmus.core.config.ConfigLoader;
import dev.isthmus.core.config.MqttBridgeConfig;

/**
 * The README's bridge example is a configuration {@code isthmus check} accepts, and its topic
 * entries mean what the comments beside them say.
 */
class ReadmeBridgeExampleTest {
    private static final Path README = Path.of(System.getProperty("basedir", ".")).resolve("../README.md").normalize();
    private static final String SECTION = "### MQTT bridges (edge to cloud)";

    @Test
    void theBridgeExampleIsAValidConfiguration() throws Exception {
        String readme = Files.readString(README);
        int start = readme.indexOf("\n" + SECTION + "\n");
        assertTrue(start >= 0, README + " has no section '" + SECTION + "'");
        Matcher yaml = Pattern.compile("(?ms)^```yaml\\n(.*?)^```$").matcher(readme);
        assertTrue(yaml.find(start), "no yaml block in '" + SECTION + "'");
        MqttBridgeConfig bridge = ConfigLoader.parse(yaml.group(1), Path.of("README.md")).mqtt().bridges().getFirst();
        assertEquals("cloud", bridge.name());
        assertEquals(List.of(
                new BridgeTopicConfig("sensors/#", Direction.OUT, 1, "", "edge-17/"),
                new BridgeTopicConfig("cmd/#", Direction.IN, 1, "", "fleet/edge-17/"),
                new BridgeTopicConfig("config/#", Direction.BOTH, 1, "", "")), bridge.topics());
    }
}
