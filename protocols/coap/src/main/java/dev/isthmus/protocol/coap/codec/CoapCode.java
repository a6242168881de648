package dev.isthmus.protocol.coap.codec;

/**
 * Method and response codes (RFC 7252 12.1, RFC 7959, RFC 8132): a class in the top three bits
 * and a detail in the low five, written {@code c.dd}. 0.00 is the empty message.
 */
public final class CoapCode {
    public static final int EMPTY = 0;
    public static final int GET = 1;
    public static final int POST = 2;
    public static final int PUT = 3;
    public static final int DELETE = 4;
    public static final int FETCH = 5;
    public static final int PATCH = 6;
    public static final int IPATCH = 7;

    public static final int CREATED = code(2, 1);
    public static final int DELETED = code(2, 2);
    public static final int VALID = code(2, 3);
    public static final int CHANGED = code(2, 4);
    public static final int CONTENT = code(2, 5);
    public static final int CONTINUE = code(2, 31);
    public static final int BAD_REQUEST = code(4, 0);
    public static final int UNAUTHORIZED = code(4, 1);
    public static final int BAD_OPTION = code(4, 2);
    public static final int FORBIDDEN = code(4, 3);
    public static final int NOT_FOUND = code(4, 4);
    public static final int METHOD_NOT_ALLOWED = code(4, 5);
    public static final int NOT_ACCEPTABLE = code(4, 6);
    public static final int REQUEST_ENTITY_INCOMPLETE = code(4, 8);
    public static final int CONFLICT = code(4, 9);
    public static final int PRECONDITION_FAILED = code(4, 12);
    public static final int REQUEST_ENTITY_TOO_LARGE = code(4, 13);
    public static final int UNSUPPORTED_CONTENT_FORMAT = code(4, 15);
    public static final int UNPROCESSABLE_ENTITY = code(4, 22);
    public static final int TOO_MANY_REQUESTS = code(4, 29);
    public static final int INTERNAL_SERVER_ERROR = code(5, 0);
    public static final int NOT_IMPLEMENTED = code(5, 1);
    public static final int BAD_GATEWAY = code(5, 2);
    public static final int SERVICE_UNAVAILABLE = code(5, 3);
    public static final int GATEWAY_TIMEOUT = code(5, 4);
    public static final int PROXYING_NOT_SUPPORTED = code(5, 5);

    private CoapCode() {
    }

    public static int code(int codeClass, int detail) {
        return codeClass << 5 | detail;
    }

    public static int codeClass(int code) {
        return code >>> 5;
    }

    public static int detail(int code) {
        return code & 0x1F;
    }

    /** 0.01 to 0.31: a request. */
    public static boolean isRequest(int code) {
        return code >= 1 && code <= 31;
    }

    /** 2.00 to 5.31: a response. */
    public static boolean isResponse(int code) {
        return code >= 64 && code <= 191;
    }

    /** {@code c.dd}, as the RFC writes codes. */
    public static String toString(int code) {
        int detail = detail(code);
        return codeClass(code) + "." + (detail < 10 ? "0" : "") + detail;
    }
}
