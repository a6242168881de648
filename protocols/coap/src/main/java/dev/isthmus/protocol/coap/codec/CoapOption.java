package dev.isthmus.protocol.coap.codec;

/**
 * Option numbers and what RFC 7252 (5.10), RFC 7641, RFC 7959 and RFC 7967 say about each: its
 * value format and length bounds, whether it is critical (odd numbers: a receiver that does not
 * know it must reject the message) and whether it is unsafe to forward unknown.
 */
public final class CoapOption {
    public static final int IF_MATCH = 1;
    public static final int URI_HOST = 3;
    public static final int ETAG = 4;
    public static final int IF_NONE_MATCH = 5;
    public static final int OBSERVE = 6;
    public static final int URI_PORT = 7;
    public static final int LOCATION_PATH = 8;
    public static final int URI_PATH = 11;
    public static final int CONTENT_FORMAT = 12;
    public static final int MAX_AGE = 14;
    public static final int URI_QUERY = 15;
    public static final int ACCEPT = 17;
    public static final int LOCATION_QUERY = 20;
    public static final int BLOCK2 = 23;
    public static final int BLOCK1 = 27;
    public static final int SIZE2 = 28;
    public static final int PROXY_URI = 35;
    public static final int PROXY_SCHEME = 39;
    public static final int SIZE1 = 60;
    public static final int NO_RESPONSE = 258;

    /** Max-Age when the option is absent (RFC 7252 5.10.5), in seconds. */
    public static final long DEFAULT_MAX_AGE = 60;

    private CoapOption() {
    }

    /** Odd numbers are critical (5.4.1). */
    public static boolean isCritical(int number) {
        return (number & 1) != 0;
    }

    /** Bit 1 marks an option a proxy must not forward unless it understands it (5.4.2). */
    public static boolean isUnsafe(int number) {
        return (number & 2) != 0;
    }

    /**
     * Whether this build knows {@code number} and {@code length} is within its bounds; an option
     * that is not is treated as unrecognized (5.4.3): a critical one rejects the message, an
     * elective one is ignored.
     */
    public static boolean isRecognized(int number, int length) {
        return switch (number) {
            case IF_MATCH -> length <= 8;
            case URI_HOST -> length >= 1 && length <= 255;
            case ETAG -> length >= 1 && length <= 8;
            case IF_NONE_MATCH -> length == 0;
            case OBSERVE, BLOCK2, BLOCK1 -> length <= 3;
            case URI_PORT, CONTENT_FORMAT, ACCEPT -> length <= 2;
            case LOCATION_PATH, URI_PATH, URI_QUERY, LOCATION_QUERY, PROXY_SCHEME -> length <= 255;
            case MAX_AGE, SIZE2, SIZE1 -> length <= 4;
            case PROXY_URI -> length >= 1 && length <= 1034;
            case NO_RESPONSE -> length <= 1;
            default -> false;
        };
    }

    /** Whether the option may appear more than once (5.10, table 4). */
    public static boolean isRepeatable(int number) {
        return switch (number) {
            case IF_MATCH, ETAG, LOCATION_PATH, URI_PATH, URI_QUERY, LOCATION_QUERY -> true;
            default -> false;
        };
    }

    public static String name(int number) {
        return switch (number) {
            case IF_MATCH -> "If-Match";
            case URI_HOST -> "Uri-Host";
            case ETAG -> "ETag";
            case IF_NONE_MATCH -> "If-None-Match";
            case OBSERVE -> "Observe";
            case URI_PORT -> "Uri-Port";
            case LOCATION_PATH -> "Location-Path";
            case URI_PATH -> "Uri-Path";
            case CONTENT_FORMAT -> "Content-Format";
            case MAX_AGE -> "Max-Age";
            case URI_QUERY -> "Uri-Query";
            case ACCEPT -> "Accept";
            case LOCATION_QUERY -> "Location-Query";
            case BLOCK2 -> "Block2";
            case BLOCK1 -> "Block1";
            case SIZE2 -> "Size2";
            case PROXY_URI -> "Proxy-Uri";
            case PROXY_SCHEME -> "Proxy-Scheme";
            case SIZE1 -> "Size1";
            case NO_RESPONSE -> "No-Response";
            default -> "option " + number;
        };
    }
}
