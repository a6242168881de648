package dev.isthmus.core.loop;

import java.util.Arrays;

/**
 * Connections (or anything else) that wrote during this loop iteration and want their writes
 * sent once, after all of the iteration's events: a burst of small packets to one peer then
 * leaves in one send instead of one each. Loop thread only.
 *
 * @param <T> what gets flushed
 */
public final class FlushBatch<T extends FlushBatch.Member> {
    /** Something a batch flushes; {@link #batched} is the batch's own mark, not for the member's use. */
    public interface Member {
        /** Sends what was written since the last flush. */
        void flushBatched();

        boolean batched();

        void batched(boolean batched);
    }

    private final EventLoop loop;
    private final Runnable flushAll = this::flushNow;
    private Member[] members = new Member[16];
    private int count;
    private boolean scheduled;

    public FlushBatch(EventLoop loop) {
        this.loop = loop;
    }

    /** {@code member} is flushed once the loop has handled the events it is handling now. */
    public void add(T member) {
        if (member.batched()) {
            return;
        }
        member.batched(true);
        if (count == members.length) {
            members = Arrays.copyOf(members, count * 2);
        }
        members[count++] = member;
        if (!scheduled) {
            scheduled = true;
            loop.execute(flushAll);
        }
    }

    /** Flushes every member now (also what the scheduled run does). */
    public void flushNow() {
        scheduled = false;
        // A flush may add members (a failed connection's close marks others): flush a stable count.
        int flushing = count;
        int done = 0;
        try {
            while (done < flushing) {
                Member member = members[done];
                members[done++] = null;
                member.batched(false);
                member.flushBatched();
            }
        } finally {
            // Also after a member threw: the ones flushed so far leave, the rest stay batched.
            if (count > done) {
                System.arraycopy(members, done, members, 0, count - done);
            }
            Arrays.fill(members, count - done, count, null);
            count -= done;
            if (count > 0 && !scheduled) {
                scheduled = true;
                loop.execute(flushAll);
            }
        }
    }
}
