/**
 * TLS as a layer over any transport's connections: {@link dev.isthmus.core.tls.TlsConnection}
 * runs an {@link javax.net.ssl.SSLEngine} (Conscrypt's when it loads, else the JDK's:
 * {@link dev.isthmus.core.tls.TlsProvider}) between a protocol and a plain connection, client
 * or server side, over the loop's pooled chunks; {@link dev.isthmus.core.tls.TlsContext} holds
 * the keys, trust and versions one side uses, read from PEM files
 * ({@link dev.isthmus.core.tls.Pem}). A {@link dev.isthmus.core.server.Server} listener takes
 * a server-side context to serve its protocol behind TLS. Depends on the transport SPI,
 * buffers, loops and timers; knows no protocol and no transport implementation.
 */
package dev.isthmus.core.tls;
