package dev.isthmus.protocol.http1.codec;

import org.agrona.DirectBuffer;

/**
 * A reusable flyweight over one HTTP/1.1 request head (RFC 9112 §3, §5, §6), parsed in place,
 * with the life cycle and offset rules of {@link MessageHead}.
 *
 * <p>{@code offset + result} is where the body or the next pipelined request starts. Up to
 * {@link #MAX_LEADING_EMPTY_LINES} empty lines before the request-line are skipped (RFC 9112
 * §2.2) and counted in the head's length; the request-line itself starts at
 * {@link #methodOffset()}. Lines may end in CRLF or a bare LF; a bare CR anywhere is malformed.
 *
 * <p>Negative results are minus the status to answer: 400 malformed, 414 target longer than
 * {@link HeadLimits#maxUriBytes()} (seen before the line ends), 431 head longer than
 * {@link HeadLimits#maxHeadBytes()} (also while incomplete) or more than
 * {@link HeadLimits#maxHeaders()} fields, 501 a transfer coding other than gzip, deflate,
 * compress (or their x- aliases) before the final chunked, 505 a well-formed version other
 * than 1.0/1.1.
 *
 * <p>Caveat for forwarding: {@link #listedInConnection(int)} reports what the client wrote. A
 * client may list Content-Length, Transfer-Encoding or Host as connection options; a proxy
 * should re-frame the message itself rather than drop those fields on that account.
 */
public final class RequestHead extends MessageHead {
    /** request-target starting with "/": absolute-path and optional query. */
    public static final int ORIGIN_FORM = 0;
    /** request-target "http://authority/path?query" or https; the Host field is ignored for routing. */
    public static final int ABSOLUTE_FORM = 1;
    /** request-target "host:port" of CONNECT. */
    public static final int AUTHORITY_FORM = 2;
    /** request-target "*" of a server-wide OPTIONS. */
    public static final int ASTERISK_FORM = 3;

    /** Empty lines accepted before the request-line (RFC 9112 §2.2 asks for at least one). */
    public static final int MAX_LEADING_EMPTY_LINES = 4;

    private static final int LEADING = 0;
    private static final int METHOD = 1;
    private static final int TARGET = 2;
    private static final int VERSION = 3;
    private static final int FIELDS = 4;
    private static final int DONE = 5;

    /** Returned by the request-line scan once the line is complete. */
    private static final int LINE_COMPLETE = 1;
    /** HTTP-version plus CRLF. */
    private static final int VERSION_LINE_END = HttpVersion.LENGTH + 2;

    private static final int HTTP_SCHEME_LENGTH = "http://".length();
    private static final int HTTPS_SCHEME_LENGTH = "https://".length();
    private static final long[] HTTP_SCHEME = HttpChars.keys("http://");
    private static final long[] HTTPS_SCHEME = HttpChars.keys("https://");

    private int state;
    private int pos;
    private int leadingLines;

    private int methodStart;
    private int methodLength;
    private int method;
    private int targetStart;
    private int targetLength;
    private int targetForm;
    private int pathStart;
    private int pathLength;
    private int authorityStart;
    private int authorityLength;

    public RequestHead() {
        reset();
    }

    @Override
    public void reset() {
        state = LEADING;
        pos = 0;
        result = ParseResult.NEED_MORE;
        leadingLines = 0;
    }

