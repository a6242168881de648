package dev.isthmus.core.transport;

/** Decides what handles each connection a listener accepts. Runs on the loop thread. */
@FunctionalInterface
public interface Acceptor {
    /**
     * @return the handler of the new connection; returning null closes it (e.g. over a limit)
     */
    ConnectionHandler accepted(Connection connection);
}
