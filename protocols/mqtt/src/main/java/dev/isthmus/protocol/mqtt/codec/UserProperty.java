package dev.isthmus.protocol.mqtt.codec;

import java.util.Objects;

/** One MQTT 5.0 user property: a name/value pair of UTF-8 strings; names may repeat and order matters. */
public record UserProperty(String name, String value) {
    public UserProperty {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }
}
