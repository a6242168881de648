package dev.isthmus.protocol.coap;

import dev.isthmus.core.loop.EventLoop;

/** One request's way back to its client. */
public interface CoapExchange {
    /**
     * Sends {@code response}: piggybacked on the ACK of a CON still within its window, as a
     * separate CON after that, as a NON to a NON. Only the first call counts. Any thread: from
     * another than {@link #loop()} it is handed to the loop first.
     */
    void respond(CoapResponse response);

    /** The loop the exchange lives on, for handlers that continue there later. */
    EventLoop loop();
}
