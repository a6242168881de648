package dev.isthmus.protocol.coap.codec;

/** The message types of RFC 7252 (3): confirmable, non-confirmable, acknowledgement, reset. */
public final class CoapType {
    public static final int CON = 0;
    public static final int NON = 1;
    public static final int ACK = 2;
    public static final int RST = 3;

    private static final String[] NAMES = {"CON", "NON", "ACK", "RST"};

    private CoapType() {
    }

    public static String name(int type) {
        return NAMES[type & 3];
    }
}
