package dev.isthmus.protocol.mqtt.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.core.RandomnessSource;

/**
 * The session log's frames: every record reads back as written, and whatever a crash or a bad
 * disk does to a log (a cut anywhere, any byte changed), reading yields exactly the records
 * before the damage and fails only with {@link LogFrames.LogFormatException}.
 */
class LogRecordPropertiesTest {
    private static final String[] CHARS = {"a", "z", "0", "/", "+", "#", "$", "é", "中", "\uD834\uDD1E"};

    private static int between(RandomnessSource in, int min, int max) {
        return integers().between(min, max).generate(in);
    }

    private static String string(RandomnessSource in, int max) {
        StringBuilder out = new StringBuilder();
        for (int i = between(in, 0, max); i > 0; i--) {
            out.append(CHARS[between(in, 0, CHARS.length - 1)]);
        }
        return out.toString();
    }

    private static byte[] bytes(RandomnessSource in, int max) {
        byte[] out = new byte[between(in, 0, max)];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) between(in, 0, 255);
        }
        return out;
    }

    private static int[] ints(RandomnessSource in, int max) {
        int[] out = new int[between(in, 0, max)];
        for (int i = 0; i < out.length; i++) {
            out[i] = between(in, Integer.MIN_VALUE, Integer.MAX_VALUE);
        }
        return out;
    }

    private static long id(RandomnessSource in) {
        return between(in, 0, Integer.MAX_VALUE) * 7L + between(in, 0, 6);
    }

    /** Any record, its fields anywhere in their ranges. */
    static final Gen<LogRecord> RECORDS = in -> switch (between(in, 0, 11)) {
        case 0 -> new LogRecord.Session(string(in, 30), between(in, 3, 5), id(in));
        case 1 -> new LogRecord.SessionAway(string(in, 30), id(in));
        case 2 -> new LogRecord.SessionEnd(string(in, 30));
        case 3 -> new LogRecord.Subscribed(string(in, 30), string(in, 40), between(in, 0, 255),
                between(in, 0, 268_435_455));
        case 4 -> new LogRecord.Unsubscribed(string(in, 30), string(in, 40));
        case 5 -> new LogRecord.Message(new StoredState.StoredMessage(id(in), bytes(in, 40), bytes(in, 300),
                between(in, 0, 2), between(in, 0, 1) == 1, between(in, -1, 1), ints(in, 6), bytes(in, 60),
                between(in, 0, 1) == 1 ? StoredState.StoredMessage.NEVER : id(in)));
        case 6 -> new LogRecord.Queued(string(in, 30), id(in), between(in, 0, 2), between(in, 0, 1) == 1,
                ints(in, 4));
        case 7 -> new LogRecord.Sent(string(in, 30), id(in), between(in, 1, 65_535));
        case 8 -> new LogRecord.Released(string(in, 30), id(in));
        case 9 -> new LogRecord.Done(string(in, 30), id(in));
        case 10 -> new LogRecord.Inbound(string(in, 30), between(in, 1, 65_535), between(in, 0, 1) == 1);
        default -> new LogRecord.Retained(bytes(in, 40), id(in));
    };

    private static byte[] framed(LogRecord record) {
        ByteBuffer out = ByteBuffer.allocate(LogFrames.maxFrame(record));
        LogFrames.frame(record, out);
        return java.util.Arrays.copyOf(out.array(), out.position());
    }

    @Test
    void everyRecordReadsBackAsWritten() {
        qt().withExamples(5_000).forAll(RECORDS).checkAssert(record -> {
            byte[] frame = framed(record);
            ByteBuffer in = ByteBuffer.wrap(frame);
            LogRecord read = assertReads(in);
            assertEquals(0, in.remaining());
            assertEquals(record.getClass(), read.getClass());
            assertArrayEquals(frame, framed(read), record.toString());
        });
    }

    /** A log of 1..8 records and where it is damaged: a cut, or one byte changed. */
    private record Damage(List<byte[]> frames, int at, int xor) {
        byte[] log() {
            ByteBuffer all = ByteBuffer.allocate(frames.stream().mapToInt(f -> f.length).sum());
            frames.forEach(all::put);
            return all.array();
        }

        /** How many whole frames lie before byte {@code at}. */
        int framesBefore() {
            int end = 0;
            for (int i = 0; i < frames.size(); i++) {
                end += frames.get(i).length;
                if (end > at) {
                    return i;
                }
            }
            return frames.size();
        }
    }

    private static final Gen<Damage> DAMAGES = in -> {
        List<byte[]> frames = new ArrayList<>();
        for (int i = between(in, 1, 8); i > 0; i--) {
            frames.add(framed(RECORDS.generate(in)));
        }
        int length = frames.stream().mapToInt(f -> f.length).sum();
        return new Damage(frames, between(in, 0, length - 1), between(in, 0, 255));
    };

    @Test
    void aLogCutAnywhereReadsAsTheWholeRecordsBeforeTheCut() {
        qt().withExamples(3_000).forAll(DAMAGES).checkAssert(damage -> {
            ByteBuffer in = ByteBuffer.wrap(java.util.Arrays.copyOf(damage.log(), damage.at()));
            assertEquals(damage.framesBefore(), readAll(in, damage.frames()));
        });
    }

    @Test
    void aChangedByteEndsTheLogAtItsRecord() {
        qt().withExamples(3_000).forAll(DAMAGES).checkAssert(damage -> {
            if (damage.xor() == 0) {
                return;
            }
            byte[] log = damage.log();
            log[damage.at()] ^= (byte) damage.xor();
            // CRC32C finds every change within 32 bits; a changed length reads as a cut or a bad frame.
            assertEquals(damage.framesBefore(), readAll(ByteBuffer.wrap(log), damage.frames()));
        });
    }

    /** Reads records until the end or the first damage, checking each against {@code expected}; returns how many. */
    private static int readAll(ByteBuffer in, List<byte[]> expected) {
        int count = 0;
        try {
            LogRecord record;
            while ((record = LogFrames.next(in)) != null) {
                assertArrayEquals(expected.get(count), framed(record));
                count++;
            }
        } catch (LogFrames.LogFormatException damaged) {
            // The log ends at the damaged frame.
        }
        return count;
    }

    private static LogRecord assertReads(ByteBuffer in) {
        try {
            LogRecord record = LogFrames.next(in);
            if (record == null) {
                throw new AssertionError("a whole frame read as cut short");
            }
            return record;
        } catch (LogFrames.LogFormatException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void fewerBytesThanAFrameHeaderAreACutNotDamage() throws Exception {
        assertNull(LogFrames.next(ByteBuffer.wrap(new byte[7])));
    }
}
