package dev.isthmus.iouring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

/** The ring itself: submission, completion, wrap-around, waiting with a timeout, eventfd reads. */
class RingTest {
    @Test
    void thisKernelOffersWhatTheTransportNeeds() {
        assertNull(Probe.whyUnavailable(), "io_uring must be usable on the test machines");
    }

    @Test
    void nopsCompleteWithTheirUserDataAcrossManyWrapArounds() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoState(arena);
            try (Ring ring = Ring.create(8, 16, 0, errno, arena)) {
                long next = 0;
                long expected = 0;
                // 2,000,000 operations through an 8-entry ring: every index wraps 250,000 times, the 32-bit counters never.
                while (expected < 2_000_000) {
                    long sqe;
                    while (next < 2_000_000 && (sqe = ring.nextSqe()) >= 0) {
                        ring.prepare(sqe, Ring.OP_NOP, -1, 0, 0, 0, next++);
                    }
                    assertTrue(ring.enter(true, -1) >= 0);
                    int ready = ring.ready();
                    for (int i = 0; i < ready; i++) {
                        long cqe = ring.cqe(i);
                        assertEquals(expected++, ring.userData(cqe));
                        assertEquals(0, ring.result(cqe));
                    }
                    ring.consumed(ready);
                }
            }
        }
    }

    @Test
    void completionsBeyondTheCqAreKeptAndDeliveredInOrder() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoState(arena);
            try (Ring ring = Ring.create(8, 16, 0, errno, arena)) {
                // 64 completions into a 16-entry CQ without reading any: 48 overflow.
                for (int batch = 0; batch < 8; batch++) {
                    for (int i = 0; i < 8; i++) {
                        ring.prepare(ring.nextSqe(), Ring.OP_NOP, -1, 0, 0, 0, batch * 8 + i);
                    }
                    assertTrue(ring.enter(false, 0) >= 0);
                }
                assertTrue(ring.overflowPending(), "the kernel reports the overflow");
                long expected = 0;
                while (expected < 64) {
                    int ready = ring.ready();
                    for (int i = 0; i < ready; i++) {
                        assertEquals(expected++, ring.userData(ring.cqe(i)));
                    }
                    ring.consumed(ready);
                    if (expected < 64) {
                        // Entering asks the kernel to move what overflowed into the freed entries.
                        assertTrue(ring.enter(false, 0) >= 0);
                    }
                }
                assertFalse(ring.overflowPending());
            }
        }
    }

    @Test
    void waitingEndsAtTheTimeoutWithoutCompletions() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoState(arena);
            try (Ring ring = Ring.create(8, 16, 0, errno, arena)) {
                int result = ring.enter(true, 5_000_000);
                assertEquals(-Errno.ETIME, result);
                assertEquals(0, ring.ready());
            }
        }
    }

    @Test
    void aReadOfAnEventfdCompletesWhenAnotherThreadWrites() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment errno = Libc.errnoState(arena);
            int eventfd = Libc.eventfd(errno, 0, Libc.EFD_CLOEXEC);
            assertTrue(eventfd >= 0);
            MemorySegment value = arena.allocate(8, 8);
            try (Ring ring = Ring.create(8, 16, 0, errno, arena)) {
                long sqe = ring.nextSqe();
                ring.prepare(sqe, Ring.OP_READ, eventfd, value.address(), 8, 0, 42);
                assertEquals(1, ring.enter(false, 0));
                Thread writer = Thread.ofPlatform().start(() -> {
                    try (Arena own = Arena.ofConfined()) {
                        MemorySegment one = own.allocate(8, 8);
                        one.set(ValueLayout.JAVA_LONG, 0, 1);
                        Libc.write(Libc.errnoState(own), eventfd, one, 8);
                    }
                });
                assertTrue(ring.enter(true, 10_000_000_000L) >= 0);
                writer.join();
                assertEquals(1, ring.ready());
                assertEquals(42, ring.userData(ring.cqe(0)));
                assertEquals(8, ring.result(ring.cqe(0)));
                assertEquals(1, value.get(ValueLayout.JAVA_LONG, 0));
                ring.consumed(1);
            } finally {
                Libc.close(errno, eventfd);
            }
        }
    }
}
