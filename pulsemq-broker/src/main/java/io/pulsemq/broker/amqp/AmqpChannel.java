package io.pulsemq.broker.amqp;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.impl.AMQContentHeader;
import com.rabbitmq.client.impl.AMQImpl;
import com.rabbitmq.client.impl.Method;
import io.pulsemq.broker.config.AccessKey;
import io.pulsemq.broker.limits.Limit;
import io.pulsemq.broker.message.Message;
import io.pulsemq.broker.store.OrderedAcks;
import io.pulsemq.broker.subscription.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * One open AMQP channel: its consumers and unacknowledged deliveries, its prefetch, publisher confirms and
 * the assembly of published content. Confined to the connection's event loop; the queues it consumes from
 * are reached through the queue executor only.
 *
 * <p>Queues: {@code STATUS} with consume argument {@code GROUP_ID} (a status group; with {@code x-stream-offset}
 * a replay) and any valid first-level MQTT topic (its device messages). Publishing sends to MQTT devices:
 * the exchange names the MQTT topic (the routing key when the exchange is empty). Which groups, parent topics
 * and topics the connection's key may use is its {@link KeyScope}'s decision; a refusal is a 403 naming the queue
 * or topic.
 */
final class AmqpChannel {

    /** Consume argument naming the status group (what the SDK's {@code subscribeStatus} sends). */
    static final String GROUP_ID = "GROUP_ID";
    /** Consume argument of a status replay. */
    static final String STREAM_OFFSET = "x-stream-offset";
    private static final Logger LOG = LoggerFactory.getLogger(AmqpChannel.class);

    private final AmqpConnection connection;
    private final int number;
    private final AmqpServices services;
    private final KeyScope scope;

    private final Map<String, ChannelConsumer> consumers = new HashMap<>();
    private final TreeMap<Long, Unacked> unacked = new TreeMap<>();
    private int prefetch;
    private boolean confirms;
    private long publishSeq;
    private long deliveryTag;
    private boolean closed;
    private PendingPublish publishing;
    /** Publisher confirms, in order, each once the message it confirms is stored wherever it went. */
    private final OrderedAcks confirmations;

    AmqpChannel(AmqpConnection connection, int number, AmqpServices services, KeyScope scope) {
        this.connection = connection;
        this.number = number;
        this.services = services;
        this.scope = scope;
        this.confirmations = new OrderedAcks(services.writes(), task -> connection.execute(task, () -> { }), () -> { },
                () -> { });
    }

    int number() {
        return number;
    }

    /** Whether the channel waits for a content header or body frame. */
    boolean expectsContent() {
        return publishing != null;
    }

