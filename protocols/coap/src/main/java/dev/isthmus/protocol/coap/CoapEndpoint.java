package dev.isthmus.protocol.coap;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.agrona.DirectBuffer;

import dev.isthmus.core.loop.EventLoop;
import dev.isthmus.core.observe.RateLimitedLog;
import dev.isthmus.core.server.LoopService;
import dev.isthmus.core.timer.Timer;
import dev.isthmus.core.transport.Connection;
import dev.isthmus.core.transport.ConnectionHandler;
import dev.isthmus.core.transport.DatagramEndpoint;
import dev.isthmus.core.transport.DatagramHandler;
import dev.isthmus.protocol.coap.codec.CoapCode;
import dev.isthmus.protocol.coap.codec.CoapOption;
import dev.isthmus.protocol.coap.codec.CoapType;
import dev.isthmus.protocol.coap.codec.MessageView;
import dev.isthmus.protocol.coap.codec.MessageWriter;

/**
 * The CoAP server of one event loop: the message layer of RFC 7252 (deduplication over
 * EXCHANGE_LIFETIME, piggybacked and separate responses, CON retransmission with exponential
 * back-off, ping, reset), block-wise transfers (RFC 7959) both ways, observe relations
 * (RFC 7641) and discovery (RFC 6690), in front of the service's resources. The kernel keeps a
 * client on one loop (SO_REUSEPORT hashes by sender), so its exchanges and relations live here
 * without locks.
 */
final class CoapEndpoint implements LoopService, DatagramHandler {
    private static final System.Logger LOG = System.getLogger(CoapEndpoint.class.getName());
    private static final RateLimitedLog BAD_INPUT_LOG = new RateLimitedLog(LOG, 10);
    private static final long SWEEP_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** A notification goes as CON at least this often, so a client that is gone is found out (RFC 7641 4.5). */
    private static final int CON_EVERY_NOTIFICATIONS = 20;
    private static final long CON_EVERY_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** Answer bytes kept for deduplication per loop, for each exchange remembered (on average). */
    private static final int ANSWER_BYTES_PER_EXCHANGE = 64;
    /** Options an encoded response adds to the handler's (Observe, Content-Format, Max-Age, Block2, Size2, Block1). */
    private static final int MAX_ADDED_OPTIONS = 8;
    private static final int RECENT_SENDERS = 1 << 12;

    private final CoapService service;
    private final EventLoop loop;
    private final CoapSettings settings;
    private final CoapMetrics metrics;
    private final int shard;
    private final MessageView view = new MessageView();
    private final MessageWriter writer = new MessageWriter();
    private final long exchangeLifetimeNanos;
    private final long nonLifetimeNanos;

    /** Requests seen, by sender and message ID, for deduplication, with what answered them. */
    private final DeduplicationTable<Exchange> seen;
    private long forgottenCounted;
    /** The options {@link #encode} adds to a response's own, as number and unsigned value, in ascending order. */
    private final int[] addedNumbers = new int[MAX_ADDED_OPTIONS];
    private final long[] addedValues = new long[MAX_ADDED_OPTIONS];
    private int added;
    /** Recent senders, so the table remembers one address object per client rather than one per datagram. */
    private final InetSocketAddress[] recentSenders = new InetSocketAddress[RECENT_SENDERS];
    /** Our CON messages waiting for their ACK, and the NON notifications a RST may still answer. */
    private final Map<Key, Outgoing> outgoing = new HashMap<>();
    private final Map<Key, Relation> nonNotifications = new HashMap<>();
    /** Observe relations by sender and token, and by the path they observe. */
    private final Map<TokenKey, Relation> relations = new HashMap<>();
    private final Map<String, List<Relation>> relationsByPath = new HashMap<>();
    /** Representations being fetched block by block (Block2), and request bodies arriving block by block (Block1). */
    private final Map<TransferKey, Representation> representations = new HashMap<>();
    private final Map<TransferKey, Assembly> assemblies = new HashMap<>();
    private final CoapResource.LoopObserver observer;
    private final Timer sweep = new Timer() {
        @Override
        protected void onTimeout(long nowNanos) {
            expire(nowNanos);
            loop.timers().schedule(this, nowNanos + SWEEP_NANOS);
        }
    };
    private int nextMessageId = ThreadLocalRandom.current().nextInt(65_536);
    private boolean closed;

