package io.pulsemq.bench;

import io.pulsemq.bench.pubsub.PubSubLoad;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class NatsServersTest {

    @Test
    void rotated_eachNodeStartsWithAnotherServerAndListsAll() {
        List<String> urls = List.of("nats://a", "nats://b", "nats://c");

        assertThat(NatsServers.rotated(urls, 0)).isEqualTo("nats://a,nats://b,nats://c");
        assertThat(NatsServers.rotated(urls, 1)).isEqualTo("nats://b,nats://c,nats://a");
        assertThat(NatsServers.rotated(urls, 2)).isEqualTo("nats://c,nats://a,nats://b");
    }

    @Test
    void config_jetStreamInItsStoreAndRoutesToTheOtherTwoOnly() {
        String conf = NatsServers.config("n2", 4222, 8222, new int[] {6001, 6002, 6003}, 1, Path.of("/s/n2"));

        assertThat(conf).contains("server_name: n2", "listen: 127.0.0.1:4222", "http: 127.0.0.1:8222",
                "store_dir: \"/s/n2\"", "listen: 127.0.0.1:6002", "nats-route://127.0.0.1:6001",
                "nats-route://127.0.0.1:6003").doesNotContain("nats-route://127.0.0.1:6002");
    }

    @Test
    void probePayload_roundTripsAndIsSkippedByWorkloadSubscribers() {
        byte[] p = RouteProbe.payload(42);

        assertThat(p).hasSize(PubSubLoad.HEADER_BYTES);
        assertThat(ByteBuffer.wrap(p).getInt()).isNegative();
        assertThat(RouteProbe.probeNumber(p)).isEqualTo(42);
        assertThat(RouteProbe.probeNumber(new byte[64])).isEqualTo(-1);
    }
}