    /**
     * Parses (or resumes parsing) the head that starts at {@code offset}.
     *
     * @param available bytes readable from {@code offset}; {@code offset + available} must lie
     *                  within the buffer
     * @return the head's length (&gt; 0), {@link ParseResult#NEED_MORE}, or minus an HTTP status
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
        if (state != FIELDS) {
            int line = scanRequestLine(buf, offset, end, limits);
            if (line != LINE_COMPLETE) {
                return line == ParseResult.NEED_MORE ? needMore(available, maxHead) : done(line);
            }
        }
        int scanned = fields.scan(buf, offset, end, limits.maxHeaders());
        if (scanned == ParseResult.NEED_MORE) {
            return needMore(available, maxHead);
        }
        return done(scanned < 0 ? scanned : validate(buf, offset, scanned));
    }

    private int needMore(int available, int maxHead) {
        // The scan stopped at the head limit without finding the end: the head is too long.
        return available >= maxHead ? done(ParseResult.HEADERS_TOO_LARGE) : ParseResult.NEED_MORE;
    }

    private int done(int finalResult) {
        state = DONE;
        result = finalResult;
        return finalResult;
    }

    private int scanRequestLine(DirectBuffer buf, int base, int end, HeadLimits limits) {
        int p = base + pos;
        if (state == LEADING) {
            while (true) {
                if (p >= end) {
                    return suspend(p, base);
                }
                byte b = buf.getByte(p);
                if (b == HttpChars.LF) {
                    p++;
                } else if (b == HttpChars.CR) {
                    if (p + 1 >= end) {
                        return suspend(p, base);
                    }
                    if (buf.getByte(p + 1) != HttpChars.LF) {
                        return ParseResult.BAD_REQUEST;
                    }
                    p += 2;
                } else {
                    break;
                }
                if (++leadingLines > MAX_LEADING_EMPTY_LINES) {
                    return ParseResult.BAD_REQUEST;
                }
            }
            methodStart = p - base;
            state = METHOD;
        }
        if (state == METHOD) {
            p = HttpChars.skipToken(buf, p, end);
            if (p >= end) {
                return suspend(p, base);
            }
            methodLength = p - base - methodStart;
            if (buf.getByte(p) != HttpChars.SP || methodLength == 0) {
                return ParseResult.BAD_REQUEST;
            }
            p++;
            targetStart = p - base;
            state = TARGET;
        }
        if (state == TARGET) {
            int start = base + targetStart;
            int maxUri = limits.maxUriBytes();
            // Stop one byte past the limit: that byte decides between 414 and a complete target.
            int stop = p + Math.min(end - p, maxUri + 1 - (p - start));
            p = HttpChars.skipTargetChars(buf, p, stop);
            if (p - start > maxUri) {
                return ParseResult.URI_TOO_LONG;
            }
            if (p >= end) {
                return suspend(p, base);
            }
            targetLength = p - start;
            if (buf.getByte(p) != HttpChars.SP || targetLength == 0) {
                return ParseResult.BAD_REQUEST;
            }
            p++;
            state = VERSION;
        }
        int available = end - p;
        if (available < HttpVersion.LENGTH) {
            return HttpVersion.prefixMatches(buf, p, Math.max(available, 0))
                    ? suspend(p, base) : ParseResult.BAD_REQUEST;
        }
        int minor = HttpVersion.minor(buf, p);
        if (minor == HttpVersion.INVALID) {
            return ParseResult.BAD_REQUEST;
        }
        if (available == HttpVersion.LENGTH) {
            return suspend(p, base);
        }
        int lineEnd;
        byte b = buf.getByte(p + HttpVersion.LENGTH);
        if (b == HttpChars.LF) {
            lineEnd = p + HttpVersion.LENGTH + 1;
        } else if (b == HttpChars.CR) {
            if (available < VERSION_LINE_END) {
                return suspend(p, base);
            }
            if (buf.getByte(p + HttpVersion.LENGTH + 1) != HttpChars.LF) {
                return ParseResult.BAD_REQUEST;
            }
            lineEnd = p + VERSION_LINE_END;
        } else {
            return ParseResult.BAD_REQUEST;
        }
        if (minor == HttpVersion.UNSUPPORTED) {
            return ParseResult.VERSION_NOT_SUPPORTED;
        }
        versionMinor = minor;
        method = HttpMethod.of(buf, base + methodStart, methodLength);
        if (!classifyTarget(buf, base)) {
            return ParseResult.BAD_REQUEST;
        }
        fields.reset(lineEnd - base);
        state = FIELDS;
        return LINE_COMPLETE;
    }

    private int suspend(int p, int base) {
        pos = p - base;
        return ParseResult.NEED_MORE;
    }

    /** RFC 9112 §3.2: which form the target takes, and whether the method allows it. */
    private boolean classifyTarget(DirectBuffer buf, int base) {
        int start = base + targetStart;
        int end = start + targetLength;
        byte first = buf.getByte(start);
        authorityStart = targetStart;
        authorityLength = 0;
        pathStart = targetStart;
        pathLength = 0;
        if (first == HttpChars.SLASH) {
            targetForm = ORIGIN_FORM;
            return method != HttpMethod.CONNECT && scanPath(buf, base, start, end);
        }
        if (first == HttpChars.ASTERISK && targetLength == 1) {
            targetForm = ASTERISK_FORM;
            return method == HttpMethod.OPTIONS;
        }
        if (method == HttpMethod.CONNECT) {
            targetForm = AUTHORITY_FORM;
            authorityLength = targetLength;
            return Authority.isHostPort(buf, start, targetLength, true);
        }
        int scheme;
        if (HttpChars.matches(buf, start, Math.min(targetLength, HTTP_SCHEME_LENGTH), HTTP_SCHEME_LENGTH, HTTP_SCHEME)) {
            scheme = HTTP_SCHEME_LENGTH;
        } else if (HttpChars.matches(buf, start, Math.min(targetLength, HTTPS_SCHEME_LENGTH), HTTPS_SCHEME_LENGTH,
                HTTPS_SCHEME)) {
            scheme = HTTPS_SCHEME_LENGTH;
        } else {
            return false;
        }
        targetForm = ABSOLUTE_FORM;
        int authority = start + scheme;
        int i = authority;
        while (i < end) {
            byte b = buf.getByte(i);
            if (b == HttpChars.SLASH || b == HttpChars.QUESTION) {
                break;
            }
            i++;
        }
        // Userinfo ("user@host") fails here too: RFC 9110 §4.2.4 asks recipients to treat it as an error.
        if (!Authority.isHostPort(buf, authority, i - authority, false)) {
            return false;
        }
        authorityStart = authority - base;
        authorityLength = i - authority;
        return scanPath(buf, base, i, end);
    }

