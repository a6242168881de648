package dev.isthmus.protocol.coap;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import dev.isthmus.protocol.coap.codec.CoapCode;
import dev.isthmus.protocol.coap.codec.CoapOption;
import dev.isthmus.protocol.coap.codec.CoapType;
import dev.isthmus.protocol.coap.codec.MessageView;

/**
 * A request as a handler sees it: method, path and query segments, the options that say what
 * the body is and what the client accepts, and the whole body (assembled from its Block1
 * blocks when it came in several). Immutable.
 */
public final class CoapRequest {
    /** One option as it came, for what has no accessor of its own. */
    public record Option(int number, byte[] value) {
        public String text() {
            return new String(value, StandardCharsets.UTF_8);
        }
    }

    private final int method;
    private final boolean confirmable;
    private final List<String> path;
    private final List<String> query;
    private final List<Option> options;
    private final byte[] payload;
    private final InetSocketAddress sender;

    CoapRequest(int method, boolean confirmable, List<String> path, List<String> query, List<Option> options,
                byte[] payload, InetSocketAddress sender) {
        this.method = method;
        this.confirmable = confirmable;
        this.path = path;
        this.query = query;
        this.options = options;
        this.payload = payload;
        this.sender = sender;
    }

    /** The request of {@code view}, with {@code payload} as its body. */
    static CoapRequest of(MessageView view, byte[] payload, InetSocketAddress sender) {
        List<String> path = new ArrayList<>(4);
        List<String> query = new ArrayList<>(0);
        List<Option> options = new ArrayList<>(view.optionCount());
        for (int i = 0; i < view.optionCount(); i++) {
            int number = view.optionNumber(i);
            if (number == CoapOption.URI_PATH) {
                path.add(view.string(i));
            } else if (number == CoapOption.URI_QUERY) {
                query.add(view.string(i));
            }
            byte[] value = new byte[view.optionLength(i)];
            view.buffer().getBytes(view.optionOffset(i), value);
            options.add(new Option(number, value));
        }
        return new CoapRequest(view.code(), view.type() == CoapType.CON, List.copyOf(path), List.copyOf(query),
                List.copyOf(options), payload, sender);
    }

    /** {@link CoapCode#GET}, {@link CoapCode#POST}, ... */
    public int method() {
        return method;
    }

    public String methodName() {
        return switch (method) {
            case CoapCode.GET -> "GET";
            case CoapCode.POST -> "POST";
            case CoapCode.PUT -> "PUT";
            case CoapCode.DELETE -> "DELETE";
            case CoapCode.FETCH -> "FETCH";
            case CoapCode.PATCH -> "PATCH";
            case CoapCode.IPATCH -> "iPATCH";
            default -> CoapCode.toString(method);
        };
    }

    public boolean isConfirmable() {
        return confirmable;
    }

    /** The Uri-Path segments (each as sent, not percent-decoded: CoAP carries them raw). */
    public List<String> path() {
        return path;
    }

    /** {@code /a/b}, or {@code /} for the root. */
    public String pathString() {
        return path.isEmpty() ? "/" : "/" + String.join("/", path);
    }

    public List<String> query() {
        return query;
    }

    /** The value of query parameter {@code name} ({@code name=value}), {@code ""} for a bare {@code name}, or null. */
    public String queryParameter(String name) {
        for (String parameter : query) {
            if (parameter.equals(name)) {
                return "";
            }
            if (parameter.startsWith(name) && parameter.length() > name.length() && parameter.charAt(name.length()) == '=') {
                return parameter.substring(name.length() + 1);
            }
        }
        return null;
    }

    public List<Option> options() {
        return options;
    }

    /** The first option {@code number} as an unsigned integer, or {@code absent}. */
    public long uintOption(int number, long absent) {
        for (Option option : options) {
            if (option.number() == number) {
                long value = 0;
                for (byte b : option.value()) {
                    value = value << 8 | (b & 0xFF);
                }
                return value;
            }
        }
        return absent;
    }

    /** Every value of option {@code number}, in order. */
    public List<byte[]> optionValues(int number) {
        List<byte[]> values = new ArrayList<>(1);
        for (Option option : options) {
            if (option.number() == number) {
                values.add(option.value());
            }
        }
        return values;
    }

    /** Content-Format of the body, or -1 when the request does not say. */
    public int contentFormat() {
        return (int) uintOption(CoapOption.CONTENT_FORMAT, -1);
    }

    /** The Accept option, or -1. */
    public int accept() {
        return (int) uintOption(CoapOption.ACCEPT, -1);
    }

    /** The Observe option (0 registers, 1 deregisters), or -1. */
    public long observe() {
        return uintOption(CoapOption.OBSERVE, -1);
    }

    public byte[] payload() {
        return payload;
    }

    public String payloadText() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    public InetSocketAddress sender() {
        return sender;
    }

    @Override
    public String toString() {
        return methodName() + " " + pathString() + (query.isEmpty() ? "" : "?" + String.join("&", query))
                + " from " + sender + " (" + payload.length + " bytes)";
    }
}