    CoapEndpoint(CoapService service, EventLoop loop) {
        this.service = service;
        this.loop = loop;
        this.settings = service.settings();
        this.metrics = service.metrics();
        this.shard = loop.index();
        this.exchangeLifetimeNanos = settings.exchangeLifetime().toNanos();
        this.nonLifetimeNanos = settings.nonLifetime().toNanos();
        this.seen = new DeduplicationTable<>(settings.maxExchanges(),
                (int) Math.min(1 << 30, (long) settings.maxExchanges() * ANSWER_BYTES_PER_EXCHANGE));
        this.observer = new CoapResource.LoopObserver(loop, this::changed);
        for (CoapResource resource : service.resources().all()) {
            if (resource.isObservable()) {
                resource.addObserver(observer);
            }
        }
        loop.timers().schedule(sweep, loop.now() + SWEEP_NANOS);
    }

    record Key(InetSocketAddress peer, int messageId) {
    }

    record TokenKey(InetSocketAddress peer, long token, int tokenLength) {
    }

    record TransferKey(InetSocketAddress peer, String uri) {
    }

    @Override
    public ConnectionHandler accepted(Connection connection) {
        // CoAP over TCP (RFC 8323) is not served: the listener is UDP only.
        return null;
    }

    // ---- receiving

    @Override
    public void onDatagram(DatagramEndpoint socket, DirectBuffer data, int offset, int length, InetSocketAddress sender) {
        if (closed) {
            return;
        }
        int check = view.wrap(data, offset, length);
        if (check != MessageView.OK) {
            metrics.malformed.increment(shard);
            BAD_INPUT_LOG.log(System.Logger.Level.INFO, "CoAP: a malformed datagram from " + sender + " ("
                    + view.problem() + ")");
            // 4.2, 4.3: a CON gets a reset (its message ID is known); anything else is ignored.
            if (check == MessageView.FORMAT_ERROR && view.type() == CoapType.CON && (data.getByte(offset) & 0xC0) == 0x40) {
                sendEmpty(socket, sender, CoapType.RST, view.messageId());
            }
            return;
        }
        int code = view.code();
        int type = view.type();
        if (code == CoapCode.EMPTY) {
            switch (type) {
                // A CoAP ping (4.3): the reset is the pong.
                case CoapType.CON -> sendEmpty(socket, sender, CoapType.RST, view.messageId());
                case CoapType.ACK -> acknowledged(sender, view.messageId(), false);
                case CoapType.RST -> acknowledged(sender, view.messageId(), true);
                default -> { } // an empty NON means nothing
            }
            return;
        }
        if (CoapCode.isRequest(code)) {
            if (type == CoapType.CON || type == CoapType.NON) {
                request(socket, sender);
            }
            // A request in an ACK or RST is a format error of the peer: ignored (4.2).
            return;
        }
        if (CoapCode.isResponse(code)) {
            // This endpoint asks nothing of its clients: a response to us is unexpected.
            if (type == CoapType.CON) {
                sendEmpty(socket, sender, CoapType.RST, view.messageId());
            } else if (type == CoapType.ACK || type == CoapType.RST) {
                acknowledged(sender, view.messageId(), type == CoapType.RST);
            }
            return;
        }
        // Reserved code classes (1, 6, 7): a CON is reset, others ignored.
        metrics.malformed.increment(shard);
        if (type == CoapType.CON) {
            sendEmpty(socket, sender, CoapType.RST, view.messageId());
        }
    }

    /** The address object already seen for this sender, if it is among the recent ones. */
    private InetSocketAddress canonical(InetSocketAddress sender) {
        int h = sender.hashCode() * 0x9E3779B9;
        int i = (h ^ (h >>> 16)) & (RECENT_SENDERS - 1);
        InetSocketAddress known = recentSenders[i];
        if (sender.equals(known)) {
            return known;
        }
        recentSenders[i] = sender;
        return sender;
    }