    /** Handles a method other than channel open/close (the connection handles those). */
    void method(Method m) throws AmqpError {
        if (m instanceof AMQImpl.Basic.Ack a) {
            settle(a, a.getDeliveryTag(), a.getMultiple(), Settlement.ACK);
        } else if (m instanceof AMQImpl.Basic.Nack n) {
            settle(n, n.getDeliveryTag(), n.getMultiple(), n.getRequeue() ? Settlement.REQUEUE : Settlement.REJECT);
        } else if (m instanceof AMQImpl.Basic.Reject r) {
            settle(r, r.getDeliveryTag(), false, r.getRequeue() ? Settlement.REQUEUE : Settlement.REJECT);
        } else if (m instanceof AMQImpl.Basic.Publish p) {
            publish(p);
        } else if (m instanceof AMQImpl.Basic.Consume c) {
            consume(c);
        } else if (m instanceof AMQImpl.Basic.Cancel c) {
            cancel(c.getConsumerTag());
            if (!c.getNowait()) {
                connection.send(number, new AMQImpl.Basic.CancelOk(c.getConsumerTag()));
            }
        } else if (m instanceof AMQImpl.Basic.Qos q) {
            prefetch = q.getPrefetchCount(); // applies to consumers created afterwards, as in RabbitMQ
            if (prefetch > services.config().maxUnackedPerConnection()) {
                // [AMQP 0-9-1 basic.qos] the server may send less in advance than the prefetch allows, never more
                services.limitHits().hit(Limit.AMQP_MAX_UNACKED_PER_CONNECTION);
            }
            connection.send(number, new AMQImpl.Basic.QosOk());
        } else if (m instanceof AMQImpl.Confirm.Select s) {
            confirms = true;
            if (!s.getNowait()) {
                connection.send(number, new AMQImpl.Confirm.SelectOk());
            }
        } else if (m instanceof AMQImpl.Basic.Recover r) {
            releaseAll();
            connection.send(number, new AMQImpl.Basic.RecoverOk());
        } else if (m instanceof AMQImpl.Basic.Get g) {
            connection.send(number, new AMQImpl.Basic.GetEmpty(""));
        } else if (m instanceof AMQImpl.Channel.Flow f) {
            connection.send(number, new AMQImpl.Channel.FlowOk(f.getActive()));
        } else if (m instanceof AMQImpl.Queue.Declare d) {
            declareQueue(d);
        } else if (m instanceof AMQImpl.Queue.Bind b) {
            if (!b.getNowait()) {
                connection.send(number, new AMQImpl.Queue.BindOk());
            }
        } else if (m instanceof AMQImpl.Queue.Unbind) {
            connection.send(number, new AMQImpl.Queue.UnbindOk());
        } else if (m instanceof AMQImpl.Exchange.Declare d) {
            if (!d.getNowait()) {
                connection.send(number, new AMQImpl.Exchange.DeclareOk());
            }
        } else if (m instanceof AMQImpl.Exchange.Delete d) {
            if (!d.getNowait()) {
                connection.send(number, new AMQImpl.Exchange.DeleteOk());
            }
        } else if (m instanceof AMQImpl.Queue.Purge || m instanceof AMQImpl.Queue.Delete) {
            throw AmqpError.channel(ReplyCode.ACCESS_REFUSED, "queues of the server SDK endpoint cannot be purged or deleted", m);
        } else if (m instanceof AMQImpl.Tx.Select) {
            throw AmqpError.connection(ReplyCode.NOT_IMPLEMENTED, "transactions are not supported; use publisher confirms", m);
        } else {
            throw AmqpError.connection(ReplyCode.COMMAND_INVALID, "unexpected method " + m.protocolMethodName(), m);
        }
    }

    /** A content header frame. */
    void header(AMQContentHeader header) throws AmqpError {
        if (publishing == null || publishing.properties != null) {
            throw AmqpError.connection(ReplyCode.UNEXPECTED_FRAME, "content header without basic.publish", null);
        }
        if (!(header instanceof AMQP.BasicProperties props)) {
            throw AmqpError.connection(ReplyCode.FRAME_ERROR, "content header of a class other than basic", null);
        }
        if (header.getBodySize() > services.maxMessageSize()) {
            Method cause = publishing.method;
            publishing = null;
            throw AmqpError.channel(ReplyCode.PRECONDITION_FAILED, "message of " + header.getBodySize()
                    + " bytes exceeds the maximum of " + services.maxMessageSize(), cause);
        }
        publishing.properties = props;
        publishing.size = header.getBodySize();
        if (publishing.size == 0) {
            completePublish();
        }
    }

    /** A content body frame. */
    void body(byte[] payload) throws AmqpError {
        if (publishing == null || publishing.properties == null) {
            throw AmqpError.connection(ReplyCode.UNEXPECTED_FRAME, "content body without content header", null);
        }
        if (publishing.body.size() + payload.length > publishing.size) {
            throw AmqpError.connection(ReplyCode.FRAME_ERROR, "content body longer than its header said", null);
        }
        publishing.body.writeBytes(payload);
        if (publishing.body.size() == publishing.size) {
            completePublish();
        }
    }

