package dev.isthmus.protocol.mqtt.store;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

import dev.isthmus.protocol.mqtt.store.LogRecord.Done;
import dev.isthmus.protocol.mqtt.store.LogRecord.Inbound;
import dev.isthmus.protocol.mqtt.store.LogRecord.Message;
import dev.isthmus.protocol.mqtt.store.LogRecord.Queued;
import dev.isthmus.protocol.mqtt.store.LogRecord.Released;
import dev.isthmus.protocol.mqtt.store.LogRecord.Retained;
import dev.isthmus.protocol.mqtt.store.LogRecord.Sent;
import dev.isthmus.protocol.mqtt.store.LogRecord.Session;
import dev.isthmus.protocol.mqtt.store.LogRecord.SessionAway;
import dev.isthmus.protocol.mqtt.store.LogRecord.SessionEnd;
import dev.isthmus.protocol.mqtt.store.LogRecord.Subscribed;
import dev.isthmus.protocol.mqtt.store.LogRecord.Unsubscribed;

/**
 * The log's frames: {@code length} (4 bytes), {@code CRC32C} of the body (4 bytes) and the body
 * a {@link LogRecord} writes. Reading never throws anything but {@link LogFormatException}.
 */
final class LogFrames {
    static final int FRAME_HEADER = 8;
    /** No record is larger: a message body is bounded by MQTT's packet size (256 MiB). */
    static final int MAX_BODY = 300 << 20;

    static final byte SESSION = 1;
    static final byte SESSION_AWAY = 2;
    static final byte SESSION_END = 3;
    static final byte SUBSCRIBED = 4;
    static final byte UNSUBSCRIBED = 5;
    static final byte MESSAGE = 6;
    static final byte QUEUED = 7;
    static final byte SENT = 8;
    static final byte RELEASED = 9;
    static final byte DONE = 10;
    static final byte INBOUND = 11;
    static final byte RETAINED = 12;

    private LogFrames() {
    }

    /** Appends {@code record} as a frame to {@code out}, which must have room ({@link #maxFrame} can tell). */
    static void frame(LogRecord record, ByteBuffer out) {
        int start = out.position();
        out.position(start + FRAME_HEADER);
        record.write(out);
        int end = out.position();
        CRC32C crc = new CRC32C();
        crc.update(out.array(), out.arrayOffset() + start + FRAME_HEADER, end - start - FRAME_HEADER);
        out.putInt(start, end - start - FRAME_HEADER);
        out.putInt(start + 4, (int) crc.getValue());
    }

    /** An upper bound of the frame {@code record} makes. */
    static int maxFrame(LogRecord record) {
        int fixed = FRAME_HEADER + 64;
        return switch (record) {
            case Message m -> fixed + m.message().topic().length + m.message().payload().length
                    + m.message().properties().length + 4 * m.message().propertyRanges().length;
            case Queued q -> fixed + 4 * q.clientId().length() + 4 * q.subscriptionIds().length;
            case Subscribed s -> fixed + 4 * (s.clientId().length() + s.filter().length());
            case Unsubscribed u -> fixed + 4 * (u.clientId().length() + u.filter().length());
            case Retained r -> fixed + r.topic().length;
            case Session s -> fixed + 4 * s.clientId().length();
            case SessionAway s -> fixed + 4 * s.clientId().length();
            case SessionEnd s -> fixed + 4 * s.clientId().length();
            case Sent s -> fixed + 4 * s.clientId().length();
            case Released r -> fixed + 4 * r.clientId().length();
            case Done d -> fixed + 4 * d.clientId().length();
            case Inbound i -> fixed + 4 * i.clientId().length();
        };
    }

    /**
     * Reads the next frame from {@code in}. Returns null when fewer bytes are left than a whole
     * frame (a torn tail); throws when a frame is there but damaged.
     */
    static LogRecord next(ByteBuffer in) throws LogFormatException {
        if (in.remaining() < FRAME_HEADER) {
            return null;
        }
        int start = in.position();
        int length = in.getInt(start);
        int crcValue = in.getInt(start + 4);
        if (length < 1 || length > MAX_BODY) {
            throw new LogFormatException("a record of " + length + " bytes");
        }
        if (in.remaining() < FRAME_HEADER + length) {
            return null;
        }
        CRC32C crc = new CRC32C();
        ByteBuffer body = in.slice(start + FRAME_HEADER, length);
        crc.update(body.duplicate());
        if ((int) crc.getValue() != crcValue) {
            throw new LogFormatException("a record whose checksum does not match");
        }
        LogRecord record = decode(body);
        if (body.hasRemaining()) {
            throw new LogFormatException("a record with " + body.remaining() + " bytes too many");
        }
        in.position(start + FRAME_HEADER + length);
        return record;
    }

    /** The record in {@code body} (a type byte and its fields). */
    static LogRecord decode(ByteBuffer body) throws LogFormatException {
        try {
            byte type = body.get();
            return switch (type) {
                case SESSION -> new Session(string(body), body.get() & 0xFF, body.getLong());
                case SESSION_AWAY -> new SessionAway(string(body), body.getLong());
                case SESSION_END -> new SessionEnd(string(body));
                case SUBSCRIBED -> new Subscribed(string(body), string(body), body.get() & 0xFF, body.getInt());
                case UNSUBSCRIBED -> new Unsubscribed(string(body), string(body));
                case MESSAGE -> new Message(new StoredState.StoredMessage(body.getLong(), bytes(body), bytes(body),
                        qos(body), flag(body), body.getInt(), ints(body), bytes(body), body.getLong()));
                case QUEUED -> new Queued(string(body), body.getLong(), qos(body), flag(body), ints(body));
                case SENT -> new Sent(string(body), body.getLong(), body.getShort() & 0xFFFF);
                case RELEASED -> new Released(string(body), body.getLong());
                case DONE -> new Done(string(body), body.getLong());
                case INBOUND -> new Inbound(string(body), body.getShort() & 0xFFFF, flag(body));
                case RETAINED -> new Retained(bytes(body), body.getLong());
                default -> throw new LogFormatException("an unknown record type " + type);
            };
        } catch (BufferUnderflowException e) {
            throw new LogFormatException("a record cut short");
        }
    }

    private static String string(ByteBuffer in) throws LogFormatException {
        byte[] bytes = bytes(in);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new LogFormatException("a string that is not UTF-8");
        }
    }

    private static byte[] bytes(ByteBuffer in) throws LogFormatException {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new LogFormatException("a field of " + length + " bytes with " + in.remaining() + " left");
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return bytes;
    }

    private static int[] ints(ByteBuffer in) throws LogFormatException {
        int count = in.getShort() & 0xFFFF;
        if (count * 4 > in.remaining()) {
            throw new LogFormatException("a list of " + count + " numbers with " + in.remaining() + " bytes left");
        }
        int[] values = new int[count];
        for (int i = 0; i < count; i++) {
            values[i] = in.getInt();
        }
        return values;
    }

    private static int qos(ByteBuffer in) throws LogFormatException {
        int qos = in.get();
        if (qos < 0 || qos > 2) {
            throw new LogFormatException("QoS " + qos);
        }
        return qos;
    }

    private static boolean flag(ByteBuffer in) throws LogFormatException {
        byte value = in.get();
        if (value != 0 && value != 1) {
            throw new LogFormatException("a flag of " + value);
        }
        return value == 1;
    }

    /** The log holds something this build cannot read. */
    static final class LogFormatException extends Exception {
        LogFormatException(String what) {
            super("unreadable log: " + what);
        }
    }
}
