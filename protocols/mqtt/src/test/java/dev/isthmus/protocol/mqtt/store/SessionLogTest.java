package dev.isthmus.protocol.mqtt.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The session log on a real file: replay, group commit, torn tails, the lock and the format version. */
class SessionLogTest {
    @TempDir
    Path directory;

    private static StoredState.StoredMessage message(long id, String topic, String payload) {
        return new StoredState.StoredMessage(id, topic.getBytes(UTF_8), payload.getBytes(UTF_8), 1, false, -1,
                new int[0], new byte[0], StoredState.StoredMessage.NEVER);
    }

    /** Appends and waits until it is durable, as the broker does before an acknowledgement. */
    private static void appendDurably(SessionLog log, LogRecord... records) throws InterruptedException {
        for (LogRecord record : records) {
            log.append(record);
        }
        CountDownLatch durable = new CountDownLatch(1);
        log.afterDurable(Runnable::run, durable::countDown);
        assertTrue(durable.await(10, TimeUnit.SECONDS), "the writer never reported the records durable");
    }

    private void writeSession(SessionLog log) throws InterruptedException {
        long first = log.nextMessageId();
        long second = log.nextMessageId();
        appendDurably(log,
                new LogRecord.Session("dev-1", 4, 3600),
                new LogRecord.Subscribed("dev-1", "plant/+/temp", 1, 0),
                new LogRecord.Subscribed("dev-1", "plant/#", 2, 7),
                new LogRecord.Unsubscribed("dev-1", "plant/#"),
                new LogRecord.Message(message(first, "plant/1/temp", "21.5")),
                new LogRecord.Queued("dev-1", first, 1, false, new int[0]),
                new LogRecord.Message(message(second, "plant/2/temp", "19.0")),
                new LogRecord.Queued("dev-1", second, 2, false, new int[] {7}),
                new LogRecord.Sent("dev-1", second, 513),
                new LogRecord.Inbound("dev-1", 9, true),
                new LogRecord.Inbound("dev-1", 10, true),
                new LogRecord.Inbound("dev-1", 9, false),
                new LogRecord.Retained("plant/1/temp".getBytes(UTF_8), first),
                new LogRecord.SessionAway("dev-1", 1_700_000_000_000L),
                new LogRecord.Session("gone", 5, 60),
                new LogRecord.SessionEnd("gone"));
    }

    private static void assertSession(StoredState state) {
        assertEquals(List.of("dev-1"), List.copyOf(state.sessions().keySet()));
        StoredState.StoredSession session = state.sessions().get("dev-1");
        assertEquals(4, session.protocolLevel());
        assertEquals(3600, session.expirySeconds());
        assertEquals(1_700_000_000_000L, session.awayAtEpochMillis());
        assertEquals(List.of("plant/+/temp"), List.copyOf(session.subscriptions().keySet()));
        List<StoredState.StoredDelivery> deliveries = new java.util.ArrayList<>();
        session.deliveries().forEach(deliveries::add);
        assertEquals(2, deliveries.size());
        assertEquals("21.5", new String(state.message(deliveries.get(0).messageId()).payload(), UTF_8));
        assertEquals(0, deliveries.get(0).packetId());
        assertEquals(513, deliveries.get(1).packetId());
        assertArrayEquals(new int[] {7}, deliveries.get(1).subscriptionIds());
        assertEquals(List.of(10), List.copyOf((java.util.Collection<Integer>) session.inboundQos2()));
        Map<String, StoredState.StoredMessage> retained = state.retained();
        assertEquals(List.of("plant/1/temp"), List.copyOf(retained.keySet()));
    }

