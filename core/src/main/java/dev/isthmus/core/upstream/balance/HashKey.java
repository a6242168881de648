package dev.isthmus.core.upstream.balance;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;

/**
 * What a hashing balancer hashes for a request: the client address, one header's value, the
 * path, or the whole request target. Written {@code client-ip}, {@code header:NAME},
 * {@code path} or {@code uri} in configuration.
 */
public final class HashKey {
    public enum Source { CLIENT_IP, HEADER, PATH, URI }

    public static final HashKey CLIENT_IP = new HashKey(Source.CLIENT_IP, null);

    private final Source source;
    private final String headerName;
    private final byte[] headerNameBytes;

    /**
     * @param source     where the key comes from
     * @param headerName header name for {@link Source#HEADER} (stored lower case), else null
     */
    public HashKey(Source source, String headerName) {
        this.source = Objects.requireNonNull(source, "source");
        if ((source == Source.HEADER) != (headerName != null && !headerName.isEmpty())) {
            throw new IllegalArgumentException("a header name is required for header keys, and only for them");
        }
        this.headerName = headerName == null ? null : headerName.toLowerCase(Locale.ROOT);
        this.headerNameBytes = this.headerName == null ? null : this.headerName.getBytes(StandardCharsets.US_ASCII);
    }

    public Source source() {
        return source;
    }

    /** The header name in lower case, or null. */
    public String headerName() {
        return headerName;
    }

    /** The header name as lower-case ASCII bytes, for matching without allocation; null unless a header key. */
    public byte[] headerNameBytes() {
        return headerNameBytes;
    }

    /** @throws IllegalArgumentException naming the accepted forms */
    public static HashKey parse(String text) {
        switch (text) {
            case "client-ip":
                return CLIENT_IP;
            case "path":
                return new HashKey(Source.PATH, null);
            case "uri":
                return new HashKey(Source.URI, null);
            default:
                if (text.startsWith("header:") && text.length() > "header:".length()) {
                    return new HashKey(Source.HEADER, text.substring("header:".length()));
                }
                throw new IllegalArgumentException("unknown hash key '" + text
                        + "', expected client-ip, path, uri or header:NAME");
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof HashKey key && key.source == source && Objects.equals(key.headerName, headerName);
    }

    @Override
    public int hashCode() {
        return Objects.hash(source, headerName);
    }

    @Override
    public String toString() {
        return switch (source) {
            case CLIENT_IP -> "client-ip";
            case PATH -> "path";
            case URI -> "uri";
            case HEADER -> "header:" + headerName;
        };
    }
}
