package dev.isthmus.protocol.mqtt.store;

/** What tests outside this package may do to a {@link SessionLog}. */
public final class SessionLogs {
    private SessionLogs() {
    }

    /** Holds the log's writer, as a disk that does not answer would, or lets it go on. */
    public static void holdWrites(SessionLog log, boolean hold) {
        log.holdWrites(hold);
    }
}
