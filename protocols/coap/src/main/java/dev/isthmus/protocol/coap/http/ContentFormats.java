package dev.isthmus.protocol.coap.http;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The CoAP Content-Formats of the IANA registry that have an HTTP media type of their own
 * (RFC 7252 12.3 and its successors), both ways, and RFC 8075's {@code application/coap-payload}
 * towards CoAP. Formats defined by a media type parameter
 * (the COSE and S/MIME ones) and OSCORE, which must not be translated, are left out: such a
 * Content-Type reaches a CoAP client without a Content-Format.
 */
public final class ContentFormats {
    public static final int TEXT_PLAIN = 0;
    /** RFC 8075 9.2: a CoAP payload of any Content-Format, named by its {@code cf} parameter. */
    private static final String COAP_PAYLOAD = "application/coap-payload";

    private static final Map<Integer, String> MEDIA_TYPES = new HashMap<>();
    private static final Map<String, Integer> NUMBERS = new HashMap<>();

    static {
        register(TEXT_PLAIN, "text/plain");
        register(21, "image/gif");
        register(22, "image/jpeg");
        register(23, "image/png");
        register(40, "application/link-format");
        register(41, "application/xml");
        register(42, "application/octet-stream");
        register(47, "application/exi");
        register(50, "application/json");
        register(51, "application/json-patch+json");
        register(52, "application/merge-patch+json");
        register(60, "application/cbor");
        register(61, "application/cwt");
        register(62, "application/multipart-core");
        register(63, "application/cbor-seq");
        register(101, "application/cose-key");
        register(102, "application/cose-key-set");
        register(110, "application/senml+json");
        register(111, "application/sensml+json");
        register(112, "application/senml+cbor");
        register(113, "application/sensml+cbor");
        register(114, "application/senml-exi");
        register(115, "application/sensml-exi");
        register(256, "application/coap-group+json");
        register(271, "application/dots+cbor");
        register(272, "application/missing-blocks+cbor-seq");
        register(284, "application/pkcs8");
        register(285, "application/csrattrs");
        register(286, "application/pkcs10");
        register(287, "application/pkix-cert");
        register(310, "application/senml+xml");
        register(311, "application/sensml+xml");
        register(320, "application/senml-etch+json");
        register(322, "application/senml-etch+cbor");
        register(432, "application/td+json");
        register(10000, "application/vnd.ocf+cbor");
        register(11542, "application/vnd.oma.lwm2m+tlv");
        register(11543, "application/vnd.oma.lwm2m+json");
        register(11544, "application/vnd.oma.lwm2m+cbor");
        register(20000, "text/css");
        register(30000, "image/svg+xml");
    }

    private ContentFormats() {
    }

    private static void register(int number, String mediaType) {
        MEDIA_TYPES.put(number, mediaType);
        NUMBERS.put(mediaType, number);
    }

    /** The HTTP Content-Type (or Accept value) for {@code contentFormat}, or null when it has none. */
    public static String mediaType(int contentFormat) {
        // Format 0 is UTF-8 text by definition; HTTP's text/plain defaults to US-ASCII.
        return contentFormat == TEXT_PLAIN ? "text/plain; charset=utf-8" : MEDIA_TYPES.get(contentFormat);
    }

    /**
     * The Content-Format of an HTTP Content-Type, or -1. Type and subtype compare without case;
     * the only parameter allowed is a charset of UTF-8 (or US-ASCII, a subset of it): any other
     * parameter may change what the bytes mean, and such a body is passed on unlabelled.
     */
    public static int contentFormat(String contentType) {
        if (contentType == null) {
            return -1;
        }
        String[] parts = contentType.split(";");
        String type = parts[0].strip().toLowerCase(Locale.ROOT);
        if (type.equals(COAP_PAYLOAD)) {
            return coapPayloadFormat(parts);
        }
        Integer number = NUMBERS.get(type);
        if (number == null) {
            return -1;
        }
        for (int i = 1; i < parts.length; i++) {
            String parameter = parts[i].strip().toLowerCase(Locale.ROOT);
            if (parameter.isEmpty()) {
                continue;
            }
            int equals = parameter.indexOf('=');
            String name = equals < 0 ? parameter : parameter.substring(0, equals).strip();
            String value = equals < 0 ? "" : unquote(parameter.substring(equals + 1).strip());
            if (!name.equals("charset") || !(value.equals("utf-8") || value.equals("us-ascii"))) {
                return -1;
            }
        }
        return number;
    }

    /** {@code application/coap-payload; cf=N}: the Content-Format it names, or -1. */
    private static int coapPayloadFormat(String[] parts) {
        int format = -1;
        for (int i = 1; i < parts.length; i++) {
            String parameter = parts[i].strip().toLowerCase(Locale.ROOT);
            if (parameter.startsWith("cf=")) {
                String value = unquote(parameter.substring(3).strip());
                if (value.isEmpty() || value.length() > 5 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    return -1;
                }
                format = Integer.parseInt(value);
            }
        }
        return format <= 65_535 ? format : -1;
    }

    private static String unquote(String value) {
        return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                ? value.substring(1, value.length() - 1) : value;
    }
}
