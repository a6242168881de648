package dev.isthmus.protocol.http1.codec;

import java.util.Arrays;
import java.util.Objects;

import org.agrona.DirectBuffer;

/**
 * The field lines of one message head (RFC 9112 §5) and the framing and connection facts drawn
 * from them, held by {@link MessageHead} for both {@link RequestHead} and {@link ResponseHead}.
 *
 * <p>The scan is incremental: it stops where the input ends and resumes there on the next call,
 * so every byte is examined once however the head arrives. All positions are stored relative
 * to the start of the head, which lets the caller move the bytes between calls. Offsets live in
 * one int array, four ints a field, grown by doubling up to the field limit and then kept.
 *
 * <p>Errors come back in request terms ({@link ParseResult#BAD_REQUEST},
 * {@link ParseResult#HEADERS_TOO_LARGE}); {@link ResponseHead} maps them to 502.
 */
final class FieldSection {
    /** Largest Content-Length accepted: below 2^62, so sums of lengths cannot overflow a long. */
    static final long MAX_CONTENT_LENGTH = (1L << 62) - 1;

    private static final int NAME_OFFSET = 0;
    private static final int NAME_LENGTH = 1;
    private static final int VALUE_OFFSET = 2;
    private static final int VALUE_LENGTH = 3;
    private static final int SLOT_INTS = 4;
    /** Fields a head has room for before its arrays grow; most requests and responses have fewer. */
    static final int INITIAL_CAPACITY = 16;

    /** Flag beside the id of a field whose name is one of the Connection options. */
    private static final int LISTED_IN_CONNECTION = 1 << 16;
    private static final int ID_MASK = LISTED_IN_CONNECTION - 1;

    private static final int LINE_START = 0;
    private static final int NAME = 1;
    private static final int BEFORE_VALUE = 2;
    private static final int VALUE = 3;

    private static final int OK = 1;

    private static final int CHUNKED_LENGTH = 7;
    private static final long[] CHUNKED = HttpChars.keys("chunked");
    private static final long[] GZIP = HttpChars.keys("gzip");
    private static final long[] X_GZIP = HttpChars.keys("x-gzip");
    private static final long[] DEFLATE = HttpChars.keys("deflate");
    private static final long[] COMPRESS = HttpChars.keys("compress");
    private static final long[] X_COMPRESS = HttpChars.keys("x-compress");
    private static final long[] CLOSE = HttpChars.keys("close");
    private static final long[] KEEP_ALIVE = HttpChars.keys("keep-alive");
    private static final long[] UPGRADE = HttpChars.keys("upgrade");
    private static final long[] HUNDRED_CONTINUE = HttpChars.keys("100-continue");

    private int[] slots;
    private int[] ids;
    private int count;

    private int state;
    private int pos;
    private int nameStart;
    private int nameEnd;
    private int valueStart;

    private long contentLength;
    private int hostIndex;
    private int hostCount;
    private int connectionCount;
    private int upgradeIndex;
    private int expectIndex;
    private boolean expectOnlyContinue;
    private int transferEncodingIndex;
    private int chunkedCount;
    private boolean lastCodingChunked;
    private boolean unknownCoding;
    private boolean close;
    private boolean keepAlive;
    private boolean upgrade;

    FieldSection(int capacity) {
        slots = new int[capacity * SLOT_INTS];
        ids = new int[capacity];
    }

    /** Forgets the previous head; the field lines will start {@code start} bytes into the next one. */
    void reset(int start) {
        count = 0;
        state = LINE_START;
        pos = start;
        contentLength = -1;
        hostIndex = -1;
        hostCount = 0;
        connectionCount = 0;
        upgradeIndex = -1;
        expectIndex = -1;
        expectOnlyContinue = true;
        transferEncodingIndex = -1;
        chunkedCount = 0;
        lastCodingChunked = false;
        unknownCoding = false;
        close = false;
        keepAlive = false;
        upgrade = false;
    }

    /**
     * Room for one more field. The arrays start small and double up to the field limit, so a
     * head object parked with an idle or queued request costs little; a head with many fields
     * grows them once and they stay grown.
     */
    private void growIfFull() {
        if (count == ids.length) {
            int capacity = Math.max(INITIAL_CAPACITY, ids.length * 2);
            slots = Arrays.copyOf(slots, capacity * SLOT_INTS);
            ids = Arrays.copyOf(ids, capacity);
        }
    }