    /** The channel is gone (closed by either side, or the connection ended): give back what it holds. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        confirmations.close();
        publishing = null;
        for (ChannelConsumer c : new ArrayList<>(consumers.values())) {
            cancel(c.tag);
        }
        releaseAll();
    }

    // ---- consuming -----------------------------------------------------------------------------

    private void consume(AMQImpl.Basic.Consume c) throws AmqpError {
        String tag = c.getConsumerTag().isEmpty() ? "amq.ctag-" + UUID.randomUUID() : c.getConsumerTag();
        if (consumers.containsKey(tag)) {
            throw AmqpError.connection(ReplyCode.NOT_ALLOWED, "consumer tag " + tag + " is in use on this channel", c);
        }
        Map<String, Object> args = c.getArguments() == null ? Map.of() : c.getArguments();
        String queue = c.getQueue();
        int max = services.config().maxUnackedPerConnection();
        int credit = Math.min(prefetch <= 0 ? DeliveryQueue.UNLIMITED_CREDIT : prefetch, max);
        ChannelConsumer consumer = new ChannelConsumer(tag, c.getNoAck(), credit);
        if (connection.consumerCount() >= services.config().maxConsumersPerConnection()) {
            services.limitHits().hit(Limit.AMQP_MAX_CONSUMERS_PER_CONNECTION);
            throw refused(c, "consumer on queue '" + queue + "'", "a connection may have at most "
                    + services.config().maxConsumersPerConnection() + " consumers (amqp.maxConsumersPerConnection); "
                    + "cancel one, open another connection or raise the limit");
        }
        Supplier<DeliveryQueue> queueOf;
        if (StatusQueues.QUEUE.equals(queue)) {
            Object group = args.get(GROUP_ID);
            if (group == null) {
                throw AmqpError.channel(ReplyCode.PRECONDITION_FAILED, "consuming STATUS needs the argument GROUP_ID", c);
            }
            String groupId = group.toString();
            Optional<String> refusal = scope.statusRefusal(groupId);
            if (refusal.isPresent()) {
                throw refused(c, "queue '" + StatusQueues.QUEUE + "' of group '" + groupId + "'", refusal.get());
            }
            Object offset = args.get(STREAM_OFFSET);
            if (offset != null && !StatusQueues.validStreamOffset(offset)) {
                throw AmqpError.channel(ReplyCode.PRECONDITION_FAILED, "x-stream-offset must be an offset, a timestamp, "
                        + "\"first\", \"last\" or \"next\", was " + offset, c);
            }
            use(c, StatusQueues.QUEUE + "\0" + groupId, "queue '" + StatusQueues.QUEUE + "' of group '" + groupId + "'");
            queueOf = offset == null
                    ? () -> services.status().group(groupId)
                    : () -> services.status().replay(groupId, services.status().replayStart(groupId, offset));
        } else if (TopicQueues.validParentTopic(queue)) {
            Optional<String> refusal = scope.topicRefusal(queue);
            if (refusal.isPresent()) {
                throw refused(c, "queue '" + queue + "'", refusal.get());
            }
            use(c, queue, "queue '" + queue + "'");
            AccessKey reader = scope.key();
            queueOf = () -> services.topics().queue(reader, queue);
        } else {
            throw AmqpError.channel(ReplyCode.NOT_FOUND, "no queue '" + queue + "': consume STATUS (with GROUP_ID) "
                    + "or a first-level MQTT topic", c);
        }
        consumers.put(tag, consumer);
        connection.addConsumer();
        boolean reply = !c.getNowait();
        services.onQueues(() -> attach(consumer, queueOf.get(), reply));
    }

    /**
     * Queue executor: binds the consumer to its queue (a new group's cursor starts here), then answers
     * {@code consume-ok} through the event loop ahead of any delivery, which the event loop runs in order.
     */
    private void attach(ChannelConsumer consumer, DeliveryQueue queue, boolean reply) {
        consumer.queue = queue;
        if (reply) {
            connection.execute(() -> {
                if (!closed) {
                    connection.send(number, new AMQImpl.Basic.ConsumeOk(consumer.tag));
                }
            }, () -> { });
        }
        if (!consumer.cancelled) {
            queue.addConsumer(consumer, consumer.credit, connection.credit());
        }
    }

    private void cancel(String tag) {
        ChannelConsumer consumer = consumers.remove(tag);
        if (consumer != null) {
            connection.removeConsumer();
            consumer.cancelled = true;
            services.onQueues(() -> {
                if (consumer.queue != null) {
                    consumer.queue.cancel(consumer);
                }
            });
        }
    }

    /** Event loop: writes one delivery, or hands it back when the consumer is gone. */
    private void deliver(ChannelConsumer consumer, DeliveryQueue queue, QueueEntry entry, boolean redelivered) {
        long seq = entry.seq();
        if (closed || consumer.cancelled || !connection.isOpen()) {
            services.onQueues(() -> queue.release(consumer, seq));
            return;
        }
        long tag = ++deliveryTag;
        if (consumer.noAck) {
            services.onQueues(() -> queue.ack(consumer, seq));
        } else {
            unacked.put(tag, new Unacked(consumer, queue, seq));
        }
        connection.sendContent(number, new AMQImpl.Basic.Deliver(consumer.tag, tag, redelivered, "", entry.routingKey()),
                entry.properties(), entry.body());
    }

    private enum Settlement {
        ACK, REQUEUE, REJECT
    }

