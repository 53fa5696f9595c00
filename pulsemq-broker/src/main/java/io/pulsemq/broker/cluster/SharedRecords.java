package io.pulsemq.broker.cluster;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.pulsemq.broker.auth.Ban;
import io.pulsemq.broker.auth.BanStore;
import io.pulsemq.broker.auth.DeviceCredential;
import io.pulsemq.broker.auth.DeviceCredentialStore;
import io.pulsemq.broker.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The records an operator changes on one node and every node must apply (cluster mode): bans and device credentials,
 * in a JetStream stream with one message per ban and per client ID ({@code PULSEMQ_SHARED}, the last message of a
 * subject is the record's state, an empty-record message its deletion). A node writes a change to its own store and
 * to the stream ({@link #bans}, {@link #devices}); every node follows the stream and applies each change to its
 * memory and its store ({@link Listener}), its own changes included (they apply as no-ops).
 *
 * <p>Threading: writes are made by the API's threads and wait for the stream's acknowledgement (never on an event
 * loop); changes are applied on a NATS dispatcher thread.
 */
public final class SharedRecords implements AutoCloseable {

    /** What a node does with a change made anywhere in the cluster. */
    public interface Listener {
        void banned(Ban ban);

        void unbanned(Ban.Kind kind, String value);

        void issued(DeviceCredential credential);

        void revoked(String clientId);
    }

    private static final Logger LOG = LoggerFactory.getLogger(SharedRecords.class);
    private static final JsonMapper JSON = JsonMapper.builder()
            .serializationInclusion(JsonInclude.Include.NON_NULL).build();
    static final String STREAM = "PULSEMQ_SHARED";
    private static final String PREFIX = "pulsemq.shared";
    private static final Duration WRITE_WAIT = Duration.ofSeconds(5);

    private final Connection nats;
    private final JetStream js;
    private volatile Dispatcher dispatcher;

    private SharedRecords(Connection nats) throws IOException {
        this.nats = nats;
        this.js = nats.jetStream();
    }

    /** Creates the stream when missing. */
    public static SharedRecords open(Connection nats, int replicas) throws IOException {
        SharedRecords shared = new SharedRecords(nats);
        JetStreamManagement jsm = nats.jetStreamManagement();
        try {
            jsm.getStreamInfo(STREAM);
        } catch (JetStreamApiException missing) {
            try {
                jsm.addStream(StreamConfiguration.builder().name(STREAM).subjects(PREFIX + ".>")
                        .storageType(StorageType.File).replicas(replicas).maxMessagesPerSubject(1).build());
            } catch (JetStreamApiException e) {
                throw new IOException("cannot create JetStream stream " + STREAM + ": " + e.getMessage(), e);
            }
        }
        return shared;
    }

    /**
     * Follows the stream from each record's last state, telling {@code listener} of each; returns once the records
     * the stream held at the start are applied.
     */
    public void follow(Listener listener, Duration wait) throws IOException, InterruptedException {
        long count;
        try {
            count = nats.jetStreamManagement().getStreamInfo(STREAM).getStreamState().getMsgCount();
        } catch (JetStreamApiException e) {
            throw new IOException("cannot read JetStream stream " + STREAM + ": " + e.getMessage(), e);
        }
        CountDownLatch caughtUp = new CountDownLatch(count == 0 ? 0 : 1);
        Dispatcher d = nats.createDispatcher();
        try {
            js.subscribe(PREFIX + ".>", d, m -> {
                apply(m, listener);
                if (m.metaData().pendingCount() == 0) {
                    caughtUp.countDown();
                }
            }, false, PushSubscribeOptions.builder().ordered(true).configuration(ConsumerConfiguration.builder()
                    .deliverPolicy(DeliverPolicy.LastPerSubject).idleHeartbeat(Duration.ofSeconds(1)).build()).build());
        } catch (JetStreamApiException e) {
            nats.closeDispatcher(d);
            throw new IOException("cannot follow JetStream stream " + STREAM + ": " + e.getMessage(), e);
        }
        dispatcher = d;
        if (!caughtUp.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IOException("the bans and device credentials of " + STREAM + " were not read within " + wait);
        }
    }

    private static void apply(Message m, Listener listener) {
        try {
            Record r = JSON.readValue(m.getData(), Record.class);
            if (r.ban() != null) {
                Ban ban = r.ban().toBan();
                if (r.deleted()) {
                    listener.unbanned(ban.kind(), ban.value());
                } else {
                    listener.banned(ban);
                }
            } else if (r.device() != null) {
                if (r.deleted()) {
                    listener.revoked(r.device().clientId());
                } else {
                    listener.issued(r.device());
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("stream {}: skipping the unreadable record on {}", STREAM, m.getSubject(), e);
        }
    }

    /** {@code local}, whose changes also go to every other node. */
    public BanStore bans(BanStore local) {
        return new BanStore() {
            @Override
            public List<Ban> loadAll() {
                return local.loadAll();
            }

            @Override
            public void put(Ban ban) {
                local.put(ban);
                write(banSubject(ban.kind(), ban.value()), new Record(false, StoredBan.of(ban), null));
            }

            @Override
            public void delete(Ban.Kind kind, String value) {
                local.delete(kind, value);
                write(banSubject(kind, value), new Record(true, new StoredBan(kind.wireName(), value, null, null, null,
                        0), null));
            }
        };
    }

    /** {@code local}, whose changes also go to every other node. */
    public DeviceCredentialStore devices(DeviceCredentialStore local) {
        return new DeviceCredentialStore() {
            @Override
            public List<DeviceCredential> loadAll() {
                return local.loadAll();
            }

            @Override
            public void put(DeviceCredential credential) {
                local.put(credential);
                write(deviceSubject(credential.clientId()), new Record(false, null, credential));
            }

            @Override
            public void delete(String clientId) {
                local.delete(clientId);
                write(deviceSubject(clientId), new Record(true, null,
                        new DeviceCredential(clientId, "", "", 0, 0)));
            }
        };
    }

    private void write(String subject, Record record) {
        try {
            js.publishAsync(subject, JSON.writeValueAsBytes(record)).get(WRITE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while sharing a change with the cluster", e);
        } catch (Exception e) {
            // kept here; the other nodes do not have it: the operator is told by the API's 500 and may repeat it
            throw new StoreException("the change is stored on this node but could not be shared with the cluster ("
                    + e.getMessage() + ")", e);
        }
    }

    private static String banSubject(Ban.Kind kind, String value) {
        return PREFIX + ".ban." + StatusSubjects.token(kind.wireName() + ':' + value);
    }

    private static String deviceSubject(String clientId) {
        return PREFIX + ".device." + StatusSubjects.token(clientId);
    }

    @Override
    public void close() {
        Dispatcher d = dispatcher;
        if (d != null) {
            try {
                nats.closeDispatcher(d);
            } catch (IllegalStateException closed) {
                // the connection is gone already
            }
        }
    }

    /** One message of the stream: a record's new state, or its deletion. */
    record Record(boolean deleted, StoredBan ban, DeviceCredential device) {
    }

    /** A ban as the stream keeps it. */
    record StoredBan(String kind, String value, Long until, String reason, String by, long at) {
        static StoredBan of(Ban b) {
            return new StoredBan(b.kind().wireName(), b.value(), b.until() == null ? null : b.until().toEpochMilli(),
                    b.reason(), b.by(), b.at().toEpochMilli());
        }

        Ban toBan() {
            Ban.Kind k = Ban.Kind.parse(kind);
            if (k == null) {
                throw new IllegalArgumentException("unknown ban kind " + kind);
            }
            return new Ban(k, value, until == null ? null : Instant.ofEpochMilli(until), reason, by,
                    Instant.ofEpochMilli(at));
        }
    }
}