    private void request(DatagramEndpoint socket, InetSocketAddress datagramSender) {
        InetSocketAddress sender = canonical(datagramSender);
        int messageId = view.messageId();
        long now = loop.now();
        long known = seen.find(sender, messageId, now);
        if (known >= 0) {
            metrics.duplicates.increment(shard);
            duplicate(socket, sender, known);
            return;
        }
        expire(now);
        Exchange exchange = new Exchange(socket, sender, view.type(), messageId, view.tokenAsLong(),
                view.tokenLength());
        exchange.entry = seen.add(sender, messageId,
                now + (view.type() == CoapType.CON ? exchangeLifetimeNanos : nonLifetimeNanos), exchange);
        countForgotten();
        int badOption = view.firstUnrecognizedCritical();
        if (badOption >= 0) {
            metrics.badOptions.increment(shard);
            exchange.respondNow(CoapResponse.error(CoapCode.BAD_OPTION, "unrecognized critical option " + badOption));
            return;
        }
        metrics.requests.increment(shard);
        long block1 = view.uint(CoapOption.BLOCK1, -1);
        long block2 = view.uint(CoapOption.BLOCK2, -1);
        long size1 = view.uint(CoapOption.SIZE1, -1);
        exchange.wantsSize2 = view.has(CoapOption.SIZE2);
        exchange.block2 = block2;
        byte[] payload = new byte[view.payloadLength()];
        view.buffer().getBytes(view.payloadOffset(), payload);
        CoapRequest request = CoapRequest.of(view, payload, sender);
        exchange.request = request;
        if (size1 > settings.maxBodySize()) {
            exchange.respondNow(CoapResponse.error(CoapCode.REQUEST_ENTITY_TOO_LARGE, "at most "
                    + settings.maxBodySize() + " bytes").option(CoapOption.SIZE1, uintBytes(settings.maxBodySize())));
            return;
        }
        if (block1 >= 0) {
            request = assemble(exchange, request, block1);
            if (request == null) {
                return;
            }
            exchange.request = request;
        }
        if (block2 > 0 && blockNumber(block2) > 0) {
            // A later block of a representation sent in blocks: from the copy kept of it.
            Representation kept = representations.get(new TransferKey(sender, uri(request)));
            if (kept != null && kept.expiresAt - now > 0) {
                exchange.send(kept.response, null);
                return;
            }
        }
        dispatch(exchange, request);
    }

