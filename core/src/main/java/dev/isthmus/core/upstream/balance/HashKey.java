package dev.isthmus.core.upstream.balance;

import java.util.Locale;
import java.util.Objects;

/**
 * What a hashing balancer hashes for a request: the client address, one header's value, the
 * path, or the whole request target. Written {@code client-ip}, {@code header:NAME},
 * {@code path} or {@code uri} in configuration.
 *
 * @param source     where the key comes from
 * @param headerName header name for {@link Source#HEADER} (lower case), else null
 */
public record HashKey(Source source, String headerName) {
    public enum Source { CLIENT_IP, HEADER, PATH, URI }

    public static final HashKey CLIENT_IP = new HashKey(Source.CLIENT_IP, null);

    public HashKey {
        Objects.requireNonNull(source, "source");
        if ((source == Source.HEADER) != (headerName != null && !headerName.isEmpty())) {
            throw new IllegalArgumentException("a header name is required for header keys, and only for them");
        }
        headerName = headerName == null ? null : headerName.toLowerCase(Locale.ROOT);
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
    public String toString() {
        return switch (source) {
            case CLIENT_IP -> "client-ip";
            case PATH -> "path";
            case URI -> "uri";
            case HEADER -> "header:" + headerName;
        };
    }
}
