package dev.isthmus.protocol.http1.codec;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * What a request head and a response head have in common once parsed in place: the field lines
 * (RFC 9112 §5), the body framing they declare (§6) and the connection options (§9).
 *
 * <p>Life cycle: {@link #reset()}, then {@link #parse} until it returns non-zero; on
 * {@link ParseResult#NEED_MORE} call again with the same {@code offset} and more bytes. Between
 * calls the caller may copy the bytes received so far elsewhere and pass the new offset: the
 * scan state is kept relative to the head start, and resumes where it stopped, so the total
 * work is linear in the head size however the bytes arrive. Pass the same limits to every call.
 * A positive result is the head's length, up to and including its empty line. After a final
 * result, further calls return it again until {@link #reset()}.
 *
 * <p>Accessors are valid after {@link #parse} returned a positive length; offsets are absolute
 * indexes into the buffer of the last call. The parse allocates nothing: field offsets live in
 * int arrays that grow (by doubling, up to {@link HeadLimits#maxHeaders()}) and are then kept.
 *
 * <p>The accessors are final so that calls on the hot path bind statically; only the parse
 * itself differs between a request and a response.
 */
public abstract sealed class MessageHead permits RequestHead, ResponseHead {
    final FieldSection fields = new FieldSection(FieldSection.INITIAL_CAPACITY);
    private final UnsafeBuffer nameView = new UnsafeBuffer();

    // Set by the subclass's parse: where the last call looked, what it returned, what it read.
    DirectBuffer buffer;
    int base;
    int result;
    int versionMinor;

    MessageHead() {
    }

    /** Prepares for a new head. O(1): nothing is cleared but counters. */
    public abstract void reset();

    /**
     * Parses (or resumes parsing) the head that starts at {@code offset}.
     *
     * @param available bytes readable from {@code offset}; {@code offset + available} must lie
     *                  within the buffer
     * @return the head's length (&gt; 0), {@link ParseResult#NEED_MORE}, or an error result
     */
    public abstract int parse(DirectBuffer buf, int offset, int available, HeadLimits limits);

    /** The buffer of the last {@link #parse} call. */
    public final DirectBuffer buffer() {
        return buffer;
    }

    /** Length of the parsed head, the value {@link #parse} returned. */
    public final int length() {
        return result;
    }

    /** 1 for HTTP/1.1, 0 for HTTP/1.0. */
    public final int versionMinor() {
        return versionMinor;
    }

    /** Number of field lines. */
    public final int headerCount() {
        return fields.count();
    }

    public final int nameOffset(int index) {
        return base + fields.nameOffset(index);
    }

    public final int nameLength(int index) {
        return fields.nameLength(index);
    }

    /** Start of the value, leading whitespace excluded. */
    public final int valueOffset(int index) {
        return base + fields.valueOffset(index);
    }

    /** Length of the value, trailing whitespace excluded. */
    public final int valueLength(int index) {
        return fields.valueLength(index);
    }

    /** One of the {@link HeaderId} codes. */
    public final int headerId(int index) {
        return fields.id(index);
    }

    /** Whether the field's name is one of the Connection options, i.e. hop-by-hop (RFC 9110 §7.6.1). */
    public final boolean listedInConnection(int index) {
        return fields.listedInConnection(index);
    }

    /**
     * Index of the first field with this name, or -1. Compared ignoring ASCII case; allocates
     * nothing. Intended for lower-case constants held by the caller.
     */
    public final int find(byte[] lowerCaseName) {
        if (lowerCaseName.length == 0) {
            return -1;
        }
        nameView.wrap(lowerCaseName);
        return fields.find(buffer, base, nameView, lowerCaseName.length);
    }

    /** The Content-Length value, or -1 if there is none. */
    public final long contentLength() {
        return fields.contentLength();
    }

    /**
     * Whether the body is chunked: Transfer-Encoding with chunked as the last coding. A request
     * that parsed has no other Transfer-Encoding framing; a response may (see
     * {@link ResponseHead#hasTransferEncoding()}).
     */
    public final boolean isChunked() {
        return fields.lastCodingChunked();
    }

    /** Whether "close" is one of the Connection options. */
    public final boolean connectionClose() {
        return fields.close();
    }

    /** Whether "keep-alive" is one of the Connection options. */
    public final boolean connectionKeepAlive() {
        return fields.keepAlive();
    }

    /** Index of the first Upgrade field, or -1. */
    public final int upgradeIndex() {
        return fields.upgradeIndex();
    }

    /**
     * Whether the connection may carry another exchange after this one (RFC 9112 §9.3), framing
     * aside: no "close" option, and HTTP/1.1 or a "keep-alive" option.
     */
    public final boolean keepAlive() {
        if (fields.close()) {
            return false;
        }
        return versionMinor == 1 || fields.keepAlive();
    }
}