    /** Runs the hook and the resource; discovery is served here. */
    private void dispatch(Exchange exchange, CoapRequest request) {
        CoapHandler handler;
        if (request.path().equals(CoapResources.WELL_KNOWN_CORE)) {
            handler = service.resources()::discover;
        } else {
            CoapResource resource = service.resources().find(request.path());
            if (resource == null) {
                handler = null;
            } else {
                handler = resource.handler();
                long observe = request.observe();
                if (request.method() == CoapCode.GET && observe == 0 && resource.isObservable()) {
                    exchange.observing = resource;
                } else if (request.method() == CoapCode.GET && !relations.isEmpty()) {
                    // Observe 1, or a plain GET with a token that observed: the relation ends (3.6).
                    endRelation(relations.get(new TokenKey(exchange.peer, exchange.token, exchange.tokenLength)));
                }
            }
        }
        CoapHooks<Object> hooks = service.hooks();
        if (hooks != null) {
            Object context = hooks.newContext();
            exchange.hookContext = context;
            CoapDecision decision;
            try {
                decision = hooks.request(request, context);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "CoAP request hook failed for " + request + ": " + e, e);
                decision = CoapDecision.reject(CoapCode.INTERNAL_SERVER_ERROR, "");
            }
            if (decision != null && decision.isRejected()) {
                metrics.refusals.increment(shard);
                exchange.observing = null;
                exchange.respondNow(CoapResponse.error(decision.code(), decision.diagnostic()));
                return;
            }
            if (decision != null && decision.route() != null) {
                handler = decision.route();
                exchange.observing = null;
            }
        }
        if (handler == null) {
            exchange.respondNow(CoapResponse.error(CoapCode.NOT_FOUND, ""));
            return;
        }
        try {
            handler.handle(request, exchange);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "CoAP handler failed for " + request + ": " + e, e);
            exchange.respondNow(CoapResponse.error(CoapCode.INTERNAL_SERVER_ERROR, ""));
            return;
        }
        exchange.afterHandler();
    }

    // ---- block-wise request bodies (RFC 7959 2.5)

    /** Takes one Block1 block; returns the whole request once its last block is in, or null (answered already). */
    private CoapRequest assemble(Exchange exchange, CoapRequest block, long block1) {
        int num = blockNumber(block1);
        boolean more = (block1 & 0x8) != 0;
        int szx = (int) (block1 & 0x7);
        if (szx == 7) {
            exchange.respondNow(CoapResponse.error(CoapCode.BAD_REQUEST, "block size exponent 7 is reserved"));
            return null;
        }
        int ours = settings.blockSzx();
        TransferKey key = new TransferKey(exchange.peer, uri(block) + " " + block.method());
        Assembly assembly = assemblies.get(key);
        if (num == 0) {
            assembly = new Assembly(Math.min(szx, ours), loop.now() + exchangeLifetimeNanos);
            if (assemblies.size() >= settings.maxExchanges()) {
                assemblies.remove(assemblies.keySet().iterator().next());
            }
            assemblies.put(key, assembly);
        }
        if (assembly == null || num != assembly.next || (num > 0 && szx != assembly.szx)) {
            assemblies.remove(key);
            exchange.respondNow(CoapResponse.error(CoapCode.REQUEST_ENTITY_INCOMPLETE, "block " + num
                    + (assembly == null ? " of no transfer" : ", expected " + assembly.next)));
            return null;
        }
        byte[] part = block.payload();
        int blockBytes = 1 << (assembly.szx + 4);
        if (more && part.length < blockBytes && szx == assembly.szx) {
            assemblies.remove(key);
            exchange.respondNow(CoapResponse.error(CoapCode.BAD_REQUEST, "a block short of its size"));
            return null;
        }
        if (szx > assembly.szx) {
            // The client's blocks are larger than ours: keep the first of ours, it goes on from there (2.5).
            part = java.util.Arrays.copyOf(part, Math.min(part.length, blockBytes));
            more = more || block.payload().length > blockBytes;
        }
        if (assembly.body.size() + part.length > settings.maxBodySize()) {
            assemblies.remove(key);
            exchange.respondNow(CoapResponse.error(CoapCode.REQUEST_ENTITY_TOO_LARGE, "at most "
                    + settings.maxBodySize() + " bytes").option(CoapOption.SIZE1, uintBytes(settings.maxBodySize())));
            return null;
        }
        assembly.body.writeBytes(part);
        assembly.next = num + 1;
        exchange.block1Echo = (long) num << 4 | (more ? 0x8 : 0) | assembly.szx;
        if (more) {
            exchange.respondNow(CoapResponse.of(CoapCode.CONTINUE));
            return null;
        }
        assemblies.remove(key);
        return new CoapRequest(block.method(), block.isConfirmable(), block.path(), block.query(), block.options(),
                assembly.body.toByteArray(), block.sender());
    }

    private static final class Assembly {
        final java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        final int szx;
        final long expiresAt;
        int next;

        Assembly(int szx, long expiresAt) {
            this.szx = szx;
            this.expiresAt = expiresAt;
        }
    }

    /** A response body kept for the later blocks of a Block2 transfer. */
    private record Representation(CoapResponse response, long expiresAt) {
    }

    private static int blockNumber(long block) {
        return (int) (block >>> 4);
    }

    private static String uri(CoapRequest request) {
        return request.pathString() + (request.query().isEmpty() ? "" : "?" + String.join("&", request.query()));
    }

    // ---- the exchanges

    /** The same request again: answered the way the first was, never executed twice. */
    private void duplicate(DatagramEndpoint socket, InetSocketAddress sender, long entry) {
        int length = seen.copyAnswer(entry, socket.sendBuffer());
        if (length >= 0) {
            transmit(socket, length, sender);
            return;
        }
        Exchange working = seen.working(entry);
        if (working != null) {
            working.repeatedWhileWorking();
        }
    }

    /** Exchanges the table forgot before their time (full of entries or of answer bytes) are counted. */
    private void countForgotten() {
        long forgotten = seen.forgottenEarly();
        if (forgotten != forgottenCounted) {
            metrics.evicted.add(shard, forgotten - forgottenCounted);
            forgottenCounted = forgotten;
        }
    }

    /** Forgets exchanges, transfers and kept representations past their lifetime. */
    private void expire(long now) {
        seen.expire(now);
        countForgotten();
        if (!assemblies.isEmpty()) {
            assemblies.values().removeIf(assembly -> assembly.expiresAt - now <= 0);
        }
        if (!representations.isEmpty()) {
            representations.values().removeIf(kept -> kept.expiresAt - now <= 0);
        }
    }

    /** One request from a client, from its arrival until its message ID may be reused. */
    final class Exchange extends Timer implements CoapExchange {
        final DatagramEndpoint socket;
        final InetSocketAddress peer;
        final int type;
        final int messageId;
        final long token;
        final int tokenLength;
        /** Its entry in the deduplication table (-1: none, a notification's first block). */
        long entry = -1;
        CoapRequest request;
        boolean responded;
        boolean emptyAckSent;
        boolean handling = true;
        /** An Observe registration to make when the response is a success. */
        CoapResource observing;
        long block1Echo = -1;
        long block2 = -1;
        boolean wantsSize2;
        Object hookContext;

        Exchange(DatagramEndpoint socket, InetSocketAddress peer, int type, int messageId, long token,
                 int tokenLength) {
            this.socket = socket;
            this.peer = peer;
            this.type = type;
            this.messageId = messageId;
            this.token = token;
            this.tokenLength = tokenLength;
        }

        @Override
        public EventLoop loop() {
            return loop;
        }

        @Override
        public void respond(CoapResponse response) {
            if (!loop.inLoop()) {
                loop.execute(() -> respond(response));
                return;
            }
            if (responded || closed) {
                return;
            }
            respondNow(response);
        }

        void respondNow(CoapResponse response) {
            if (responded) {
                return;
            }
            responded = true;
            if (isScheduled()) {
                loop.timers().cancel(this);
            }
            CoapHooks<Object> hooks = service.hooks();
            if (hooks != null && request != null) {
                try {
                    hooks.logging(request, response, hookContext);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "CoAP logging hook failed: " + e, e);
                }
            }
            Relation relation = null;
            if (observing != null && CoapCode.codeClass(response.code()) == 2) {
                relation = register(this, observing);
            }
            send(response, relation);
        }

        /** Sends {@code response} (with an Observe sequence when {@code relation} is not null). */
        void send(CoapResponse response, Relation relation) {
            responded = true;
            int messageType;
            int mid;
            if (type == CoapType.CON && !emptyAckSent) {
                messageType = CoapType.ACK;
                mid = messageId;
            } else {
                messageType = type == CoapType.CON ? CoapType.CON : CoapType.NON;
                mid = nextMessageId();
            }
            int length = encode(socket, messageType, mid, token, tokenLength, response, this,
                    relation == null ? -1 : relation.nextSequence());
            if (messageType == CoapType.CON) {
                Outgoing separate = new Outgoing(socket, peer, mid, copy(socket, length), null);
                separate.start();
            } else {
                transmit(socket, length, peer);
                if (messageType == CoapType.ACK) {
                    seen.answer(entry, socket.sendBuffer(), length);
                }
            }
            // Answered: until it expires the entry only answers duplicates, from the bytes kept
            // above, and the exchange is left to the collector.
            seen.finished(entry);
            request = null;
            observing = null;
            hookContext = null;
        }

        /** The handler returned; a CON it has not answered yet gets its ACK within the window. */
        void afterHandler() {
            handling = false;
            if (!responded && type == CoapType.CON && !closed) {
                loop.timers().schedule(this, loop.now() + settings.piggybackWindow().toNanos());
            }
        }

        @Override
        protected void onTimeout(long nowNanos) {
            if (!responded) {
                sendEmptyAck();
            }
        }

        private void sendEmptyAck() {
            emptyAckSent = true;
            int length = writeEmpty(socket.sendBuffer(), CoapType.ACK, messageId);
            transmit(socket, length, peer);
            seen.answer(entry, socket.sendBuffer(), length);
        }

        /** The request again, with no answer kept for it yet: a CON still being worked on learns that it arrived. */
        void repeatedWhileWorking() {
            if (type == CoapType.CON && !responded) {
                if (isScheduled()) {
                    loop.timers().cancel(this);
                }
                sendEmptyAck();
            }
        }
    }

    /**
     * Writes {@code response} as one message into {@code socket}'s send buffer: the Block2 block
     * the request asked for (or the first) when the body is larger than a block, with the options
     * in order. Returns its length.
     */
    private int encode(DatagramEndpoint socket, int type, int mid, long token, int tokenLength, CoapResponse response,
                       Exchange exchange, long observeSequence) {
        byte[] body = response.payload();
        int szx = settings.blockSzx();
        long block2 = exchange == null ? -1 : exchange.block2;
        int num = 0;
        if (block2 >= 0) {
            szx = Math.min(szx, (int) (block2 & 0x7));
            num = blockNumber(block2);
        }
        int blockBytes = 1 << (szx + 4);
        boolean blockwise = body.length > blockBytes || (block2 >= 0 && num > 0);
        int from = 0;
        int to = body.length;
        long block2Option = -1;
        if (blockwise) {
            from = Math.min(num * blockBytes, body.length);
            to = Math.min(from + blockBytes, body.length);
            boolean more = to < body.length;
            block2Option = (long) num << 4 | (more ? 0x8 : 0) | szx;
            if (num == 0 && more && exchange != null && exchange.request != null) {
                representations.put(new TransferKey(exchange.peer, uri(exchange.request)),
                        new Representation(response, loop.now() + exchangeLifetimeNanos));
            }
        }
        added = 0;
        if (observeSequence >= 0) {
            addOption(CoapOption.OBSERVE, observeSequence);
        }
        if (response.contentFormat() >= 0) {
            addOption(CoapOption.CONTENT_FORMAT, response.contentFormat());
        }
        if (response.maxAge() >= 0) {
            addOption(CoapOption.MAX_AGE, response.maxAge());
        }
        if (block2Option >= 0) {
            addOption(CoapOption.BLOCK2, block2Option);
            if (num == 0 || (exchange != null && exchange.wantsSize2)) {
                addOption(CoapOption.SIZE2, body.length);
            }
        } else if (exchange != null && exchange.wantsSize2) {
            addOption(CoapOption.SIZE2, body.length);
        }
        if (exchange != null && exchange.block1Echo >= 0) {
            addOption(CoapOption.BLOCK1, exchange.block1Echo);
        }
        MessageWriter out = writer.wrap(socket.sendBuffer(), 0).header(type, response.code(), mid, token, tokenLength);
        // The handler's options and the added ones, merged in ascending order; of equal numbers
        // the handler's go first.
        List<CoapRequest.Option> own = response.options();
        if (!ascending(own)) {
            own = new ArrayList<>(own);
            own.sort((a, b) -> Integer.compare(a.number(), b.number()));
        }
        int next = 0;
        for (CoapRequest.Option option : own) {
            while (next < added && addedNumbers[next] < option.number()) {
                out.optionUint(addedNumbers[next], addedValues[next]);
                next++;
            }
            out.option(option.number(), option.value());
        }
        for (; next < added; next++) {
            out.optionUint(addedNumbers[next], addedValues[next]);
        }
        out.payload(body, from, to - from);
        return out.length();
    }

    /** Adds an unsigned option to the response being encoded, keeping the added ones in ascending order. */
    private void addOption(int number, long value) {
        int i = added++;
        for (; i > 0 && addedNumbers[i - 1] > number; i--) {
            addedNumbers[i] = addedNumbers[i - 1];
            addedValues[i] = addedValues[i - 1];
        }
        addedNumbers[i] = number;
        addedValues[i] = value;
    }

    private static boolean ascending(List<CoapRequest.Option> options) {
        for (int i = 1; i < options.size(); i++) {
            if (options.get(i - 1).number() > options.get(i).number()) {
                return false;
            }
        }
        return true;
    }

    static byte[] uintBytes(long value) {
        int length = value == 0 ? 0 : (64 - Long.numberOfLeadingZeros(value) + 7) / 8;
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (value >>> (8 * (length - 1 - i)));
        }
        return bytes;
    }

    private int nextMessageId() {
        nextMessageId = (nextMessageId + 1) & 0xFFFF;
        return nextMessageId;
    }

    /** Writes an empty message (no code, no token) at 0 in {@code into}; returns its length. */
    private static int writeEmpty(org.agrona.MutableDirectBuffer into, int type, int messageId) {
        into.putByte(0, (byte) (0x40 | type << 4));
        into.putByte(1, (byte) 0);
        into.putByte(2, (byte) (messageId >>> 8));
        into.putByte(3, (byte) messageId);
        return 4;
    }

    private void sendEmpty(DatagramEndpoint socket, InetSocketAddress peer, int type, int messageId) {
        transmit(socket, writeEmpty(socket.sendBuffer(), type, messageId), peer);
    }

    private void transmit(DatagramEndpoint socket, int length, InetSocketAddress peer) {
        if (!socket.send(length, peer)) {
            metrics.sendDrops.increment(shard);
        }
    }

    private static byte[] copy(DatagramEndpoint socket, int length) {
        byte[] bytes = new byte[length];
        socket.sendBuffer().getBytes(0, bytes);
        return bytes;
    }

    // ---- our CON messages: retransmission (4.2)

    /** A CON we sent (a separate response, a notification), sent again until its ACK comes or we give up. */
    private final class Outgoing extends Timer {
        final DatagramEndpoint socket;
        final InetSocketAddress peer;
        final Key key;
        final byte[] bytes;
        final Relation relation;
        long timeoutNanos;
        int retransmissions;

        Outgoing(DatagramEndpoint socket, InetSocketAddress peer, int messageId, byte[] bytes, Relation relation) {
            this.socket = socket;
            this.peer = peer;
            this.key = new Key(peer, messageId);
            this.bytes = bytes;
            this.relation = relation;
        }

        void start() {
            Outgoing previous = outgoing.put(key, this);
            if (previous != null) {
                loop.timers().cancel(previous);
            }
            long base = settings.ackTimeout().toNanos();
            timeoutNanos = base + (long) (ThreadLocalRandom.current().nextDouble() * (settings.ackRandomFactor() - 1)
                    * base);
            resend();
        }

        private void resend() {
            socket.sendBuffer().putBytes(0, bytes);
            transmit(socket, bytes.length, peer);
            loop.timers().schedule(this, loop.now() + timeoutNanos);
        }

        @Override
        protected void onTimeout(long nowNanos) {
            if (closed) {
                return;
            }
            if (retransmissions == settings.maxRetransmit()) {
                outgoing.remove(key, this);
                metrics.givenUp.increment(shard);
                if (relation != null) {
                    // The client did not acknowledge a notification: it is gone (RFC 7641 4.5).
                    endRelation(relation);
                }
                return;
            }
            retransmissions++;
            timeoutNanos *= 2;
            metrics.retransmissions.increment(shard);
            resend();
        }
    }

    /** An ACK or RST for one of our messages. */
    private void acknowledged(InetSocketAddress peer, int messageId, boolean reset) {
        Key key = new Key(peer, messageId);
        Outgoing acked = outgoing.remove(key);
        if (acked != null) {
            loop.timers().cancel(acked);
            Relation relation = acked.relation;
            if (relation != null) {
                relation.inFlight = null;
                if (reset) {
                    endRelation(relation);
                } else if (relation.pending) {
                    relation.pending = false;
                    notify(relation);
                }
            }
            return;
        }
        Relation relation = nonNotifications.remove(key);
        if (relation != null && reset) {
            // A reset answering a NON notification ends the observation (RFC 7641 3.6).
            endRelation(relation);
        }
    }

    // ---- observe (RFC 7641)

    /** One client observing one resource path, identified by its address and token. */
    private final class Relation {
        final DatagramEndpoint socket;
        final InetSocketAddress peer;
        final long token;
        final int tokenLength;
        final TokenKey key;
        final CoapRequest request;
        final CoapResource resource;
        final String path;
        final long block2;
        int sequence = 1;
        int notificationsSinceCon;
        long lastConAt;
        Outgoing inFlight;
        boolean pending;
        Key lastNonKey;

        Relation(Exchange exchange, CoapResource resource) {
            this.socket = exchange.socket;
            this.peer = exchange.peer;
            this.token = exchange.token;
            this.tokenLength = exchange.tokenLength;
            this.key = new TokenKey(peer, token, tokenLength);
            this.request = exchange.request;
            this.resource = resource;
            this.path = exchange.request.pathString();
            this.block2 = exchange.block2;
            this.lastConAt = loop.now();
        }

        long nextSequence() {
            sequence = (sequence + 1) & 0xFFFFFF;
            return sequence;
        }
    }

    private Relation register(Exchange exchange, CoapResource resource) {
        TokenKey key = new TokenKey(exchange.peer, exchange.token, exchange.tokenLength);
        Relation existing = relations.get(key);
        if (existing != null) {
            // A re-registration with the same token replaces the relation (3.3.1).
            endRelation(existing);
        }
        if (relations.size() >= settings.maxExchanges()) {
            return null;
        }
        Relation relation = new Relation(exchange, resource);
        relations.put(key, relation);
        List<Relation> onPath = relationsByPath.computeIfAbsent(relation.path, p -> new ArrayList<>());
        onPath.add(relation);
        metrics.observers.increment(shard);
        if (onPath.size() == 1) {
            tellObserverListener(resource, relation.path, true);
        }
        return relation;
    }

    private void endRelation(Relation relation) {
        if (relation == null || relations.remove(relation.key) == null) {
            return;
        }
        List<Relation> onPath = relationsByPath.get(relation.path);
        if (onPath != null) {
            onPath.remove(relation);
            if (onPath.isEmpty()) {
                relationsByPath.remove(relation.path);
                tellObserverListener(relation.resource, relation.path, false);
            }
        }
        if (relation.lastNonKey != null) {
            nonNotifications.remove(relation.lastNonKey, relation);
        }
        metrics.observers.decrement(shard);
    }

    private void tellObserverListener(CoapResource resource, String path, boolean first) {
        CoapResource.ObserverListener listener = resource.observerListener();
        if (listener == null) {
            return;
        }
        try {
            if (first) {
                listener.firstObserver(loop, path);
            } else {
                listener.lastObserverGone(loop, path);
            }
        } catch (RuntimeException e) {
            loop.uncaught(e, "observer listener of " + path);
        }
    }

    /** A resource (or a path under a subtree resource) changed: its observers on this loop hear of it. */
    private void changed(String path) {
        List<Relation> onPath = relationsByPath.get(path);
        if (onPath == null || closed) {
            return;
        }
        for (Relation relation : List.copyOf(onPath)) {
            if (relation.inFlight != null) {
                // A CON notification is still on its way: the newest state follows its ACK (4.5.2).
                relation.pending = true;
            } else {
                notify(relation);
            }
        }
    }

    /** Asks the resource for its state once more, the way the client first asked, and sends it as a notification. */
    private void notify(Relation relation) {
        CoapExchange notification = new CoapExchange() {
            private boolean sent;

            @Override
            public void respond(CoapResponse response) {
                if (!loop.inLoop()) {
                    loop.execute(() -> respond(response));
                    return;
                }
                if (!sent && relations.get(relation.key) == relation) {
                    sent = true;
                    sendNotification(relation, response);
                }
            }

            @Override
            public EventLoop loop() {
                return loop;
            }
        };
        try {
            relation.resource.handler().handle(relation.request, notification);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "CoAP handler failed notifying " + relation.peer + ": " + e, e);
        }
    }

    private void sendNotification(Relation relation, CoapResponse response) {
        boolean success = CoapCode.codeClass(response.code()) == 2;
        long now = loop.now();
        boolean confirmable = !success || ++relation.notificationsSinceCon >= CON_EVERY_NOTIFICATIONS
                || now - relation.lastConAt >= CON_EVERY_NANOS;
        int mid = nextMessageId();
        Exchange blocks = null;
        if (relation.block2 >= 0 || response.payload().length > settings.blockSize()) {
            // Block-wise: the first block; the client fetches the rest with GETs of its own (RFC 7959 3.4).
            blocks = new Exchange(relation.socket, relation.peer, CoapType.NON, mid, relation.token,
                    relation.tokenLength);
            blocks.request = relation.request;
            blocks.block2 = relation.block2 >= 0 ? relation.block2 & 0x7 : -1;
        }
        int length = encode(relation.socket, confirmable ? CoapType.CON : CoapType.NON, mid, relation.token,
                relation.tokenLength, response, blocks, success ? relation.nextSequence() : -1);
        metrics.notifications.increment(shard);
        if (!success) {
            // A notification that is no success ends the relation (3.2).
            transmit(relation.socket, length, relation.peer);
            endRelation(relation);
            return;
        }
        if (confirmable) {
            relation.notificationsSinceCon = 0;
            relation.lastConAt = now;
            Outgoing con = new Outgoing(relation.socket, relation.peer, mid, copy(relation.socket, length), relation);
            relation.inFlight = con;
            con.start();
        } else {
            if (relation.lastNonKey != null) {
                nonNotifications.remove(relation.lastNonKey, relation);
            }
            relation.lastNonKey = new Key(relation.peer, mid);
            nonNotifications.put(relation.lastNonKey, relation);
            transmit(relation.socket, length, relation.peer);
        }
    }

    /** Observe relations on this loop (for tests and metrics). */
    int relationCount() {
        return relations.size();
    }

    // ---- lifecycle

    @Override
    public void close() {
        closed = true;
        loop.timers().cancel(sweep);
        for (Iterator<Outgoing> it = outgoing.values().iterator(); it.hasNext(); ) {
            loop.timers().cancel(it.next());
            it.remove();
        }
        seen.forEachWorking(exchange -> {
            if (exchange.isScheduled()) {
                loop.timers().cancel(exchange);
            }
        });
        for (CoapResource resource : service.resources().all()) {
            resource.removeObserver(observer);
        }
        for (int i = relations.size(); i > 0; i--) {
            metrics.observers.decrement(shard);
        }
        relations.clear();
        for (Map.Entry<String, List<Relation>> onPath : relationsByPath.entrySet()) {
            tellObserverListener(onPath.getValue().getFirst().resource, onPath.getKey(), false);
        }
        relationsByPath.clear();
    }
}
