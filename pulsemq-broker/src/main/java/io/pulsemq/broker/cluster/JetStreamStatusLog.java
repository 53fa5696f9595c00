package io.pulsemq.broker.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.impl.Headers;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PublishOptions;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import io.pulsemq.broker.presence.PresenceRegistry;
import io.pulsemq.broker.presence.ReadBarrier;
import io.pulsemq.broker.session.ConnectionInfo;
import io.pulsemq.broker.statuslog.CommitListeners;
import io.pulsemq.broker.statuslog.EventDraft;
import io.pulsemq.broker.statuslog.EventFilter;
import io.pulsemq.broker.statuslog.EventTail;
import io.pulsemq.broker.statuslog.RejectedConnect;
import io.pulsemq.broker.statuslog.StatusLog;
import io.pulsemq.broker.statuslog.StatusLogFullException;
import io.pulsemq.broker.statuslog.StatusLogUnavailableException;
import io.pulsemq.broker.statuslog.StoredEvent;
import io.pulsemq.protocol.ClientIds;
import io.pulsemq.protocol.ClientStatus;
import io.pulsemq.protocol.ClientStatusJson;
import io.pulsemq.protocol.DisconnectReason;
import io.pulsemq.protocol.EventType;
import io.pulsemq.protocol.StatusEvent;
import io.pulsemq.protocol.StatusEventJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import java.util.function.Predicate;

/**
 * The status log in a JetStream stream (cluster mode): one stream, one subject per client ({@link StatusSubjects}),
 * file storage, replicated as configured, so that every node reads every node's events in one order and an offset
 * (the stream sequence) means the same event on every node.
 *
 * <p><b>Appends.</b> Each event is published with the sequence of the client's previous event as
 * {@code Nats-Expected-Last-Subject-Sequence} (0 for a client never seen): versions grow by one per client across
 * the cluster, and a node whose view of a client is stale cannot append (the server refuses; the append fails with
 * {@link StaleClientException}). One client's appends are chained on this node, each published once the previous
 * one is acknowledged. An append completes once the stream acknowledged it (it is on a majority of the stream's
 * replicas) and this node's mirror has applied it to the presence registry, so nothing is reported that a server's
 * loss could take back, and a query on this node afterwards sees it.
 *
 * <p><b>Mirror.</b> An ordered consumer delivers the last event of every client, then every new event, in stream
 * order, to the mirror's own thread, which applies each to the {@link PresenceRegistry}, advances the revision and tells
 * the commit listeners. The newest events are also kept in memory for followers ({@link #read}); older ones are read
 * from the stream.
 *
 * <p><b>Records.</b> A message holds the sequence of the client's previous event (8 bytes), the length of the
 * event's JSON (4 bytes), the event as JSON without its offset, and the client's status after it as JSON; the offset
 * is the message's stream sequence.
 *
 * <p><b>Ownership.</b> A {@code connect} for a client whose last event is another node's {@code connect} first asks
 * that node to end its connection ({@link RemoteEnds}), and is published after that node's {@code tcpclean}
 * ({@code session_taken_over}); a node that does not answer in time has its connection ended by this one with the
 * same compare-and-set, so the end is logged once either way. Every message carries its writer (this node's name and
 * a per-start incarnation); when the mirror applies another writer's event for a client whose connection this node
 * logged, that connection is no longer this node's, and the {@link OwnershipListener} is told.
 *
 * <p><b>Reads across nodes.</b> {@link #sync} reads the stream's last sequence and waits for the mirror to apply it
 * (one request for all the queries waiting at once), so a query after it sees every event acknowledged before it.
 *
 * <p><b>Not yet here:</b> the version of a client whose last event left the stream by retention starts again at 1.
 */
public final class JetStreamStatusLog implements StatusLog, ReadBarrier {

