package dev.isthmus.core.config;

import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One YAML mapping of the configuration, keyed by text, with its place in the document. The
 * {@link ConfigMapper} builds it after reporting unknown, duplicate and non-text keys, so the
 * readers only see keys they know.
 *
 * @param path    dotted path of the mapping ({@code http.limits}); empty at the top level
 * @param entries the accepted entries in written order
 */
record YamlSection(String path, Map<String, NodeTuple> entries) {
    YamlSection {
        entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    /** A mapping that was not written, or written empty: every key takes its default. */
    static YamlSection empty(String path) {
        return new YamlSection(path, Map.of());
    }

    boolean has(String key) {
        return entries.containsKey(key);
    }

    /** The value written for {@code key}, or null when the key is absent. */
    Node value(String key) {
        NodeTuple entry = entries.get(key);
        return entry == null ? null : entry.getValueNode();
    }

    /** The path of a key of this mapping, as messages name it: {@code http.limits.max-headers}. */
    String keyPath(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }
}