    /**
     * Scans field lines up to and including the empty line that ends the head.
     *
     * @param base head start in {@code buf}
     * @param end  end of the bytes that may be examined (available, capped by the head limit)
     * @return the head's length when complete, {@link ParseResult#NEED_MORE}, or an error
     */
    int scan(DirectBuffer buf, int base, int end, int maxFields) {
        int p = base + pos;
        int st = state;
        while (true) {
            if (st == LINE_START) {
                if (p >= end) {
                    break;
                }
                byte b = buf.getByte(p);
                if (b == HttpChars.LF) {
                    return p + 1 - base;
                }
                if (b == HttpChars.CR) {
                    if (p + 1 >= end) {
                        break;
                    }
                    return buf.getByte(p + 1) == HttpChars.LF ? p + 2 - base : ParseResult.BAD_REQUEST;
                }
                // Rejects obs-fold (a line starting with SP or HTAB) and empty names alike.
                if (!HttpChars.isToken(b)) {
                    return ParseResult.BAD_REQUEST;
                }
                if (count >= maxFields) {
                    return ParseResult.HEADERS_TOO_LARGE;
                }
                nameStart = p - base;
                p++;
                st = NAME;
            }
            if (st == NAME) {
                p = HttpChars.skipToken(buf, p, end);
                if (p >= end) {
                    break;
                }
                // Whitespace between name and colon is rejected here (RFC 9112 §5.1).
                if (buf.getByte(p) != HttpChars.COLON) {
                    return ParseResult.BAD_REQUEST;
                }
                nameEnd = p - base;
                p++;
                st = BEFORE_VALUE;
            }
            if (st == BEFORE_VALUE) {
                while (p < end && HttpChars.isOws(buf.getByte(p))) {
                    p++;
                }
                if (p >= end) {
                    break;
                }
                valueStart = p - base;
                st = VALUE;
            }
            p = HttpChars.skipFieldChars(buf, p, end);
            if (p >= end) {
                break;
            }
            int contentEnd = p;
            byte b = buf.getByte(p);
            if (b == HttpChars.CR) {
                if (p + 1 >= end) {
                    break;
                }
                if (buf.getByte(p + 1) != HttpChars.LF) {
                    return ParseResult.BAD_REQUEST;
                }
                p += 2;
            } else if (b == HttpChars.LF) {
                p++;
            } else {
                return ParseResult.BAD_REQUEST;
            }
            int added = addField(buf, base, contentEnd);
            if (added != OK) {
                return added;
            }
            st = LINE_START;
        }
        state = st;
        pos = p - base;
        return ParseResult.NEED_MORE;
    }

    private int addField(DirectBuffer buf, int base, int contentEnd) {
        growIfFull();
        int index = count;
        int slot = index * SLOT_INTS;
        int nameLength = nameEnd - nameStart;
        int valueFrom = base + valueStart;
        int valueTo = HttpChars.trimOwsEnd(buf, valueFrom, contentEnd);
        slots[slot + NAME_OFFSET] = nameStart;
        slots[slot + NAME_LENGTH] = nameLength;
        slots[slot + VALUE_OFFSET] = valueStart;
        slots[slot + VALUE_LENGTH] = valueTo - valueFrom;
        int id = HeaderId.of(buf, base + nameStart, nameLength);
        ids[index] = id;
        count = index + 1;
        switch (id) {
            case HeaderId.CONTENT_LENGTH -> {
                return addContentLength(buf, valueFrom, valueTo);
            }
            case HeaderId.TRANSFER_ENCODING -> {
                if (transferEncodingIndex < 0) {
                    transferEncodingIndex = index;
                }
                return addTransferCodings(buf, valueFrom, valueTo);
            }
            case HeaderId.HOST -> {
                if (hostIndex < 0) {
                    hostIndex = index;
                }
                hostCount++;
            }
            case HeaderId.CONNECTION -> connectionCount++;
            case HeaderId.UPGRADE -> {
                if (upgradeIndex < 0) {
                    upgradeIndex = index;
                }
            }
            case HeaderId.EXPECT -> {
                if (expectIndex < 0) {
                    expectIndex = index;
                }
                expectOnlyContinue &= HttpChars.matches(buf, valueFrom, valueTo - valueFrom,
                        "100-continue".length(), HUNDRED_CONTINUE);
            }
            default -> {
                // Other fields carry no framing or connection semantics for the codec.
            }
        }
        return OK;
    }

