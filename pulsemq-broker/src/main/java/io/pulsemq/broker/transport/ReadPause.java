package io.pulsemq.broker.transport;

import io.netty.channel.Channel;

/**
 * Whether one connection is read, as a set of reasons not to: the socket is read only while no reason holds, so one
 * reason ending (the outbound buffer drained below its low-water mark) never resumes a connection that another reason
 * still holds (a refused login waiting out its throttle delay). Reading is switched with Netty's {@code autoRead};
 * nothing else may switch it on a channel that has a {@code ReadPause}.
 *
 * <p>{@link Reason#BACKPRESSURE} follows the channel's writability ({@link #followWritability()}, called from
 * {@code channelWritabilityChanged}): once more than the high-water mark of outbound bytes wait, the broker stops
 * reading, so a client that sends without reading what it is answered (a QoS 1 publisher that never reads its
 * PUBACKs) fills its own socket buffers instead of the broker's memory; reading resumes when the outbound buffer
 * drains below the low-water mark. What was already read when the mark was passed is still handled, a bounded amount
 * (at most one read's worth).
 *
 * <p>Confined to the channel's event loop.
 */
public final class ReadPause {

    /** Why a connection is not read. */
    public enum Reason {
        /** More outbound bytes wait than the channel's high-water mark; lifted below the low-water mark. */
        BACKPRESSURE,
        /** A refused login waits out its throttle delay before the refusal is sent; never lifted (the connection ends). */
        LOGIN_THROTTLE,
        /**
         * The client published faster than {@code mqtt.maxPublishRate} or {@code mqtt.maxPublishBytesRate}; lifted
         * when its rate is back within them. The broker's own doing: keep-alive is not enforced meanwhile.
         */
        PUBLISH_RATE,
        /**
         * More bytes wait for the store's writer than its high-water mark (a write stall, a full disk); lifted below
         * its low-water mark. The broker's own doing: keep-alive is not enforced meanwhile.
         */
        STORE_CONGESTED,
        /**
         * The connection has many acknowledgements waiting for store writes; lifted once they have gone out. The
         * broker's own doing: keep-alive is not enforced meanwhile.
         */
        ACKS_WAITING,
        /**
         * The client's session is being brought from another cluster node before its CONNACK; lifted once it is here.
         * The broker's own doing: keep-alive is not enforced meanwhile.
         */
        SESSION_CLAIM;

        private final int bit = 1 << ordinal();
    }

    private static final int BROKERS_OWN_DOING = Reason.PUBLISH_RATE.bit | Reason.STORE_CONGESTED.bit
            | Reason.ACKS_WAITING.bit | Reason.SESSION_CLAIM.bit;

    private final Channel channel;
    private final ReadPauses stats;
    private int reasons;
    private boolean ended;

    /**
     * @param channel the connection
     * @param stats   where backpressure pauses are counted (one per protocol)
     */
    public ReadPause(Channel channel, ReadPauses stats) {
        this.channel = channel;
        this.stats = stats;
    }

    /** Stops reading for {@code reason}; idempotent. */
    public void pause(Reason reason) {
        if ((reasons & reason.bit) != 0) {
            return;
        }
        if (reasons == 0) {
            channel.config().setAutoRead(false);
        }
        reasons |= reason.bit;
        if (reason == Reason.BACKPRESSURE) {
            stats.paused();
        }
    }

    /** Lifts {@code reason}; reading resumes when no other reason holds. Idempotent. */
    public void resume(Reason reason) {
        if ((reasons & reason.bit) == 0) {
            return;
        }
        reasons &= ~reason.bit;
        if (reason == Reason.BACKPRESSURE) {
            stats.resumed();
        }
        if (reasons == 0) {
            channel.config().setAutoRead(true);
        }
    }

    /** Pauses for {@link Reason#BACKPRESSURE} while the channel is not writable, lifts it once it is. */
    public void followWritability() {
        if (ended) {
            return; // a closed channel is never writable: it must not count as paused
        }
        if (channel.isWritable()) {
            resume(Reason.BACKPRESSURE);
        } else {
            pause(Reason.BACKPRESSURE);
        }
    }

    /** Whether {@code reason} holds. */
    public boolean holds(Reason reason) {
        return (reasons & reason.bit) != 0;
    }

    /**
     * Whether the connection is not read for a reason of the broker's own (a rate limit, a slow store), not of the
     * client's: its silence then says nothing about whether it is alive.
     */
    public boolean heldByBroker() {
        return (reasons & BROKERS_OWN_DOING) != 0;
    }

    /** Whether the connection is not read, for any reason. */
    public boolean paused() {
        return reasons != 0;
    }

    /** The connection ended: it no longer counts as paused. Call from {@code channelInactive}. */
    public void ended() {
        ended = true;
        if (holds(Reason.BACKPRESSURE)) {
            reasons &= ~Reason.BACKPRESSURE.bit;
            stats.resumed();
        }
    }
}
