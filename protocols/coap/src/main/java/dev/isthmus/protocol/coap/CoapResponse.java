package dev.isthmus.protocol.coap;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import dev.isthmus.protocol.coap.codec.CoapCode;

/**
 * A response a handler gives: a code, the options that describe the body (Content-Format,
 * Max-Age, ETag, Location-Path, ...) and the whole body. The endpoint cuts a body larger than a
 * block into Block2 blocks and adds what the message layer owns (token, message ID, Observe).
 * Built with the fluent setters; not to be changed once handed to {@link CoapExchange#respond}.
 */
public final class CoapResponse {
    /** Content-Format numbers of RFC 7252 12.3 and the registry. */
    public static final int TEXT_PLAIN = 0;
    public static final int LINK_FORMAT = 40;
    public static final int XML = 41;
    public static final int OCTET_STREAM = 42;
    public static final int EXI = 47;
    public static final int JSON = 50;
    public static final int CBOR = 60;

    private final int code;
    private byte[] payload = new byte[0];
    private int contentFormat = -1;
    private long maxAge = -1;
    private final List<CoapRequest.Option> options = new ArrayList<>(2);

    private CoapResponse(int code) {
        if (!CoapCode.isResponse(code)) {
            throw new IllegalArgumentException(CoapCode.toString(code) + " is not a response code");
        }
        this.code = code;
    }

    public static CoapResponse of(int code) {
        return new CoapResponse(code);
    }

    /** 2.05 Content with {@code text} as text/plain. */
    public static CoapResponse content(String text) {
        return of(CoapCode.CONTENT).payload(text).contentFormat(TEXT_PLAIN);
    }

    /** An error with a diagnostic payload (RFC 7252 5.5.2: text, for people). */
    public static CoapResponse error(int code, String diagnostic) {
        return of(code).payload(diagnostic);
    }

    public CoapResponse payload(byte[] payload) {
        this.payload = payload;
        return this;
    }

    public CoapResponse payload(String text) {
        return payload(text.getBytes(StandardCharsets.UTF_8));
    }

    public CoapResponse contentFormat(int contentFormat) {
        this.contentFormat = contentFormat;
        return this;
    }

    /** Max-Age in seconds; unset means the default of 60 s (the option is not sent). */
    public CoapResponse maxAge(long seconds) {
        this.maxAge = seconds;
        return this;
    }

    /** Any other option (ETag, Location-Path, ...), in any order: the endpoint sorts them. */
    public CoapResponse option(int number, byte[] value) {
        options.add(new CoapRequest.Option(number, value));
        return this;
    }

    public CoapResponse option(int number, String value) {
        return option(number, value.getBytes(StandardCharsets.UTF_8));
    }

    public int code() {
        return code;
    }

    public byte[] payload() {
        return payload;
    }

    public int contentFormat() {
        return contentFormat;
    }

    public long maxAge() {
        return maxAge;
    }

    public List<CoapRequest.Option> options() {
        return options;
    }

    @Override
    public String toString() {
        return CoapCode.toString(code) + " (" + payload.length + " bytes)";
    }
}
