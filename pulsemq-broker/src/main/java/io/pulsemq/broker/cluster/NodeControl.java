package io.pulsemq.broker.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.pulsemq.broker.presence.PresenceRegistry;
import io.pulsemq.broker.session.ConnectionInfo;
import io.pulsemq.broker.session.RemoteKicks;
import io.pulsemq.broker.session.SessionClaims;
import io.pulsemq.broker.session.SessionSnapshot;
import io.pulsemq.broker.session.SessionStore;
import io.pulsemq.broker.store.MessageCodec;
import io.pulsemq.broker.subscription.Subscription;
import io.pulsemq.broker.session.SessionRegistry;
import io.pulsemq.protocol.ClientStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Requests between nodes over core NATS, on {@code pulsemq.node.<node token>.<action>}: one node asks the node that
 * holds a client's connection to end it (a takeover: {@link RemoteEnds}), to kick it (the API's disconnect on
 * another node: {@link RemoteKicks}) or to give up its persistent session ({@link SessionClaims}), and answers the
 * same requests for the connections and sessions it holds.
 *
 * <p>Answers are sent once the end is recorded in the status log, so the asking node can wait for exactly that event.
 * Handlers run on a NATS dispatcher thread and never block: the session registry's calls take a client's lock
 * briefly, and the answer is sent when the log's append completes.
 */
