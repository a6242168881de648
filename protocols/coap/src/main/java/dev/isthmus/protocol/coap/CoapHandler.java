package dev.isthmus.protocol.coap;

/**
 * What a resource does with a request. Runs on the event loop of the client's endpoint: it must
 * not block. It answers through {@code exchange}, at once or later (a request forwarded to an
 * HTTP origin answers when the origin has); a CON request not answered within the piggyback
 * window gets an empty ACK and its response later as a separate CON.
 */
@FunctionalInterface
public interface CoapHandler {
    void handle(CoapRequest request, CoapExchange exchange);
}
