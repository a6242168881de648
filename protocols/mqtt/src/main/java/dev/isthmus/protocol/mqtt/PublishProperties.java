package dev.isthmus.protocol.mqtt;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.agrona.DirectBuffer;

import dev.isthmus.protocol.mqtt.codec.MqttProperties;
import dev.isthmus.protocol.mqtt.codec.PropertyId;
import dev.isthmus.protocol.mqtt.codec.PublishEncoder;
import dev.isthmus.protocol.mqtt.codec.PublishView;
import dev.isthmus.protocol.mqtt.codec.UserProperty;

/**
 * The 5.0 properties of a message that travel from publisher to subscribers unchanged (MQTT
 * 5.0 3.3.2.3): payload format indicator, content type, response topic, correlation data and
 * user properties, in one byte array with the ranges of each field, so that encoding them for a
 * subscriber needs one buffer wrapper and no allocation. Immutable once built.
 *
 * @param payloadFormat the payload format indicator, or -1 when absent
 * @param ranges        offset and length in {@code bytes} of content type, response topic and
 *                      correlation data (length -1 = absent), then name and value of each user
 *                      property in order
 */
record PublishProperties(byte[] bytes, int payloadFormat, int[] ranges) {
    static final PublishProperties NONE = new PublishProperties(new byte[0], -1, new int[] {0, -1, 0, -1, 0, -1});

    private static final int CONTENT_TYPE = 0;
    private static final int RESPONSE_TOPIC = 2;
    private static final int CORRELATION_DATA = 4;
    private static final int USER_PROPERTIES = 6;

    /** The forwarded properties of the PUBLISH {@code view} reads, copied out of its buffer. */
    static PublishProperties of(PublishView view) {
        int users = view.userPropertyCount();
        if (view.payloadFormatIndicator() < 0 && !view.hasContentType() && !view.hasResponseTopic()
                && !view.hasCorrelationData() && users == 0) {
            return NONE;
        }
        DirectBuffer source = view.buffer();
        Builder builder = new Builder();
        if (view.hasContentType()) {
            builder.range(CONTENT_TYPE, source, view.contentTypeOffset(), view.contentTypeLength());
        }
        if (view.hasResponseTopic()) {
            builder.range(RESPONSE_TOPIC, source, view.responseTopicOffset(), view.responseTopicLength());
        }
        if (view.hasCorrelationData()) {
            builder.range(CORRELATION_DATA, source, view.correlationDataOffset(), view.correlationDataLength());
        }
        for (int i = 0; i < users; i++) {
            builder.user(source, view.userPropertyNameOffset(i), view.userPropertyNameLength(i),
                    view.userPropertyValueOffset(i), view.userPropertyValueLength(i));
        }
        return builder.build(view.payloadFormatIndicator());
    }

    /** The forwarded part of a will's properties (5.0 3.1.3.2). */
    static PublishProperties forwarded(MqttProperties properties) {
        if (properties.isEmpty()) {
            return NONE;
        }
        Builder builder = new Builder();
        if (properties.contentType() != null) {
            builder.range(CONTENT_TYPE, properties.contentType().getBytes(StandardCharsets.UTF_8));
        }
        if (properties.responseTopic() != null) {
            builder.range(RESPONSE_TOPIC, properties.responseTopic().getBytes(StandardCharsets.UTF_8));
        }
        if (properties.correlationData() != null) {
            builder.range(CORRELATION_DATA, properties.correlationData());
        }
        for (UserProperty user : properties.userProperties()) {
            builder.user(user.name().getBytes(StandardCharsets.UTF_8), user.value().getBytes(StandardCharsets.UTF_8));
        }
        int format = properties.has(PropertyId.PAYLOAD_FORMAT_INDICATOR) ? properties.payloadFormatIndicator() : -1;
        return builder.build(format);
    }

    /** Sets these properties on {@code encoder}; {@code wrapper} must wrap {@link #bytes()} until the packet is written. */
    void applyTo(PublishEncoder encoder, DirectBuffer wrapper) {
        if (payloadFormat >= 0) {
            encoder.payloadFormatIndicator(payloadFormat);
        }
        if (ranges[CONTENT_TYPE + 1] >= 0) {
            encoder.contentType(wrapper, ranges[CONTENT_TYPE], ranges[CONTENT_TYPE + 1]);
        }
        if (ranges[RESPONSE_TOPIC + 1] >= 0) {
            encoder.responseTopic(wrapper, ranges[RESPONSE_TOPIC], ranges[RESPONSE_TOPIC + 1]);
        }
        if (ranges[CORRELATION_DATA + 1] >= 0) {
            encoder.correlationData(wrapper, ranges[CORRELATION_DATA], ranges[CORRELATION_DATA + 1]);
        }
        for (int i = USER_PROPERTIES; i < ranges.length; i += 4) {
            encoder.addUserProperty(wrapper, ranges[i], ranges[i + 1], wrapper, ranges[i + 2], ranges[i + 3]);
        }
    }

    private static final class Builder {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private int[] ranges = {0, -1, 0, -1, 0, -1};

        void range(int field, DirectBuffer source, int offset, int length) {
            byte[] copy = new byte[length];
            source.getBytes(offset, copy);
            range(field, copy);
        }

        void range(int field, byte[] value) {
            ranges[field] = bytes.size();
            ranges[field + 1] = value.length;
            bytes.writeBytes(value);
        }

        void user(DirectBuffer source, int nameOffset, int nameLength, int valueOffset, int valueLength) {
            byte[] name = new byte[nameLength];
            source.getBytes(nameOffset, name);
            byte[] value = new byte[valueLength];
            source.getBytes(valueOffset, value);
            user(name, value);
        }

        void user(byte[] name, byte[] value) {
            int at = ranges.length;
            ranges = Arrays.copyOf(ranges, at + 4);
            ranges[at] = bytes.size();
            ranges[at + 1] = name.length;
            bytes.writeBytes(name);
            ranges[at + 2] = bytes.size();
            ranges[at + 3] = value.length;
            bytes.writeBytes(value);
        }

        PublishProperties build(int payloadFormat) {
            return new PublishProperties(bytes.toByteArray(), payloadFormat, ranges);
        }
    }
}
