package io.pulsemq.it;

import com.alibaba.mqtt.server.ServerConsumer;
import com.alibaba.mqtt.server.config.ChannelConfig;
import com.alibaba.mqtt.server.config.ConsumerConfig;
import com.alibaba.mqtt.server.model.StatusNotice;
import com.alibaba.mqtt.server.model.StatusType;
import io.pulsemq.broker.config.AccessKey;

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