    private void settle(Method m, long tag, boolean multiple, Settlement how) throws AmqpError {
        List<Unacked> settled = new ArrayList<>();
        if (multiple) {
            NavigableMap<Long, Unacked> upTo = tag == 0 ? unacked : unacked.headMap(tag, true);
            settled.addAll(upTo.values());
            upTo.clear();
        } else {
            Unacked u = unacked.remove(tag);
            if (u == null) {
                // [AMQP 0-9-1 basic.ack] an unknown delivery tag is a channel error
                throw AmqpError.channel(ReplyCode.PRECONDITION_FAILED, "unknown delivery tag " + tag, m);
            }
            settled.add(u);
        }
        if (settled.isEmpty()) {
            return;
        }
        services.onQueues(() -> {
            for (Unacked u : settled) {
                switch (how) {
                    case ACK -> u.queue.ack(u.consumer, u.seq);
                    case REQUEUE -> u.queue.reject(u.consumer, u.seq, true);
                    case REJECT -> u.queue.reject(u.consumer, u.seq, false);
                }
            }
        });
    }

    private void releaseAll() {
        List<Unacked> all = new ArrayList<>(unacked.values());
        unacked.clear();
        if (!all.isEmpty()) {
            services.onQueues(() -> all.forEach(u -> u.queue.release(u.consumer, u.seq)));
        }
    }

    /**
     * {@code queue.declare}: only the queues the server SDK consumes exist, and nothing else can be made. {@code STATUS}
     * always exists; a parent topic's queue may be declared (created, unless passive) by a key that may read it, and
     * counts against the connection's queues. Anything else, server-named queues included, is refused with 403.
     */
    private void declareQueue(AMQImpl.Queue.Declare d) throws AmqpError {
        String queue = d.getQueue();
        if (!StatusQueues.QUEUE.equals(queue)) {
            if (!TopicQueues.validParentTopic(queue)) {
                throw refused(d, "queue '" + queue + "'", "the server SDK endpoint has only the queue '"
                        + StatusQueues.QUEUE + "' and one queue per parent topic (one MQTT topic level); "
                        + (queue.isEmpty() ? "server-named queues" : "other queues") + " cannot be declared");
            }
            Optional<String> refusal = scope.topicRefusal(queue);
            if (refusal.isPresent()) {
                throw refused(d, "queue '" + queue + "'", refusal.get());
            }
            use(d, queue, "queue '" + queue + "'");
            if (!d.getPassive()) {
                AccessKey reader = scope.key();
                services.onQueues(() -> services.topics().queue(reader, queue));
            }
        }
        if (!d.getNowait()) {
            connection.send(number, new AMQImpl.Queue.DeclareOk(queue, 0, 0));
        }
    }

    /** Counts {@code name} against the connection's queues; 403 when it would be one too many. */
    private void use(Method m, String name, String description) throws AmqpError {
        if (!connection.useQueue(name)) {
            throw refused(m, description, "a connection may use at most " + services.config().maxQueuesPerConnection()
                    + " queues (amqp.maxQueuesPerConnection); open another connection or raise the limit");
        }
    }

    /**
     * A 403 channel error naming what was refused and why; logged (never a secret: the key ID at most), at INFO the
     * first time on the connection.
     */
    private AmqpError refused(Method m, String what, String why) {
        String line = m.protocolMethodName() + " on " + what + " refused: " + why;
        log(line);
        return AmqpError.channel(ReplyCode.ACCESS_REFUSED, what + ": " + why, m);
    }

    private void log(String refusal) {
        if (connection.firstRefusal(refusal)) {
            LOG.info("AMQP {} (access key {}): {} (repeats on this connection are logged at DEBUG)",
                    connection.remote(), scope.key().id(), refusal);
        } else {
            LOG.debug("AMQP {} (access key {}): {}", connection.remote(), scope.key().id(), refusal);
        }
    }

    // ---- publishing ----------------------------------------------------------------------------

