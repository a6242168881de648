package dev.isthmus.core.server;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a phase of a protocol's hook interface as blocking: the protocol runs it on a virtual
 * thread instead of the event loop and resumes the connection on the loop (through its inbox)
 * when it returns. Put it on the overriding method.
 *
 * <p>Each protocol says which of its phases honour it: the HTTP proxy's {@code ProxyHttp}
 * honours it on {@code requestFilter} and {@code upstreamPeer} (where remote authentication
 * and routing lookups happen), the MQTT proxy's {@code MqttHooks} on {@code connect}. Other
 * phases always run on the loop and must not block.
 *
 * <p>While a blocking phase runs, the connection it concerns does not read; the loop keeps
 * serving every other connection.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Blocking {
}
