package io.pulsemq.broker.cluster;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a survivor does when {@link NodeHeartbeats} declares another node dead: it ends that node's connections in the
 * status log ({@link JetStreamStatusLog#endConnectionsOf}), so that every client the dead node held is offline on
 * every node, with {@code tcpclean}/{@code server_crash} and {@code node} = the dead node, exactly once however many
 * survivors act. The work runs on the status log's own threads; the heartbeat thread only starts it.
 */
public final class NodeFailures implements NodeHeartbeats.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(NodeFailures.class);

    private final JetStreamStatusLog log;

    public NodeFailures(JetStreamStatusLog log) {
        this.log = log;
    }

    @Override
    public void dead(String node) {
        log.endConnectionsOf(node).whenComplete((ended, error) -> {
            if (error != null) {
                LOG.error("could not end the connections of dead node {}", node, error);
            } else if (ended > 0) {
                LOG.warn("ended {} connections of dead node {} (tcpclean/server_crash)", ended, node);
            }
        });
    }
}
