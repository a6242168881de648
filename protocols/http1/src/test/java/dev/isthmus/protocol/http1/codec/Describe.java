package dev.isthmus.protocol.http1.codec;

import org.agrona.DirectBuffer;

/** Everything a parsed head exposes, as text with offsets relative to the head start. */
final class Describe {
    private Describe() {
    }

    static String request(RequestHead head, int base) {
        DirectBuffer buf = head.buffer();
        StringBuilder out = new StringBuilder()
                .append("length=").append(head.length())
                .append(" method=").append(head.method())
                .append(region(buf, head.methodOffset(), head.methodLength(), base))
                .append(" target").append(region(buf, head.targetOffset(), head.targetLength(), base))
                .append(" form=").append(head.targetForm())
                .append(" path").append(region(buf, head.pathOffset(), head.pathLength(), base))
                .append(" authority").append(region(buf, head.authorityOffset(), head.authorityLength(), base))
                .append(" version=1.").append(head.versionMinor())
                .append(" contentLength=").append(head.contentLength())
                .append(" chunked=").append(head.isChunked())
                .append(" body=").append(head.hasBody())
                .append(" host=").append(head.hostIndex())
                .append(" close=").append(head.connectionClose())
                .append(" keepAliveOption=").append(head.connectionKeepAlive())
                .append(" upgradeOption=").append(head.connectionUpgrade())
                .append(" upgrade=").append(head.upgradeIndex())
                .append(" expectContinue=").append(head.expectContinue())
                .append(" expect=").append(head.expectIndex())
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

    static String response(ResponseHead head, int base) {
        DirectBuffer buf = head.buffer();
        StringBuilder out = new StringBuilder()
                .append("length=").append(head.length())
                .append(" status=").append(head.status())
                .append(" version=1.").append(head.versionMinor())
                .append(" reason").append(region(buf, head.reasonOffset(), head.reasonLength(), base))
                .append(" contentLength=").append(head.contentLength())
                .append(" chunked=").append(head.isChunked())
                .append(" transferEncoding=").append(head.hasTransferEncoding())
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
