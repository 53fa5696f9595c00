package io.pulsemq.it;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.alibaba.mqtt.server.ServerConsumer;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttClientSslConfigBuilder;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.pulsemq.broker.config.TlsConfig;
import io.pulsemq.broker.transport.TlsContexts;
import io.pulsemq.protocol.EventType;
import io.pulsemq.protocol.HttpSignature;
import io.pulsemq.protocol.Signatures;
import io.pulsemq.protocol.StatusEvent;
import io.pulsemq.sdk.ApiUnavailableException;
import io.pulsemq.sdk.RetryPolicy;
import io.pulsemq.sdk.StatusClient;
import io.pulsemq.sdk.StatusStream;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.pulsemq.it.BrokerFixture.CAR_SERVER;
import static io.pulsemq.it.Clients.unique;
import static io.pulsemq.it.Clients.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * The TLS listeners (mqtts, wss, https, amqps) with a certificate made in the test, reached by real clients:
 * HiveMQ MQTT Client with TLS 1.3 and 1.2, Paho v3 and v5 each over {@code ssl://} and {@code wss://} with TLS 1.2
 * and 1.3 pinned, the JDK HttpClient, RabbitMQ's amqp-client and the published server SDK; a client offering only
 * TLS 1.1 is refused. ALPN, client certificates and {@code tls.bindClientId}, certificate reload.
 */
class TlsIT {

    private static TestPki pki;
    private static BrokerFixture broker;
    /** {@code tls.bindClientId} on, client certificates optional. */
    private static BrokerFixture bound;

    @BeforeAll
    static void startBroker() throws Exception {
        Path pkiDir = Files.createTempDirectory("pulsemq-tls-");
        pki = TestPki.create(pkiDir, "tls-it");
        broker = BrokerFixture.start(BrokerFixture.tls(pki, TlsConfig.ClientAuth.OPTIONAL));
        bound = BrokerFixture.start(c -> BrokerFixture.bindClientId()
                .apply(BrokerFixture.tls(pki, TlsConfig.ClientAuth.OPTIONAL).apply(c)));
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
        bound.close();
    }

    @Test
    void tlsEnabled_everyTlsListener_isBoundBesideThePlainOnes() {
        assertThat(List.of(broker.ports().mqtts(), broker.ports().wss(), broker.ports().https(),
                broker.ports().amqps())).allMatch(p -> p > 0);
        assertThat(broker.mqttPort()).isPositive();
    }

    @Test
    void hive5_tls13_connectsAndRoundTripsAMessage() throws Exception {
        assertRoundTrip(hive5(unique("tls13"), "TLSv1.3"));
    }

    @Test
    void hive5_tls12Pinned_connectsAndRoundTripsAMessage() throws Exception {
        assertRoundTrip(hive5(unique("tls12"), "TLSv1.2"));
    }

    /** The Paho clients of the matrix. */
    enum Paho { V3, V5 }

    static Stream<Arguments> pahoMatrix() {
        return Stream.of(Paho.values()).flatMap(paho -> Stream.of("ssl", "wss").flatMap(scheme ->
                Stream.of("TLSv1.2", "TLSv1.3").map(protocol -> Arguments.of(paho, scheme, protocol))));
    }

    @ParameterizedTest(name = "Paho {0} {1}:// {2}")
    @MethodSource("pahoMatrix")
    void paho_mqttsAndWss_tlsVersionPinned_negotiatesItAndRoundTripsAMessage(Paho paho, String scheme, String protocol)
            throws Exception {
        String uri = scheme.equals("ssl") ? "ssl://127.0.0.1:" + broker.ports().mqtts()
                : "wss://127.0.0.1:" + broker.ports().wss() + "/mqtt";
        PinnedSocketFactory sockets = new PinnedSocketFactory(pki.clientContext(protocol), protocol);
        String topic = unique("tls/paho");
        String payload = "paho " + paho + " over " + scheme + " with " + protocol;
        String clientId = unique("paho-" + paho + "-" + scheme);

        if (paho == Paho.V3) {
            org.eclipse.paho.client.mqttv3.MqttClient c = new org.eclipse.paho.client.mqttv3.MqttClient(uri, clientId,
                    new MemoryPersistence());
            Clients.Paho3Inbox inbox = new Clients.Paho3Inbox();
            c.setCallback(inbox);
            MqttConnectOptions options = new MqttConnectOptions();
            options.setSocketFactory(sockets);
            options.setCleanSession(true);
            try (Clients.Paho3 ignored = new Clients.Paho3(c, inbox)) {
                c.connect(options);
                c.subscribe(topic, 1);
                c.publish(topic, utf8(payload), 1, false);
                inbox.expectNext(payload);
            }
        } else {
            MqttAsyncClient c = new MqttAsyncClient(uri, clientId,
                    new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
            Clients.Paho5Inbox inbox = new Clients.Paho5Inbox();
            c.setCallback(inbox);
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setSocketFactory(sockets);
            options.setCleanStart(true);
            try (Clients.Paho5 ignored = new Clients.Paho5(c, inbox)) {
                Clients.await(c.connect(options));
                Clients.await(c.subscribe(topic, 1));
                Clients.await(c.publish(topic, utf8(payload), 1, false));
                inbox.expectNext(payload);
            }
        }
        assertThat(sockets.negotiated()).as("TLS versions of the client's connections").containsExactly(protocol);
    }

    @Test
    void jdkHttpClient_https_getsHealth() throws Exception {
        HttpClient http = HttpClient.newBuilder().sslContext(pki.clientContext("TLS")).build();

        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                URI.create("https://127.0.0.1:" + broker.ports().https() + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("UP");
    }

    @Test
    void jdkHttpClient_https_signedApiQueryAnswersTheStatus() throws Exception {
        String clientId = unique("GID_car@@@https-signed");
        Mqtt5BlockingClient device = hive5(clientId, "TLSv1.3");
        device.connect();
        try {
            HttpClient http = HttpClient.newBuilder().sslContext(pki.clientContext("TLS")).build();
            String path = "/api/v1/clients/" + ApiClient.enc(clientId);
            String authorization = HttpSignature.authorization(BrokerFixture.ADMIN.id(), BrokerFixture.ADMIN.secret(),
                    new HttpSignature.Request("GET", path, Map.of(), new byte[0]), System.currentTimeMillis(),
                    UUID.randomUUID().toString());

            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                    URI.create("https://127.0.0.1:" + broker.ports().https() + path))
                    .header("Authorization", authorization).GET().build(), HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode status = ApiClient.JSON.readTree(response.body());
            assertThat(status.path("clientId").asText()).isEqualTo(clientId);
            assertThat(status.path("online").asBoolean()).isTrue();
        } finally {
            device.disconnect();
        }
    }

    @Test
    void sdk_httpsWithTheTestCa_queriesStatusAndStreamsEvents() throws Exception {
        String group = unique("GID_sdktls");
        String clientId = group + "@@@dev";
        try (StatusClient client = sdkOverHttps().sslContext(pki.clientContext("TLS")).build();
             StatusStream events = StatusStream.builder().client(client).group(group).from(0).open()) {
            Mqtt5BlockingClient device = hive5(clientId, "TLSv1.3");
            device.connect();
            assertThat(client.status(clientId).online()).isTrue();
            StatusEvent online = events.poll(Duration.ofSeconds(Clients.TIMEOUT_S));
            assertThat(online).isNotNull();
            assertThat(online.clientId()).isEqualTo(clientId);
            assertThat(online.eventType()).isEqualTo(EventType.CONNECT);

            device.disconnect();
            StatusEvent offline = events.poll(Duration.ofSeconds(Clients.TIMEOUT_S));
            assertThat(offline).isNotNull();
            assertThat(offline.clientId()).isEqualTo(clientId);
            assertThat(offline.eventType()).isNotEqualTo(EventType.CONNECT);
            assertThat(client.status(clientId).online()).isFalse();
        }
    }

    @Test
    void sdk_httpsWithoutTheTestCa_isRefusedByTheJdksDefaultTrust() {
        try (StatusClient client = sdkOverHttps().retryPolicy(RetryPolicy.NONE).build()) {
            assertThatThrownBy(() -> client.status("GID_car@@@x")).isInstanceOf(ApiUnavailableException.class);
        }
    }

    @Test
    void amqpClient_amqps_completesTheConnection() throws Exception {
        long signedAt = System.currentTimeMillis();
        ConnectionFactory f = new ConnectionFactory();
        f.setHost("127.0.0.1");
        f.setPort(broker.ports().amqps());
        f.useSslProtocol(pki.clientContext("TLS"));
        f.setVirtualHost("MQTT");
        f.setUsername(Base64.getEncoder().encodeToString(("0:" + broker.config().instanceId() + ":" + CAR_SERVER.id())
                .getBytes(StandardCharsets.UTF_8)));
        f.setPassword(Signatures.hmacSha1Base64(CAR_SERVER.secret(), Long.toString(signedAt)));
        f.setClientProperties(new HashMap<>(Map.of("signKey", Long.toString(signedAt))));
        f.setAutomaticRecoveryEnabled(false);

        try (Connection connection = f.newConnection()) {
            assertThat(connection.isOpen()).isTrue();
            assertThat(connection.createChannel().isOpen()).isTrue();
        }
    }

    @Test
    void serverSdk_overAmqps_receivesStatusEvents() throws Exception {
        ServerSdk.Notices notices = new ServerSdk.Notices();
        ServerConsumer consumer = ServerSdk.tlsConsumer(broker, CAR_SERVER, pki.clientContext("TLS"));
        try {
            consumer.subscribeStatus("GID_car_tls", notices::add);
            String clientId = "GID_car_tls@@@" + unique("sdk");
            Mqtt5BlockingClient device = hive5(clientId, "TLSv1.3");
            device.connect();
            device.disconnect();

            await().untilAsserted(() -> assertThat(notices.of(clientId))
                    .containsExactly(clientId + " ONLINE", clientId + " OFFLINE", clientId + " OFFLINE"));
        } finally {
            consumer.stop();
        }
    }

    @Test
    void tls11OnlyClient_isRefused() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", broker.ports().mqtts())) {
            socket.setSoTimeout((int) TimeUnit.SECONDS.toMillis(Clients.TIMEOUT_S));
            socket.getOutputStream().write(tls11ClientHello());
            socket.getOutputStream().flush();

            assertThat(firstRecordType(socket.getInputStream()))
                    .as("the broker answers a TLS 1.1 ClientHello with an alert or a close, never a ServerHello")
                    .isNotEqualTo(Optional.of(0x16));
        }
    }

    @Test
    void clientCertificate_serial_isTheEventsCertificateChainSnAndInTheClientStatus() throws Exception {
        String clientId = unique("GID_car@@@tls-cert");
        Mqtt5BlockingClient client = hive5(broker, pki, clientId, "TLSv1.3", pki.keyManagers());
        client.connect();
        try {
            await().untilAsserted(() -> assertThat(StatusEventsIT.events(broker, clientId))
                    .extracting(StatusEvent::certificateChainSn).containsExactly(pki.clientSerialHex()));
            JsonNode status = new ApiClient(broker.httpPort())
                    .getJson("/api/v1/clients/" + ApiClient.enc(clientId), BrokerFixture.ADMIN);
            assertThat(status.path("online").asBoolean()).isTrue();
            assertThat(status.path("certificateChainSn").asText()).isEqualTo(pki.clientSerialHex());
        } finally {
            client.disconnect();
        }
    }

    @Test
    void noClientCertificate_certificateChainSnIsNull() throws Exception {
        String clientId = unique("GID_car@@@tls-nocert");
        Mqtt5BlockingClient client = hive5(clientId, "TLSv1.3");
        client.connect();
        try {
            await().untilAsserted(() -> assertThat(StatusEventsIT.events(broker, clientId)).hasSize(1));
            assertThat(StatusEventsIT.events(broker, clientId).get(0).certificateChainSn()).isNull();
        } finally {
            client.disconnect();
        }
    }

    @Test
    void listenerClientAuthRequired_clientWithoutCertificate_isRefused() throws Exception {
        try (BrokerFixture strict = BrokerFixture.start(c -> BrokerFixture.mqttsClientAuth(TlsConfig.ClientAuth.REQUIRED)
                .apply(BrokerFixture.tls(pki, TlsConfig.ClientAuth.OPTIONAL).apply(c)))) {
            Mqtt5BlockingClient anonymous = hive5(strict, pki, unique("nocert"), "TLSv1.3", null);
            assertThatThrownBy(anonymous::connect).isInstanceOf(RuntimeException.class);
            assertThat(anonymous.getState().isConnected()).isFalse();

            Mqtt5BlockingClient withCertificate = hive5(strict, pki, unique("cert"), "TLSv1.3", pki.keyManagers());
            withCertificate.connect();
            assertThat(withCertificate.getState().isConnected()).isTrue();
            withCertificate.disconnect();
        }
    }

    @Test
    void certificateFilesReplaced_badFileKeepsTheOld_liveClientKeepsWorking_newClientsGetTheNew() throws Exception {
        TestPki first = TestPki.create(Files.createTempDirectory("pulsemq-tls-reload-"), "first");
        TestPki second = TestPki.create(Files.createTempDirectory("pulsemq-tls-reload-"), "second");
        try (BrokerFixture reloading = BrokerFixture.start(BrokerFixture.tls(first, TlsConfig.ClientAuth.NONE))) {
            Mqtt5BlockingClient old = hive5(reloading, first, unique("old"), "TLSv1.3", null);
            try (Mqtt5BlockingClient.Mqtt5Publishes publishes = old.publishes(MqttGlobalPublishFilter.ALL)) {
                old.connect();
                String topic = unique("tls/reload");
                old.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();

                ListAppender<ILoggingEvent> log = new ListAppender<>();
                Logger tlsLogger = (Logger) LoggerFactory.getLogger(TlsContexts.class);
                log.start();
                tlsLogger.addAppender(log);
                try {
                    Files.writeString(first.certFile(), "not a certificate\n");
                    await().ignoreExceptions().untilAsserted(() -> assertThat(List.copyOf(log.list))
                            .anyMatch(e -> e.getLevel() == Level.ERROR));
                } finally {
                    tlsLogger.detachAppender(log);
                }
                Mqtt5BlockingClient afterBadFile = hive5(reloading, first, unique("afterbad"), "TLSv1.3", null);
                afterBadFile.connect();
                afterBadFile.disconnect();

                first.replaceFilesWith(second);

                await().ignoreExceptions().untilAsserted(() -> {
                    Mqtt5BlockingClient fresh = hive5(reloading, second, unique("new"), "TLSv1.3", null);
                    fresh.connect();
                    fresh.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("from new")).send();
                    fresh.disconnect();
                });
                Optional<Mqtt5Publish> fromNew = publishes.receive(Clients.TIMEOUT_S, TimeUnit.SECONDS);
                assertThat(fromNew).isPresent();
                assertThat(new String(fromNew.get().getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("from new");
                old.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("from old")).send();
                Optional<Mqtt5Publish> fromOld = publishes.receive(Clients.TIMEOUT_S, TimeUnit.SECONDS);
                assertThat(fromOld).isPresent();
                assertThat(new String(fromOld.get().getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("from old");
                assertThatThrownBy(() -> hive5(reloading, first, unique("stale"), "TLSv1.3", null).connect())
                        .as("a client trusting only the old CA no longer connects")
                        .isInstanceOf(RuntimeException.class);
            } finally {
                old.disconnect();
            }
        }
    }

    @Test
    void alpn_mqtts_jdkClientOffersMqtt_mqttIsSelected_andItsMqttConnectIsAccepted() throws Exception {
        SSLSocket socket = alpnSocket(broker.ports().mqtts(), "mqtt");
        assertThat(socket.getApplicationProtocol()).isEqualTo("mqtt");
        String clientId = unique("alpn");
        try (RawMqttClient mqtt = RawMqttClient.over(socket, RawMqttClient.V311)) {
            mqtt.send(RawMqttClient.Connect.v311(clientId).encode());
            RawMqttClient.Packet ack = mqtt.read();
            assertThat(ack.type()).isEqualTo(RawMqttClient.CONNACK);
            assertThat(ack.reasonCode()).isZero();
            assertThat(broker.broker().sessions().isConnected(clientId)).isTrue();
            mqtt.disconnect();
        }
    }

    @Test
    void alpn_httpsAndWss_clientOfferingH2AndHttp11_getsHttp11_andHttpsAnswersOnIt() throws Exception {
        try (SSLSocket wss = alpnSocket(broker.ports().wss(), "h2", "http/1.1")) {
            assertThat(wss.getApplicationProtocol()).isEqualTo("http/1.1");
        }
        try (SSLSocket https = alpnSocket(broker.ports().https(), "h2", "http/1.1")) {
            assertThat(https.getApplicationProtocol()).isEqualTo("http/1.1");
            https.getOutputStream().write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(https.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                    .startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void alpn_clientOfferingOnlyOtherProtocols_stillConnectsWithoutAlpn() throws Exception {
        SSLSocket socket = alpnSocket(broker.ports().mqtts(), "x-amzn-mqtt-ca");
        assertThat(socket.getApplicationProtocol()).isEmpty();
        try (RawMqttClient mqtt = RawMqttClient.over(socket, RawMqttClient.V311)) {
            mqtt.send(RawMqttClient.Connect.v311(unique("alpn-other")).encode());
            assertThat(mqtt.read().reasonCode()).isZero();
        }
        try (SSLSocket amqps = alpnSocket(broker.ports().amqps(), "amqp")) {
            assertThat(amqps.getApplicationProtocol()).as("amqps advertises no ALPN").isEmpty();
        }
    }

    @Test
    void bindClientId_certificateCnOrDnsNameIsTheClientId_connects() throws Exception {
        String clientId = unique("GID_bound@@@cn");
        Mqtt5BlockingClient byCn = hive5(bound, pki, clientId, "TLSv1.3", pki.clientKeyManagers(clientId));
        byCn.connect();
        assertThat(bound.broker().sessions().isConnected(clientId)).isTrue();
        byCn.disconnect();

        String other = unique("GID_bound@@@san");
        Mqtt5BlockingClient bySan = hive5(bound, pki, other, "TLSv1.3",
                pki.clientKeyManagers("a device", "device.example.com", other));
        bySan.connect();
        assertThat(bound.broker().sessions().isConnected(other)).isTrue();
        bySan.disconnect();
    }

    @Test
    void bindClientId_certificateCnIsTheGroup_everyDeviceOfTheGroupConnects() throws Exception {
        KeyManagerFactory groupCertificate = pki.clientKeyManagers("GID_fleet");
        for (String clientId : List.of(unique("GID_fleet@@@a"), unique("GID_fleet@@@b"))) {
            Mqtt5BlockingClient v5 = hive5(bound, pki, clientId, "TLSv1.3", groupCertificate);
            v5.connect();
            assertThat(bound.broker().sessions().isConnected(clientId)).isTrue();
            v5.disconnect();
        }
        String v3Id = unique("GID_fleet@@@v3");
        Mqtt3BlockingClient v3 = hive3(bound, v3Id, groupCertificate);
        v3.connect();
        assertThat(bound.broker().sessions().isConnected(v3Id)).isTrue();
        v3.disconnect();
    }

    @Test
    void bindClientId_certificateOfAnotherDeviceOrGroup_refusedNotAuthorizedInV5AndV311_andInTheTrace()
            throws Exception {
        KeyManagerFactory deviceCertificate = pki.clientKeyManagers("GID_bound@@@vin1");
        String sibling = unique("GID_bound@@@vin2");
        Mqtt5ConnAckException v5 = catchThrowableOfType(Mqtt5ConnAckException.class,
                () -> hive5(bound, pki, sibling, "TLSv1.3", deviceCertificate).connect());
        assertThat(v5).as("v5 CONNECT with a sibling's certificate refused").isNotNull();
        assertThat(v5.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED);

        String otherGroup = unique("GID_other@@@vin1");
        Mqtt3ConnAckException v3 = catchThrowableOfType(Mqtt3ConnAckException.class,
                () -> hive3(bound, otherGroup, pki.clientKeyManagers("GID_bound")).connect());
        assertThat(v3).as("3.1.1 CONNECT with another group's certificate refused").isNotNull();
        assertThat(v3.getMqttMessage().getReturnCode()).isEqualTo(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED);

        assertThat(bound.broker().sessions().get(sibling)).isNull();
        assertThat(bound.broker().sessions().get(otherGroup)).isNull();
        ApiClient api = new ApiClient(bound.httpPort());
        for (String clientId : List.of(sibling, otherGroup)) {
            await().untilAsserted(() -> {
                JsonNode items = api.getJson("/api/v1/clients/" + ApiClient.enc(clientId) + "/trace",
                        BrokerFixture.ADMIN).get("items");
                assertThat(items).isNotEmpty();
                JsonNode last = items.get(items.size() - 1);
                assertThat(last.get("eventType").asText()).isEqualTo("connect_rejected");
                assertThat(last.get("remark").asText()).contains("not bound to client ID " + clientId);
            });
        }
    }

    @Test
    void bindClientId_noCertificateOnAnOptionalListener_isNotAffected() throws Exception {
        String clientId = unique("GID_bound@@@nocert");
        Mqtt5BlockingClient client = hive5(bound, pki, clientId, "TLSv1.3", null);
        client.connect();
        assertThat(bound.broker().sessions().isConnected(clientId)).isTrue();
        client.disconnect();
    }

    private static Mqtt5BlockingClient hive5(String clientId, String protocol) throws Exception {
        return hive5(broker, pki, clientId, protocol, null);
    }

    static Mqtt5BlockingClient hive5(BrokerFixture broker, TestPki trusted, String clientId, String protocol,
                                     KeyManagerFactory clientCertificate) throws Exception {
        MqttClientSslConfigBuilder ssl = MqttClientSslConfig.builder().trustManagerFactory(trusted.trustManagers())
                .protocols(List.of(protocol));
        if (clientCertificate != null) {
            ssl = ssl.keyManagerFactory(clientCertificate);
        }
        return MqttClient.builder().useMqttVersion5().identifier(clientId)
                .serverHost("127.0.0.1").serverPort(broker.ports().mqtts())
                .sslConfig(ssl.build())
                .buildBlocking();
    }

    private static StatusClient.Builder sdkOverHttps() {
        return StatusClient.builder().baseUrl("https://127.0.0.1:" + broker.ports().https())
                .accessKey(BrokerFixture.ADMIN.id()).secretKey(BrokerFixture.ADMIN.secret());
    }

    /** A JDK TLS socket to {@code port} offering {@code alpn}, after its handshake. */
    private static SSLSocket alpnSocket(int port, String... alpn) throws Exception {
        SSLSocket socket = (SSLSocket) pki.clientContext("TLS").getSocketFactory().createSocket("127.0.0.1", port);
        socket.setSoTimeout((int) TimeUnit.SECONDS.toMillis(Clients.TIMEOUT_S));
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setApplicationProtocols(alpn);
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        return socket;
    }

    private static Mqtt3BlockingClient hive3(BrokerFixture broker, String clientId, KeyManagerFactory clientCertificate)
            throws Exception {
        return MqttClient.builder().useMqttVersion3().identifier(clientId)
                .serverHost("127.0.0.1").serverPort(broker.ports().mqtts())
                .sslConfig(MqttClientSslConfig.builder().trustManagerFactory(pki.trustManagers())
                        .keyManagerFactory(clientCertificate).build())
                .buildBlocking();
    }

    private static void assertRoundTrip(Mqtt5BlockingClient client) throws Exception {
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = client.publishes(MqttGlobalPublishFilter.ALL)) {
            client.connect();
            String topic = unique("tls/hive");
            client.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
            client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("secret")).send();
            Optional<Mqtt5Publish> received = publishes.receive(Clients.TIMEOUT_S, TimeUnit.SECONDS);
            assertThat(received).isPresent();
            assertThat(new String(received.get().getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("secret");
        } finally {
            client.disconnect();
        }
    }

    /** The content type of the first TLS record the server sends; empty when it closes or resets first. */
    private static Optional<Integer> firstRecordType(InputStream in) {
        try {
            int b = in.read();
            return b < 0 ? Optional.empty() : Optional.of(b);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** A ClientHello offering only TLS 1.1 (version 0x0302) with the ECDHE/RSA CBC suites TLS 1.1 clients use. */
    private static byte[] tls11ClientHello() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        DataOutputStream b = new DataOutputStream(body);
        b.writeShort(0x0302);
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        b.write(random);
        b.writeByte(0); // no session ID
        int[] suites = {0xC009, 0xC00A, 0xC013, 0xC014, 0x002F, 0x0035};
        b.writeShort(suites.length * 2);
        for (int s : suites) {
            b.writeShort(s);
        }
        b.writeByte(1);
        b.writeByte(0); // null compression
        b.writeShort(14); // extensions
        b.writeShort(0x000a); // supported_groups: secp256r1
        b.writeShort(4);
        b.writeShort(2);
        b.writeShort(0x0017);
        b.writeShort(0x000b); // ec_point_formats: uncompressed
        b.writeShort(2);
        b.writeByte(1);
        b.writeByte(0);
        byte[] hello = body.toByteArray();
        ByteArrayOutputStream record = new ByteArrayOutputStream();
        DataOutputStream r = new DataOutputStream(record);
        r.writeByte(0x16); // handshake
        r.writeShort(0x0301);
        r.writeShort(hello.length + 4);
        r.writeByte(1); // ClientHello
        r.writeByte(hello.length >>> 16);
        r.writeShort(hello.length & 0xFFFF);
        r.write(hello);
        return record.toByteArray();
    }
}