    /**
     * 1*DIGIT, or a comma list of identical values (RFC 9112 §6.3 and RFC 9110 §8.6, which let a
     * recipient accept "5, 5"); every Content-Length field of the head must agree.
     */
    private int addContentLength(DirectBuffer buf, int from, int to) {
        int i = from;
        while (true) {
            int digitsStart = i;
            long value = 0;
            while (i < to) {
                byte b = buf.getByte(i);
                if (!HttpChars.isDigit(b)) {
                    break;
                }
                int digit = b - '0';
                if (value > (MAX_CONTENT_LENGTH - digit) / 10) {
                    return ParseResult.BAD_REQUEST;
                }
                value = value * 10 + digit;
                i++;
            }
            if (i == digitsStart || (contentLength >= 0 && contentLength != value)) {
                return ParseResult.BAD_REQUEST;
            }
            contentLength = value;
            i = HttpChars.skipOws(buf, i, to);
            if (i == to) {
                return OK;
            }
            if (buf.getByte(i) != HttpChars.COMMA) {
                return ParseResult.BAD_REQUEST;
            }
            i = HttpChars.skipOws(buf, i + 1, to);
        }
    }

    /**
     * transfer-coding *( OWS "," OWS transfer-coding ), each a token with optional parameters
     * (RFC 9112 §6.1, RFC 9110 §10.1.4). Empty list elements are refused, not skipped: a framing
     * field that parsers might read differently is worth a 400.
     */
    private int addTransferCodings(DirectBuffer buf, int from, int to) {
        int i = from;
        while (true) {
            int nameFrom = i;
            i = HttpChars.skipToken(buf, i, to);
            int nameLength = i - nameFrom;
            if (nameLength == 0) {
                return ParseResult.BAD_REQUEST;
            }
            i = HttpChars.skipOws(buf, i, to);
            boolean parameters = false;
            while (i < to && buf.getByte(i) == HttpChars.SEMICOLON) {
                parameters = true;
                i = skipParameter(buf, HttpChars.skipOws(buf, i + 1, to), to);
                if (i < 0) {
                    return ParseResult.BAD_REQUEST;
                }
                i = HttpChars.skipOws(buf, i, to);
            }
            boolean chunked = HttpChars.matches(buf, nameFrom, nameLength, CHUNKED_LENGTH, CHUNKED);
            if (chunked) {
                if (parameters) {
                    return ParseResult.BAD_REQUEST;
                }
                chunkedCount++;
            } else if (!isKnownCoding(buf, nameFrom, nameLength)) {
                unknownCoding = true;
            }
            lastCodingChunked = chunked;
            if (i == to) {
                return OK;
            }
            if (buf.getByte(i) != HttpChars.COMMA) {
                return ParseResult.BAD_REQUEST;
            }
            i = HttpChars.skipOws(buf, i + 1, to);
        }
    }

    /** token BWS "=" BWS ( token / quoted-string ); returns the index after it, or -1. */
    private static int skipParameter(DirectBuffer buf, int from, int to) {
        int i = HttpChars.skipToken(buf, from, to);
        if (i == from) {
            return -1;
        }
        i = HttpChars.skipOws(buf, i, to);
        if (i == to || buf.getByte(i) != HttpChars.EQUALS) {
            return -1;
        }
        i = HttpChars.skipOws(buf, i + 1, to);
        if (i < to && buf.getByte(i) == HttpChars.DQUOTE) {
            return HttpChars.skipQuotedString(buf, i, to);
        }
        int valueFrom = i;
        i = HttpChars.skipToken(buf, i, to);
        return i == valueFrom ? -1 : i;
    }

    /** The codings of the IANA registry that a recipient may be asked to decode, besides chunked. */
    private static boolean isKnownCoding(DirectBuffer buf, int offset, int length) {
        return HttpChars.matches(buf, offset, length, "gzip".length(), GZIP)
                || HttpChars.matches(buf, offset, length, "x-gzip".length(), X_GZIP)
                || HttpChars.matches(buf, offset, length, "deflate".length(), DEFLATE)
                || HttpChars.matches(buf, offset, length, "compress".length(), COMPRESS)
                || HttpChars.matches(buf, offset, length, "x-compress".length(), X_COMPRESS);
    }

