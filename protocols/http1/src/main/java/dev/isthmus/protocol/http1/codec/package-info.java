/**
 * The HTTP/1.1 message codec of the proxy's hot path (RFC 9112): request and response heads
 * parsed in place from off-heap chunks ({@link dev.isthmus.protocol.http1.codec.RequestHead},
 * {@link dev.isthmus.protocol.http1.codec.ResponseHead}, with what they share in
 * {@link dev.isthmus.protocol.http1.codec.MessageHead}), a scanner that finds the boundaries
 * of a chunked body without copying it ({@link dev.isthmus.protocol.http1.codec.ChunkedDecoder}),
 * and a bounded writer for heads ({@link dev.isthmus.protocol.http1.codec.HeadWriter}).
 *
 * <p>Everything here is a reusable flyweight: parsing allocates nothing on the heap, every size is
 * bounded by {@link dev.isthmus.protocol.http1.codec.HeadLimits}, and hostile input ends in a
 * result code ({@link dev.isthmus.protocol.http1.codec.ParseResult}), never in an exception.
 * Instances are not thread-safe; each belongs to one connection on one event loop.
 *
 * <p>Depends on the JDK and Agrona's buffer interfaces only: no transport, no other package of
 * the proxy.
 */
package dev.isthmus.protocol.http1.codec;