    /** How many of the newest events the mirror keeps in memory for followers. */
    static final int TAIL_SIZE = 1 << 14;
    /** JetStream's error code for a refused {@code Nats-Expected-Last-Subject-Sequence}. */
    private static final int WRONG_LAST_SEQUENCE = 10071;
    private static final Duration START_WAIT = Duration.ofSeconds(30);
    /** The header naming a message's writer: node name and incarnation. */
    static final String WRITER_HEADER = "Pulsemq-Writer";
    /** How long a takeover waits for the holder to end its connection before ending it itself. */
    private static final Duration TAKEOVER_WAIT = Duration.ofSeconds(2);
    /** How long a read barrier waits for the stream's last sequence. */
    private static final Duration SYNC_WAIT = Duration.ofSeconds(5);
    /** Idle heartbeat of the mirror's consumer. */
    static final Duration MIRROR_HEARTBEAT = Duration.ofSeconds(1);
    /** Attempts of one {@code connect} (each after a takeover, or after finding this node's view stale). */
    private static final int CONNECT_ATTEMPTS = 5;
    /** First and longest pause between two attempts of an end the stream did not take. */
    private static final long RETRY_FIRST_MS = 50;
    private static final long RETRY_MAX_MS = 1000;
    private static final Logger LOG = LoggerFactory.getLogger(JetStreamStatusLog.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Connection nats;
    private final JetStream js;
    private final JetStreamManagement jsm;
    private final StatusSubjects names;
    private final PresenceRegistry presence;
    private final String node;
    private final Clock clock;
    private final int maxPendingConnects;
    private final AtomicInteger pending = new AtomicInteger();
    private final Map<String, ClientTail> tails = new ConcurrentHashMap<>();
    /**
     * Tasks waiting for the mirror to apply a sequence (acknowledged appends, the start), by that sequence. Guarded by
     * itself, together with {@link #lastOffset}'s updates: a task is either added before the mirror passes its
     * sequence, and run by it, or run at once.
     */
    private final TreeMap<Long, List<Runnable>> waiting = new TreeMap<>();
    private final CommitListeners listeners = new CommitListeners();
    private final EventTail tail = new EventTail(TAIL_SIZE);
    private final Thread follower;
    private volatile JetStreamSubscription mirrorSubscription;
    private volatile boolean closed;
    private final CompletableFuture<Void> caughtUp = new CompletableFuture<>();
    private volatile long lastOffset;
    private volatile long lastTime;
    private volatile String failure;
    /** This start's name on the messages it writes ({@link #WRITER_HEADER}). */
    private final String writer;
    private final Headers writerHeaders;
    /** Connection ID of each client whose {@code connect} this start logged and no one ended since; mirror thread. */
    private final Map<String, String> owned = new ConcurrentHashMap<>();
    private volatile RemoteEnds remoteEnds = RemoteEnds.NONE;
    private volatile OwnershipListener ownership = OwnershipListener.NONE;
    private final Object syncLock = new Object();
    /** The status stream's age limit; zero for none. */
    private Duration retention = Duration.ZERO;
    /** The last version of each client forgotten (offline longer than the retention), read when it comes back. */
    private final Map<String, Long> forgotten = new ConcurrentHashMap<>();
    /** The offset of each client's status as last kept in the kept stream. */
    private final Map<String, Long> keptAt = new ConcurrentHashMap<>();
    /** Work for the mirror's thread, the only writer of the presence registry. */
    private final java.util.concurrent.ConcurrentLinkedQueue<Runnable> mirrorTasks =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicBoolean probing = new java.util.concurrent.atomic.AtomicBoolean();
    /** The barrier whose stream-info request is in flight, and the one the next request serves; under syncLock. */
    private CompletableFuture<Void> syncInFlight;
    private CompletableFuture<Void> syncNext;

    private JetStreamStatusLog(Connection nats, StatusSubjects names, PresenceRegistry presence, String node,
                               Clock clock, int maxPendingConnects) throws IOException {
        this.nats = nats;
        this.js = nats.jetStream();
        this.jsm = nats.jetStreamManagement();
        this.names = names;
        this.presence = presence;
        this.node = node;
        this.clock = clock;
        this.maxPendingConnects = maxPendingConnects;
        this.writer = node + "/" + UUID.randomUUID();
        this.writerHeaders = new Headers().put(WRITER_HEADER, writer);
        this.follower = new Thread(this::follow, "pulsemq-status-mirror");
        follower.setDaemon(true);
    }

    /**
     * Opens the log on {@code nats}, creating its streams when missing, and waits until the mirror has applied every
     * client's last event.
     *
     * @param replicas the streams' replicas (3 in a 3-server NATS cluster, 1 on a single server)
     * @throws IOException if the streams cannot be created or the mirror does not catch up within 30 s
     */
    public static JetStreamStatusLog open(Connection nats, StatusSubjects names, int replicas, PresenceRegistry presence,
                                          String node, Clock clock, int maxPendingConnects)
            throws IOException, InterruptedException {
        return open(nats, names, replicas, Duration.ZERO, 0, presence, node, clock, maxPendingConnects);
    }

    /**
     * Opens the log as {@link #open(Connection, StatusSubjects, int, PresenceRegistry, String, Clock, int)} does, with
     * the status stream's retention: its age and size limits ({@code statusLog.retention}, {@code statusLog.maxBytes};
     * zero for none), set on the stream and updated on an existing one.
     */
    public static JetStreamStatusLog open(Connection nats, StatusSubjects names, int replicas, Duration retention,
                                          long maxBytes, PresenceRegistry presence, String node, Clock clock,
                                          int maxPendingConnects) throws IOException, InterruptedException {
        JetStreamStatusLog log = new JetStreamStatusLog(nats, names, presence, node, clock, maxPendingConnects);
        log.retention = retention;
        log.ensureStreamsWhenReady(replicas, retention, maxBytes);
        log.loadKept();
        log.startMirror();
        return log;
    }

    /**
     * Completes once every append of {@code clientId} queued on this node so far is done (written, or given up as
     * stale): a node asked to end a connection it has already ended answers after its end is in the stream.
     */
    public CompletableFuture<Void> settled(String clientId) {
        ClientTail t = tails.get(clientId);
        if (t == null) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<?> last;
        synchronized (t) {
            last = t.chain;
        }
        return last.handle((ignored, error) -> null);
    }

    /** Who ends connections held by other nodes on a takeover ({@link RemoteEnds#NONE} until set). */
    public void useRemoteEnds(RemoteEnds ends) {
        this.remoteEnds = ends;
    }

    /** Who is told when a connection this node logged is ended or superseded by another node. */
    public void onOwnershipLost(OwnershipListener listener) {
        this.ownership = listener;
    }

    /**
     * {@link #ensureStreams}, tried again for up to {@link #START_WAIT} while JetStream cannot answer yet (a NATS
     * cluster that has just started elects its meta leader first).
     */
    private void ensureStreamsWhenReady(int replicas, Duration retention, long maxBytes)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_WAIT.toNanos();
        while (true) {
            try {
                ensureStreams(replicas, retention, maxBytes);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                LOG.info("JetStream is not ready yet ({}); trying again", e.getMessage());
                Thread.sleep(250); // startup, before any event loop runs
            }
        }
    }

    private void ensureStreams(int replicas, Duration retention, long maxBytes) throws IOException {
        StreamConfiguration.Builder status = StreamConfiguration.builder().name(names.stream()).subjects(names.all())
                .storageType(StorageType.File).replicas(replicas);
        if (!retention.isZero()) {
            status.maxAge(retention);
        }
        if (maxBytes > 0) {
            status.maxBytes(maxBytes);
        }
        ensureStream(status.build());
        ensureStream(StreamConfiguration.builder().name(names.keptStream()).subjects(names.allKept())
                .storageType(StorageType.File).replicas(replicas).maxMessagesPerSubject(1).build());
        ensureStream(StreamConfiguration.builder().name(names.probeStream()).subjects(names.allProbes())
                .storageType(StorageType.Memory).replicas(replicas).maxMessagesPerSubject(1).build());
        ensureStream(StreamConfiguration.builder().name(names.rejectedStream()).subjects(names.allRejected())
                .storageType(StorageType.File).replicas(replicas).maxAge(Duration.ofDays(7)).maxMessages(100_000)
                .build());
    }

    private void ensureStream(StreamConfiguration config) throws IOException {
        StreamConfiguration existing;
        try {
            existing = jsm.getStreamInfo(config.getName()).getConfiguration();
        } catch (JetStreamApiException missing) {
            if (missing.getErrorCode() != 404) {
                throw new IOException("cannot read JetStream stream " + config.getName() + ": " + missing.getMessage(),
                        missing);
            }
            try {
                jsm.addStream(config);
                return;
            } catch (JetStreamApiException e) {
                throw new IOException("cannot create JetStream stream " + config.getName() + ": " + e.getMessage(), e);
            }
        }
        if (existing.getMaxAge().equals(config.getMaxAge()) && existing.getMaxBytes() == config.getMaxBytes()) {
            return;
        }
        try {
            jsm.updateStream(StreamConfiguration.builder(existing).maxAge(config.getMaxAge())
                    .maxBytes(config.getMaxBytes()).build());
            LOG.info("stream {}: retention now {} and {} bytes", config.getName(), config.getMaxAge(),
                    config.getMaxBytes());
        } catch (JetStreamApiException e) {
            throw new IOException("cannot update JetStream stream " + config.getName() + ": " + e.getMessage(), e);
        }
    }