public final class NodeControl implements RemoteEnds, RemoteKicks, SessionClaims, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NodeControl.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String END = "end";
    private static final String KICK = "kick";
    private static final String SESSION = "session";
    /** How long a connect waits for another node to give up the client's session before starting a new one. */
    private static final Duration SESSION_WAIT = Duration.ofSeconds(3);
    private static final int SNAPSHOT_VERSION = 1;
    /** How long a kick waits for the holder's answer. */
    private static final Duration KICK_WAIT = Duration.ofSeconds(5);

    private final Connection nats;
    private final PresenceRegistry presence;
    private final SessionRegistry sessions;
    private final Dispatcher dispatcher;
    private final JetStreamStatusLog log;
    private final String node;

    /**
     * Starts answering this node's requests.
     *
     * @param node     this node's name
     * @param presence where another node's clients are (the status log's mirror)
     * @param sessions the connections this node holds
     * @param log      this node's appends, which an answer waits for
     */
    public NodeControl(Connection nats, String node, PresenceRegistry presence, SessionRegistry sessions,
                       JetStreamStatusLog log) {
        this.nats = nats;
        this.log = log;
        this.presence = presence;
        this.sessions = sessions;
        this.dispatcher = nats.createDispatcher();
        dispatcher.subscribe(subject(node, END), this::answerEnd);
        dispatcher.subscribe(subject(node, KICK), this::answerKick);
        dispatcher.subscribe(subject(node, SESSION), this::answerSession);
        this.node = node;
    }

    /** The subject of {@code action} requests to {@code node}. */
    static String subject(String node, String action) {
        return "pulsemq.node." + StatusSubjects.token(node) + '.' + action;
    }

    @Override
    public CompletableFuture<Long> end(String node, String clientId, String connectionId) {
        return ask(node, END, Map.of("clientId", clientId, "connectionId", connectionId))
                .thenApply(answer -> answer.path("offset").asLong(0));
    }

    @Override
    public CompletionStage<Boolean> kick(String clientId) {
        ClientStatus s = presence.find(clientId);
        if (s == null || !s.online()) {
            return CompletableFuture.completedFuture(false);
        }
        return ask(s.node(), KICK, Map.of("clientId", clientId))
                .orTimeout(KICK_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                .thenApply(answer -> answer.path("kicked").asBoolean(false));
    }

    /**
     * Brings the client's persistent session from the node of its last event, if that is another node: that node
     * ends a connection it still has, gives the session up and sends it; it is adopted here. A node that does not
     * answer in time, or has no session, leaves the client to start a new one here.
     */
    @Override
    public CompletionStage<Void> claim(ConnectionInfo info) {
        ClientStatus s = presence.find(info.clientId());
        if (s == null || s.node() == null || s.node().equals(node)) {
            return CompletableFuture.completedFuture(null);
        }
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(Map.of("clientId", info.clientId()));
        } catch (IOException e) {
            return CompletableFuture.completedFuture(null);
        }
        return nats.request(subject(s.node(), SESSION), body)
                .orTimeout(SESSION_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                .handle((reply, error) -> {
                    if (error != null || reply.isStatusMessage()) {
                        LOG.info("no session of {} from node {} ({}): it starts a new one here", info.clientId(),
                                s.node(), error != null ? error.toString() : "node not answering");
                        return null;
                    }
                    if (reply.getData() != null && reply.getData().length > 0) {
                        try {
                            sessions.adopt(decode(reply.getData()));
                        } catch (IOException | RuntimeException e) {
                            LOG.error("unreadable session of {} from node {}", info.clientId(), s.node(), e);
                        }
                    }
                    return null;
                });
    }

    private void answerSession(Message request) {
        JsonNode r = read(request);
        if (r == null || request.getReplyTo() == null) {
            return;
        }
        String clientId = r.path("clientId").asText();
        sessions.export(clientId).whenComplete((snapshot, error) -> {
            byte[] answer = new byte[0];
            if (error != null) {
                LOG.warn("could not give up the session of {}: {}", clientId, error.toString());
            } else if (snapshot != null) {
                answer = encode(snapshot);
            }
            try {
                nats.publish(request.getReplyTo(), answer);
            } catch (IllegalStateException e) {
                LOG.warn("could not send the session of {}: {}", clientId, e.toString());
            }
        });
    }

    /** A session as one binary record, each part in the store's own encoding ({@link MessageCodec}). */
    static byte[] encode(SessionSnapshot s) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(SNAPSHOT_VERSION);
            writeBlock(out, MessageCodec.encodeSessionMeta(s.meta()));
            out.writeInt(s.subscriptions().size());
            for (Subscription sub : s.subscriptions()) {
                writeBlock(out, MessageCodec.encodeSubscription(sub));
            }
            out.writeInt(s.outbound().size());
            for (SessionStore.OutboundMessage m : s.outbound()) {
                writeBlock(out, MessageCodec.encodeOutbound(m));
            }
            out.writeInt(s.inboundQos2().size());
            for (int id : s.inboundQos2()) {
                out.writeInt(id);
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // a byte array does not fail
        }
    }

    static SessionSnapshot decode(byte[] data) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
        int version = in.readUnsignedByte();
        if (version != SNAPSHOT_VERSION) {
            throw new IOException("session record of version " + version + "; this build reads " + SNAPSHOT_VERSION);
        }
        SessionStore.SessionMeta meta = MessageCodec.decodeSessionMeta(readBlock(in));
        List<Subscription> subs = new ArrayList<>();
        for (int i = in.readInt(); i > 0; i--) {
            subs.add(MessageCodec.decodeSubscription(readBlock(in)));
        }
        List<SessionStore.OutboundMessage> outbound = new ArrayList<>();
        for (int i = in.readInt(); i > 0; i--) {
            outbound.add(MessageCodec.decodeOutbound(readBlock(in)));
        }
        List<Integer> inbound = new ArrayList<>();
        for (int i = in.readInt(); i > 0; i--) {
            inbound.add(in.readInt());
        }
        return new SessionSnapshot(meta, subs, outbound, inbound);
    }

    private static void writeBlock(DataOutputStream out, byte[] block) throws IOException {
        out.writeInt(block.length);
        out.write(block);
    }

    private static byte[] readBlock(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > in.available()) {
            throw new IOException("a block of " + length + " bytes in a record with " + in.available() + " left");
        }
        return in.readNBytes(length);
    }

    private CompletableFuture<JsonNode> ask(String node, String action, Map<String, String> request) {
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(request);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        return nats.request(subject(node, action), body).thenApply(reply -> {
            if (reply.isStatusMessage()) { // 503: no node of that name is subscribed
                throw new IllegalStateException("node " + node + " does not answer (NATS status "
                        + reply.getStatus().getCode() + ")");
            }
            try {
                return JSON.readTree(reply.getData());
            } catch (IOException e) {
                throw new IllegalStateException("node " + node + " sent an unreadable answer", e);
            }
        });
    }

    private void answerEnd(Message request) {
        JsonNode r = read(request);
        if (r == null) {
            return;
        }
        String clientId = r.path("clientId").asText();
        sessions.handOver(clientId, r.path("connectionId").asText())
                .thenCompose(ended -> log.settled(clientId)) // ended already: its end may still be on its way
                .whenComplete((ignored, error) -> {
                    if (error != null) {
                        LOG.warn("could not record the end of {}'s connection for a takeover: {}", clientId,
                                error.toString());
                    }
                    // the log's offset for the client now: at or after any end this node recorded
                    reply(request, Map.of("offset", presence.lastEventOffset(clientId)));
                });
    }

    private void answerKick(Message request) {
        JsonNode r = read(request);
        if (r == null) {
            return;
        }
        String clientId = r.path("clientId").asText();
        // only this node's own connection: asking onwards could go round in circles
        sessions.kickHere(clientId).whenComplete((kicked, error) ->
                reply(request, Map.of("kicked", error == null && kicked)));
    }

    private static JsonNode read(Message request) {
        try {
            return JSON.readTree(request.getData());
        } catch (IOException e) {
            LOG.warn("unreadable request on {}", request.getSubject());
            return null;
        }
    }

    private void reply(Message request, Map<String, ?> answer) {
        if (request.getReplyTo() == null) {
            return;
        }
        try {
            nats.publish(request.getReplyTo(), JSON.writeValueAsBytes(answer));
        } catch (IOException | IllegalStateException e) {
            LOG.debug("could not answer on {}: {}", request.getSubject(), e.toString());
        }
    }

    /** Stops answering. */
    @Override
    public void close() {
        nats.closeDispatcher(dispatcher);
    }
}
