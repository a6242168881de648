package dev.isthmus.protocol.http1.codec;

import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.quicktheories.core.Gen;
import org.quicktheories.core.RandomnessSource;

/** QuickTheories generators of valid and hostile HTTP/1.1 wire text (ISO-8859-1 strings). */
final class HttpGenerators {
    static final String TCHARS = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    /** RFC 3986 pchar without pct-encodings, which are generated apart. */
    static final String PCHARS = "-._~!$&'()*+,;=:@0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    static final String HOST_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-.";
    static final String HEX = "0123456789abcdefABCDEF";
    /** Bytes that steer a parser somewhere interesting, besides plain random ones. */
    static final String INTERESTING = " \t\r\n:;,=\"\\/?#*%@[]0123456789aAfFzZ-.\u0000\u007F\u0080\u00FF";
    private static final List<String> KNOWN_METHODS = List.of("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS",
            "PATCH", "TRACE");
    /** Names whose values the codec checks: generated apart so that random values stay valid. */
    private static final Set<String> CHECKED_NAMES = Set.of("host", "content-length", "transfer-encoding", "connection");

    record Field(String name, String value) {
    }

    /** How a head is written on the wire, beside its content. */
    record Style(boolean canonical, String leading, List<String> lineEnds, List<String> before, List<String> after) {
    }

    /**
     * @param chunked    whether a Transfer-Encoding ending in chunked was generated
     * @param connection the Connection options generated, or "" for none
     */
    record Request(String method, String target, int minor, List<Field> fields, long contentLength, int hostIndex,
                   boolean chunked, String connection, Style style) {
        String canonical() {
            return method + ' ' + target + " HTTP/1." + minor + "\r\n" + canonicalFields(fields);
        }

        String wire() {
            if (style.canonical()) {
                return canonical();
            }
            return style.leading() + method + ' ' + target + " HTTP/1." + minor + style.lineEnds().get(0)
                    + styledFields(fields, style);
        }

        String path() {
            int query = target.indexOf('?');
            return query < 0 ? target : target.substring(0, query);
        }

        boolean keepAlive() {
            return !connection.contains("close") && (minor == 1 || connection.contains("keep-alive"));
        }

        int methodCode() {
            int known = KNOWN_METHODS.indexOf(method);
            return known < 0 ? HttpMethod.OTHER : new int[] {HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST,
                    HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.OPTIONS, HttpMethod.PATCH, HttpMethod.TRACE}[known];
        }

        @Override
        public String toString() {
            return Escape.of(wire());
        }
    }

    record Response(int minor, int status, String reason, List<Field> fields, Style style) {
        String canonical() {
            return "HTTP/1." + minor + ' ' + status + ' ' + reason + "\r\n" + canonicalFields(fields);
        }

        String wire() {
            if (style.canonical()) {
                return canonical();
            }
            return "HTTP/1." + minor + ' ' + status + ' ' + reason + style.lineEnds().get(0) + styledFields(fields, style);
        }

        @Override
        public String toString() {
            return Escape.of(wire());
        }
    }

    /** The field lines and the empty line that ends them: one SP after each colon, CRLF after each line. */
    private static String canonicalFields(List<Field> fields) {
        StringBuilder out = new StringBuilder();
        for (Field field : fields) {
            out.append(field.name()).append(": ").append(field.value()).append("\r\n");
        }
        return out.append("\r\n").toString();
    }

