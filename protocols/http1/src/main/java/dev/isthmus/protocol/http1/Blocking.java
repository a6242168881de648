package dev.isthmus.protocol.http1;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a phase of a {@link ProxyHttp} implementation as blocking: the proxy runs it on a
 * virtual thread instead of the event loop and resumes the exchange on the loop when it
 * returns. Put it on the overriding method. Honoured on {@code requestFilter} and
 * {@code upstreamPeer} (where remote authentication and routing lookups happen); other
 * phases always run on the loop and must not block.
 *
 * <p>While a blocking phase runs, the client connection does not read; the loop keeps
 * serving every other connection.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Blocking {
}
