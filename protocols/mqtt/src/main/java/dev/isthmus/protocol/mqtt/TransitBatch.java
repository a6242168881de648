package dev.isthmus.protocol.mqtt;

import java.util.Arrays;

import org.jctools.queues.varhandle.MpscVarHandleArrayQueue;

/**
 * Deliveries from one loop to the sessions of another, gathered during one iteration of the
 * sending loop and handed over as a single inbox task: a fan-in flood that crosses loops costs
 * the receiving loop one task per iteration, not one per message. Once the receiving loop has
 * handed every delivery to its session, the batch goes back to the sender's free list to be
 * filled again, so a steady flow allocates no batches.
 */
final class TransitBatch implements Runnable {
    private static final int INITIAL_SIZE = 64;

    private final BrokerLoop target;
    /** Where the batch goes once run: the sending loop's free list. */
    private final MpscVarHandleArrayQueue<TransitBatch> home;
    private Session[] sessions = new Session[INITIAL_SIZE];
    private Session.Delivery[] deliveries = new Session.Delivery[INITIAL_SIZE];
    private int size;

    TransitBatch(BrokerLoop target, MpscVarHandleArrayQueue<TransitBatch> home) {
        this.target = target;
        this.home = home;
    }

    BrokerLoop target() {
        return target;
    }

    int size() {
        return size;
    }

    /** Sending loop only. */
    void add(Session session, Session.Delivery delivery) {
        if (size == sessions.length) {
            sessions = Arrays.copyOf(sessions, size * 2);
            deliveries = Arrays.copyOf(deliveries, size * 2);
        }
        sessions[size] = session;
        deliveries[size] = delivery;
        size++;
    }

    /** On the target loop: every delivery to its session, in the order they were added. */
    @Override
    public void run() {
        int count = size;
        target.inTransit.addAndGet(-count);
        for (int i = 0; i < count; i++) {
            Session session = sessions[i];
            Session.Delivery delivery = deliveries[i];
            sessions[i] = null;
            deliveries[i] = null;
            target.deliver(session, delivery);
        }
        size = 0;
        // Back to the sender; when its free list is full the batch is simply dropped.
        home.offer(this);
    }
}