    /**
     * The field lines and the empty line that ends them, with the whitespace and line ends of
     * {@code style} (whose line end 0 belongs to the start line).
     */
    private static String styledFields(List<Field> fields, Style style) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < fields.size(); i++) {
            out.append(fields.get(i).name()).append(':').append(style.before().get(i))
                    .append(fields.get(i).value()).append(style.after().get(i)).append(style.lineEnds().get(i + 1));
        }
        return out.append(style.lineEnds().get(fields.size() + 1)).toString();
    }

    /** Text that prints its control bytes, for readable failure reports. */
    record Text(String text) {
        @Override
        public String toString() {
            return Escape.of(text);
        }
    }

    private HttpGenerators() {
    }

    /** Fractions (per ten thousand) of a message at which to cut it; see {@link HeadFeeding#cutAndWhole}. */
    static Gen<Integer> cuts() {
        return integers().between(0, 10_000);
    }

    static int between(RandomnessSource in, int min, int max) {
        return integers().between(min, max).generate(in);
    }

    static char pick(RandomnessSource in, String alphabet) {
        return alphabet.charAt(between(in, 0, alphabet.length() - 1));
    }

    static String string(RandomnessSource in, String alphabet, int min, int max) {
        int length = between(in, min, max);
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            out.append(pick(in, alphabet));
        }
        return out.toString();
    }

    static boolean flip(RandomnessSource in) {
        return booleans().all().generate(in);
    }

    static String token(RandomnessSource in, int max) {
        return string(in, TCHARS, 1, max);
    }

    /** VCHAR, obs-text, and SP/HTAB inside; never starting or ending with whitespace. */
    static String fieldValue(RandomnessSource in, int max) {
        int length = between(in, 0, max);
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            int kind = between(in, 0, 9);
            if (kind == 0 && i > 0 && i < length - 1) {
                out.append(flip(in) ? ' ' : '\t');
            } else if (kind == 1) {
                out.append((char) between(in, 0x80, 0xFF));
            } else {
                out.append((char) between(in, 0x21, 0x7E));
            }
        }
        return out.toString();
    }

    static String ows(RandomnessSource in) {
        return string(in, " \t", 0, 2);
    }

    static String lineEnd(RandomnessSource in) {
        return between(in, 0, 3) == 0 ? "\n" : "\r\n";
    }

    static String host(RandomnessSource in) {
        String name = string(in, HOST_CHARS, 1, 15);
        return flip(in) ? name : name + ":" + between(in, 0, 65535);
    }

    static String originTarget(RandomnessSource in) {
        StringBuilder out = new StringBuilder();
        int segments = between(in, 1, 4);
        for (int i = 0; i < segments; i++) {
            out.append('/').append(pathText(in, 0, 12));
        }
        if (flip(in)) {
            out.append('?').append(pathText(in, 0, 30)).append(flip(in) ? "/?" : "");
        }
        return out.toString();
    }

    private static String pathText(RandomnessSource in, int min, int max) {
        StringBuilder out = new StringBuilder();
        int length = between(in, min, max);
        for (int i = 0; i < length; i++) {
            if (between(in, 0, 15) == 0) {
                out.append('%').append(pick(in, HEX)).append(pick(in, HEX));
            } else {
                out.append(pick(in, PCHARS));
            }
        }
        return out.toString();
    }

    static String method(RandomnessSource in) {
        if (flip(in)) {
            return KNOWN_METHODS.get(between(in, 0, KNOWN_METHODS.size() - 1));
        }
        String method = token(in, 10);
        // CONNECT takes an authority-form target; everything generated here is origin-form.
        return method.equals("CONNECT") ? method + "X" : method;
    }

    /** A random field that the codec does not interpret beyond its syntax. */
    static Field plainField(RandomnessSource in) {
        String name = token(in, 20);
        while (CHECKED_NAMES.contains(name.toLowerCase(Locale.ROOT))) {
            name = name + "x";
        }
        return new Field(name, fieldValue(in, 40));
    }

    static Style style(RandomnessSource in, int fieldCount, boolean leadingAllowed) {
        if (flip(in)) {
            return new Style(true, "", List.of(), List.of(), List.of());
        }
        String leading = leadingAllowed ? string(in, "\n", 0, 2).replace("\n", flip(in) ? "\n" : "\r\n") : "";
        List<String> lineEnds = new ArrayList<>();
        List<String> before = new ArrayList<>();
        List<String> after = new ArrayList<>();
        for (int i = 0; i < fieldCount + 2; i++) {
            lineEnds.add(lineEnd(in));
        }
        for (int i = 0; i < fieldCount; i++) {
            before.add(ows(in));
            after.add(ows(in));
        }
        return new Style(false, leading, lineEnds, before, after);
    }

    static Gen<Request> requests() {
        return in -> {
            int minor = between(in, 0, 1);
            List<Field> fields = new ArrayList<>();
            int plain = between(in, 0, 15);
            for (int i = 0; i < plain; i++) {
                fields.add(plainField(in));
            }
            int hostIndex = -1;
            if (minor == 1 || flip(in)) {
                hostIndex = between(in, 0, fields.size());
                fields.add(hostIndex, new Field(flip(in) ? "Host" : "host", host(in)));
            }
            long contentLength = -1;
            boolean chunked = false;
            Field framing = null;
            int body = between(in, 0, 2);
            if (body == 1) {
                contentLength = flip(in) ? between(in, 0, 100_000) : longs().between(0, FieldSection.MAX_CONTENT_LENGTH)
                        .generate(in);
                framing = new Field("Content-Length", Long.toString(contentLength));
            } else if (body == 2 && minor == 1) {
                chunked = true;
                framing = new Field("Transfer-Encoding", List.of("chunked", "gzip, chunked", "Chunked",
                        "deflate,chunked", "x-gzip ;level=9, chunked").get(between(in, 0, 4)));
            }
            if (framing != null) {
                int at = between(in, 0, fields.size());
                fields.add(at, framing);
                if (at <= hostIndex) {
                    hostIndex++;
                }
            }
            String connection = "";
            if (flip(in)) {
                connection = List.of("close", "keep-alive", "Upgrade", "keep-alive, x-hop", ", close ,te").get(between(in, 0, 4));
                fields.add(new Field("Connection", connection));
            }
            return new Request(method(in), originTarget(in), minor, fields, contentLength, hostIndex, chunked,
                    connection.toLowerCase(Locale.ROOT), style(in, fields.size(), true));
        };
    }

    static Gen<Response> responses() {
        return in -> {
            List<Field> fields = new ArrayList<>();
            int plain = between(in, 0, 15);
            for (int i = 0; i < plain; i++) {
                fields.add(plainField(in));
            }
            String reason = fieldValue(in, 20);
            return new Response(between(in, 0, 1), between(in, 100, 599), reason, fields, style(in, fields.size(), false));
        };
    }

    /** Random bytes drawn mostly from {@link #INTERESTING}, behind an optional valid prefix. */
    static Gen<Text> hostileText(String validPrefix) {
        return in -> {
            StringBuilder out = new StringBuilder(flip(in) ? validPrefix : "");
            int length = between(in, 0, 300);
            for (int i = 0; i < length; i++) {
                out.append(between(in, 0, 2) == 0 ? (char) between(in, 0, 0xFF) : pick(in, INTERESTING + TCHARS));
            }
            return new Text(out.toString());
        };
    }

    /** Messages from {@code wires}, each with one to four random edits ({@link #mutate}). */
    static Gen<Text> mutated(Gen<String> wires) {
        return in -> new Text(mutate(in, wires.generate(in)));
    }

    /** Applies one to four random edits (replace, insert, delete, truncate, duplicate) to {@code text}. */
    static String mutate(RandomnessSource in, String text) {
        StringBuilder out = new StringBuilder(text);
        int edits = between(in, 1, 4);
        for (int e = 0; e < edits && out.length() > 0; e++) {
            int at = between(in, 0, out.length() - 1);
            char c = between(in, 0, 2) == 0 ? (char) between(in, 0, 0xFF) : pick(in, INTERESTING);
            switch (between(in, 0, 4)) {
                case 0 -> out.setCharAt(at, c);
                case 1 -> out.insert(at, c);
                case 2 -> out.deleteCharAt(at);
                case 3 -> out.setLength(at);
                default -> out.insert(at, out.substring(at, Math.min(out.length(), at + between(in, 1, 40))));
            }
        }
        return out.toString();
    }

    /** Small, random limits, so that 414 and 431 are reached as often as the rest. */
    static Gen<HeadLimits> limits() {
        return in -> flip(in) ? HeadLimits.DEFAULT
                : new HeadLimits(between(in, 16, 700), between(in, 1, 200), between(in, 1, 20), between(in, 1, 300));
    }

    /** Escapes bytes outside printable ASCII. */
    static final class Escape {
        private Escape() {
        }

        static String of(String text) {
            StringBuilder out = new StringBuilder(text.length() + 16);
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                switch (c) {
                    case '\r' -> out.append("\\r");
                    case '\n' -> out.append("\\n");
                    case '\t' -> out.append("\\t");
                    case '\\' -> out.append("\\\\");
                    default -> {
                        if (c < 0x20 || c >= 0x7F) {
                            out.append(String.format("\\x%02X", (int) c));
                        } else {
                            out.append(c);
                        }
                    }
                }
            }
            return out.toString();
        }
    }
}
