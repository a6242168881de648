package dev.isthmus.protocol.http1.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Finds the end of a chunked message body (RFC 9112 §7.1) without copying or decoding it, so
 * the proxy forwards the original bytes. A byte-level state machine: input may be split at any
 * byte, and every byte given is consumed until the body ends.
 *
 * <p>Use: {@link #reset(HeadLimits)} per body, then {@link #scan} on each run of bytes that
 * follows. A result below {@code length} happens only when the body ends inside the run: the
 * rest belongs to the next message. Chunk data is skipped in bulk; size lines and trailers are
 * validated byte by byte.
 *
 * <p>Rules: chunk-size is 1 to {@value #MAX_SIZE_DIGITS} hex digits and below 2^62; extensions
 * ({@code ;name[=token|quoted-string]}, whitespace allowed before ";" and around "=", as in
 * {@code BWS}) are checked and limited to {@value #MAX_EXTENSION_BYTES} bytes per line; each
 * line ends in CRLF or a bare LF; chunk data must be followed by a line end; trailer fields obey
 * the field-line rules of a head and total at most {@link HeadLimits#maxTrailerBytes()} bytes.
 * Whitespace on a size line must lead to a ";" (or to the "=" after an extension name): a
 * chunk-size or extension followed by whitespace and the line end is refused.
 *
 * <p>A malformed body gives {@link ParseResult#BAD_REQUEST}, and so does every later call until
 * reset; a proxy scanning a response body answers 502 instead. After the body ends, further
 * calls consume nothing.
 */
public final class ChunkedDecoder {
    /** Longest chunk-size, leading zeros included. */
    public static final int MAX_SIZE_DIGITS = 16;
    /** Longest run of extensions on one chunk line, from the byte after the size to the line end. */
    public static final int MAX_EXTENSION_BYTES = 4096;

    private static final long MAX_CHUNK_SIZE = FieldSection.MAX_CONTENT_LENGTH;
    private static final int HEX_RADIX_BITS = 4;

    private static final int SIZE = 0;
    private static final int EXT_WHITESPACE = 1;
    private static final int EXT_NAME_START = 2;
    private static final int EXT_NAME = 3;
    private static final int EXT_AFTER_NAME = 4;
    private static final int EXT_VALUE_START = 5;
    private static final int EXT_TOKEN_VALUE = 6;
    private static final int EXT_QUOTED_VALUE = 7;
    private static final int EXT_QUOTED_PAIR = 8;
    private static final int EXT_AFTER_QUOTED_VALUE = 9;
    private static final int SIZE_LINE_LF = 10;
    private static final int DATA = 11;
    private static final int DATA_END = 12;
    private static final int DATA_END_LF = 13;
    private static final int TRAILER_LINE_START = 14;
    private static final int TRAILER_NAME = 15;
    private static final int TRAILER_VALUE = 16;
    private static final int TRAILER_LF = 17;
    private static final int FINAL_LF = 18;
    private static final int COMPLETE = 19;
    private static final int FAILED = 20;

    private int maxTrailerBytes = HeadLimits.DEFAULT.maxTrailerBytes();
    private int state;
    private int sizeDigits;
    private long chunkSize;
    private long remaining;
    private int extensionBytes;
    private int trailerBytes;
    private long dataBytes;
    private int decoded;

    public ChunkedDecoder() {
        reset(HeadLimits.DEFAULT);
    }

    /** Prepares for a new body, with its trailer limit. */
    public void reset(HeadLimits limits) {
        maxTrailerBytes = limits.maxTrailerBytes();
        state = SIZE;
        sizeDigits = 0;
        chunkSize = 0;
        remaining = 0;
        extensionBytes = 0;
        trailerBytes = 0;
        dataBytes = 0;
    }

    /** Whether the last-chunk, trailers and final empty line have all been seen. */
    public boolean isComplete() {
        return state == COMPLETE;
    }

    /** Sum of the chunk-data sizes seen so far, for enforcing a body size limit. */
    public long dataBytes() {
        return dataBytes;
    }

    /**
     * Scans the next {@code length} bytes of the body.
     *
     * @return how many of them belong to the body (all of them until it ends), or
     *         {@link ParseResult#BAD_REQUEST}
     */
    public int scan(DirectBuffer buf, int offset, int length) {
        return scan(buf, offset, length, null);
    }

    /**
     * Like {@link #scan}, and also decodes: the chunk data among the scanned bytes is moved to
     * the front of the run, over the framing, so that {@link #decodedBytes()} bytes of payload
     * start at {@code offset} afterwards. For recipients that cannot take chunked framing
     * (HTTP/1.0 clients).
     */
    public int decodeInPlace(MutableDirectBuffer buf, int offset, int length) {
        return scan(buf, offset, length, buf);
    }

    /** Payload bytes the last {@link #decodeInPlace} placed at its offset. */
    public int decodedBytes() {
        return decoded;
    }

    private int scan(DirectBuffer buf, int offset, int length, MutableDirectBuffer decodeInto) {
        decoded = 0;
        if (state == FAILED) {
            return ParseResult.BAD_REQUEST;
        }
        int p = offset;
        int end = offset + Math.max(length, 0);
        while (p < end && state != COMPLETE) {
            if (state == DATA) {
                int n = (int) Math.min(remaining, end - p);
                if (decodeInto != null) {
                    // Moves towards lower indexes only; overlapping ranges are copied correctly.
                    decodeInto.putBytes(offset + decoded, buf, p, n);
                    decoded += n;
                }
                p += n;
                remaining -= n;
                dataBytes += n;
                if (remaining == 0) {
                    state = DATA_END;
                }
                continue;
            }
            if (!step(buf.getByte(p))) {
                state = FAILED;
                return ParseResult.BAD_REQUEST;
            }
            p++;
        }
        return p - offset;
    }

    /** Advances over one byte outside chunk data; false if the byte is not allowed here. */
    private boolean step(byte b) {
        switch (state) {
            case SIZE -> {
                int digit = HttpChars.hexValue(b);
                if (digit >= 0) {
                    if (++sizeDigits > MAX_SIZE_DIGITS || chunkSize > MAX_CHUNK_SIZE >>> HEX_RADIX_BITS) {
                        return false;
                    }
                    chunkSize = (chunkSize << HEX_RADIX_BITS) | digit;
                    return true;
                }
                return sizeDigits > 0 && endOfItem(b);
            }
            case EXT_WHITESPACE -> {
                return b == HttpChars.SEMICOLON ? extensionByte(EXT_NAME_START)
                        : HttpChars.isOws(b) && extensionByte(EXT_WHITESPACE);
            }
            case EXT_NAME_START -> {
                return HttpChars.isOws(b) ? extensionByte(EXT_NAME_START)
                        : HttpChars.isToken(b) && extensionByte(EXT_NAME);
            }
            case EXT_NAME -> {
                if (HttpChars.isToken(b)) {
                    return extensionByte(EXT_NAME);
                }
                if (b == HttpChars.EQUALS) {
                    return extensionByte(EXT_VALUE_START);
                }
                if (HttpChars.isOws(b)) {
                    return extensionByte(EXT_AFTER_NAME);
                }
                return endOfItem(b);
            }
            case EXT_AFTER_NAME -> {
                if (HttpChars.isOws(b)) {
                    return extensionByte(EXT_AFTER_NAME);
                }
                if (b == HttpChars.EQUALS) {
                    return extensionByte(EXT_VALUE_START);
                }
                return b == HttpChars.SEMICOLON && extensionByte(EXT_NAME_START);
            }
            case EXT_VALUE_START -> {
                if (HttpChars.isOws(b)) {
                    return extensionByte(EXT_VALUE_START);
                }
                if (b == HttpChars.DQUOTE) {
                    return extensionByte(EXT_QUOTED_VALUE);
                }
                return HttpChars.isToken(b) && extensionByte(EXT_TOKEN_VALUE);
            }
            case EXT_TOKEN_VALUE -> {
                return HttpChars.isToken(b) ? extensionByte(EXT_TOKEN_VALUE) : endOfItem(b);
            }
            case EXT_QUOTED_VALUE -> {
                if (b == HttpChars.DQUOTE) {
                    return extensionByte(EXT_AFTER_QUOTED_VALUE);
                }
                if (b == HttpChars.BACKSLASH) {
                    return extensionByte(EXT_QUOTED_PAIR);
                }
                return HttpChars.isQdtext(b) && extensionByte(EXT_QUOTED_VALUE);
            }
            case EXT_QUOTED_PAIR -> {
                return HttpChars.isQuotedPairChar(b) && extensionByte(EXT_QUOTED_VALUE);
            }
            case EXT_AFTER_QUOTED_VALUE -> {
                return endOfItem(b);
            }
            case SIZE_LINE_LF -> {
                return b == HttpChars.LF && endSizeLine();
            }
            case DATA_END -> {
                if (b == HttpChars.CR) {
                    state = DATA_END_LF;
                    return true;
                }
                return b == HttpChars.LF && startChunk();
            }
            case DATA_END_LF -> {
                return b == HttpChars.LF && startChunk();
            }
            case TRAILER_LINE_START -> {
                if (b == HttpChars.CR) {
                    state = FINAL_LF;
                    return true;
                }
                if (b == HttpChars.LF) {
                    state = COMPLETE;
                    return true;
                }
                // Refuses obs-fold (SP or HTAB first) and an empty name alike.
                return HttpChars.isToken(b) && trailerByte(TRAILER_NAME);
            }
            case TRAILER_NAME -> {
                if (HttpChars.isToken(b)) {
                    return trailerByte(TRAILER_NAME);
                }
                return b == HttpChars.COLON && trailerByte(TRAILER_VALUE);
            }
            case TRAILER_VALUE -> {
                if (HttpChars.isFieldChar(b)) {
                    return trailerByte(TRAILER_VALUE);
                }
                if (b == HttpChars.CR) {
                    return trailerByte(TRAILER_LF);
                }
                return b == HttpChars.LF && trailerByte(TRAILER_LINE_START);
            }
            case TRAILER_LF -> {
                return b == HttpChars.LF && trailerByte(TRAILER_LINE_START);
            }
            case FINAL_LF -> {
                if (b != HttpChars.LF) {
                    return false;
                }
                state = COMPLETE;
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    /**
     * The byte after a chunk-size, an extension name or an extension value: another extension,
     * whitespace that must lead to one, or the line end.
     */
    private boolean endOfItem(byte b) {
        if (b == HttpChars.SEMICOLON) {
            return extensionByte(EXT_NAME_START);
        }
        if (HttpChars.isOws(b)) {
            return extensionByte(EXT_WHITESPACE);
        }
        if (b == HttpChars.CR) {
            state = SIZE_LINE_LF;
            return true;
        }
        return b == HttpChars.LF && endSizeLine();
    }

    private boolean extensionByte(int next) {
        if (++extensionBytes > MAX_EXTENSION_BYTES) {
            return false;
        }
        state = next;
        return true;
    }

    private boolean trailerByte(int next) {
        if (++trailerBytes > maxTrailerBytes) {
            return false;
        }
        state = next;
        return true;
    }

    private boolean endSizeLine() {
        if (chunkSize == 0) {
            state = TRAILER_LINE_START;
        } else {
            remaining = chunkSize;
            state = DATA;
        }
        return true;
    }

    private boolean startChunk() {
        sizeDigits = 0;
        chunkSize = 0;
        extensionBytes = 0;
        state = SIZE;
        return true;
    }
}
