/**
 * The CoAP wire format (RFC 7252 3, with the options of RFC 7641, 7959 and 7967): a datagram is
 * read in place by {@link dev.isthmus.protocol.coap.codec.MessageView} and written by
 * {@link dev.isthmus.protocol.coap.codec.MessageWriter}, both over Agrona buffers and without
 * allocating. Malformed input ends in an answer the message layer acts on (RST, drop, 4.02),
 * never in an exception, and nothing is read outside the datagram.
 *
 * <p>Depends on the JDK and Agrona's buffer interfaces only.
 */
package dev.isthmus.protocol.coap.codec;
