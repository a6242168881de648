package dev.isthmus.protocol.http1.codec;

import org.agrona.DirectBuffer;

/**
 * A reusable flyweight over one HTTP/1.1 response head from an upstream (RFC 9112 §4, §5, §6),
 * parsed in place, with the life cycle and offset rules of {@link MessageHead}.
 *
 * <p>Every failure is {@link ParseResult#BAD_GATEWAY}: whatever is wrong with an upstream's
 * head, the client gets 502. That includes a head longer than
 * {@link HeadLimits#maxHeadBytes()} or with more than {@link HeadLimits#maxHeaders()} fields,
 * a version other than 1.0/1.1, a status outside 100..599, both Content-Length and
 * Transfer-Encoding, conflicting Content-Lengths, chunked applied twice, and Transfer-Encoding
 * in an HTTP/1.0 response (RFC 9112 §6.1 calls its framing faulty). The status-line must start
 * at the offset: unlike requests, no leading empty lines are skipped.
 *
 * <p>Body framing, in RFC 9112 §6.3 order: none if {@link #bodyForbidden(int, boolean)} (or a
 * 2xx answer to CONNECT, which turns into a tunnel); chunked if {@link #isChunked()};
 * until the connection closes if {@link #hasTransferEncoding()} without chunked last;
 * {@link #contentLength()} bytes if that is not -1; otherwise until the connection closes.
 */
public final class ResponseHead extends MessageHead {
    private static final int STATUS_LINE = 0;
    private static final int REASON = 1;
    private static final int FIELDS = 2;
    private static final int DONE = 3;

    /** "HTTP/1.1 200" */
    private static final int STATUS_PREFIX_LENGTH = HttpVersion.LENGTH + 4;
    private static final int STATUS_OFFSET = HttpVersion.LENGTH + 1;
    private static final int MIN_STATUS = 100;
    private static final int MAX_STATUS = 599;
    private static final int CONTINUE = 100;
    /** The first status that is not informational (1xx). */
    private static final int FIRST_FINAL_STATUS = 200;
    private static final int NO_CONTENT = 204;
    private static final int NOT_MODIFIED = 304;

    private int state;
    private int pos;

    private int status;
    private int reasonStart;
    private int reasonLength;

    public ResponseHead() {
        reset();
    }

    /** Whether a response can have no body: 1xx, 204, 304, or any answer to HEAD (RFC 9112 §6.3). */
    public static boolean bodyForbidden(int status, boolean requestWasHead) {
        return requestWasHead || (status >= CONTINUE && status < FIRST_FINAL_STATUS) || status == NO_CONTENT || status == NOT_MODIFIED;
    }

    @Override
    public void reset() {
        state = STATUS_LINE;
        pos = 0;
        result = ParseResult.NEED_MORE;
    }

    /**
     * Parses (or resumes parsing) the head that starts at {@code offset}.
     *
     * @param available bytes readable from {@code offset}; {@code offset + available} must lie
     *                  within the buffer
     * @return the head's length (&gt; 0), {@link ParseResult#NEED_MORE} or {@link ParseResult#BAD_GATEWAY}
     */
    @Override
    public int parse(DirectBuffer buf, int offset, int available, HeadLimits limits) {
        buffer = buf;
        base = offset;
        if (state == DONE) {
            return result;
        }
        int maxHead = limits.maxHeadBytes();
        int end = offset + Math.min(Math.max(available, 0), maxHead);
        if (state != FIELDS && !scanStatusLine(buf, offset, end, limits)) {
            return done(ParseResult.BAD_GATEWAY);
        }
        if (state != FIELDS) {
            return needMore(available, maxHead);
        }
        int scanned = fields.scan(buf, offset, end, limits.maxHeaders());
        if (scanned == ParseResult.NEED_MORE) {
            return needMore(available, maxHead);
        }
        return done(scanned > 0 && valid(buf, offset) ? scanned : ParseResult.BAD_GATEWAY);
    }

    private int needMore(int available, int maxHead) {
        return available >= maxHead ? done(ParseResult.BAD_GATEWAY) : ParseResult.NEED_MORE;
    }

    private int done(int finalResult) {
        state = DONE;
        result = finalResult;
        return finalResult;
    }

    /**
     * {@code HTTP-version SP 3DIGIT [SP reason-phrase] CRLF}, also without the SP when the reason
     * is missing. Returns false when malformed; leaves the state unchanged when incomplete.
     */
    private boolean scanStatusLine(DirectBuffer buf, int base, int end, HeadLimits limits) {
        int p = base + pos;
        if (state == STATUS_LINE) {
            int available = end - p;
            if (available <= STATUS_PREFIX_LENGTH) {
                return statusPrefixMatches(buf, p, Math.max(available, 0));
            }
            if (!statusPrefixMatches(buf, p, STATUS_PREFIX_LENGTH)) {
                return false;
            }
            int minor = HttpVersion.minor(buf, p);
            int code = (buf.getByte(p + STATUS_OFFSET) - '0') * 100
                    + (buf.getByte(p + STATUS_OFFSET + 1) - '0') * 10
                    + (buf.getByte(p + STATUS_OFFSET + 2) - '0');
            if (minor < 0 || code < MIN_STATUS || code > MAX_STATUS) {
                return false;
            }
            versionMinor = minor;
            status = code;
            p += STATUS_PREFIX_LENGTH;
            byte next = buf.getByte(p);
            if (next == HttpChars.SP) {
                p++;
            } else if (next != HttpChars.CR && next != HttpChars.LF) {
                return false;
            }
            reasonStart = p - base;
            state = REASON;
        }
        p = HttpChars.skipFieldChars(buf, p, end);
        if (p >= end) {
            pos = p - base;
            return true;
        }
        int reasonEnd = p;
        byte b = buf.getByte(p);
        if (b == HttpChars.CR) {
            if (p + 1 >= end) {
                pos = p - base;
                return true;
            }
            if (buf.getByte(p + 1) != HttpChars.LF) {
                return false;
            }
            p += 2;
        } else if (b == HttpChars.LF) {
            p++;
        } else {
            return false;
        }
        reasonLength = reasonEnd - (base + reasonStart);
        fields.reset(p - base);
        state = FIELDS;
        return true;
    }

    private static boolean statusPrefixMatches(DirectBuffer buf, int offset, int length) {
        if (!HttpVersion.prefixMatches(buf, offset, Math.min(length, HttpVersion.LENGTH))) {
            return false;
        }
        for (int i = HttpVersion.LENGTH; i < length; i++) {
            byte b = buf.getByte(offset + i);
            if (i == HttpVersion.LENGTH ? b != HttpChars.SP : !HttpChars.isDigit(b)) {
                return false;
            }
        }
        return true;
    }

    private boolean valid(DirectBuffer buf, int base) {
        if (!fields.finish(buf, base)) {
            return false;
        }
        if (fields.hasTransferEncoding()) {
            return versionMinor == 1 && fields.contentLength() < 0 && fields.chunkedCount() <= 1;
        }
        return true;
    }

    /** The status code, 100..599. */
    public int status() {
        return status;
    }

    /** Start of the reason phrase (after the SP that precedes it). */
    public int reasonOffset() {
        return base + reasonStart;
    }

    /** Length of the reason phrase; zero when the upstream sent none. */
    public int reasonLength() {
        return reasonLength;
    }

    /** Whether a Transfer-Encoding field is present; without {@link #isChunked()} the body ends at close. */
    public boolean hasTransferEncoding() {
        return fields.hasTransferEncoding();
    }
}
