package dev.isthmus.protocol.mqtt.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.jctools.queues.varhandle.MpscUnboundedVarHandleArrayQueue;

/**
 * Persistent MQTT state in one directory: an append-only log of {@link LogRecord}s after a
 * header that names the format and its version, replayed into a {@link StoredState} when opened.
 *
 * <p>Writing: event loops {@link #append} records and ask to be told {@link #afterDurable} once
 * everything they appended so far is on disk; neither call blocks or locks. One writer thread
 * takes what has gathered, writes it, fsyncs, and runs the waiting tasks on their loops: a group
 * commit, so a flood of QoS 1 messages costs an fsync per batch, not per message. The broker
 * acknowledges a QoS 1/2 message only from such a task.
 *
 * <p>Reading stops at the first frame that is cut short or fails its checksum (what a crash in
 * the middle of a write leaves), with one log line: nothing after it can be found again, and
 * nothing after it was acknowledged as durable. The state is then written anew as a compact
 * snapshot (only what is live), which is also done whenever the log has grown to
 * {@link #COMPACT_BYTES} past its last snapshot. A lock file keeps two processes off one
 * directory; a header with the format version makes a later build refuse (or migrate) rather
 * than misread.
 */
public final class SessionLog implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SessionLog.class.getName());
    static final String FILE = "sessions.log";
    private static final String LOCK = "lock";
    /** "ISTHMUSQ" and the format version. */
    private static final long MAGIC = 0x4953_5448_4D55_5351L;
    static final int VERSION = 1;
    private static final int HEADER = 12;
    /** Log growth past the last snapshot that makes the writer compact. */
    static final long COMPACT_BYTES = 64L << 20;

    private final Path directory;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final StoredState state;
    private final AtomicLong messageIds;
    private final MpscUnboundedVarHandleArrayQueue<Object> pending = new MpscUnboundedVarHandleArrayQueue<>(1024);
    private final Thread writer;
    private volatile boolean parked;
    private volatile boolean closing;
    private FileChannel channel;
    private long sinceSnapshot;
    private ByteBuffer batch = ByteBuffer.allocate(64 << 10);
    private volatile IOException failure;
    /** Tests only: while set, the writer leaves everything pending (a disk that does not answer). */
    private volatile boolean writesHeld;

    private SessionLog(Path directory, FileChannel lockChannel, FileLock lock, StoredState state) {
        this.directory = directory;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.state = state;
        this.messageIds = new AtomicLong(state.highestMessageId);
        this.writer = Thread.ofPlatform().name("isthmus-mqtt-log").daemon(true).unstarted(this::write);
    }

    /**
     * Opens (or creates) the log in {@code directory}, replays it, writes the live state as a new
     * snapshot and starts the writer.
     *
     * @throws IOException when the directory is in use by another process, or the log is damaged
     *                     before its end, or written by a format this build does not know
     */
    public static SessionLog open(Path directory) throws IOException {
        Files.createDirectories(directory);
        FileChannel lockChannel = FileChannel.open(directory.resolve(LOCK), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this process already
        } catch (IOException | RuntimeException e) {
            lockChannel.close();
            throw e;
        }
        if (lock == null) {
            lockChannel.close();
            throw new IOException(directory + " is in use by another broker (it holds " + directory.resolve(LOCK) + ")");
        }
        try {
            StoredState state = read(directory.resolve(FILE));
            SessionLog log = new SessionLog(directory, lockChannel, lock, state);
            log.snapshot();
            log.writer.start();
            return log;
        } catch (IOException | RuntimeException e) {
            lock.release();
            lockChannel.close();
            throw e;
        }
    }

    /** What the log held when it was opened; the broker builds its sessions from it, once, before appending. */
    public StoredState state() {
        return state;
    }

    /** An identifier for a message about to be written with {@link #append}. */
    public long nextMessageId() {
        return messageIds.incrementAndGet();
    }

    /** Queues {@code record} for writing. Any thread; never blocks. */
    public void append(LogRecord record) {
        pending.offer(record);
        wakeWriter();
    }

    /** Runs {@code task} on {@code loop} once every record appended before this call is on disk. Any thread. */
    public void afterDurable(Executor loop, Runnable task) {
        pending.offer(new Waiter(loop, task));
        wakeWriter();
    }

    private record Waiter(Executor loop, Runnable task) {
    }

    private void wakeWriter() {
        if (parked) {
            LockSupport.unpark(writer);
        }
    }

    // ---- the writer

    private void write() {
        List<Waiter> waiters = new ArrayList<>();
        while (true) {
            if (writesHeld && !closing) {
                LockSupport.parkNanos(this, 1_000_000L);
                continue;
            }
            Object item;
            while ((item = pending.relaxedPoll()) != null) {
                if (item instanceof Waiter waiter) {
                    waiters.add(waiter);
                } else {
                    LogRecord record = (LogRecord) item;
                    encode(record);
                    record.apply(state);
                }
            }
            if (batch.position() > 0 || !waiters.isEmpty()) {
                flush();
                for (Waiter waiter : waiters) {
                    waiter.loop.execute(waiter.task);
                }
                waiters.clear();
                if (sinceSnapshot > COMPACT_BYTES && failure == null) {
                    try {
                        snapshot();
                    } catch (IOException e) {
                        fail(e);
                    }
                }
                continue;
            }
            if (closing) {
                return;
            }
            parked = true;
            if (pending.isEmpty() && !closing) {
                LockSupport.parkNanos(this, 100_000_000L);
            }
            parked = false;
        }
    }

    private void encode(LogRecord record) {
        int room = LogFrames.maxFrame(record);
        if (batch.remaining() < room) {
            if (batch.position() > 0 && batch.capacity() >= room) {
                flushBytes();
            }
            if (batch.remaining() < room) {
                ByteBuffer larger = ByteBuffer.allocate(Math.max(batch.capacity() * 2, batch.position() + room));
                larger.put(batch.flip());
                batch = larger;
            }
        }
        LogFrames.frame(record, batch);
    }

    /** Writes and fsyncs what the batch holds. A failing disk is logged, and later writes are dropped. */
    private void flush() {
        flushBytes();
        if (failure == null) {
            try {
                channel.force(false);
            } catch (IOException e) {
                fail(e);
            }
        }
        if (batch.capacity() > 1 << 20) {
            batch = ByteBuffer.allocate(64 << 10);
        }
    }

    private void flushBytes() {
        batch.flip();
        if (failure == null) {
            try {
                while (batch.hasRemaining()) {
                    sinceSnapshot += channel.write(batch);
                }
            } catch (IOException e) {
                fail(e);
            }
        }
        batch.clear();
    }

    private void fail(IOException e) {
        if (failure == null) {
            failure = e;
            LOG.log(System.Logger.Level.ERROR, "MQTT session log " + directory.resolve(FILE)
                    + " cannot be written; sessions go on in memory only: " + e, e);
        }
    }

    /** The first write failure, or null: after one, acknowledged messages are no longer safe across a restart. */
    public IOException failure() {
        return failure;
    }

    /** Writes the live state to a new file and puts it in the log's place (atomically). */
    private void snapshot() throws IOException {
        state.dropUnreferenced();
        Path file = directory.resolve(FILE);
        Path fresh = directory.resolve(FILE + ".new");
        try (FileChannel out = FileChannel.open(fresh, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.allocate(64 << 10);
            buffer.putLong(MAGIC).putInt(VERSION);
            for (LogRecord record : records(state)) {
                int room = LogFrames.maxFrame(record);
                if (buffer.remaining() < room) {
                    writeAll(out, buffer);
                    if (buffer.capacity() < room) {
                        buffer = ByteBuffer.allocate(room);
                    }
                }
                LogFrames.frame(record, buffer);
            }
            writeAll(out, buffer);
            out.force(true);
        }
        try {
            Files.move(fresh, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(fresh, file, StandardCopyOption.REPLACE_EXISTING);
        }
        syncDirectory();
        if (channel != null) {
            channel.close();
        }
        channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        sinceSnapshot = 0;
    }

    private static void writeAll(FileChannel out, ByteBuffer buffer) throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
        buffer.clear();
    }

    /** Makes the rename itself durable. */
    private void syncDirectory() {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // Not every file system lets a directory be opened; the rename is then as durable as it gets.
        }
    }

    /** The records that make {@code state} from nothing. */
    static List<LogRecord> records(StoredState state) {
        List<LogRecord> records = new ArrayList<>();
        for (StoredState.StoredMessage message : state.messages.values()) {
            records.add(new LogRecord.Message(message));
        }
        for (Map.Entry<String, Long> retained : state.retained.entrySet()) {
            records.add(new LogRecord.Retained(state.messages.get(retained.getValue()).topic(), retained.getValue()));
        }
        for (StoredState.StoredSession session : state.sessions.values()) {
            records.add(new LogRecord.Session(session.clientId, session.protocolLevel, session.expirySeconds));
            if (session.awayAtEpochMillis != 0) {
                records.add(new LogRecord.SessionAway(session.clientId, session.awayAtEpochMillis));
            }
            for (Map.Entry<String, int[]> subscription : session.subscriptions.entrySet()) {
                records.add(new LogRecord.Subscribed(session.clientId, subscription.getKey(),
                        subscription.getValue()[0], subscription.getValue()[1]));
            }
            for (StoredState.StoredDelivery delivery : session.deliveries.values()) {
                records.add(new LogRecord.Queued(session.clientId, delivery.messageId, delivery.qos, delivery.retain,
                        delivery.subscriptionIds));
                if (delivery.packetId != 0) {
                    records.add(new LogRecord.Sent(session.clientId, delivery.messageId, delivery.packetId));
                }
                if (delivery.released) {
                    records.add(new LogRecord.Released(session.clientId, delivery.messageId));
                }
            }
            for (int packetId : session.inboundQos2) {
                records.add(new LogRecord.Inbound(session.clientId, packetId, true));
            }
        }
        return records;
    }

    /** Replays {@code file}; a missing file is an empty state. */
    static StoredState read(Path file) throws IOException {
        StoredState state = new StoredState();
        if (!Files.exists(file)) {
            return state;
        }
        ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(file));
        if (in.remaining() < HEADER) {
            if (in.remaining() > 0) {
                LOG.log(System.Logger.Level.WARNING, file + " was cut short before its header; starting empty");
            }
            return state;
        }
        long magic = in.getLong();
        int version = in.getInt();
        if (magic != MAGIC) {
            throw new IOException(file + " is not an Isthmus MQTT session log");
        }
        if (version != VERSION) {
            throw new IOException(file + " is format version " + version + "; this build reads version " + VERSION);
        }
        int records = 0;
        String damage = null;
        try {
            LogRecord record;
            while ((record = LogFrames.next(in)) != null) {
                record.apply(state);
                records++;
            }
        } catch (LogFrames.LogFormatException e) {
            damage = e.getMessage();
        }
        if (in.hasRemaining()) {
            // A crash in the middle of a write leaves a frame cut short (or, on some file systems,
            // zeros): nothing after it can be found again, so the log ends there.
            LOG.log(System.Logger.Level.WARNING, file + ": the last " + in.remaining() + " bytes do not hold a whole "
                    + "record (" + (damage != null ? damage : "cut short") + "), as a crash in the middle of a write "
                    + "leaves them; they are dropped and the " + records + " records before them kept");
        }
        return state;
    }

    /** Tests only: holds the writer (as a disk that does not answer would), or lets it go on. */
    void holdWrites(boolean hold) {
        writesHeld = hold;
        LockSupport.unpark(writer);
    }

    /** Writes what is pending, stops the writer and lets go of the directory. */
    @Override
    public void close() {
        closing = true;
        LockSupport.unpark(writer);
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "closing " + directory.resolve(FILE) + ": " + e);
        }
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "releasing " + directory.resolve(LOCK) + ": " + e);
        }
    }
}