    @Test
    void whatWasWrittenIsThereAfterReopeningAndAgainAfterTheSnapshot() throws Exception {
        try (SessionLog log = SessionLog.open(directory)) {
            writeSession(log);
        }
        long idsBefore;
        try (SessionLog log = SessionLog.open(directory)) {
            assertSession(log.state());
            idsBefore = log.nextMessageId();
        }
        // The second open replayed the snapshot the first reopen wrote.
        try (SessionLog log = SessionLog.open(directory)) {
            assertSession(log.state());
            assertTrue(log.nextMessageId() > 2, "message ids go on after the highest one stored");
        }
        assertTrue(idsBefore > 2);
    }

    @Test
    void aTornTailIsDroppedAndEverythingBeforeItKept() throws Exception {
        try (SessionLog log = SessionLog.open(directory)) {
            writeSession(log);
            long id = log.nextMessageId();
            appendDurably(log, new LogRecord.Message(message(id, "plant/3/temp", "a message cut short")),
                    new LogRecord.Queued("dev-1", id, 1, false, new int[0]));
        }
        Path file = directory.resolve(SessionLog.FILE);
        long size = Files.size(file);
        // A crash in the middle of the last write: the final record (Queued) loses its last bytes.
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(size - 3);
        }
        try (SessionLog log = SessionLog.open(directory)) {
            assertSession(log.state());
        }
    }

    @Test
    void aDamagedRecordEndsTheLogThere() throws Exception {
        try (SessionLog log = SessionLog.open(directory)) {
            writeSession(log);
        }
        Path file = directory.resolve(SessionLog.FILE);
        try (SessionLog log = SessionLog.open(directory)) {
            appendDurably(log, new LogRecord.SessionEnd("dev-1"));
        }
        // Garble the last record (the SessionEnd): the session it would have ended is still there.
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer last = ByteBuffer.allocate(1);
            channel.read(last, channel.size() - 1);
            last.put(0, (byte) (last.get(0) ^ 0x55)).rewind();
            channel.write(last, channel.size() - 1);
        }
        try (SessionLog log = SessionLog.open(directory)) {
            assertSession(log.state());
        }
    }

    @Test
    void aSecondProcessCannotOpenADirectoryInUse() throws Exception {
        try (SessionLog log = SessionLog.open(directory)) {
            IOException refused = assertThrows(IOException.class, () -> SessionLog.open(directory));
            assertTrue(refused.getMessage().contains("in use"), refused.getMessage());
        }
        SessionLog.open(directory).close();
    }

    @Test
    void aLogOfAnotherFormatVersionIsRefusedNotMisread() throws Exception {
        ByteBuffer header = ByteBuffer.allocate(12).putLong(0x4953_5448_4D55_5351L).putInt(SessionLog.VERSION + 1);
        Files.write(directory.resolve(SessionLog.FILE), header.array());
        IOException refused = assertThrows(IOException.class, () -> SessionLog.open(directory));
        assertTrue(refused.getMessage().contains("format version " + (SessionLog.VERSION + 1)), refused.getMessage());
        Files.write(directory.resolve(SessionLog.FILE), "some other file".getBytes(UTF_8));
        assertThrows(IOException.class, () -> SessionLog.open(directory));
    }

    @Test
    void manyLoopsAppendingAtOnceShareFsyncsAndLoseNothing() throws Exception {
        int threads = 4;
        int perThread = 2_000;
        try (SessionLog log = SessionLog.open(directory)) {
            appendDurably(log, new LogRecord.Session("many", 5, 600));
            Thread[] writers = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                writers[t] = Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < perThread; i++) {
                            long id = log.nextMessageId();
                            appendDurably(log, new LogRecord.Message(message(id, "t", "m" + id)),
                                    new LogRecord.Queued("many", id, 1, false, new int[0]));
                        }
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                });
            }
            for (Thread writer : writers) {
                writer.join();
            }
        }
        try (SessionLog log = SessionLog.open(directory)) {
            int[] count = {0};
            log.state().sessions().get("many").deliveries().forEach(d -> count[0]++);
            assertEquals(threads * perThread, count[0]);
        }
    }
}
