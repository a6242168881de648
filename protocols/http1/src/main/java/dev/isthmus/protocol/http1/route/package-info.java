/**
 * Routing for the HTTP proxy: host and path-prefix routes to upstream groups, and the
 * {@code ProxyHttp} implementation the command line runs. Depends on the HTTP phase API and
 * core upstreams.
 */
package dev.isthmus.protocol.http1.route;
