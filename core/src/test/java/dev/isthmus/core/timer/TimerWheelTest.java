package dev.isthmus.core.timer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class TimerWheelTest {
    private static final long TICK = 10;

    private final List<String> fired = new ArrayList<>();

    private final class Named extends Timer {
        final String name;
        long firedAt = -1;

        Named(String name) {
            this.name = name;
        }

        @Override
        protected void onTimeout(long nowNanos) {
            firedAt = nowNanos;
            fired.add(name);
        }
    }

    @Test
    void firesAtOrAfterDeadlineNeverBefore() {
        TimerWheel wheel = new TimerWheel(TICK, 8, 0);
        Named a = new Named("a");
        wheel.schedule(a, 25);
        wheel.expire(24);
        assertTrue(fired.isEmpty());
        assertTrue(a.isScheduled());
        wheel.expire(30);
        assertEquals(List.of("a"), fired);
        assertFalse(a.isScheduled());
        assertEquals(0, wheel.scheduled());
    }

    @Test
    void timersBeyondOneRevolutionWaitForTheirRound() {
        TimerWheel wheel = new TimerWheel(TICK, 8, 0);
        Named far = new Named("far");
        wheel.schedule(far, 8 * TICK * 3 + 5);
        for (long now = 0; now < 8 * TICK * 3; now += TICK) {
            wheel.expire(now);
        }
        assertTrue(fired.isEmpty());
        wheel.expire(8 * TICK * 3 + TICK);
        assertEquals(List.of("far"), fired);
    }

    @Test
    void rescheduleMovesAndCancelRemoves() {
        TimerWheel wheel = new TimerWheel(TICK, 8, 0);
        Named a = new Named("a");
        Named b = new Named("b");
        wheel.schedule(a, 15);
        wheel.schedule(b, 15);
        wheel.schedule(a, 45);
        wheel.cancel(b);
        wheel.expire(30);
        assertTrue(fired.isEmpty());
        assertEquals(1, wheel.scheduled());
        wheel.expire(50);
        assertEquals(List.of("a"), fired);
    }

    @Test
    void pastDeadlinesFireOnNextExpire() {
        TimerWheel wheel = new TimerWheel(TICK, 8, 1000);
        Named late = new Named("late");
        wheel.schedule(late, 10);
        wheel.expire(1000);
        assertEquals(List.of("late"), fired);
    }

    @Test
    void callbackMayCancelTheNextTimerOfTheSameBucket() {
        TimerWheel wheel = new TimerWheel(TICK, 8, 0);
        Named victim = new Named("victim");
        Timer killer = new Timer() {
            @Override
            protected void onTimeout(long nowNanos) {
                fired.add("killer");
                wheel.cancel(victim);
            }
        };
        // Same bucket; the wheel pushes at the head, so killer runs first.
        wheel.schedule(victim, 12);
        wheel.schedule(killer, 12);
        wheel.expire(20);
        assertEquals(List.of("killer"), fired);
        assertEquals(0, wheel.scheduled());
    }

    @Test
    void stalledLoopStillFiresEverythingDue() {
        TimerWheel wheel = new TimerWheel(TICK, 8, 0);
        Random random = new Random(7);
        List<Named> timers = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            Named timer = new Named("t" + i);
            wheel.schedule(timer, random.nextInt(2000));
            timers.add(timer);
        }
        wheel.expire(5000);
        assertEquals(500, fired.size());
        for (Named timer : timers) {
            assertTrue(timer.firedAt >= timer.deadline());
        }
    }

    @Test
    void randomScheduleFiresEachTimerOnceWithinOneTickOfItsDeadline() {
        TimerWheel wheel = new TimerWheel(TICK, 16, 0);
        Random random = new Random(42);
        List<Named> timers = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            Named timer = new Named("t" + i);
            wheel.schedule(timer, random.nextInt(5000));
            timers.add(timer);
        }
        for (long now = 0; now <= 5100; now += 1 + random.nextInt(7)) {
            wheel.expire(now);
        }
        assertEquals(2000, fired.size());
        for (Named timer : timers) {
            assertTrue(timer.firedAt >= timer.deadline(), timer.name);
            assertTrue(timer.firedAt < timer.deadline() + TICK + 7, timer.name);
        }
    }

    @Test
    void nanosToNextTick() {
        TimerWheel wheel = new TimerWheel(TICK, 8, 0);
        assertEquals(-1, wheel.nanosToNextTick(3));
        wheel.schedule(new Named("x"), 100);
        assertEquals(7, wheel.nanosToNextTick(3));
    }
}
