package dev.isthmus.core.config;

/**
 * Size limits on HTTP requests; a request over a limit gets the matching status (431 for the
 * head, 414 for the URI, 413 for the body) instead of being proxied.
 *
 * @param maxHeaderBytes bytes of the request head (request line and header fields); default 16 KiB.
 *                       It must fit in one buffer chunk, see {@link BufferSettings#chunkBytes()}.
 *                       As the request line is part of the head, this also bounds the URI.
 * @param maxUriBytes    bytes of the request target; default 8 KiB
 * @param maxHeaders     number of header fields; default 100
 * @param maxBodyBytes   bytes of the request body; default 64 MiB, 0 = unlimited
 */
public record HttpLimits(int maxHeaderBytes, int maxUriBytes, int maxHeaders, long maxBodyBytes) {
    public static final HttpLimits DEFAULT = new HttpLimits(16 * 1024, 8 * 1024, 100, 64L * 1024 * 1024);

    public HttpLimits {
        if (maxHeaderBytes < 1 || maxUriBytes < 1 || maxHeaders < 1) {
            throw new IllegalArgumentException("header size, URI size and header count limits must be at least 1");
        }
        if (maxBodyBytes < 0) {
            throw new IllegalArgumentException("body size limit must be >= 0 (0 = unlimited): " + maxBodyBytes);
        }
    }

    /** These limits with another body limit. */
    public HttpLimits withMaxBodyBytes(long newMaxBodyBytes) {
        return new HttpLimits(maxHeaderBytes, maxUriBytes, maxHeaders, newMaxBodyBytes);
    }
}
