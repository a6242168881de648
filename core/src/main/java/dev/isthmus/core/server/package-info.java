/**
 * Server lifecycle: starting loops and their listeners, attaching protocol services to each
 * loop, graceful shutdown, and {@link dev.isthmus.core.server.Blocking}, the mark every
 * protocol's hook interface uses for phases that may block. Depends on the loop and transport
 * packages; knows no protocol.
 */
package dev.isthmus.core.server;
