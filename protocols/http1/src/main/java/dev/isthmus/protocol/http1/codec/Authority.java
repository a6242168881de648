package dev.isthmus.protocol.http1.codec;

import org.agrona.DirectBuffer;

/**
 * Syntax of {@code uri-host [":" port]} (RFC 3986 §3.2.2-3.2.3), as found in a Host field, the
 * authority of an absolute-form target and the authority-form target of CONNECT.
 *
 * <p>uri-host is an IP-literal in brackets (IPv6, or IPvFuture), or a reg-name: unreserved
 * bytes, sub-delims and pct-encodings. Dotted IPv4 addresses are reg-names as far as syntax
 * goes. Two choices are stricter than RFC 3986: the host may not be empty (RFC 9110 §4.2.1
 * forbids empty hosts in http URIs), and a port, which may be empty as RFC 3986 allows, must
 * not exceed 65535.
 */
final class Authority {
    private static final int MAX_PORT = 65535;
    private static final int MAX_IPV6_GROUPS = 8;
    private static final int MAX_HEX_DIGITS_PER_GROUP = 4;
    /** An IPv4 address written at the end of an IPv6 address stands for two groups. */
    private static final int IPV4_GROUPS = 2;
    private static final int IPV4_OCTETS = 4;
    private static final int MAX_OCTET = 255;
    private static final int PCT_ENCODED_BYTES = 3;

    private Authority() {
    }

    /**
     * @param portRequired whether a non-empty port must follow the host, as in CONNECT's
     *                     authority-form (RFC 9112 §3.2.3)
     */
    static boolean isHostPort(DirectBuffer buf, int offset, int length, boolean portRequired) {
        int end = offset + length;
        if (length == 0) {
            return false;
        }
        int i;
        if (buf.getByte(offset) == HttpChars.OPEN_BRACKET) {
            int close = offset + 1;
            while (close < end && buf.getByte(close) != HttpChars.CLOSE_BRACKET) {
                close++;
            }
            if (close == end || !isIpLiteral(buf, offset + 1, close)) {
                return false;
            }
            i = close + 1;
        } else {
            i = skipRegName(buf, offset, end);
            if (i <= offset) {
                return false;
            }
        }
        if (i == end) {
            return !portRequired;
        }
        return buf.getByte(i) == HttpChars.COLON && isPort(buf, i + 1, end, portRequired);
    }

    private static boolean isPort(DirectBuffer buf, int from, int to, boolean required) {
        if (from == to) {
            return !required;
        }
        int port = 0;
        for (int i = from; i < to; i++) {
            byte b = buf.getByte(i);
            if (!HttpChars.isDigit(b)) {
                return false;
            }
            port = port * 10 + (b - '0');
            if (port > MAX_PORT) {
                return false;
            }
        }
        return true;
    }

    /** @return the index after the reg-name starting at {@code from}, or -1 on a broken pct-encoding */
    private static int skipRegName(DirectBuffer buf, int from, int to) {
        int i = HttpChars.skipHostNameWords(buf, from, to);
        while (i < to) {
            byte b = buf.getByte(i);
            if (HttpChars.isRegNameChar(b)) {
                i++;
            } else if (b == HttpChars.PERCENT) {
                if (to - i < PCT_ENCODED_BYTES
                        || HttpChars.hexValue(buf.getByte(i + 1)) < 0
                        || HttpChars.hexValue(buf.getByte(i + 2)) < 0) {
                    return -1;
                }
                i += PCT_ENCODED_BYTES;
            } else {
                break;
            }
        }
        return i;
    }

    /** The inside of the brackets: IPv6address or IPvFuture. */
    private static boolean isIpLiteral(DirectBuffer buf, int from, int to) {
        if (from < to && (buf.getByte(from) | 0x20) == 'v') {
            return isIpvFuture(buf, from + 1, to);
        }
        return isIpv6(buf, from, to);
    }

    /** After the "v": 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ). */
    private static boolean isIpvFuture(DirectBuffer buf, int from, int to) {
        int i = from;
        while (i < to && HttpChars.hexValue(buf.getByte(i)) >= 0) {
            i++;
        }
        if (i == from || i == to || buf.getByte(i) != HttpChars.DOT) {
            return false;
        }
        i++;
        if (i == to) {
            return false;
        }
        for (; i < to; i++) {
            byte b = buf.getByte(i);
            if (!HttpChars.isRegNameChar(b) && b != HttpChars.COLON) {
                return false;
            }
        }
        return true;
    }

    /** RFC 4291 text form: up to eight groups of 1-4 hex digits, one "::" at most, an optional IPv4 tail. */
    private static boolean isIpv6(DirectBuffer buf, int from, int to) {
        int groups = 0;
        boolean compressed = false;
        int i = from;
        if (to - from >= 2 && buf.getByte(i) == HttpChars.COLON && buf.getByte(i + 1) == HttpChars.COLON) {
            compressed = true;
            i += 2;
            if (i == to) {
                return true;
            }
        }
        while (true) {
            int start = i;
            while (i < to && i - start < MAX_HEX_DIGITS_PER_GROUP && HttpChars.hexValue(buf.getByte(i)) >= 0) {
                i++;
            }
            if (i < to && buf.getByte(i) == HttpChars.DOT) {
                if (!isIpv4(buf, start, to)) {
                    return false;
                }
                groups += IPV4_GROUPS;
                break;
            }
            if (i == start) {
                return false;
            }
            groups++;
            if (i == to) {
                break;
            }
            if (buf.getByte(i) != HttpChars.COLON || groups >= MAX_IPV6_GROUPS) {
                return false;
            }
            i++;
            if (i == to) {
                return false;
            }
            if (buf.getByte(i) == HttpChars.COLON) {
                if (compressed) {
                    return false;
                }
                compressed = true;
                i++;
                if (i == to) {
                    break;
                }
            }
        }
        return compressed ? groups < MAX_IPV6_GROUPS : groups == MAX_IPV6_GROUPS;
    }

    /** Four dec-octets: 0-255 without leading zeros, separated by dots. */
    private static boolean isIpv4(DirectBuffer buf, int from, int to) {
        int i = from;
        for (int octet = 0; octet < IPV4_OCTETS; octet++) {
            if (octet > 0) {
                if (i == to || buf.getByte(i) != HttpChars.DOT) {
                    return false;
                }
                i++;
            }
            int start = i;
            int value = 0;
            while (i < to && HttpChars.isDigit(buf.getByte(i)) && i - start < 3) {
                value = value * 10 + (buf.getByte(i) - '0');
                i++;
            }
            boolean leadingZero = i - start > 1 && buf.getByte(start) == '0';
            if (i == start || leadingZero || value > MAX_OCTET) {
                return false;
            }
        }
        return i == to;
    }
}