    private void startMirror() throws IOException, InterruptedException {
        long end;
        long messages;
        try {
            io.nats.client.api.StreamState state = jsm.getStreamInfo(names.stream()).getStreamState();
            end = state.getLastSequence();
            messages = state.getMsgCount();
        } catch (JetStreamApiException e) {
            throw new IOException("cannot read JetStream stream " + names.stream() + ": " + e.getMessage(), e);
        }
        if (messages == 0) {
            // every event left by retention (or none yet): offsets go on from the stream's last sequence
            presence.advanceTo(end);
            advance(end);
            caughtUp.complete(null);
        } else {
            waitFor(end, () -> caughtUp.complete(null));
        }
        try {
            mirrorSubscription = js.subscribe(names.all(), PushSubscribeOptions.builder().ordered(true)
                    // heartbeats a second apart: a consumer lost with its NATS server is noticed and made again
                    // from the last sequence applied within seconds, not the default 15 s that appends would wait
                    .configuration(ConsumerConfiguration.builder().deliverPolicy(DeliverPolicy.LastPerSubject)
                            .idleHeartbeat(MIRROR_HEARTBEAT).build())
                    .build());
            follower.start();
        } catch (JetStreamApiException e) {
            throw new IOException("cannot follow JetStream stream " + names.stream() + ": " + e.getMessage(), e);
        }
        try {
            caughtUp.get(START_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException("the presence mirror did not catch up with " + names.stream() + " within "
                    + START_WAIT, e);
        }
    }

    // ---- appending -------------------------------------------------------------------------------

    @Override
    public CompletableFuture<StatusEvent> append(EventDraft draft) {
        return append(draft, node);
    }

    /**
     * Ends, for the whole cluster, every connection {@code deadNode} still holds: appends {@code tcpclean} with
     * reason {@code server_crash} and {@code node} = {@code deadNode} for each client whose last event (as this node's
     * mirror has it) is that node's {@code connect}. Every survivor may call it at once: each append carries the
     * compare-and-set on its client's subject, so whichever survivor is first ends a client and the others' appends
     * for it are refused, and every client gets exactly one such event. A crashed node's own next start calls it for
     * itself.
     *
     * @return completes with how many of the connections this node ended (the others ended elsewhere or meanwhile)
     */
    public CompletableFuture<Integer> endConnectionsOf(String deadNode) {
        List<CompletableFuture<Boolean>> ends = new ArrayList<>();
        long now = clock.millis();
        presence.forEachWithOffset((s, offset) -> {
            if (!s.online() || !deadNode.equals(s.node())) {
                return;
            }
            ConnectionInfo c = connectionOf(s);
            // expected: exactly the connect seen here; had anyone appended since, this end would be a second one
            ClientTail seen = new ClientTail(offset, s.version());
            pending.incrementAndGet();
            EventDraft crash = new EventDraft(EventType.TCPCLEAN, c, DisconnectReason.SERVER_CRASH, now);
            ends.add(publish(seen, crash, deadNode)
                    // a connect older than the retention has left the stream: expect 0, once (the version's message
                    // ID still lets only one survivor in)
                    .exceptionallyCompose(error -> causeOf(error) instanceof StaleClientException
                            ? refresh(seen, s.clientId()).thenCompose(agedOut -> agedOut
                                    ? publish(seen, crash, deadNode) : CompletableFuture.failedFuture(causeOf(error)))
                            : CompletableFuture.failedFuture(causeOf(error)))
                    .handle((event, error) -> {
                        pending.decrementAndGet();
                        Throwable cause = error instanceof java.util.concurrent.CompletionException
                                && error.getCause() != null ? error.getCause() : error;
                        if (cause != null && !(cause instanceof StaleClientException)) {
                            LOG.warn("could not end {}'s connection of dead node {}: {}", s.clientId(), deadNode,
                                    cause.getMessage());
                        }
                        return cause == null;
                    }));
        });
        return CompletableFuture.allOf(ends.toArray(new CompletableFuture<?>[0]))
                .thenApply(ignored -> (int) ends.stream().filter(CompletableFuture::join).count());
    }

    private CompletableFuture<StatusEvent> append(EventDraft draft, String eventNode) {
        boolean connect = draft.type() == EventType.CONNECT;
        if (connect) {
            if (failure != null) {
                return CompletableFuture.failedFuture(new StatusLogUnavailableException(failure));
            }
            if (pending.get() >= maxPendingConnects) {
                return CompletableFuture.failedFuture(new StatusLogFullException(pending.get()));
            }
        }
        pending.incrementAndGet();
        String clientId = draft.connection().clientId();
        // counted in the map's own atomic step, so that the tail is never dropped while an append still needs it
        ClientTail t = tails.compute(clientId, (id, existing) -> {
            ClientTail tail = existing != null ? existing : new ClientTail(presence.lastEventOffset(id),
                    presence.find(id) != null ? presence.get(id).version() : forgotten.getOrDefault(id, 0L));
            tail.appends++;
            return tail;
        });
        CompletableFuture<StatusEvent> result = new CompletableFuture<>();
        // what the client's next append waits for: this one's outcome, and after a failed connect its clean-up
        CompletableFuture<Void> done = new CompletableFuture<>();
        CompletableFuture<?> previous;
        synchronized (t) {
            previous = t.chain;
            t.chain = done;
        }
        // outside the map's step: the chain may run to its end on this thread (everything already done)
        boolean ownConnect = connect && eventNode.equals(node);
        previous.handle((ignored, error) -> null)
                .thenCompose(ignored -> ownConnect ? connect(t, draft, 1)
                        : connect ? publish(t, draft, eventNode) : publishEnd(t, draft, eventNode, RETRY_FIRST_MS))
                .whenComplete((event, error) -> {
                    if (error == null) {
                        failure = null;
                        result.complete(event);
                        finish(clientId, t, done);
                        return;
                    }
                    Throwable cause = causeOf(error);
                    result.completeExceptionally(cause); // a refused connect: its CONNACK is refused now
                    CompletableFuture<Void> cleanUp = connect && !(cause instanceof StaleClientException)
                            ? endIfWritten(t, draft) : CompletableFuture.completedFuture(null);
                    cleanUp.whenComplete((ignored, e) -> finish(clientId, t, done));
                });
        return result;
    }

    /**
     * Publishes an end ({@code disconnect}, {@code tcpclean}) until it is written: an end is never dropped, or a
     * client would look online for ever. A failure whose outcome is unknown (a timeout, NATS moving to another server)
     * is tried again, 50 ms doubling to 1 s apart, once the mirror has caught up: if the end, or any newer event of
     * the client, got in meanwhile, it is done. Refused by the compare-and-set, another node ended or superseded the
     * connection first, and there is nothing to write.
     */
    private CompletableFuture<StatusEvent> publishEnd(ClientTail t, EventDraft d, String eventNode, long backoffMs) {
        String clientId = d.connection().clientId();
        if (presence.lastEventOffset(clientId) == t.lastSeq && t.lastSeq > 0) {
            // the chain's view is the stream's: an end is written only while it shows this connection open (after
            // a retry another node may have ended it, and a goodbye's tcpclean must not follow that end)
            ClientStatus s = presence.get(clientId);
            if (!d.connection().connectionId().equals(s.channelId())
                    || EventType.TCPCLEAN.wireName().equals(s.lastEventType())) {
                return CompletableFuture.completedFuture(null);
            }
        }
        return publish(t, d, eventNode).exceptionallyCompose(error -> {
            Throwable cause = causeOf(error);
            if (cause instanceof StaleClientException && !closed && backoffMs < RETRY_MAX_MS) {
                // the stream has another view of the client: someone else ended the connection (nothing to write),
                // or its events left the stream by retention (the end goes on from the version known here)
                long before = t.lastSeq;
                return refresh(t, clientId).thenCompose(agedOut -> agedOut || (t.lastSeq == before)
                        ? publishEnd(t, d, eventNode, backoffMs * 2)
                        : endedMeanwhile(t, clientId, d.connection().connectionId(), before)
                                ? CompletableFuture.completedFuture((StatusEvent) null)
                                : publishEnd(t, d, eventNode, backoffMs * 2));
            }
            if (cause instanceof StaleClientException || closed) {
                return CompletableFuture.failedFuture(cause);
            }
            Executor later = CompletableFuture.delayedExecutor(backoffMs, TimeUnit.MILLISECONDS);
            return CompletableFuture.runAsync(() -> { }, later)
                    .thenCompose(ignored -> sync())
                    .handle((ignored, notYet) -> notYet == null && endedMeanwhile(t, d.connection().clientId(),
                            d.connection().connectionId(), t.lastSeq))
                    .thenCompose(ended -> ended ? CompletableFuture.completedFuture((StatusEvent) null)
                            : publishEnd(t, d, eventNode, Math.min(RETRY_MAX_MS, backoffMs * 2)));
        });
    }

    /**
     * After the mirror caught up: whether the client has an event newer than the chain's last one that leaves
     * connection {@code connectionId} ended (this node's end whose acknowledgement was lost, another node's end, or a
     * newer connection); the chain then goes on from there.
     */
    private boolean endedMeanwhile(ClientTail t, String clientId, String connectionId, long since) {
        long seen = presence.lastEventOffset(clientId);
        if (seen <= since) {
            return false;
        }
        ClientStatus s = presence.get(clientId);
        t.lastSeq = seen;
        t.version = s.version();
        return !s.online() || !connectionId.equals(s.channelId());
    }

    /**
     * After a {@code connect} failed in a way that may still have written it (a lost acknowledgement): once the stream
     * answers, if the client's last event is that connect, ends it ({@code tcpclean}/{@code connection_lost}, the
     * connection is refused and closed), so that no connection the client never got a CONNACK for looks online.
     */
    private CompletableFuture<Void> endIfWritten(ClientTail t, EventDraft connect) {
        return sync().handle((ignored, error) -> error == null).thenCompose(answered -> {
            if (!answered) {
                if (closed) {
                    return CompletableFuture.completedFuture(null);
                }
                Executor later = CompletableFuture.delayedExecutor(RETRY_MAX_MS, TimeUnit.MILLISECONDS);
                return CompletableFuture.runAsync(() -> { }, later).thenCompose(again -> endIfWritten(t, connect));
            }
            String clientId = connect.connection().clientId();
            long seen = presence.lastEventOffset(clientId);
            ClientStatus s = presence.get(clientId);
            if (seen > t.lastSeq) {
                t.lastSeq = seen;
                t.version = s.version();
            }
            if (!s.online() || !connect.connection().connectionId().equals(s.channelId())) {
                return CompletableFuture.completedFuture(null); // not written: nothing to end
            }
            LOG.warn("the refused connect of {} was written after all; logging its end", clientId);
            EventDraft end = new EventDraft(EventType.TCPCLEAN, connect.connection(), DisconnectReason.CONNECTION_LOST,
                    clock.millis());
            return publishEnd(t, end, node, RETRY_FIRST_MS).handle((e, failed) -> null);
        });
    }

    /**
     * Publishes a {@code connect} once no other connection of the client is open anywhere: a connection another node
     * holds is ended there first (or, if that node does not answer in time, by this one), one left open by a crash of
     * this node is ended here; a refused compare-and-set (this node's view was behind) catches the mirror up and tries
     * again.
     */
    private CompletableFuture<StatusEvent> connect(ClientTail t, EventDraft d, int attempt) {
        String clientId = d.connection().clientId();
        long seen = presence.lastEventOffset(clientId);
        ClientStatus s = presence.get(clientId);
        if (seen > t.lastSeq && seen != t.agedOut) { // another node's event came after this chain's last one
            t.lastSeq = seen;
            t.version = s.version();
        }
        // open: its last event is a connect, or a disconnect whose tcpclean is still to come from its node
        boolean open = s.version() > 0 && !EventType.TCPCLEAN.wireName().equals(s.lastEventType());
        if (!open || (seen != t.lastSeq && seen != t.agedOut)) {
            return publish(t, d, node).exceptionallyCompose(error -> retryIfStale(error, t, d, attempt));
        }
        if (attempt >= CONNECT_ATTEMPTS) {
            return CompletableFuture.failedFuture(new StatusLogUnavailableException("could not take " + clientId
                    + " over from node " + s.node() + " in " + attempt + " attempts"));
        }
        if (s.node().equals(node)) { // left open by an earlier start of this node: end it here
            return endHere(t, s).thenCompose(ignored -> connect(t, d, attempt + 1));
        }
        return remoteEnds.end(s.node(), clientId, s.channelId())
                .orTimeout(TAKEOVER_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                .handle((offset, error) -> {
                    if (error == null && offset > seen) { // it logged the end (or something newer) meanwhile
                        return applied(offset).thenCompose(ignored -> connect(t, d, attempt + 1));
                    }
                    if (error != null) {
                        LOG.warn("node {} did not end {}'s connection for a takeover ({}); ending it here",
                                s.node(), clientId, error.toString());
                    }
                    return endHere(t, s).thenCompose(ignored -> connect(t, d, attempt + 1));
                })
                .thenCompose(next -> next);
    }

    /**
     * Ends, with this node's compare-and-set, the connection {@code s} says is open (another node's that did not
     * answer, or an earlier start's of this node): {@code tcpclean}/{@code session_taken_over} with {@code node} = the
     * node that held it. Refused because someone else appended first, it catches up instead; either way the chain goes
     * on with a fresh view.
     */
    private CompletableFuture<Void> endHere(ClientTail t, ClientStatus s) {
        EventDraft end = new EventDraft(EventType.TCPCLEAN, connectionOf(s), DisconnectReason.SESSION_TAKEN_OVER,
                clock.millis());
        return publish(t, end, s.node()).handle((event, error) -> error)
                .thenCompose(error -> error == null ? CompletableFuture.completedFuture(null) : caughtUp(error, t,
                        s.clientId()));
    }

    private CompletableFuture<StatusEvent> retryIfStale(Throwable error, ClientTail t, EventDraft d, int attempt) {
        if (attempt < CONNECT_ATTEMPTS && causeOf(error) instanceof StaleClientException) {
            return refresh(t, d.connection().clientId()).thenCompose(ignored -> connect(t, d, attempt + 1));
        }
        return CompletableFuture.failedFuture(causeOf(error));
    }

    /** After a refused compare-and-set: completes once the chain's view is the stream's; other errors fail it. */
    private CompletableFuture<Void> caughtUp(Throwable error, ClientTail t, String clientId) {
        return causeOf(error) instanceof StaleClientException ? refresh(t, clientId).thenApply(agedOut -> null)
                : CompletableFuture.failedFuture(causeOf(error));
    }

    /**
     * After a refused compare-and-set: reads the client's last message in the stream (one request), waits for the
     * mirror to apply it, and takes the chain's view from there. When the subject has no message at all, the client's
     * last event left the stream by retention: the next append expects 0 and goes on from the version the chain
     * knows ({@link ClientTail#agedOut} remembers the offset the mirror still shows for it).
     *
     * @return whether the client's events have all left the stream
     */
    private CompletableFuture<Boolean> refresh(ClientTail t, String clientId) {
        String subject = names.client(ClientIds.groupOf(clientId), clientId);
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(Map.of("last_by_subj", subject));
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Message> reply;
        try {
            reply = nats.request(names.lastMessageSubject(), body);
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        return reply.orTimeout(SYNC_WAIT.toMillis(), TimeUnit.MILLISECONDS).thenCompose(m -> {
            com.fasterxml.jackson.databind.JsonNode answer;
            try {
                answer = JSON.readTree(m.getData());
            } catch (IOException | RuntimeException e) {
                throw new StatusLogUnavailableException("unreadable answer from " + names.stream());
            }
            if (answer.has("error")) {
                if (answer.path("error").path("code").asInt() != 404) {
                    throw new StatusLogUnavailableException(answer.path("error").path("description").asText());
                }
                long shown = presence.lastEventOffset(clientId);
                t.version = Math.max(t.version, Math.max(presence.get(clientId).version(),
                        forgotten.getOrDefault(clientId, 0L)));
                t.lastSeq = 0;
                t.agedOut = shown;
                return CompletableFuture.completedFuture(true);
            }
            long last = answer.path("message").path("seq").asLong();
            return applied(last).thenApply(ignored -> {
                t.lastSeq = presence.lastEventOffset(clientId);
                t.version = presence.get(clientId).version();
                t.agedOut = -1;
                return false;
            });
        });
    }

    private static Throwable causeOf(Throwable error) {
        return error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
    }

    private static ConnectionInfo connectionOf(ClientStatus s) {
        return new ConnectionInfo(s.clientId(), s.channelId(), s.clientIp(), s.protocolVersion(), s.keepAlive(),
                s.cleanStart(), s.username(), s.connectedAt(), s.certificateChainSn());
    }

    private CompletableFuture<StatusEvent> publish(ClientTail t, EventDraft d, String eventNode) {
        ConnectionInfo c = d.connection();
        long time = Math.max(lastTime, d.observedAt());
        lastTime = time;
        long version = t.version + 1;
        StatusEvent e = new StatusEvent(0, c.clientId(), ClientIds.groupOf(c.clientId()), d.type(), c.connectionId(),
                c.remoteAddress(), time, version, d.reason(), eventNode, c.certificateChainSn(), null);
        ClientStatus status = next(e, c);
        byte[] eventJson = StatusEventJson.encode(e);
        byte[] statusJson = ClientStatusJson.encode(status);
        byte[] body = ByteBuffer.allocate(12 + eventJson.length + statusJson.length).putLong(t.lastSeq)
                .putInt(eventJson.length).put(eventJson).put(statusJson).array();
        String subject = names.client(e.groupId(), e.clientId());
        // The compare-and-set alone does not hold between appends in flight at once on a clustered 2.9 stream (the
        // leader checks against what it has applied); the message ID of the version claimed does: the stream takes
        // one message per ID within its duplicate window, checked as each is proposed.
        PublishOptions expect = PublishOptions.builder().expectedLastSubjectSequence(t.lastSeq)
                .messageId(subject + ':' + version).build();
        return js.publishAsync(subject, writerHeaders, body, expect)
                .handle((PublishAck ack, Throwable error) -> {
                    if (error != null) {
                        throw new java.util.concurrent.CompletionException(describe(e, error));
                    }
                    if (ack.isDuplicate()) {
                        throw new java.util.concurrent.CompletionException(new StaleClientException(e.clientId(),
                                "version " + version + " was taken by another append"));
                    }
                    t.lastSeq = ack.getSeqno();
                    t.version = version;
                    return withOffset(e, ack.getSeqno());
                })
                .thenCompose(event -> applied(event.offset()).thenApply(ignored -> event));
    }

    /**
     * What a failed publish means: a refused expectation (another node appended for the client first) is the client's
     * own matter; anything else (no NATS majority, a timeout) makes the log unavailable until an append succeeds.
     */
    private Throwable describe(StatusEvent e, Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof JetStreamApiException api && api.getApiErrorCode() == WRONG_LAST_SEQUENCE) {
                return new StaleClientException(e.clientId(), api.getMessage());
            }
        }
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        failure = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return new StatusLogUnavailableException(failure);
    }

    private void finish(String clientId, ClientTail t, CompletableFuture<Void> done) {
        pending.decrementAndGet();
        // the last append of the chain: the mirror has it, so the presence registry is this client's truth again
        tails.computeIfPresent(clientId, (id, existing) -> existing == t && --t.appends == 0 ? null : existing);
        done.complete(null);
    }

    /** Completes once the mirror has applied the event at {@code seq}. */
    private CompletableFuture<Void> applied(long seq) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        waitFor(seq, () -> done.complete(null));
        return done;
    }

