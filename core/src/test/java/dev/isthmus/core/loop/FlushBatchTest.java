package dev.isthmus.core.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.isthmus.core.transport.nio.NioTransport;

/** A flush batch flushes each member once per round, keeps what is added during a round for the next, and survives a member that throws. */
class FlushBatchTest {
    private final List<String> flushed = new ArrayList<>();

    private final class Member implements FlushBatch.Member {
        final String name;
        boolean batched;
        Runnable during = () -> { };

        Member(String name) {
            this.name = name;
        }

        @Override
        public void flushBatched() {
            flushed.add(name);
            during.run();
        }

        @Override
        public boolean batched() {
            return batched;
        }

        @Override
        public void batched(boolean batched) {
            this.batched = batched;
        }
    }

    private final EventLoop loop = new EventLoop(0, NioTransport.INSTANCE, LoopSettings.DEFAULT);

    @Test
    void eachMemberOncePerRoundAndLateComersInTheNext() {
        FlushBatch<Member> batch = new FlushBatch<>(loop);
        Member a = new Member("a");
        Member b = new Member("b");
        Member late = new Member("late");
        a.during = () -> batch.add(late);
        batch.add(a);
        batch.add(b);
        batch.add(a);
        batch.flushNow();
        assertEquals(List.of("a", "b"), flushed);
        batch.flushNow();
        assertEquals(List.of("a", "b", "late"), flushed);
    }

    @Test
    void aMemberThatThrowsLeavesTheOthersBatchedForTheNextRound() {
        FlushBatch<Member> batch = new FlushBatch<>(loop);
        Member a = new Member("a");
        Member broken = new Member("broken");
        Member c = new Member("c");
        broken.during = () -> {
            throw new IllegalStateException("flush failed");
        };
        batch.add(a);
        batch.add(broken);
        batch.add(c);
        assertThrows(IllegalStateException.class, batch::flushNow);
        batch.flushNow();
        assertEquals(List.of("a", "broken", "c"), flushed);
        batch.add(a);
        batch.flushNow();
        assertEquals(List.of("a", "broken", "c", "a"), flushed);
    }
}
