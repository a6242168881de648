package dev.isthmus.protocol.coap;

/**
 * The CoAP face of the phase API: an embedder watches and steers requests as they reach the
 * gateway, after the message layer (duplicates never reach it twice, a block-wise body arrives
 * whole) and before any resource. Every phase defaults to doing nothing; one left at its default
 * costs nothing per request. Phases run on the request's event loop and must not block.
 *
 * @param <C> per-request state the embedder keeps between phases
 */
public interface CoapHooks<C> {
    /** A fresh context for one request. */
    default C newContext() {
        return null;
    }

    /** Accept (the default), reject with a code, or route the request to another handler. */
    default CoapDecision request(CoapRequest request, C ctx) {
        return CoapDecision.accept();
    }

    /** The response that went back (a refusal included), for logs and accounting. */
    default void logging(CoapRequest request, CoapResponse response, C ctx) {
    }
}
