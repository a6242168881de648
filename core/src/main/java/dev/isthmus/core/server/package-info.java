/**
 * Server lifecycle: starting loops and their listeners, attaching protocol services to each
 * loop, graceful shutdown. Depends on the loop and transport packages; knows no protocol.
 */
package dev.isthmus.core.server;
