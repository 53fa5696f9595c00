/**
 * Messages between cluster nodes (issue 14): each node announces its subscription filters on core NATS
 * ({@link io.pulsemq.broker.cluster.routes.LocalInterest}), keeps every node's in a route table
 * ({@link io.pulsemq.broker.cluster.routes.InterestTable}), and sends each message published on it once to every node
 * that wants it, picking one node per matching shared group ({@link io.pulsemq.broker.cluster.routes.NatsRoutes}, the
 * router's {@link io.pulsemq.broker.routing.RemoteRoutes}); retained messages live in a JetStream stream that every node
 * follows into its local store ({@link io.pulsemq.broker.cluster.routes.JetStreamRetainedStore}). Wire formats:
 * {@link io.pulsemq.broker.cluster.routes.RouteWire}. Single-node mode does not use this package.
 */
package io.pulsemq.broker.cluster.routes;