    /**
     * Reads the Connection options once the whole head is known (an option may name a field that
     * comes after the Connection field).
     *
     * @return false if an option is not a token
     */
    boolean finish(DirectBuffer buf, int base) {
        if (connectionCount == 0) {
            return true;
        }
        for (int index = 0; index < count; index++) {
            if ((ids[index] & ID_MASK) != HeaderId.CONNECTION) {
                continue;
            }
            int slot = index * SLOT_INTS;
            int i = base + slots[slot + VALUE_OFFSET];
            int to = i + slots[slot + VALUE_LENGTH];
            while (i < to) {
                // Empty list elements are legal here (RFC 9110 §5.6.1.2) and skipped.
                if (buf.getByte(i) == HttpChars.COMMA) {
                    i = HttpChars.skipOws(buf, i + 1, to);
                    continue;
                }
                int option = i;
                i = HttpChars.skipToken(buf, i, to);
                if (i == option) {
                    return false;
                }
                addConnectionOption(buf, base, option, i - option);
                i = HttpChars.skipOws(buf, i, to);
                if (i < to && buf.getByte(i) != HttpChars.COMMA) {
                    return false;
                }
            }
        }
        return true;
    }

    private void addConnectionOption(DirectBuffer buf, int base, int offset, int length) {
        close |= HttpChars.matches(buf, offset, length, "close".length(), CLOSE);
        keepAlive |= HttpChars.matches(buf, offset, length, "keep-alive".length(), KEEP_ALIVE);
        upgrade |= HttpChars.matches(buf, offset, length, "upgrade".length(), UPGRADE);
        for (int index = 0; index < count; index++) {
            int slot = index * SLOT_INTS;
            if (slots[slot + NAME_LENGTH] == length
                    && HttpChars.equalsIgnoreCase(buf, base + slots[slot + NAME_OFFSET], buf, offset, length)) {
                ids[index] |= LISTED_IN_CONNECTION;
            }
        }
    }

    /** @return the index of the first field named {@code lowerCaseName} (compared ignoring case), or -1 */
    int find(DirectBuffer buf, int base, DirectBuffer name, int nameLength) {
        for (int index = 0; index < count; index++) {
            int slot = index * SLOT_INTS;
            if (slots[slot + NAME_LENGTH] == nameLength
                    && HttpChars.equalsIgnoreCase(buf, base + slots[slot + NAME_OFFSET], name, 0, nameLength)) {
                return index;
            }
        }
        return -1;
    }

    int count() {
        return count;
    }

    int nameOffset(int index) {
        return slots[Objects.checkIndex(index, count) * SLOT_INTS + NAME_OFFSET];
    }

    int nameLength(int index) {
        return slots[Objects.checkIndex(index, count) * SLOT_INTS + NAME_LENGTH];
    }

    int valueOffset(int index) {
        return slots[Objects.checkIndex(index, count) * SLOT_INTS + VALUE_OFFSET];
    }

    int valueLength(int index) {
        return slots[Objects.checkIndex(index, count) * SLOT_INTS + VALUE_LENGTH];
    }

    int id(int index) {
        return ids[Objects.checkIndex(index, count)] & ID_MASK;
    }

    boolean listedInConnection(int index) {
        return (ids[Objects.checkIndex(index, count)] & LISTED_IN_CONNECTION) != 0;
    }

    long contentLength() {
        return contentLength;
    }

    boolean hasTransferEncoding() {
        return transferEncodingIndex >= 0;
    }

    /** chunked is the last coding. */
    boolean lastCodingChunked() {
        return lastCodingChunked;
    }

    /** chunked is applied exactly once, as the last coding: the only framing a request may use. */
    boolean chunkedOnceAndLast() {
        return lastCodingChunked && chunkedCount == 1;
    }

    int chunkedCount() {
        return chunkedCount;
    }

    boolean unknownCoding() {
        return unknownCoding;
    }

    int hostIndex() {
        return hostIndex;
    }

    int hostCount() {
        return hostCount;
    }

    int upgradeIndex() {
        return upgradeIndex;
    }

    int expectIndex() {
        return expectIndex;
    }

    boolean expectOnlyContinue() {
        return expectIndex >= 0 && expectOnlyContinue;
    }

    boolean close() {
        return close;
    }

    boolean keepAlive() {
        return keepAlive;
    }

    boolean upgrade() {
        return upgrade;
    }
}
