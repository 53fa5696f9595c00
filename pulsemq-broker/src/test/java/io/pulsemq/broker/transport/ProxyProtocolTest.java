package io.pulsemq.broker.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.pulsemq.broker.config.ListenerConfig;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ProxyProtocolTest {

    private static final ListenerConfig PROXIED = new ListenerConfig("0.0.0.0", 0, null, true, null, List.of());

    private static EmbeddedChannel channel(ListenerConfig listener) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ProxyProtocol.install(ch.pipeline(), listener);
        return ch;
    }

    @Test
    void v1Header_setsClientAddressAndPassesTheRestThrough() {
        EmbeddedChannel ch = channel(PROXIED);

        ch.writeInbound(Unpooled.copiedBuffer("PROXY TCP4 203.0.113.7 10.0.0.1 40123 11883\r\nMQTT",
                StandardCharsets.US_ASCII));

        assertThat(ClientAddress.of(ch)).isEqualTo(new InetSocketAddress("203.0.113.7", 40123));
        ByteBuf rest = ch.readInbound();
        assertThat(rest.toString(StandardCharsets.US_ASCII)).isEqualTo("MQTT");
        rest.release();
        assertThat(ch.pipeline().get(ProxyProtocol.DECODER_NAME)).isNull();
        assertThat(ch.pipeline().get(ProxyProtocol.HANDLER_NAME)).isNull();
    }

    @Test
    void v2Header_setsClientAddress() {
        EmbeddedChannel ch = channel(PROXIED);

        ch.writeInbound(Unpooled.wrappedBuffer(ProxyHeaders.v2Proxy("198.51.100.9", 5555, "10.0.0.1", 11883)));

        assertThat(ClientAddress.of(ch)).isEqualTo(new InetSocketAddress("198.51.100.9", 5555));
    }

    @Test
    void v2Local_keepsTheProxyAddress() {
        EmbeddedChannel ch = channel(PROXIED);

        ch.writeInbound(Unpooled.wrappedBuffer(ProxyHeaders.v2Local()));

        assertThat(ch.attr(ClientAddress.PROXIED).get()).isNull();
        assertThat(ch.isOpen()).isTrue();
    }

    @Test
    void noHeader_connectionIsClosed() {
        EmbeddedChannel ch = channel(PROXIED);
        byte[] mqttConnect = new byte[120];
        mqttConnect[0] = 0x10;

        ch.writeInbound(Unpooled.wrappedBuffer(mqttConnect));

        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void listenerWithoutProxyProtocol_installsNothing() {
        EmbeddedChannel ch = channel(new ListenerConfig("0.0.0.0", 0, null));

        assertThat(ch.pipeline().get(ProxyProtocol.DECODER_NAME)).isNull();
    }
}
