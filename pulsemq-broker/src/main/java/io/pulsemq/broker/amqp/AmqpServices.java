package io.pulsemq.broker.amqp;

import io.pulsemq.broker.auth.LoginGuard;
import io.pulsemq.broker.authz.Authorizer;
import io.pulsemq.broker.config.AmqpConfig;
import io.pulsemq.broker.limits.LimitHits;
import io.pulsemq.broker.routing.Router;
import io.pulsemq.broker.store.WriteBarrier;

import java.time.Clock;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.LongAdder;

/**
 * What every AMQP connection uses.
 *
 * @param config         endpoint settings
 * @param login          the login decision
 * @param status         the status queues (queue executor only)
 * @param topics         the parent-topic queues (queue executor only)
 * @param router         publishes backend messages to devices
 * @param queueExecutor  the one thread that owns every queue and reads the store for them
 * @param maxMessageSize largest message body accepted from a backend (the MQTT maximum packet size)
 * @param maxTopicLevels most topic levels of a published topic
 * @param clock          time
 * @param guard          login throttling and bans
 * @param authorizer     the authorization rules each login's {@link KeyScope} is derived from
 * @param deniedPublishes counts publishes the rules kept from being routed, from any event loop
 * @param maxTopicLength longest topic of a published message, in UTF-8 bytes (the MQTT limit)
 * @param limitHits      counts every limit a connection runs into
 * @param writes         the store's writes, which publisher confirms wait for
 */
record AmqpServices(AmqpConfig config, AmqpLogin login, StatusQueues status, TopicQueues topics, Router router,
                    ScheduledExecutorService queueExecutor, int maxMessageSize, int maxTopicLevels, Clock clock,
                    LoginGuard guard, Authorizer authorizer, LongAdder deniedPublishes, int maxTopicLength,
                    LimitHits limitHits, WriteBarrier writes) {

    /** Runs {@code task} on the queue executor; dropped when the broker is stopping. */
    void onQueues(Runnable task) {
        try {
            queueExecutor.execute(task);
        } catch (RejectedExecutionException stopping) {
            // the broker is stopping: queues are not used any more
        }
    }
}
