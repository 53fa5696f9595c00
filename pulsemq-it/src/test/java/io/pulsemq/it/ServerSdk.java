package io.pulsemq.it;

import com.alibaba.mqtt.server.ServerConsumer;
import com.alibaba.mqtt.server.ServerProducer;
import com.alibaba.mqtt.server.config.ChannelConfig;
import com.alibaba.mqtt.server.config.ConsumerConfig;
import com.alibaba.mqtt.server.config.ProducerConfig;
import com.alibaba.mqtt.server.model.StatusNotice;
import com.alibaba.mqtt.server.model.StatusType;
import io.pulsemq.broker.config.AccessKey;

import javax.net.ssl.SSLContext;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The published ApsaraMQ server SDK pointed at a fixture broker, as its users configure it. */
final class ServerSdk {

    private ServerSdk() {
    }

    /** The SDK's connection settings for {@code broker} and {@code key}, reconnecting quickly. */
    static ChannelConfig channelConfig(BrokerFixture broker, AccessKey key) {
        ChannelConfig c = new ChannelConfig();
        c.setDomain("127.0.0.1");
        c.setPort(broker.amqpPort());
        c.setInstanceId(broker.config().instanceId());
        c.setAccessKey(key.id());
        c.setSecretKey(key.secret());
        c.setNetworkRecoveryInterval(100);
        return c;
    }

    /** A started consumer. */
    static ServerConsumer consumer(BrokerFixture broker, AccessKey key) throws Exception {
        ServerConsumer consumer = new ServerConsumer(channelConfig(broker, key), new ConsumerConfig());
        consumer.start();
        return consumer;
    }

    /**
     * A started consumer on the AMQPS listener, trusting what {@code tls} trusts. The SDK (1.0.8) has no TLS setting
     * of its own, but its RabbitMQ {@code ConnectionFactory} is a protected field that {@code start()} configures
     * and keeps: a subclass hands it the SSL context, and every connection (reconnects too) uses TLS.
     */
    static ServerConsumer tlsConsumer(BrokerFixture broker, AccessKey key, SSLContext tls) throws Exception {
        ChannelConfig config = channelConfig(broker, key);
        config.setPort(broker.ports().amqps());
        ServerConsumer consumer = new ServerConsumer(config, new ConsumerConfig()) {
            {
                factory.useSslProtocol(tls);
            }
        };
        consumer.start();
        return consumer;
    }

    /** A started producer. */
    static ServerProducer producer(BrokerFixture broker, AccessKey key) throws Exception {
        ServerProducer producer = new ServerProducer(channelConfig(broker, key), new ProducerConfig());
        producer.start();
        return producer;
    }

    /** Notices as a status listener received them. */
    static final class Notices {
        final List<StatusNotice> all = new CopyOnWriteArrayList<>();

        void add(StatusNotice n) {
            all.add(n);
        }

        /** "clientId ONLINE|OFFLINE" per notice of {@code clientId}, in arrival order. */
        List<String> of(String clientId) {
            return all.stream().filter(n -> n.getClientId().equals(clientId))
                    .map(n -> n.getClientId() + " " + n.getStatusType()).toList();
        }

        long count(String clientId, StatusType type) {
            return all.stream().filter(n -> n.getClientId().equals(clientId) && n.getStatusType() == type).count();
        }
    }
}
