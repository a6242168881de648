package dev.isthmus.tools.bench;

import dev.isthmus.core.timer.Timer;
import dev.isthmus.protocol.coap.codec.CoapCode;
import dev.isthmus.protocol.coap.codec.CoapOption;
import dev.isthmus.protocol.coap.codec.CoapType;
import dev.isthmus.protocol.coap.codec.MessageView;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.PortUnreachableException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One CoAP client: a UDP socket of its own (a connected channel, so its own source port, and
 * {@code read}/{@code write} without an address object per datagram), and its requests in
 * flight, each in a slot of a fixed table. Runs on its loop's thread only.
 *
 * <p>Matching (RFC 7252 5.3.2, 4.2): the 4-byte token names the slot (16 bits) and its
 * generation (16 bits), so a response finds its request without a map, and a response to a
 * request that is no longer outstanding (a duplicate, or late after a timeout) is told apart and
 * counted as {@code dup}. A piggybacked response must also carry the request's message ID; an
 * empty ACK stops the retransmissions and the separate response follows, acknowledged when it
 * is CON (duplicates of it, known by message ID, are acknowledged again and counted once); an RST
 * ends the request. A CON response to nothing outstanding is answered with RST.
 *
 * <p>An observer registers (GET with Observe 0); after its 2.xx response with Observe, every
 * message with its token is a notification (RFC 7641), acknowledged when CON. At the end it
 * deregisters (GET with Observe 1, same token) and answers what still comes with RST.
 */
final class CoapBenchClient {
    static final int TOKEN_LENGTH = 4;
    private static final int RECEIVES_PER_EVENT = 64;
    private static final long STAMP_WINDOW_NANOS = 3_600_000_000_000L;

    private static final int REQUEST = 0;
    private static final int REGISTRATION = 1;

    private static final int UNREGISTERED = 0;
    private static final int REGISTERING = 1;
    private static final int REGISTERED = 2;
    private static final int DEREGISTERING = 3;
    private static final int DEREGISTERED = 4;

    final boolean observer;
    private final CoapBenchLoop loop;
    private final CoapBenchRun run;
    private final CoapBenchConfig config;
    private final long seq;
    private final DatagramChannel channel;
    private final Exchange[] slots;
    private final int[] free;
    private int freeCount;
    private int nextMessageId = ThreadLocalRandom.current().nextInt(65_536);
    private long messagesSent;
    /** Message IDs of the last CON and NON messages taken, to know their duplicates. */
    private final int[] recent = new int[16];
    private int recentAt;
    private boolean stopped;
    private boolean errorReported;
    private boolean unreachableReported;

    private int observeState = UNREGISTERED;
    private long observeToken = -1;
    private int deregisterMessageId = -1;

    /** One request in flight; its timer is the next retransmission or the timeout. */
    private final class Exchange extends Timer {
        final int index;
        int generation;
        boolean active;
        int kind;
        long token;
        int type;
        int messageId;
        /** When it was due (the open loop's schedule) or first sent: latency runs from here. */
        long intended;
        long deadline;
        long backoff;
        int retransmissions;
        /** An empty ACK came: no more retransmissions, the response comes separately. */
        boolean acknowledged;
        /** The payload's send time (epoch nanoseconds) for observe, or 0. */
        long stamp;

        Exchange(int index) {
            this.index = index;
            this.generation = ThreadLocalRandom.current().nextInt(65_536);
        }

        @Override
        protected void onTimeout(long nowNanos) {
            timedOut(this, nowNanos);
        }
    }

