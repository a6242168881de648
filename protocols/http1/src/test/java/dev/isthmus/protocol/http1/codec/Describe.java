package dev.isthmus.protocol.http1.codec;

import org.agrona.DirectBuffer;

/** Everything a parsed head exposes, as text with offsets relative to the head start. */
final class Describe {
    private Describe() {
    }

    static String request(RequestHead head, int base) {
        DirectBuffer buf = head.buffer();
        StringBuilder out = new StringBuilder()
                .append(" method=").append(head.method())
                .append(region(buf, head.methodOffset(), head.methodLength(), base))
                .append(" target").append(region(buf, head.targetOffset(), head.targetLength(), base))
                .append(" form=").append(head.targetForm())
                .append(" path").append(region(buf, head.pathOffset(), head.pathLength(), base))
                .append(" authority").append(region(buf, head.authorityOffset(), head.authorityLength(), base))
                .append(" body=").append(head.hasBody())
                .append(" host=").append(head.hostIndex())
                .append(" upgradeOption=").append(head.connectionUpgrade())
                .append(" expectContinue=").append(head.expectContinue())
                .append(" expect=").append(head.expectIndex());
        return withMessageFacts(head, base, out);
    }

    static String response(ResponseHead head, int base) {
        StringBuilder out = new StringBuilder()
                .append(" status=").append(head.status())
                .append(" reason").append(region(head.buffer(), head.reasonOffset(), head.reasonLength(), base))
                .append(" transferEncoding=").append(head.hasTransferEncoding());
        return withMessageFacts(head, base, out);
    }

    /** The field lines of a parsed head as "name: value" lines, each ending in CRLF. */
    static String fieldLines(MessageHead head) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < head.headerCount(); i++) {
            out.append(Wire.text(head.buffer(), head.nameOffset(i), head.nameLength(i))).append(": ")
                    .append(Wire.text(head.buffer(), head.valueOffset(i), head.valueLength(i))).append("\r\n");
        }
        return out.toString();
    }

    /** What every head exposes, around the facts of its kind. */
    private static String withMessageFacts(MessageHead head, int base, StringBuilder kindFacts) {
        DirectBuffer buf = head.buffer();
        StringBuilder out = new StringBuilder()
                .append("length=").append(head.length())
                .append(" version=1.").append(head.versionMinor())
                .append(kindFacts)
                .append(" contentLength=").append(head.contentLength())
                .append(" chunked=").append(head.isChunked())
                .append(" close=").append(head.connectionClose())
                .append(" keepAliveOption=").append(head.connectionKeepAlive())
                .append(" upgrade=").append(head.upgradeIndex())
                .append(" keepAlive=").append(head.keepAlive())
                .append(" headers=");
        for (int i = 0; i < head.headerCount(); i++) {
            out.append(region(buf, head.nameOffset(i), head.nameLength(i), base))
                    .append(':').append(region(buf, head.valueOffset(i), head.valueLength(i), base))
                    .append('#').append(head.headerId(i)).append(head.listedInConnection(i) ? "*" : "")
                    .append(' ');
        }
        return out.toString();
    }

    private static String region(DirectBuffer buf, int offset, int length, int base) {
        return "@" + (offset - base) + "'" + Wire.text(buf, offset, length) + "'";
    }
}
