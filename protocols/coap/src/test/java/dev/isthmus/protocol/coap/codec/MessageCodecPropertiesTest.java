package dev.isthmus.protocol.coap.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.eclipse.californium.core.coap.Message;
import org.eclipse.californium.core.coap.Option;
import org.eclipse.californium.core.network.serialization.UdpDataParser;
import org.eclipse.californium.core.network.serialization.UdpDataSerializer;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.core.RandomnessSource;

/**
 * The CoAP codec: what the writer writes reads back field for field; any bytes at all give one
 * of the view's three answers and never read outside the datagram; and the wire is RFC 7252's
 * own, checked against Eclipse Californium's parser and serializer in both directions.
 */
class MessageCodecPropertiesTest {
    /** A message as fields. */
    record Fields(int type, int code, int messageId, byte[] token, List<int[]> optionHeads, List<byte[]> optionValues,
                  byte[] payload) {
        @Override
        public String toString() {
            return CoapType.name(type) + " " + CoapCode.toString(code) + " mid=" + messageId + " token="
                    + Arrays.toString(token) + " options=" + optionHeads.stream().map(h -> h[0] + "").toList()
                    + " payload=" + payload.length;
        }
    }

    private static int between(RandomnessSource in, int min, int max) {
        return integers().between(min, max).generate(in);
    }