    CoapBenchClient(CoapBenchLoop loop, long seq, boolean observer) throws IOException {
        this.loop = loop;
        this.run = loop.run;
        this.config = loop.config;
        this.seq = seq;
        this.observer = observer;
        int window = observer ? 1 : config.outstanding();
        this.slots = new Exchange[window];
        this.free = new int[window];
        for (int i = 0; i < window; i++) {
            slots[i] = new Exchange(i);
            free[i] = window - 1 - i;
        }
        this.freeCount = window;
        Arrays.fill(recent, -1);
        this.channel = run.address.getAddress() instanceof Inet4Address
                ? DatagramChannel.open(StandardProtocolFamily.INET) : DatagramChannel.open();
        try {
            channel.configureBlocking(false);
            channel.connect(run.address);
            channel.register(loop.selector, SelectionKey.OP_READ, this);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** The loop started: an observer registers. */
    void start(long now) {
        if (observer) {
            Exchange e = take();
            e.kind = REGISTRATION;
            observeState = REGISTERING;
            launch(e, now, now, 0);
        }
    }

    boolean hasRoom() {
        return freeCount > 0 && !stopped;
    }

    /** The closed loop: as many requests as the window has room for, while the budget lasts. */
    void fill(long now) {
        while (hasRoom() && loop.phase() == CoapBenchRun.LOAD && run.claim()) {
            send(now, now);
        }
    }

    /** Sends one measured request, due at {@code intended}. */
    void send(long intended, long now) {
        Exchange e = take();
        e.kind = REQUEST;
        long stamp = config.mode() == CoapBenchConfig.Mode.OBSERVE ? run.clock.epochNanos(intended) : 0;
        launch(e, intended, now, stamp);
        loop.count(CoapBenchRun.SENT);
    }

    private void launch(Exchange e, long intended, long now, long stamp) {
        e.type = config.confirmable() ? CoapType.CON : CoapType.NON;
        e.messageId = nextMessageId();
        e.intended = intended;
        e.stamp = stamp;
        e.deadline = now + config.timeoutNanos();
        transmit(e);
        if (e.type == CoapType.CON) {
            e.backoff = config.ackTimeoutNanos()
                    + (long) (ThreadLocalRandom.current().nextDouble() * (CoapBenchConfig.ACK_RANDOM_FACTOR - 1)
                    * config.ackTimeoutNanos());
            loop.timers.schedule(e, Math.min(now + e.backoff, e.deadline));
        } else {
            loop.timers.schedule(e, e.deadline);
        }
    }

    private void transmit(Exchange e) {
        int length = e.kind == REGISTRATION
                ? loop.encode(e.type, CoapCode.GET, e.messageId, e.token, 0, false, 0)
                : loop.encode(e.type, config.mode().method, e.messageId, e.token, -1, config.hasPayload(), e.stamp);
        write(length);
    }

    private void timedOut(Exchange e, long now) {
        if (stopped || !e.active) {
            return;
        }
        if (now - e.deadline >= 0) {
            if (e.kind == REGISTRATION) {
                registrationFailed("the registration timed out");
            } else {
                loop.count(CoapBenchRun.TIMEOUT);
            }
            release(e);
            refill(now);
            return;
        }
        if (e.type == CoapType.CON && !e.acknowledged && e.retransmissions < config.maxRetransmit()) {
            e.retransmissions++;
            e.backoff *= 2;
            transmit(e);
            loop.count(CoapBenchRun.RETRANS);
            loop.timers.schedule(e, Math.min(now + e.backoff, e.deadline));
            return;
        }
        loop.timers.schedule(e, e.deadline);
    }

    // ---- receiving

    /** The socket has datagrams. */
    void readable() {
        ByteBuffer buffer = loop.receiveBuffer;
        for (int i = 0; i < RECEIVES_PER_EVENT; i++) {
            buffer.clear();
            int length;
            try {
                length = channel.read(buffer);
            } catch (PortUnreachableException e) {
                unreachable();
                continue;
            } catch (IOException e) {
                run.errors.report(seq, "receive failed - " + e);
                return;
            }
            if (length <= 0) {
                return;
            }
            onDatagram(length, System.nanoTime());
        }
    }

    private void onDatagram(int length, long now) {
        MessageView v = loop.view;
        if (v.wrap(loop.received, 0, length) != MessageView.OK) {
            if (!errorReported) {
                errorReported = true;
                run.errors.report(seq, "a malformed datagram from the server (" + v.problem() + ")");
            }
            return;
        }
        int type = v.type();
        int code = v.code();
        int messageId = v.messageId();
        if (code == CoapCode.EMPTY) {
            if (type == CoapType.ACK || type == CoapType.RST) {
                emptyAnswer(messageId, type == CoapType.RST, now);
            } else if (type == CoapType.CON) {
                sendEmpty(CoapType.RST, messageId); // a ping (4.3)
            }
            return;
        }
        if (!CoapCode.isResponse(code) || type == CoapType.RST) {
            if (type == CoapType.CON) {
                sendEmpty(CoapType.RST, messageId);
            }
            return;
        }
        if (type != CoapType.ACK && seen(messageId)) {
            // The same CON or NON again (our ACK was lost, or the network doubled it): once only.
            if (type == CoapType.CON) {
                sendEmpty(CoapType.ACK, messageId);
            }
            if (!stopped) {
                loop.count(CoapBenchRun.DUP);
            }
            return;
        }
        long token = v.tokenLength() == TOKEN_LENGTH ? v.tokenAsLong() : -1;
        if (observer && token == observeToken && observeState >= REGISTERED) {
            notification(v, type, messageId, now);
            return;
        }
        if (stopped) {
            if (type == CoapType.CON) {
                sendEmpty(CoapType.RST, messageId);
            }
            return;
        }
        Exchange e = match(token);
        if (e == null || (type == CoapType.ACK && e.messageId != messageId)) {
            if (type == CoapType.CON) {
                sendEmpty(CoapType.RST, messageId); // a response to nothing outstanding (5.3.2)
            }
            loop.count(CoapBenchRun.DUP);
            return;
        }
        if (type != CoapType.ACK) {
            remember(messageId);
            if (type == CoapType.CON) {
                sendEmpty(CoapType.ACK, messageId); // a separate response (5.2.2)
            }
        }
        complete(e, v, now);
    }

    /** An empty ACK or an RST, for the request with that message ID. */
    private void emptyAnswer(int messageId, boolean reset, long now) {
        if (observeState == DEREGISTERING && messageId == deregisterMessageId) {
            if (reset) {
                deregistered();
            }
            return; // an empty ACK: the answer follows
        }
        if (stopped) {
            return;
        }
        Exchange e = findByMessageId(messageId);
        if (e == null) {
            return;
        }
        if (reset) {
            if (e.kind == REGISTRATION) {
                registrationFailed("the registration was reset");
            } else {
                loop.count(CoapBenchRun.RST);
            }
            release(e);
            refill(now);
        } else if (e.type == CoapType.CON && !e.acknowledged) {
            e.acknowledged = true;
            loop.timers.schedule(e, e.deadline);
        }
    }

    private void complete(Exchange e, MessageView v, long now) {
        int codeClass = CoapCode.codeClass(v.code());
        release(e);
        if (e.kind == REGISTRATION) {
            if (codeClass == 2 && v.has(CoapOption.OBSERVE)) {
                observeState = REGISTERED;
                observeToken = e.token;
                loop.count(CoapBenchRun.OBSERVE);
            } else {
                registrationFailed(codeClass == 2 ? CoapCode.toString(v.code())
                        + " without Observe: the resource is not observable" : "answered " + describe(v));
            }
            return;
        }
        loop.count(CoapBenchRun.RECV);
        if (codeClass == 2) {
            loop.count(CoapBenchRun.OK);
            loop.recordRequest(now - e.intended);
        } else {
            loop.count(CoapBenchRun.ERROR);
            if (!errorReported) {
                errorReported = true;
                run.errors.report(seq, "error response " + describe(v) + " (further ones are only counted)");
            }
        }
        refill(now);
    }

    private void notification(MessageView v, int type, int messageId, long now) {
        if (type == CoapType.ACK) {
            // A piggybacked answer: the deregistration's, or the registration's once more.
            if (observeState == DEREGISTERING && messageId == deregisterMessageId) {
                deregistered();
            } else if (!stopped) {
                loop.count(CoapBenchRun.DUP);
            }
            return;
        }
        boolean confirmable = type == CoapType.CON;
        remember(messageId);
        if (stopped || observeState != REGISTERED) {
            if (!v.has(CoapOption.OBSERVE)) {
                // The deregistration's answer, sent separately.
                if (confirmable) {
                    sendEmpty(CoapType.ACK, messageId);
                }
                deregistered();
            } else if (confirmable) {
                sendEmpty(CoapType.RST, messageId); // a notification after the end: RST cancels (RFC 7641 3.6)
            }
            return;
        }
        if (confirmable) {
            sendEmpty(CoapType.ACK, messageId);
        }
        if (CoapCode.codeClass(v.code()) != 2 || !v.has(CoapOption.OBSERVE)) {
            // A final response: the server ended the observation (RFC 7641 3.2).
            observeState = UNREGISTERED;
            observeToken = -1;
            loop.count(CoapBenchRun.ERROR);
            run.errors.report(seq, "the server ended the observation: " + describe(v));
            return;
        }
        loop.count(CoapBenchRun.NOTIFY);
        if (v.payloadLength() >= 8) {
            long sent = v.buffer().getLong(v.payloadOffset(), ByteOrder.BIG_ENDIAN);
            long latency = run.clock.epochNanos(now) - sent;
            if (latency > -STAMP_WINDOW_NANOS && latency < STAMP_WINDOW_NANOS) {
                loop.recordNotification(latency);
            }
        }
    }

    private static String describe(MessageView v) {
        String text = CoapCode.toString(v.code());
        if (v.payloadLength() > 0 && v.payloadLength() <= 200) {
            byte[] diagnostic = new byte[v.payloadLength()];
            v.buffer().getBytes(v.payloadOffset(), diagnostic);
            text += " \"" + new String(diagnostic, java.nio.charset.StandardCharsets.UTF_8)
                    .replaceAll("\\p{Cntrl}", "?") + "\"";
        }
        return text;
    }

    private void registrationFailed(String why) {
        observeState = UNREGISTERED;
        loop.count(CoapBenchRun.OBSERVE_FAIL);
        run.errors.report(seq, "observe " + config.path() + ": " + why);
    }

    private void refill(long now) {
        if (!observer && !config.openLoop()) {
            fill(now);
        }
    }

    // ---- the end

    /** No more requests: what is in flight is dropped uncounted; an observer deregisters. */
    void stop(long now) {
        stopped = true;
        for (Exchange e : slots) {
            if (e.active) {
                release(e);
            }
        }
        if (observeState == REGISTERED) {
            int type = config.confirmable() ? CoapType.CON : CoapType.NON;
            deregisterMessageId = nextMessageId();
            write(loop.encode(type, CoapCode.GET, deregisterMessageId, observeToken, 1, false, 0));
            observeState = DEREGISTERING;
            loop.deregistering++;
        }
    }

    private void deregistered() {
        if (observeState == DEREGISTERING) {
            observeState = DEREGISTERED;
            loop.deregistering--;
        }
    }

    void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    // ---- slots, message IDs, sending

    private Exchange take() {
        Exchange e = slots[free[--freeCount]];
        e.generation = (e.generation + 1) & 0xFFFF;
        e.token = (long) e.generation << 16 | e.index;
        e.active = true;
        e.acknowledged = false;
        e.retransmissions = 0;
        return e;
    }

    private void release(Exchange e) {
        e.active = false;
        loop.timers.cancel(e);
        free[freeCount++] = e.index;
    }

    private Exchange match(long token) {
        if (token < 0 || (token & 0xFFFF) >= slots.length) {
            return null;
        }
        Exchange e = slots[(int) (token & 0xFFFF)];
        return e.active && e.token == token ? e : null;
    }

    private Exchange findByMessageId(int messageId) {
        for (Exchange e : slots) {
            if (e.active && e.messageId == messageId) {
                return e;
            }
        }
        return null;
    }

    private boolean seen(int messageId) {
        for (int id : recent) {
            if (id == messageId) {
                return true;
            }
        }
        return false;
    }

    private void remember(int messageId) {
        recent[recentAt] = messageId;
        recentAt = (recentAt + 1) & (recent.length - 1);
    }

    private int nextMessageId() {
        nextMessageId = (nextMessageId + 1) & 0xFFFF;
        if (++messagesSent == 65_536) {
            run.messageIdsWrapped(seq);
        }
        return nextMessageId;
    }

    private void sendEmpty(int type, int messageId) {
        loop.toSend.putByte(0, (byte) (0x40 | type << 4));
        loop.toSend.putByte(1, (byte) 0);
        loop.toSend.putByte(2, (byte) (messageId >>> 8));
        loop.toSend.putByte(3, (byte) messageId);
        write(4);
    }

    private void write(int length) {
        ByteBuffer buffer = loop.sendBuffer;
        buffer.clear().limit(length);
        try {
            if (channel.write(buffer) == length) {
                return;
            }
        } catch (PortUnreachableException e) {
            unreachable();
        } catch (IOException e) {
            run.errors.report(seq, "send failed - " + e);
        }
        loop.count(CoapBenchRun.DROP);
    }

    private void unreachable() {
        if (!unreachableReported) {
            unreachableReported = true;
            run.errors.report(seq, "port unreachable: nothing listens on " + run.address);
        }
    }
}