    private void waitFor(long seq, Runnable task) {
        synchronized (waiting) {
            if (lastOffset < seq) {
                waiting.computeIfAbsent(seq, s -> new ArrayList<>(1)).add(task);
                return;
            }
        }
        task.run();
    }

    /** The mirror applied everything up to {@code seq}: publishes it as the last offset and runs what waited for it. */
    private void advance(long seq) {
        List<Runnable> ready = new ArrayList<>();
        synchronized (waiting) {
            lastOffset = seq;
            SortedMap<Long, List<Runnable>> due = waiting.headMap(seq, true);
            due.values().forEach(ready::addAll);
            due.clear();
        }
        ready.forEach(Runnable::run);
    }

    private ClientStatus next(StatusEvent e, ConnectionInfo c) {
        boolean online = e.eventType() == EventType.CONNECT;
        return new ClientStatus(e.clientId(), e.groupId(), online, e.version(), e.eventType().wireName(),
                e.channelId(), e.clientIp(), e.node(), c.connectedAt(), online ? 0 : e.time(),
                e.reason() == null ? null : e.reason().wireName(), c.protocolVersion(), c.keepAliveSeconds(),
                c.cleanStart(), c.username(), c.certificateChainSn());
    }

    // ---- the mirror ----------------------------------------------------------------------------