    private static byte[] bytes(RandomnessSource in, int min, int max) {
        byte[] out = new byte[between(in, min, max)];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) between(in, 0, 255);
        }
        return out;
    }

    /** Option numbers and lengths across every delta and length form (4-bit, 8-bit and 16-bit extended). */
    private static final Gen<Fields> ANY_MESSAGE = in -> {
        int code = between(in, 1, 255);
        List<int[]> heads = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        int number = 0;
        for (int n = between(in, 0, 12); n > 0; n--) {
            int form = between(in, 0, 9);
            number += form < 5 ? between(in, 0, 12) : form < 8 ? between(in, 13, 268) : between(in, 269, 3000);
            if (number > 65_535) {
                break;
            }
            int lengthForm = between(in, 0, 9);
            byte[] value = bytes(in, 0, lengthForm < 7 ? 12 : lengthForm < 9 ? 268 : 700);
            heads.add(new int[] {number});
            values.add(value);
        }
        return new Fields(between(in, 0, 3), code, between(in, 0, 65_535), bytes(in, 0, 8), heads, values,
                bytes(in, 0, between(in, 0, 3) == 0 ? 2000 : 40));
    };

    private static int write(Fields fields, UnsafeBuffer into) {
        MessageWriter writer = new MessageWriter().wrap(into, 0);
        writer.header(fields.type(), fields.code(), fields.messageId(), new UnsafeBuffer(fields.token()), 0,
                fields.token().length);
        for (int i = 0; i < fields.optionHeads().size(); i++) {
            writer.option(fields.optionHeads().get(i)[0], fields.optionValues().get(i));
        }
        writer.payload(fields.payload());
        return writer.length();
    }

    @Test
    void whatIsWrittenReadsBackFieldForField() {
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[65_536]);
        MessageView view = new MessageView();
        qt().withExamples(5_000).forAll(ANY_MESSAGE).checkAssert(fields -> {
            int length = write(fields, buffer);
            assertEquals(MessageView.OK, view.wrap(buffer, 0, length), view.problem());
            assertEquals(fields.type(), view.type());
            assertEquals(fields.code(), view.code());
            assertEquals(fields.messageId(), view.messageId());
            byte[] token = new byte[view.tokenLength()];
            buffer.getBytes(view.tokenOffset(), token);
            assertArrayEquals(fields.token(), token);
            assertEquals(fields.optionHeads().size(), view.optionCount());
            for (int i = 0; i < view.optionCount(); i++) {
                assertEquals(fields.optionHeads().get(i)[0], view.optionNumber(i));
                byte[] value = new byte[view.optionLength(i)];
                buffer.getBytes(view.optionOffset(i), value);
                assertArrayEquals(fields.optionValues().get(i), value);
            }
            byte[] payload = new byte[view.payloadLength()];
            buffer.getBytes(view.payloadOffset(), payload);
            assertArrayEquals(fields.payload(), payload);
        });
    }

    @Test
    void anyBytesGetAnAnswerAndNothingOutsideTheDatagramIsRead() {
        // The datagram sits between guard bytes the view must never count as its own.
        Gen<byte[]> datagrams = in -> {
            byte[] start = bytes(in, 0, 4);
            if (between(in, 0, 1) == 0 && start.length > 0) {
                start[0] = (byte) (0x40 | start[0] & 0x3F);
            }
            byte[] rest = bytes(in, 0, 60);
            byte[] all = new byte[start.length + rest.length];
            System.arraycopy(start, 0, all, 0, start.length);
            System.arraycopy(rest, 0, all, start.length, rest.length);
            return all;
        };
        MessageView view = new MessageView();
        qt().withExamples(20_000).forAll(datagrams).checkAssert(datagram -> {
            UnsafeBuffer buffer = new UnsafeBuffer(new byte[datagram.length + 16]);
            buffer.putBytes(8, datagram);
            int answer = view.wrap(buffer, 8, datagram.length);
            assertTrue(answer == MessageView.OK || answer == MessageView.TOO_SHORT
                    || answer == MessageView.FORMAT_ERROR);
            if (answer == MessageView.OK) {
                int end = 8 + datagram.length;
                for (int i = 0; i < view.optionCount(); i++) {
                    assertTrue(view.optionOffset(i) >= 12 && view.optionOffset(i) + view.optionLength(i) <= end);
                }
                assertTrue(view.payloadOffset() + view.payloadLength() <= end);
                view.firstUnrecognizedCritical();
            }
        });
    }

    // ---- the same wire as Californium's

    /** Options Californium knows, with values it accepts, so its parser keeps them as they are. */
    private static final Gen<Fields> KNOWN_MESSAGE = in -> {
        List<int[]> heads = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        int[][] known = {{CoapOption.IF_MATCH, 0, 8}, {CoapOption.ETAG, 1, 8}, {CoapOption.LOCATION_PATH, 0, 30},
            {CoapOption.URI_PATH, 0, 40}, {CoapOption.CONTENT_FORMAT, 0, 2}, {CoapOption.MAX_AGE, 0, 4},
            {CoapOption.URI_QUERY, 0, 40}, {CoapOption.ACCEPT, 0, 2}, {CoapOption.SIZE1, 0, 4}};
        for (int[] option : known) {
            for (int n = between(in, 0, option[0] == CoapOption.URI_PATH ? 4 : 1); n > 0; n--) {
                heads.add(new int[] {option[0]});
                byte[] value = bytes(in, option[1], option[2]);
                if (option[0] == CoapOption.URI_PATH || option[0] == CoapOption.URI_QUERY
                        || option[0] == CoapOption.LOCATION_PATH) {
                    for (int i = 0; i < value.length; i++) {
                        value[i] = (byte) ('a' + (value[i] & 0xFF) % 26);
                    }
                } else if (option[0] == CoapOption.CONTENT_FORMAT || option[0] == CoapOption.MAX_AGE
                        || option[0] == CoapOption.ACCEPT || option[0] == CoapOption.SIZE1) {
                    // Integers as Californium writes them: no leading zero bytes; and below 2^31,
                    // which Californium reads back as a negative int and cannot write again.
                    if (value.length > 0 && value[0] == 0) {
                        value[0] = 1;
                    }
                    if (value.length == 4) {
                        value[0] &= 0x7F;
                        value[0] |= 1;
                    }
                }
                values.add(value);
            }
        }
        int type = between(in, 0, 3);
        int[] responses = {CoapCode.CREATED, CoapCode.DELETED, CoapCode.VALID, CoapCode.CHANGED, CoapCode.CONTENT,
            CoapCode.CONTINUE, CoapCode.BAD_REQUEST, CoapCode.BAD_OPTION, CoapCode.NOT_FOUND,
            CoapCode.REQUEST_ENTITY_INCOMPLETE, CoapCode.REQUEST_ENTITY_TOO_LARGE, CoapCode.INTERNAL_SERVER_ERROR,
            CoapCode.BAD_GATEWAY, CoapCode.GATEWAY_TIMEOUT};
        int code = between(in, 0, 1) == 0 ? between(in, 1, 4) : responses[between(in, 0, responses.length - 1)];
        if (type == CoapType.RST) {
            type = CoapType.ACK;
        }
        return new Fields(type, code, between(in, 0, 65_535), bytes(in, 0, 8), heads, values, bytes(in, 0, 300));
    };

    @Test
    void californiumReadsWhatWeWriteAsWeMeantIt() {
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[65_536]);
        UdpDataParser parser = new UdpDataParser();
        qt().withExamples(3_000).forAll(KNOWN_MESSAGE).checkAssert(fields -> {
            int length = write(fields, buffer);
            byte[] datagram = new byte[length];
            buffer.getBytes(0, datagram);
            Message parsed = parser.parseMessage(datagram);
            assertEquals(fields.type(), parsed.getType().value);
            assertEquals(fields.code(), parsed.getRawCode());
            assertEquals(fields.messageId(), parsed.getMID());
            assertArrayEquals(fields.token(), parsed.getTokenBytes());
            List<Option> options = parsed.getOptions().asSortedList();
            assertEquals(fields.optionHeads().size(), options.size(), fields.toString());
            for (int i = 0; i < options.size(); i++) {
                assertEquals(fields.optionHeads().get(i)[0], options.get(i).getNumber());
                assertArrayEquals(fields.optionValues().get(i), options.get(i).getValue());
            }
            assertArrayEquals(fields.payload(), parsed.getPayload() == null ? new byte[0] : parsed.getPayload());
        });
    }

    @Test
    void weReadWhatCaliforniumWrites() {
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[65_536]);
        UdpDataParser parser = new UdpDataParser();
        UdpDataSerializer serializer = new UdpDataSerializer();
        MessageView view = new MessageView();
        qt().withExamples(2_000).forAll(KNOWN_MESSAGE).checkAssert(fields -> {
            int length = write(fields, buffer);
            byte[] ours = new byte[length];
            buffer.getBytes(0, ours);
            // Californium's message, serialized by Californium, read by us.
            byte[] theirs = serializer.getByteArray(parser.parseMessage(ours));
            UnsafeBuffer wrapped = new UnsafeBuffer(theirs);
            assertEquals(MessageView.OK, view.wrap(wrapped, 0, theirs.length), view.problem());
            assertArrayEquals(ours, theirs, "the same bytes for the same message");
        });
    }
}
