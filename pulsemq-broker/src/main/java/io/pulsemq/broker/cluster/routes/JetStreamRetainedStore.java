package io.pulsemq.broker.cluster.routes;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.pulsemq.broker.cluster.routes.RouteWire.Retained;
import io.pulsemq.broker.message.Message;
import io.pulsemq.broker.retained.RetainedStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Retained messages for the whole cluster: a JetStream stream ({@link RouteSubjects#retainedStream}, file storage, one
 * subject per topic, at most one message per subject) holds each topic's newest retained message, or a mark that it
 * was cleared; every node follows the stream into its own local store (in memory, or RocksDB), from which it serves
 * its subscribers.
 *
 * <p><b>Writes.</b> {@link #put} and {@link #remove} (what the {@link io.pulsemq.broker.routing.Router} calls for a
 * retained PUBLISH on this node, after its retained limits) change the local store at once, so this node's next
 * subscriber sees the change, and publish it to the stream without waiting: the publisher's PUBACK does not wait for
 * the stream. A write the stream refuses is logged and counted ({@link #failedWrites}); the other nodes then do not
 * see it. Concurrent writes of one topic on two nodes end, on every node, as the stream ordered them.
 *
 * <p><b>Follower.</b> An ordered consumer from the last message of each subject, then every new one, applies each to
 * the local store, never through the router: a retained message that another node published is not published again
 * here, and its live copy reached this node's subscribers by routing. {@link #open} returns once the follower has
 * applied everything the stream held at the start, so a node started later serves every retained message from its
 * first subscriber on. This node's own writes come back through the follower too, which changes nothing, or (after a
 * concurrent write elsewhere) brings this node to the stream's order.
 *
 * <p><b>Clearing.</b> A cleared topic keeps a small mark in the stream (not a purge), so that a node whose local store
 * is persistent and was down meanwhile drops the message when it follows again. Marks are not removed.
 *
 * <p>Retained limits ({@code mqtt.maxRetainedMessages}, {@code mqtt.maxRetainedBytes}) are checked by the publishing
 * node against its local store; the other nodes apply what the stream holds.
 *
 * <p>Threading: the local store's; the follower runs on a NATS dispatcher thread.
 */
public final class JetStreamRetainedStore implements RetainedStore {

    private static final Logger LOG = LoggerFactory.getLogger(JetStreamRetainedStore.class);

    private final Connection nats;
    private final JetStream js;
    private final RouteSubjects subjects;
    private final RetainedStore local;
    private final LongAdder failedWrites = new LongAdder();
    private final CompletableFuture<Void> caughtUp = new CompletableFuture<>();
    private volatile long caughtUpAt;
    private volatile long applied;
    private volatile Dispatcher dispatcher;
    private volatile JetStreamSubscription follower;

    private JetStreamRetainedStore(Connection nats, RouteSubjects subjects, RetainedStore local) throws IOException {
        this.nats = nats;
        this.js = nats.jetStream();
        this.subjects = subjects;
        this.local = local;
    }

    /**
     * Opens the cluster's retained messages on {@code nats}, creating the stream when missing, and waits until
     * {@code local} holds everything the stream held.
     *
     * @param replicas the stream's replicas (3 in a 3-server NATS cluster, 1 on a single server)
     * @param local    this node's store, which the follower keeps up to date and reads are served from
     * @param wait     how long to wait for the follower to catch up
     * @throws IOException if the stream cannot be created or followed, or the follower does not catch up in time
     */
    public static JetStreamRetainedStore open(Connection nats, RouteSubjects subjects, int replicas,
                                              RetainedStore local, Duration wait)
            throws IOException, InterruptedException {
        JetStreamRetainedStore store = new JetStreamRetainedStore(nats, subjects, local);
        try {
            store.follow(replicas, wait);
            return store;
        } catch (IOException | InterruptedException | RuntimeException e) {
            store.stopFollowing();
            throw e;
        }
    }

    private void follow(int replicas, Duration wait) throws IOException, InterruptedException {
        JetStreamManagement jsm = nats.jetStreamManagement();
        long end;
        try {
            try {
                end = jsm.getStreamInfo(subjects.retainedStream()).getStreamState().getLastSequence();
            } catch (JetStreamApiException missing) {
                jsm.addStream(StreamConfiguration.builder().name(subjects.retainedStream())
                        .subjects(subjects.allRetained()).storageType(StorageType.File).replicas(replicas)
                        .maxMessagesPerSubject(1).discardPolicy(DiscardPolicy.Old).build());
                end = 0;
            }
            caughtUpAt = end;
            if (end == 0) {
                caughtUp.complete(null);
            }
            dispatcher = nats.createDispatcher();
            follower = js.subscribe(subjects.allRetained(), dispatcher, this::apply, false,
                    PushSubscribeOptions.builder().ordered(true).configuration(ConsumerConfiguration.builder()
                            .deliverPolicy(DeliverPolicy.LastPerSubject)
                            .idleHeartbeat(java.time.Duration.ofSeconds(1)).build()).build());
        } catch (JetStreamApiException e) {
            throw new IOException("cannot follow JetStream stream " + subjects.retainedStream() + ": "
                    + e.getMessage(), e);
        }
        try {
            caughtUp.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("the retained messages did not catch up with " + subjects.retainedStream()
                    + " within " + wait + " (applied up to " + applied + " of " + caughtUpAt + ")", e);
        }
    }

    private void apply(io.nats.client.Message m) {
        long seq = m.metaData().streamSequence();
        try {
            Retained r = RouteWire.decodeRetained(m.getData());
            if (r.message() == null) {
                local.remove(r.topic());
            } else {
                local.put(r.message());
            }
        } catch (RuntimeException corrupt) {
            LOG.error("stream {}: skipping the unreadable retained message at sequence {}", subjects.retainedStream(),
                    seq, corrupt);
        }
        applied = seq;
        if (seq >= caughtUpAt) {
            caughtUp.complete(null);
        }
    }

    @Override
    public Message put(Message message) {
        Message previous = local.put(message);
        write(message.topic(), RouteWire.encodeRetained(message));
        return previous;
    }

    @Override
    public Message remove(String topic) {
        Message previous = local.remove(topic);
        write(topic, RouteWire.encodeRetainedCleared(topic));
        return previous;
    }

    private void write(String topic, byte[] record) {
        try {
            js.publishAsync(subjects.retained(topic), record).whenComplete((ack, error) -> {
                if (error != null) {
                    refused(topic, error);
                }
            });
        } catch (RuntimeException e) { // not connected, larger than NATS's max_payload
            refused(topic, e);
        }
    }

    private void refused(String topic, Throwable error) {
        failedWrites.increment();
        LOG.warn("stream {}: the retained message of '{}' was not written, other nodes do not see it: {}",
                subjects.retainedStream(), topic, error.getMessage());
    }

    @Override
    public Message get(String topic) {
        return local.get(topic);
    }

    @Override
    public void match(String filter, Consumer<Message> sink) {
        local.match(filter, sink);
    }

    @Override
    public int size() {
        return local.size();
    }

    @Override
    public long bytes() {
        return local.bytes();
    }

    /** Writes of this node the stream did not take. */
    public long failedWrites() {
        return failedWrites.sum();
    }

    /** Stops following the stream; the local store stays open (its owner closes it) and so does the connection. */
    @Override
    public void close() {
        stopFollowing();
    }

    private void stopFollowing() {
        try {
            if (follower != null) {
                follower.unsubscribe();
            }
            if (dispatcher != null) {
                nats.closeDispatcher(dispatcher);
            }
        } catch (IllegalStateException closed) {
            // the connection is gone already
        }
    }
}