    /** The mirror's thread: applies every message of the ordered consumer, in stream order. */
    private void follow() {
        while (!closed) {
            for (Runnable task = mirrorTasks.poll(); task != null; task = mirrorTasks.poll()) {
                task.run();
            }
            try {
                Message m = mirrorSubscription.nextMessage(Duration.ofMillis(200));
                if (m != null) {
                    mirror(m);
                }
            } catch (InterruptedException e) {
                return;
            } catch (IllegalStateException e) {
                if (!closed) {
                    LOG.error("status stream {}: the presence mirror stopped", names.stream(), e);
                }
                return;
            }
        }
    }

    private void mirror(Message m) {
        long seq = m.metaData().streamSequence();
        try {
            Record r = Record.decode(m.getData());
            StatusEvent e = withOffset(StatusEventJson.decode(r.eventJson), seq);
            byte[] json = StatusEventJson.encode(e);
            presence.apply(ClientStatusJson.decode(r.statusJson), r.statusJson, seq);
            tail.put(new StoredEvent(seq, e.clientId(), e.groupId(), e.eventType(), e.time(), json));
            track(e, m.hasHeaders() ? m.getHeaders().getFirst(WRITER_HEADER) : null);
            lastTime = Math.max(lastTime, e.time());
        } catch (RuntimeException corrupt) {
            LOG.error("status stream {}: skipping the unreadable message at sequence {}", names.stream(), seq, corrupt);
        }
        presence.advanceTo(seq);
        advance(seq);
        listeners.committed(seq);
    }

