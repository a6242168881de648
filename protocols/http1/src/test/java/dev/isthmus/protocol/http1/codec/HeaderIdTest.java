package dev.isthmus.protocol.http1.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Well-known names match in any case, and only exactly. */
class HeaderIdTest {
    private static int idOf(String name) {
        byte[] bytes = Wire.bytes(name + ":");
        UnsafeBuffer buf = Wire.direct(bytes.length + 3);
        buf.putBytes(3, bytes);
        return HeaderId.of(buf, 3, name.length());
    }

    @ParameterizedTest
    @CsvSource({"host,1", "content-length,2", "transfer-encoding,3", "connection,4", "keep-alive,5",
            "proxy-connection,6", "te,7", "trailer,8", "upgrade,9", "expect,10", "x-forwarded-for,11",
            "x-forwarded-proto,12", "x-forwarded-host,13", "forwarded,14", "via,15", "date,16", "server,17"})
    void everyWellKnownNameInEveryCase(String name, int id) {
        assertEquals(id, idOf(name));
        assertEquals(id, idOf(name.toUpperCase()));
        StringBuilder alternating = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            alternating.append(i % 2 == 0 ? Character.toUpperCase(c) : c);
        }
        assertEquals(id, idOf(alternating.toString()));
    }

    @ParameterizedTest
    @CsvSource({"hosts", "hos", "t", "tf", "vi", "content_length", "content-lengti", "transfer-encodinG~",
            "transfer-encodin", "x-forwarded-fo", "x-forwarded-fox", "proxy-connectioN^", "connectioN^",
            "kEEp~alive", "dat^", "server~", "expect^", "trailer~", "upgradf", "forwardet", "x-forwarded-prot^"})
    void nearMissesAreOther(String name) {
        assertEquals(HeaderId.OTHER, idOf(name));
    }
}
