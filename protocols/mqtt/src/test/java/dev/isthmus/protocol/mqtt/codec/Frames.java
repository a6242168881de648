package dev.isthmus.protocol.mqtt.codec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;

/** Runs bytes through a {@link FrameReader} and collects the frames (copied) and the final result. */
final class Frames {
    /** One packet as the reader handed it out. */
    record Frame(int fixedHeader, byte[] body) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Frame f && f.fixedHeader == fixedHeader && Arrays.equals(f.body, body);
        }

        @Override
        public int hashCode() {
            return 31 * fixedHeader + Arrays.hashCode(body);
        }

        @Override
        public String toString() {
            return String.format("%02x [%s]", fixedHeader, Hex.of(body));
        }
    }

    /** The frames found, and the failure code (0 if none). */
    record Outcome(List<Frame> frames, int failure) {
    }

    private Frames() {
    }

    static Outcome whole(byte[] stream, int maxPacketSize) {
        return split(stream, List.of(stream.length), maxPacketSize);
    }

    /** Feeds the stream in pieces of the given sizes, each piece in its own exact-fit buffer. */
    static Outcome split(byte[] stream, List<Integer> sizes, int maxPacketSize) {
        List<Frame> frames = new ArrayList<>();
        try (FrameReader reader = new FrameReader(maxPacketSize)) {
            int at = 0;
            for (int size : sizes) {
                UnsafeBuffer piece = Hex.exact(Arrays.copyOfRange(stream, at, at + size));
                int result = reader.feed(piece, 0, size, (header, buf, offset, length) -> {
                    frames.add(new Frame(header, Hex.copy(buf, offset, length)));
                    return true;
                });
                if (result < 0) {
                    return new Outcome(frames, result);
                }
                if (result != size) {
                    throw new AssertionError("consumed " + result + " of " + size + " without being stopped");
                }
                at += size;
            }
            return new Outcome(frames, 0);
        }
    }

    /** The single packet in {@code stream}, which must frame to exactly one. */
    static Frame single(byte[] stream) {
        Outcome outcome = whole(stream, FrameReader.PROTOCOL_MAX_PACKET_SIZE);
        if (outcome.failure() != 0 || outcome.frames().size() != 1) {
            throw new AssertionError("not one packet: " + outcome + " in " + Hex.of(stream));
        }
        return outcome.frames().get(0);
    }
}