    private void publish(AMQImpl.Basic.Publish p) throws AmqpError {
        if (p.getImmediate()) {
            throw AmqpError.connection(ReplyCode.NOT_IMPLEMENTED, "immediate=true is not supported", p);
        }
        String topic = p.getExchange().isEmpty() ? p.getRoutingKey() : p.getExchange();
        Topics.Check check = Topics.checkTopicName(topic, services.maxTopicLevels(), services.maxTopicLength());
        if (check == Topics.Check.TOO_DEEP || check == Topics.Check.TOO_LONG) {
            services.limitHits().hit(check == Topics.Check.TOO_DEEP
                    ? Limit.MQTT_MAX_TOPIC_LEVELS : Limit.MQTT_MAX_TOPIC_LENGTH);
        }
        if (check != Topics.Check.VALID || topic.startsWith("$")) {
            throw AmqpError.channel(ReplyCode.NOT_FOUND, "'" + topic + "' is not an MQTT topic a backend may publish to"
                    + (check == Topics.Check.TOO_DEEP ? " (deeper than mqtt.maxTopicLevels)"
                    : check == Topics.Check.TOO_LONG ? " (longer than mqtt.maxTopicLength)" : ""), p);
        }
        if (confirms) {
            publishSeq++;
        }
        publishing = new PendingPublish(p, topic);
    }

    private void completePublish() throws AmqpError {
        PendingPublish p = publishing;
        publishing = null;
        Message message;
        try {
            message = BackendMessages.fromPublish(p.topic, p.properties, p.body.toByteArray(), services.clock().millis());
        } catch (IllegalArgumentException e) {
            throw AmqpError.channel(ReplyCode.PRECONDITION_FAILED, e.getMessage(), p.method);
        }
        Optional<String> refusal = scope.publishRefusal(message.topic(), message.retain());
        if (refusal.isPresent()) {
            denyPublish(p, refusal.get());
            return;
        }
        // Routing hands the message to sessions (which persist QoS 1 and 2 for offline clients) the same way
        // an MQTT publish does on its event loop; the confirm follows once it was routed and stored.
        long mark = confirmations.mark();
        services.router().publish(message);
        if (confirms) {
            // one ack per message: the SDK's confirm listener ignores the multiple flag
            long seq = publishSeq;
            confirmations.send(mark, () -> connection.send(number, new AMQImpl.Basic.Ack(seq, false)));
        }
    }

    /**
     * Acts on a publish the rules denied: it is not routed, and it is counted like a denied MQTT PUBLISH. The sender
     * learns it as AMQP lets it: a {@code mandatory} message comes back with {@code basic.return} 403 and the reason;
     * with publisher confirms it is {@code basic.nack}ed (what the SDK reports as a failed send: it publishes
     * mandatory, with confirms, and has no return listener); a plain publish without either closes the channel with
     * 403, as RabbitMQ does.
     */
    private void denyPublish(PendingPublish p, String why) throws AmqpError {
        services.deniedPublishes().increment();
        log("basic.publish to '" + p.topic + "' denied: " + why);
        String text = AmqpError.codeName(ReplyCode.ACCESS_REFUSED) + " - publish to '" + p.topic + "': " + why;
        if (!p.method.getMandatory() && !confirms) {
            throw AmqpError.channel(ReplyCode.ACCESS_REFUSED, "publish to '" + p.topic + "': " + why, p.method);
        }
        if (p.method.getMandatory()) {
            connection.sendContent(number, new AMQImpl.Basic.Return(ReplyCode.ACCESS_REFUSED, AmqpError.shortString(text),
                    p.method.getExchange(), p.method.getRoutingKey()), p.properties, p.body.toByteArray());
        }
        if (confirms) {
            long seq = publishSeq;
            confirmations.send(confirmations.mark(),
                    () -> connection.send(number, new AMQImpl.Basic.Nack(seq, false, false)));
        }
    }

    private static final class PendingPublish {
        final AMQImpl.Basic.Publish method;
        final String topic;
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        AMQP.BasicProperties properties;
        long size;

        PendingPublish(AMQImpl.Basic.Publish method, String topic) {
            this.method = method;
            this.topic = topic;
        }
    }

    private record Unacked(ChannelConsumer consumer, DeliveryQueue queue, long seq) {
    }

    /** One {@code basic.consume}. {@link #deliver} is called on the queue executor and hops to the event loop. */
    private final class ChannelConsumer implements QueueConsumer {
        final String tag;
        final boolean noAck;
        final int credit;
        /** Written on the event loop, read on both. */
        volatile boolean cancelled;
        /** Queue executor only. */
        DeliveryQueue queue;

        ChannelConsumer(String tag, boolean noAck, int credit) {
            this.tag = tag;
            this.noAck = noAck;
            this.credit = credit;
        }

        @Override
        public void deliver(DeliveryQueue from, QueueEntry entry, boolean redelivered) {
            connection.execute(() -> AmqpChannel.this.deliver(this, from, entry, redelivered),
                    () -> services.onQueues(() -> from.release(this, entry.seq())));
        }
    }
}
