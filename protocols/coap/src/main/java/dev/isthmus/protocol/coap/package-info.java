/**
 * CoAP over UDP (RFC 7252) on the engine's event loops: {@link dev.isthmus.protocol.coap.CoapService}
 * runs one endpoint per loop with the message layer (deduplication, piggybacked and separate
 * responses, retransmission), block-wise transfers (RFC 7959), observe (RFC 7641) and discovery
 * (RFC 6690) in front of {@link dev.isthmus.protocol.coap.CoapResources}; handlers answer through
 * {@link dev.isthmus.protocol.coap.CoapExchange}, and {@link dev.isthmus.protocol.coap.CoapHooks}
 * see every request first.
 *
 * <p>Depends on core (loops, datagram endpoints, timers, metrics) and the codec.
 */
package dev.isthmus.protocol.coap;
