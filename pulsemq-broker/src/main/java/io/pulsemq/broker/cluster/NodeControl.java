package io.pulsemq.broker.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.pulsemq.broker.presence.PresenceRegistry;
import io.pulsemq.broker.session.RemoteKicks;
import io.pulsemq.broker.session.SessionRegistry;
import io.pulsemq.protocol.ClientStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Requests between nodes over core NATS, on {@code pulsemq.node.<node token>.<action>}: one node asks the node that
 * holds a client's connection to end it (a takeover: {@link RemoteEnds}) or to kick it (the API's disconnect on
 * another node: {@link RemoteKicks}), and answers the same requests for the connections it holds.
 *
 * <p>Answers are sent once the end is recorded in the status log, so the asking node can wait for exactly that event.
 * Handlers run on a NATS dispatcher thread and never block: the session registry's calls take a client's lock
 * briefly, and the answer is sent when the log's append completes.
 */
public final class NodeControl implements RemoteEnds, RemoteKicks, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NodeControl.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String END = "end";
    private static final String KICK = "kick";
    /** How long a kick waits for the holder's answer. */
    private static final Duration KICK_WAIT = Duration.ofSeconds(5);

    private final Connection nats;
    private final PresenceRegistry presence;
    private final SessionRegistry sessions;
    private final Dispatcher dispatcher;
    private final JetStreamStatusLog log;

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
