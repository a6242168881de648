/**
 * CoAP to HTTP (RFC 7252 section 10.2, RFC 8075): {@link dev.isthmus.protocol.coap.http.HttpCrossProxy}
 * serves CoAP path prefixes from HTTP upstream groups through the loop's HTTP/1.1 client,
 * translating methods, URIs, media types, conditional requests, caching and status codes.
 *
 * <p>Depends on the CoAP resources API, core upstream groups and the HTTP/1.1 client.
 */
package dev.isthmus.protocol.coap.http;
