package dev.isthmus.protocol.http1.codec;

/**
 * Size limits applied while parsing a message head or a chunked body's trailer section.
 *
 * <p>Every limit is a count of bytes (or fields) as they appear on the wire, so a client can
 * never make the codec scan or store more than these bounds. Pass the same limits to every
 * call that parses one head.
 *
 * @param maxHeadBytes    the whole head: leading empty lines, start line, field lines and the
 *                        terminating empty line (default 16384); beyond it a request gets 431
 * @param maxUriBytes     the request-target (default 8192); beyond it a request gets 414
 * @param maxHeaders      field lines in one head (default 100); beyond it a request gets 431.
 *                        The parsers size their offset arrays to this once.
 * @param maxTrailerBytes the field lines of a chunked body's trailer section, excluding the final
 *                        empty line (default 8192); beyond it the body is malformed
 */
public record HeadLimits(int maxHeadBytes, int maxUriBytes, int maxHeaders, int maxTrailerBytes) {
    /** Largest accepted byte limit: keeps every offset computation far from int overflow. */
    public static final int MAX_BYTES_LIMIT = 1 << 24;
    /** Largest accepted field count. */
    public static final int MAX_HEADERS_LIMIT = 1 << 16;

    /** Defaults in line with common servers: 16 KiB heads, 8 KiB targets, 100 fields, 8 KiB trailers. */
    public static final HeadLimits DEFAULT = new HeadLimits(16384, 8192, 100, 8192);

    public HeadLimits {
        requireInRange("maxHeadBytes", maxHeadBytes, MAX_BYTES_LIMIT);
        requireInRange("maxUriBytes", maxUriBytes, MAX_BYTES_LIMIT);
        requireInRange("maxHeaders", maxHeaders, MAX_HEADERS_LIMIT);
        requireInRange("maxTrailerBytes", maxTrailerBytes, MAX_BYTES_LIMIT);
    }

    private static void requireInRange(String name, int value, int max) {
        if (value < 1 || value > max) {
            throw new IllegalArgumentException(name + " must be in 1.." + max + ", was " + value);
        }
    }
}
