/**
 * Cluster mode on NATS JetStream (issue 14, being built): the status log in a replicated JetStream stream
 * ({@link io.pulsemq.broker.cluster.JetStreamStatusLog}, one subject per client named by
 * {@link io.pulsemq.broker.cluster.StatusSubjects}) and node liveness over core NATS
 * ({@link io.pulsemq.broker.cluster.NodeHeartbeats}); messages between nodes and cluster-wide retained messages in
 * {@link io.pulsemq.broker.cluster.routes}. Single-node mode does not use this package.
 */
package io.pulsemq.broker.cluster;