    /** Keeps {@link #owned} and tells the ownership listener of a connection another writer ended or superseded. */
    private void track(StatusEvent e, String eventWriter) {
        if (writer.equals(eventWriter)) {
            if (e.eventType() == EventType.CONNECT) {
                owned.put(e.clientId(), e.channelId());
            } else {
                owned.remove(e.clientId(), e.channelId());
            }
            return;
        }
        String held = owned.remove(e.clientId());
        if (held != null) {
            try {
                ownership.lost(e.clientId(), held);
            } catch (RuntimeException failed) {
                LOG.error("the ownership listener failed for {}", e.clientId(), failed);
            }
        }
    }

    // ---- retention: what outlives the status stream -------------------------------------------

    /**
     * Reads the kept stream before the mirror starts: a kept client still in the status stream is overwritten by the
     * mirror's newer view; one whose events have all left it is known from this record (online if it still is, the
     * version it reached), or, offline longer than the retention, only its version is remembered.
     */
    private void loadKept() throws IOException, InterruptedException {
        long count;
        try {
            count = jsm.getStreamInfo(names.keptStream()).getStreamState().getMsgCount();
        } catch (JetStreamApiException e) {
            throw new IOException("cannot read JetStream stream " + names.keptStream() + ": " + e.getMessage(), e);
        }
        if (count == 0) {
            return;
        }
        JetStreamSubscription kept;
        try {
            kept = js.subscribe(names.allKept(), PushSubscribeOptions.builder().ordered(true)
                    .configuration(ConsumerConfiguration.builder().deliverPolicy(DeliverPolicy.LastPerSubject).build())
                    .build());
        } catch (JetStreamApiException e) {
            throw new IOException("cannot read JetStream stream " + names.keptStream() + ": " + e.getMessage(), e);
        }
        long cutoff = retention.isZero() ? Long.MIN_VALUE : clock.millis() - retention.toMillis();
        try {
            long deadline = System.nanoTime() + START_WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                Message m = kept.nextMessage(Duration.ofSeconds(1));
                if (m == null) {
                    continue;
                }
                ByteBuffer b = ByteBuffer.wrap(m.getData());
                long seq = b.getLong();
                byte[] json = Arrays.copyOfRange(m.getData(), 8, m.getData().length);
                ClientStatus status = ClientStatusJson.decode(json);
                keptAt.put(status.clientId(), seq);
                if (!status.online() && status.disconnectedAt() < cutoff) {
                    forgotten.put(status.clientId(), status.version());
                } else {
                    presence.apply(status, json, seq);
                }
                if (m.metaData().pendingCount() == 0) {
                    return;
                }
            }
            throw new IOException("could not read " + names.keptStream() + " within " + START_WAIT);
        } finally {
            kept.unsubscribe();
        }
    }

    /**
     * The status log's retention in a stream: keeps (in the kept stream, one message per client) the status of every
     * client whose last event is older than half the retention, so that it outlives its events: its version goes on,
     * and a client connected for longer than the retention stays online on every node. Clients offline longer than
     * the retention are forgotten here, as on one node (only their version stays). Runs on the broker's timer;
     * writes in the background. Every node does it for every client; the writes agree.
     */
    public void applyRetention() {
        if (retention.isZero()) {
            return;
        }
        long now = clock.millis();
        long keepBefore = now - retention.toMillis() / 2;
        long forgetBefore = now - retention.toMillis();
        presence.forEachWithOffset((status, offset) -> {
            long since = status.online() ? status.connectedAt() : status.disconnectedAt();
            if (since >= keepBefore) {
                return;
            }
            Long kept = keptAt.get(status.clientId());
            if (kept == null || kept != offset) {
                keep(status, offset);
            } else if (!status.online() && since < forgetBefore) {
                mirrorTasks.add(() -> {
                    if (presence.lastEventOffset(status.clientId()) == offset) {
                        forgotten.put(status.clientId(), status.version());
                        presence.forget(status.clientId());
                    }
                });
            }
        });
    }

    private void keep(ClientStatus status, long offset) {
        byte[] json = ClientStatusJson.encode(status);
        byte[] body = ByteBuffer.allocate(8 + json.length).putLong(offset).put(json).array();
        try {
            js.publishAsync(names.kept(status.groupId(), status.clientId()), body).whenComplete((ack, error) -> {
                if (error == null) {
                    keptAt.put(status.clientId(), offset);
                } else {
                    LOG.debug("could not keep the status of {}: {}", status.clientId(), error.toString());
                }
            });
        } catch (RuntimeException e) {
            LOG.debug("could not keep the status of {}: {}", status.clientId(), e.toString());
        }
    }

    // ---- the read barrier ------------------------------------------------------------------------

    /**
     * Completes once the mirror has applied every event the stream held when this was called: one stream-info
     * request serves every call made while the one before it was in flight (a call joins the next request, never one
     * that may have started before it).
     */
    @Override
    public CompletableFuture<Void> sync() {
        CompletableFuture<Void> barrier;
        synchronized (syncLock) {
            if (syncInFlight != null) {
                if (syncNext == null) {
                    syncNext = new CompletableFuture<>();
                }
                return syncNext;
            }
            barrier = syncInFlight = new CompletableFuture<>();
        }
        requestLastSequence(barrier);
        return barrier;
    }

    @Override
    public boolean immediate() {
        return false;
    }

    private void requestLastSequence(CompletableFuture<Void> barrier) {
        CompletableFuture<Message> reply;
        try {
            reply = nats.request(names.infoSubject(), new byte[0]);
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        reply.orTimeout(SYNC_WAIT.toMillis(), TimeUnit.MILLISECONDS).whenComplete((m, error) -> {
            CompletableFuture<Void> next;
            synchronized (syncLock) {
                next = syncNext;
                syncNext = null;
                syncInFlight = next;
            }
            if (next != null) {
                requestLastSequence(next);
            }
            long last;
            try {
                last = error == null ? lastSequence(m) : -1;
            } catch (IOException | RuntimeException unreadable) {
                error = unreadable;
                last = -1;
            }
            if (last < 0) {
                barrier.completeExceptionally(new StatusLogUnavailableException("cannot read the state of stream "
                        + names.stream() + ": " + (error == null ? "no answer" : error.toString())));
                return;
            }
            waitFor(last, () -> barrier.complete(null));
        });
    }

    private static long lastSequence(Message m) throws IOException {
        if (m.isStatusMessage()) {
            throw new IOException("NATS status " + m.getStatus());
        }
        com.fasterxml.jackson.databind.JsonNode info = JSON.readTree(m.getData());
        if (info.has("error")) {
            throw new IOException(info.path("error").path("description").asText("JetStream error"));
        }
        return info.path("state").path("last_seq").asLong(0);
    }

    /**
     * Checks that this node can write with a majority of the NATS servers, for {@link #unavailable()} while nothing is
     * appended: one empty message to this node's subject of a small replicated stream (one message kept per node),
     * which the stream acknowledges only once a majority of its replicas has it. A periodic task of the broker calls
     * it.
     */
    public CompletionStage<Void> probe() {
        if (!probing.compareAndSet(false, true)) {
            return CompletableFuture.completedFuture(null); // the last one is still waiting for its answer
        }
        CompletableFuture<PublishAck> written;
        try {
            written = js.publishAsync(names.probe(node), new byte[0]);
        } catch (RuntimeException e) {
            written = CompletableFuture.failedFuture(e);
        }
        return written.orTimeout(SYNC_WAIT.toMillis(), TimeUnit.MILLISECONDS).handle((ack, error) -> {
            if (error != null) {
                Throwable cause = causeOf(error);
                failure = "no NATS majority takes writes: " + (cause.getMessage() == null
                        ? cause.getClass().getSimpleName() : cause.getMessage());
            } else {
                failure = null; // a majority writes: appends can be tried again
            }
            probing.set(false);
            return null;
        });
    }

    // ---- reading -------------------------------------------------------------------------------

    @Override
    public boolean acceptingConnects() {
        return pending.get() < maxPendingConnects && failure == null;
    }

    @Override
    public Optional<String> unavailable() {
        if (nats.getStatus() != Connection.Status.CONNECTED) {
            return Optional.of("not connected to NATS (" + nats.getStatus() + ")");
        }
        return Optional.ofNullable(failure);
    }

    @Override
    public void recordRejected(RejectedConnect rejected) {
        try {
            js.publishAsync(names.rejected(rejected.clientId()), JSON.writeValueAsBytes(rejected))
                    .exceptionally(error -> {
                        LOG.debug("could not record a refused attempt of {}: {}", rejected.clientId(), error.toString());
                        return null;
                    });
        } catch (IOException e) {
            LOG.debug("could not record a refused attempt of {}: {}", rejected.clientId(), e.toString());
        }
    }

    @Override
    public long lastOffset() {
        return lastOffset;
    }

    @Override
    public long firstOffset() {
        try {
            StreamInfo info = jsm.getStreamInfo(names.stream());
            long first = info.getStreamState().getFirstSequence();
            return first == 0 ? lastOffset + 1 : Math.min(first, lastOffset + 1);
        } catch (IOException | JetStreamApiException e) {
            return 1;
        }
    }

    @Override
    public long read(long afterOffset, int limit, EventFilter filter, Predicate<StoredEvent> sink) {
        long upTo = lastOffset;
        if (afterOffset >= upTo || limit <= 0) {
            return afterOffset;
        }
        EventTail.Scan memory = tail.read(afterOffset + 1, upTo, afterOffset, limit, filter, sink);
        if (memory.done()) {
            return memory.examined();
        }
        long o = memory.next();
        long examined = memory.examined();
        int passed = memory.passed();
        // older than memory holds (or never applied here as a whole: the mirror starts at each client's last event)
        String subject = filter.groupId() == null ? names.all() : names.group(filter.groupId());
        int[] remaining = {limit - passed};
        long[] last = {examined};
        boolean exhausted = scan(subject, o, upTo, e -> {
            last[0] = e.offset();
            if (!filter.test(e)) {
                return true;
            }
            remaining[0]--;
            return sink.test(e) && remaining[0] > 0;
        });
        // the subject filter skips other groups' events unseen: once it ran dry, everything up to upTo was examined
        return exhausted ? upTo : Math.max(examined, last[0]);
    }

    /**
     * Passes the events on {@code subject} (a filter) with sequences in [{@code from}, {@code upTo}] to {@code sink},
     * in order, until it returns false: one "next message for the subject" request per event (JetStream 2.9 has no
     * batched get), so an empty range costs one request and a client's trace a few.
     *
     * @return true if every such event was passed, false if {@code sink} stopped the scan
     */
    private boolean scan(String subject, long from, long upTo, Predicate<StoredEvent> sink) {
        long seq = Math.max(1, from);
        while (seq <= upTo) {
            MessageInfo info;
            try {
                info = jsm.getNextMessage(names.stream(), seq, subject);
            } catch (JetStreamApiException none) {
                return true; // no message on the subject from seq on
            } catch (IOException e) {
                throw new StatusLogUnavailableException("cannot read " + names.stream() + ": " + e.getMessage());
            }
            if (info.getSeq() > upTo) {
                return true;
            }
            if (!sink.test(stored(info.getSeq(), info.getData()))) {
                return false;
            }
            seq = info.getSeq() + 1;
        }
        return true;
    }

    private static StoredEvent stored(long seq, byte[] data) {
        Record r = Record.decode(data);
        StatusEvent e = withOffset(StatusEventJson.decode(r.eventJson), seq);
        return new StoredEvent(seq, e.clientId(), e.groupId(), e.eventType(), e.time(), StatusEventJson.encode(e));
    }

    @Override
    public long newestOffsetOfGroup(String groupId) {
        return presence.groupNewestEvent(groupId);
    }

    @Override
    public long offsetAtOrAfter(long epochMillis) {
        long lo = firstOffset();
        long hi = lastOffset + 1;
        while (lo < hi) {
            long mid = lo + (hi - lo) / 2;
            StoredEvent e = atOrAfter(mid);
            if (e == null || e.offset() >= hi) {
                hi = mid;
            } else if (e.time() < epochMillis) {
                lo = e.offset() + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The first event at or after {@code seq}, or null. */
    private StoredEvent atOrAfter(long seq) {
        try {
            MessageInfo info = jsm.getNextMessage(names.stream(), seq, names.all());
            return stored(info.getSeq(), info.getData());
        } catch (JetStreamApiException noMore) {
            return null;
        } catch (IOException e) {
            throw new StatusLogUnavailableException("cannot read " + names.stream() + ": " + e.getMessage());
        }
    }

    @Override
    public void readClient(String clientId, long afterOffset, boolean reverse, long begin, long end,
                           Predicate<StoredEvent> sink) {
        String subject = names.client(ClientIds.groupOf(clientId), clientId);
        long upTo = lastOffset;
        if (!reverse) {
            scan(subject, afterOffset + 1, upTo, e -> e.time() < begin || (e.time() <= end && sink.test(e)));
            return;
        }
        List<StoredEvent> events = new ArrayList<>();
        scan(subject, 1, Math.min(upTo, afterOffset - 1), e -> {
            if (e.time() >= begin && e.time() <= end) {
                events.add(e);
            }
            return true;
        });
        for (int i = events.size() - 1; i >= 0; i--) {
            if (!sink.test(events.get(i))) {
                return;
            }
        }
    }

    @Override
    public void readRejected(String clientId, long begin, long end, Predicate<RejectedConnect> sink) {
        String subject = names.rejected(clientId);
        for (long seq = 1; ; ) {
            MessageInfo info;
            try {
                info = jsm.getNextMessage(names.rejectedStream(), seq, subject);
            } catch (JetStreamApiException none) {
                return;
            } catch (IOException e) {
                throw new StatusLogUnavailableException("cannot read " + names.rejectedStream() + ": " + e.getMessage());
            }
            RejectedConnect r;
            try {
                r = JSON.readValue(info.getData(), RejectedConnect.class);
            } catch (IOException corrupt) {
                LOG.warn("stream {}: skipping the unreadable refused attempt at sequence {}", names.rejectedStream(),
                        info.getSeq());
                seq = info.getSeq() + 1;
                continue;
            }
            if (r.time() >= begin && r.time() <= end && !sink.test(r)) {
                return;
            }
            seq = info.getSeq() + 1;
        }
    }

    @Override
    public void onCommit(LongConsumer listener) {
        listeners.add(listener);
    }

    @Override
    public void removeCommitListener(LongConsumer listener) {
        listeners.remove(listener);
    }

    /** Waits up to 10 s for the appends in flight, then stops following the stream (the connection stays open). */
    @Override
    public void close() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pending.get() > 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // the close of a stopping broker, not an event loop
        }
        closed = true;
        follower.interrupt();
        try {
            follower.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            mirrorSubscription.unsubscribe();
        } catch (IllegalStateException alreadyGone) {
            // the connection closed first
        }
    }

    private static StatusEvent withOffset(StatusEvent e, long offset) {
        return new StatusEvent(offset, e.clientId(), e.groupId(), e.eventType(), e.channelId(), e.clientIp(), e.time(),
                e.version(), e.reason(), e.node(), e.certificateChainSn(), e.remark());
    }

    /** One client's appends on this node: where its subject stands, and the last append in its chain. */
    private static final class ClientTail {
        volatile long lastSeq;
        volatile long version;
        /** The offset the mirror still shows for a client whose events all left the stream; -1 otherwise. */
        volatile long agedOut = -1;
        /** The last append of the chain; guarded by this. */
        CompletableFuture<?> chain = CompletableFuture.completedFuture(null);
        /** Appends counted and not yet finished; changed only inside the tails map's atomic steps. */
        int appends;

        ClientTail(long lastSeq, long version) {
            this.lastSeq = lastSeq;
            this.version = version;
        }
    }

    /** A message of the status stream, decoded. */
    private record Record(long previousSeq, byte[] eventJson, byte[] statusJson) {

        static Record decode(byte[] data) {
            ByteBuffer b = ByteBuffer.wrap(data);
            long previous = b.getLong();
            int eventLength = b.getInt();
            if (eventLength < 0 || eventLength > b.remaining()) {
                throw new IllegalArgumentException("event of " + eventLength + " bytes in a record of " + data.length);
            }
            byte[] event = Arrays.copyOfRange(data, 12, 12 + eventLength);
            byte[] status = Arrays.copyOfRange(data, 12 + eventLength, data.length);
            return new Record(previous, event, status);
        }
    }
}
