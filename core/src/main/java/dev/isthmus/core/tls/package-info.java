/**
 * TLS as a layer over any transport's connections: {@link dev.isthmus.core.tls.TlsConnection}
 * runs an {@link javax.net.ssl.SSLEngine} (Conscrypt's when it loads, else the JDK's:
 * {@link dev.isthmus.core.tls.TlsProvider}) between a protocol and a plain connection, client
 * or server side, over the loop's pooled chunks; {@link dev.isthmus.core.tls.TlsContext} holds
 * the keys, trust and versions one side uses, read from PEM files
 * ({@link dev.isthmus.core.tls.Pem}); {@link dev.isthmus.core.tls.TlsService} puts a listener's
 * protocol behind it. Depends on the transport SPI, buffers, loops, timers and the server's
 * service interfaces; knows no protocol and no transport implementation.
 */
package dev.isthmus.core.tls;
