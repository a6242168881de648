package dev.isthmus.core.upstream.health;

import dev.isthmus.core.upstream.Peer;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps every health transition it hears, in order, for tests to compare. */
final class RecordingListener implements HealthListener {
    record Event(String kind, Peer peer, String detail) {
        static Event down(Peer peer, String reason) {
            return new Event("down", peer, reason);
        }

        static Event up(Peer peer) {
            return new Event("up", peer, "");
        }

        static Event ejected(Peer peer, Duration coolDown) {
            return new Event("ejected", peer, coolDown.toString());
        }
    }

    private final List<Event> events = new CopyOnWriteArrayList<>();

    @Override
    public void peerDown(Peer peer, String reason) {
        events.add(Event.down(peer, reason));
    }

    @Override
    public void peerUp(Peer peer) {
        events.add(Event.up(peer));
    }

    @Override
    public void peerEjected(Peer peer, Duration coolDown) {
        events.add(Event.ejected(peer, coolDown));
    }

    List<Event> events() {
        return List.copyOf(events);
    }
}