    /**
     * Records the path (up to the first "?") and refuses a fragment: "#" has no place in a
     * request-target, and origin servers disagree about what follows it.
     */
    private boolean scanPath(DirectBuffer buf, int base, int from, int to) {
        if (HttpChars.indexOf(buf, from, to, HttpChars.HASH) < to) {
            return false;
        }
        pathStart = from - base;
        pathLength = HttpChars.indexOf(buf, from, to, HttpChars.QUESTION) - from;
        return true;
    }

    /** Checks that need the whole head: Host, framing, Connection options. */
    private int validate(DirectBuffer buf, int base, int length) {
        if (!fields.finish(buf, base)) {
            return ParseResult.BAD_REQUEST;
        }
        int hosts = fields.hostCount();
        if (hosts > 1 || (hosts == 0 && versionMinor == 1)) {
            return ParseResult.BAD_REQUEST;
        }
        if (hosts == 1) {
            int host = fields.hostIndex();
            int hostLength = fields.valueLength(host);
            boolean valid = hostLength == 0
                    ? targetForm == ABSOLUTE_FORM
                    : Authority.isHostPort(buf, base + fields.valueOffset(host), hostLength, false);
            if (!valid) {
                return ParseResult.BAD_REQUEST;
            }
        }
        if (fields.hasTransferEncoding()) {
            // RFC 9112 §6.1 and §6.3: no Transfer-Encoding in HTTP/1.0, never beside Content-Length,
            // and a request's length is only known when chunked is applied once and last.
            if (versionMinor == 0 || fields.contentLength() >= 0 || !fields.chunkedOnceAndLast()) {
                return ParseResult.BAD_REQUEST;
            }
            if (fields.unknownCoding()) {
                return ParseResult.NOT_IMPLEMENTED;
            }
        }
        return length;
    }

    /** One of the {@link HttpMethod} codes; {@link HttpMethod#OTHER} for extension methods. */
    public int method() {
        return method;
    }

    public int methodOffset() {
        return base + methodStart;
    }

    public int methodLength() {
        return methodLength;
    }

    public int targetOffset() {
        return base + targetStart;
    }

    public int targetLength() {
        return targetLength;
    }

    /** {@link #ORIGIN_FORM}, {@link #ABSOLUTE_FORM}, {@link #AUTHORITY_FORM} or {@link #ASTERISK_FORM}. */
    public int targetForm() {
        return targetForm;
    }

    /** Whether the target is absolute-form; then {@link #authorityOffset()} names the host to route to. */
    public boolean isAbsoluteForm() {
        return targetForm == ABSOLUTE_FORM;
    }

    /**
     * Start of the path, without the query. The origin-form of the target runs from here to the
     * target's end. For absolute-form, a length of zero means an empty path, to be sent as "/";
     * authority-form and asterisk-form have no path (length zero).
     */
    public int pathOffset() {
        return base + pathStart;
    }

    public int pathLength() {
        return pathLength;
    }

    /** host[:port] of an absolute-form or authority-form target; length zero otherwise. */
    public int authorityOffset() {
        return base + authorityStart;
    }

    public int authorityLength() {
        return authorityLength;
    }

    /** Whether a body follows the head: chunked, or a Content-Length above zero. */
    public boolean hasBody() {
        return fields.hasTransferEncoding() || fields.contentLength() > 0;
    }

    /** Index of the Host field, or -1 (only possible for HTTP/1.0). */
    public int hostIndex() {
        return fields.hostIndex();
    }

    /**
     * Whether "upgrade" is one of the Connection options. The client asks for an upgrade only
     * with this and an Upgrade field ({@link #upgradeIndex()}).
     */
    public boolean connectionUpgrade() {
        return fields.upgrade();
    }

    /**
     * Whether the client waits for 100 (Continue): every Expect field is "100-continue" (any case)
     * in an HTTP/1.1 request. HTTP/1.0 requests never qualify: RFC 9110 §10.1.1 says to ignore
     * the expectation there.
     */
    public boolean expectContinue() {
        return versionMinor == 1 && fields.expectOnlyContinue();
    }

    /**
     * Index of the first Expect field, or -1. Present without {@link #expectContinue()} in an
     * HTTP/1.1 request means an expectation the proxy cannot meet: answer 417.
     */
    public int expectIndex() {
        return fields.expectIndex();
    }
}
