package dev.isthmus.protocol.coap;

import java.net.InetSocketAddress;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapHandler;
import org.eclipse.californium.core.CoapObserveRelation;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.UdpConfig;

/** Californium clients for the tests: bodies up to 1 MiB, block-wise at 1024, a short ACK timeout. */
final class Californium {
    static {
        CoapConfig.register();
        UdpConfig.register();
    }

    private Californium() {
    }

    static Configuration configuration(int ackTimeoutMillis) {
        Configuration config = Configuration.createStandardWithoutFile();
        config.set(CoapConfig.MAX_RESOURCE_BODY_SIZE, 1 << 20);
        config.set(CoapConfig.PREFERRED_BLOCK_SIZE, 1024);
        config.set(CoapConfig.ACK_TIMEOUT, ackTimeoutMillis, TimeUnit.MILLISECONDS);
        config.set(CoapConfig.MAX_RETRANSMIT, 8);
        return config;
    }

    /**
     * Observes the client's resource: the text of every notification (and the first answer) goes
     * to {@code notifications}, an error as {@code "error"}.
     */
    static CoapObserveRelation observe(CoapClient client, BlockingQueue<String> notifications) throws Exception {
        return client.observeAndWait(new CoapHandler() {
            @Override
            public void onLoad(org.eclipse.californium.core.CoapResponse response) {
                notifications.add(response.getResponseText());
            }

            @Override
            public void onError() {
                notifications.add("error");
            }
        });
    }

    /** A client of {@code uri} on an endpoint of its own (closed with {@link CoapClient#shutdown()}). */
    static CoapClient client(String uri) {
        return client(uri, 500);
    }

    /** As {@link #client(String)}, with a CON waiting {@code ackTimeoutMillis} before its first retransmission. */
    static CoapClient client(String uri, int ackTimeoutMillis) {
        CoapClient client = new CoapClient(uri);
        client.setEndpoint(new CoapEndpoint.Builder().setConfiguration(configuration(ackTimeoutMillis))
                .setInetSocketAddress(new InetSocketAddress("127.0.0.1", 0)).build());
        client.setTimeout(20_000L);
        return client;
    }
}
