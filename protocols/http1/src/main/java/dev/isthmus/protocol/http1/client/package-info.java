/**
 * An HTTP/1.1 client on an Isthmus event loop, for protocols that hand requests on to HTTP
 * origins (the CoAP to HTTP cross-proxy): {@link dev.isthmus.protocol.http1.client.LoopHttpClient}
 * sends a whole request to an upstream group, balanced and health-checked like the proxy's own
 * requests, over keep-alive connections pooled on the loop, and hands back the whole response,
 * its body bounded.
 *
 * <p>Depends on core (loop, buffers, transport SPI, upstream groups and pools) and the HTTP/1.1
 * codec; nothing of the proxy service.
 */
package dev.isthmus.protocol.http1.client;
