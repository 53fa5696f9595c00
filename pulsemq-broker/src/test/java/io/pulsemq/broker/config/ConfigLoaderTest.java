package io.pulsemq.broker.config;

import io.pulsemq.broker.config.AuthConfig.AnonymousPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    @Test
    void load_noFileNoEnvironment_yieldsContractDefaults() {
        BrokerConfig c = new ConfigLoader(Map.of()).load();

        assertThat(c.instanceId()).isEqualTo("pulsemq-local");
        assertThat(c.node()).isEqualTo("node-1");
        assertThat(c.dataDir()).isEqualTo(Path.of("./data"));
        // The default ports of CONTRACT.md section 1 (configuration values here; nothing binds them).
        assertThat(c.listeners().mqtt()).isEqualTo(new ListenerConfig("0.0.0.0", 1883, null)); // contract default
        assertThat(c.listeners().ws()).isEqualTo(new ListenerConfig("0.0.0.0", 8083, "/mqtt")); // contract default
        assertThat(c.listeners().http()).isEqualTo(new ListenerConfig("0.0.0.0", 8080, null)); // contract default
        assertThat(c.listeners().amqp()).isEqualTo(new ListenerConfig("0.0.0.0", 5672, null)); // contract default
        assertThat(c.auth().anonymous()).isEqualTo(AnonymousPolicy.LOOPBACK);
        assertThat(c.accessKeys()).isEmpty();
        assertThat(c.clientIds().strict()).isFalse();
        assertThat(c.statusLog().retention()).isEqualTo(Duration.ofDays(7));
        assertThat(c.mqtt()).isEqualTo(new MqttConfig(1_048_576, 100, 100, 1000, 16, Duration.ofDays(7),
                Duration.ofSeconds(65_535), Duration.ofSeconds(10), 32, true, true, true));
    }

    @Test
    void load_shippedConfigFile_equalsBuiltInDefaults() {
        Path shipped = Path.of("..", "config", "pulsemq.yaml");

        BrokerConfig fromFile = new ConfigLoader(Map.of()).withFile(shipped).load();

        assertThat(fromFile).isEqualTo(new ConfigLoader(Map.of()).load());
    }

    @Test
    void load_userFile_deepMergesOverDefaults() throws IOException {
        Path file = write("""
                instanceId: prod
                listeners:
                  mqtt: {port: 0}
                auth: {anonymous: false}
                accessKeys:
                  - {id: AK_1, secret: s3cret-of-16-chars, role: server, groups: ["GID_car*"]}
                mqtt:
                  maxSessionExpiry: 1h
                  connectTimeout: PT2S
                statusLog: {retention: 500ms}
                """);

        BrokerConfig c = new ConfigLoader(Map.of()).withFile(file).load();

        assertThat(c.instanceId()).isEqualTo("prod");
        assertThat(c.node()).isEqualTo("node-1");
        assertThat(c.listeners().mqtt()).isEqualTo(new ListenerConfig("0.0.0.0", 0, null));
        assertThat(c.listeners().ws().port()).isEqualTo(8083); // the default, untouched by the override
        assertThat(c.auth().anonymous()).isEqualTo(AnonymousPolicy.FALSE);
        assertThat(c.accessKeys()).containsExactly(new AccessKey("AK_1", "s3cret-of-16-chars", AccessKey.Role.SERVER, List.of("GID_car*")));
        assertThat(c.mqtt().maxSessionExpiry()).isEqualTo(Duration.ofHours(1));
        assertThat(c.mqtt().connectTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.mqtt().receiveMaximum()).isEqualTo(100);
        assertThat(c.statusLog().retention()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void load_enumValuesInAnyCase_areAccepted() throws IOException {
        Path file = write("auth: {anonymous: LoopBack}\naccessKeys: [{id: a, secret: bbbbbbbbbbbbbbbb, role: ADMIN}]\n");

        BrokerConfig c = new ConfigLoader(Map.of()).withFile(file).load();

        assertThat(c.auth().anonymous()).isEqualTo(AnonymousPolicy.LOOPBACK);
        assertThat(c.accessKeys().get(0).role()).isEqualTo(AccessKey.Role.ADMIN);
    }

    @Test
    void load_environment_overridesFileCaseInsensitively() throws IOException {
        Path file = write("listeners: {mqtt: {port: 1999}}\n");
        Map<String, String> env = Map.of(
                "PULSEMQ_LISTENERS_MQTT_PORT", "0",
                "PULSEMQ_AUTH_ANONYMOUS", "false",
                "PULSEMQ_INSTANCEID", "x",
                "PULSEMQ_MQTT_MAXPACKETSIZE", "65536",
                "PULSEMQ_STATUSLOG_RETENTION", "1h",
                "PULSEMQ_LISTENERS_WS_PATH", "/ws",
                "PATH", "/usr/bin");

        BrokerConfig c = new ConfigLoader(env).withFile(file).load();

        assertThat(c.listeners().mqtt().port()).isZero();
        assertThat(c.auth().anonymous()).isEqualTo(AnonymousPolicy.FALSE);
        assertThat(c.instanceId()).isEqualTo("x");
        assertThat(c.mqtt().maxPacketSize()).isEqualTo(65_536);
        assertThat(c.statusLog().retention()).isEqualTo(Duration.ofHours(1));
        assertThat(c.listeners().ws().path()).isEqualTo("/ws");
    }

    @Test
    void load_defaults_includeTheProductionLimits() {
        BrokerConfig c = new ConfigLoader(Map.of()).load();

        MqttConfig m = c.mqtt();
        assertThat(m.maxConnections()).isEqualTo(100_000);
        assertThat(m.maxConnectionsPerAddress()).isZero();
        assertThat(m.connectRate()).isEqualTo(1000);
        assertThat(m.connectBurst()).isEqualTo(2000);
        assertThat(m.maxPublishRate()).isEqualTo(10_000);
        assertThat(m.maxPublishBytesRate()).isEqualTo(10L << 20);
        assertThat(m.maxSubscriptionsPerClient()).isEqualTo(1000);
        assertThat(m.maxTopicLength()).isEqualTo(4096);
        assertThat(m.maxRetainedMessages()).isEqualTo(1_000_000);
        assertThat(m.maxRetainedBytes()).isEqualTo(256L << 20);
        assertThat(m.maxQueuedBytes()).isEqualTo(16L << 20);
        assertThat(c.http()).isEqualTo(HttpConfig.defaults());
        assertThat(c.http().headerTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.http().requestTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.http().maxStreams()).isEqualTo(1000);
        assertThat(c.http().maxStreamsPerKey()).isEqualTo(100);
        assertThat(c.amqp()).isEqualTo(AmqpConfig.defaults());
        assertThat(c.amqp().maxConsumersPerConnection()).isEqualTo(1024);
        assertThat(c.amqp().maxUnackedPerConnection()).isEqualTo(10_000);
    }

    @Test
    void load_limitsFromEnvironment_areBound() {
        Map<String, String> env = Map.of(
                "PULSEMQ_MQTT_MAXCONNECTIONS", "10",
                "PULSEMQ_MQTT_CONNECTRATE", "0",
                "PULSEMQ_MQTT_MAXRETAINEDBYTES", "8589934592", // 8 GiB: a long
                "PULSEMQ_HTTP_HEADERTIMEOUT", "2s",
                "PULSEMQ_HTTP_REQUESTTIMEOUT", "5s",
                "PULSEMQ_HTTP_MAXSTREAMSPERKEY", "3",
                "PULSEMQ_AMQP_MAXUNACKEDPERCONNECTION", "50");

        BrokerConfig c = new ConfigLoader(env).load();

        assertThat(c.mqtt().maxConnections()).isEqualTo(10);
        assertThat(c.mqtt().connectRate()).isZero();
        assertThat(c.mqtt().maxRetainedBytes()).isEqualTo(8L << 30);
        assertThat(c.http().headerTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.http().requestTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.http().maxStreamsPerKey()).isEqualTo(3);
        assertThat(c.amqp().maxUnackedPerConnection()).isEqualTo(50);
    }

    @Test
    void load_limitOutOfRange_isRefusedNamingTheKey() {
        assertThatThrownBy(() -> new ConfigLoader(Map.of("PULSEMQ_MQTT_MAXCONNECTIONS", "-1")).load())
                .isInstanceOf(ConfigException.class).hasMessageContaining("mqtt.maxConnections");
        assertThatThrownBy(() -> new ConfigLoader(Map.of("PULSEMQ_MQTT_CONNECTBURST", "0")).load())
                .isInstanceOf(ConfigException.class).hasMessageContaining("mqtt.connectBurst");
        assertThatThrownBy(() -> new ConfigLoader(Map.of("PULSEMQ_MQTT_MAXTOPICLENGTH", "70000")).load())
                .isInstanceOf(ConfigException.class).hasMessageContaining("mqtt.maxTopicLength");
        assertThatThrownBy(() -> new ConfigLoader(Map.of("PULSEMQ_HTTP_HEADERTIMEOUT", "0s")).load())
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.headerTimeout");
        assertThatThrownBy(() -> new ConfigLoader(Map.of("PULSEMQ_HTTP_REQUESTTIMEOUT", "0s")).load())
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.requestTimeout");
        assertThatThrownBy(() -> new ConfigLoader(Map.of("PULSEMQ_AMQP_MAXCONSUMERSPERCONNECTION", "0")).load())
                .isInstanceOf(ConfigException.class).hasMessageContaining("amqp.maxConsumersPerConnection");
    }

    @Test
    void load_eventLoops_defaultToCoresAndAreSetPerFamily() {
        assertThat(new ConfigLoader(Map.of()).load().eventLoops()).isEqualTo(new EventLoopsConfig(0, 0, 0));
        assertThat(EventLoopsConfig.defaults().mqttThreads(8)).isEqualTo(8);
        assertThat(EventLoopsConfig.defaults().httpThreads(2)).isEqualTo(1);
        assertThat(EventLoopsConfig.defaults().amqpThreads(16)).isEqualTo(2);

        BrokerConfig c = new ConfigLoader(Map.of("PULSEMQ_EVENTLOOPS_MQTT", "3", "PULSEMQ_EVENTLOOPS_HTTP", "2")).load();

        assertThat(c.eventLoops()).isEqualTo(new EventLoopsConfig(3, 2, 0));
        assertThat(c.eventLoops().httpThreads(1)).isEqualTo(2);
        assertThatThrownBy(() -> new ConfigLoader(Map.of("PULSEMQ_EVENTLOOPS_AMQP", "-1")).load())
                .isInstanceOf(ConfigException.class).hasMessageContaining("eventLoops.amqp");
    }

    @Test
    void load_environmentListIndex_definesAccessKey() {
        Map<String, String> env = Map.of(
                "PULSEMQ_ACCESSKEYS_0_ID", "AK_ENV",
                "PULSEMQ_ACCESSKEYS_0_SECRET", "from-env-0123456789",
                "PULSEMQ_ACCESSKEYS_0_ROLE", "admin",
                "PULSEMQ_ACCESSKEYS_0_GROUPS", "GID_a, GID_b*");

        BrokerConfig c = new ConfigLoader(env).load();

        assertThat(c.accessKeys()).containsExactly(
                new AccessKey("AK_ENV", "from-env-0123456789", AccessKey.Role.ADMIN, List.of("GID_a", "GID_b*")));
    }

    @Test
    void load_environmentNamingNoKey_isIgnored() {
        Map<String, String> env = Map.of(
                "PULSEMQ_PORT", "tcp://10.0.0.1:1883", // what Kubernetes sets for a service named pulsemq
                "PULSEMQ_LISTENERS_MQTT_PORT_EXTRA", "1",
                "PULSEMQ_JAVA_OPTS", "-Xmx1g",
                "PULSEMQ_LOG_LEVEL", "DEBUG",
                "PULSEMQ_URL", "http://127.0.0.1:8080", // a client setting, not configuration
                "PULSEMQ_ACCESS_KEY", "AK_CLI",
                "PULSEMQ_SECRET_KEY", "cli-secret");

        BrokerConfig c = new ConfigLoader(env).load();

        assertThat(c).isEqualTo(new ConfigLoader(Map.of()).load());
    }

    @Test
    void load_dataDirOverride_winsOverFileAndEnvironment() throws IOException {
        Path file = write("dataDir: /from/file\n");

        BrokerConfig c = new ConfigLoader(Map.of("PULSEMQ_DATADIR", "/from/env"))
                .withFile(file).withDataDir(dir.resolve("cli")).load();

        assertThat(c.dataDir()).isEqualTo(dir.resolve("cli"));
    }

    @Test
    void load_unknownKeyInFile_failsNamingKeyAndFile() throws IOException {
        Path file = write("listeners:\n  mqtt: {prot: 1883}\n"); // a typo in a key

        assertThatThrownBy(() -> new ConfigLoader(Map.of()).withFile(file).load())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("unknown configuration key 'listeners.mqtt.prot'")
                .hasMessageContaining("host, port, path");
    }

    @Test
    void load_authorizationRules_bindInOrder() throws IOException {
        Path file = write("authorization:\n  default: deny\n  deniedPublish: disconnect\n  rules:\n"
                + "    - {deny: subscribe, topics: [\"secret/#\"]}\n"
                + "    - {allow: all, topics: [\"devices/%c/#\"], groups: [\"GID_car*\"]}\n");

        AuthorizationConfig a = new ConfigLoader(Map.of()).withFile(file).load().authorization();

        assertThat(a.defaultDecision()).isEqualTo(AuthorizationConfig.Decision.DENY);
        assertThat(a.deniedPublish()).isEqualTo(AuthorizationConfig.DeniedPublish.DISCONNECT);
        assertThat(a.rules()).extracting(AuthorizationRule::deny)
                .containsExactly(AuthorizationRule.Action.SUBSCRIBE, null);
        assertThat(a.rules().get(1).groups()).containsExactly("GID_car*");
    }

    @Test
    void load_authorizationRuleWithBothOrNeither_failsNamingRule() throws IOException {
        Path both = write("authorization:\n  rules:\n    - {allow: all, deny: publish, topics: [a]}\n");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).withFile(both).load())
                .isInstanceOf(ConfigException.class).hasMessageContaining("authorization.rules[0]");
        Path noTopics = write("authorization:\n  rules:\n    - {allow: all}\n");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).withFile(noTopics).load())
                .isInstanceOf(ConfigException.class).hasMessageContaining("authorization.rules[0].topics");
        Path badFilter = write("authorization:\n  rules:\n    - {allow: all, topics: [\"a/#/b\"]}\n");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).withFile(badFilter).load())
                .isInstanceOf(ConfigException.class).hasMessageContaining("authorization.rules[0].topics[0]");
    }

    @Test
    void load_listenerAsksForClientCertificatesWithoutCaFile_failsNamingCaFile() throws IOException {
        Path file = write("tls: {certFile: s.pem, keyFile: s.key}\nlisteners:\n  mqtts: {clientAuth: required}\n");

        assertThatThrownBy(() -> new ConfigLoader(Map.of()).withFile(file).load())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("tls.caFile")
                .hasMessageContaining("required");
    }

    @Test
    void load_tlsBindClientId_offByDefault_onWhenSet() throws IOException {
        assertThat(new ConfigLoader(Map.of()).load().tls().bindClientId()).isFalse();
        Path file = write("tls: {certFile: s.pem, keyFile: s.key, caFile: ca.pem, clientAuth: required, bindClientId: true}\n");

        assertThat(new ConfigLoader(Map.of()).withFile(file).load().tls().bindClientId()).isTrue();
        assertThat(new ConfigLoader(Map.of("PULSEMQ_TLS_BINDCLIENTID", "true")).load().tls().bindClientId()).isTrue();
    }

    @Test
    void load_keyInWrongCase_suggestsTheKey() throws IOException {
        Path file = write("mqtt: {maxpacketsize: 10}\n");

        assertThatThrownBy(() -> new ConfigLoader(Map.of()).withFile(file).load())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'mqtt.maxpacketsize'")
                .hasMessageContaining("did you mean 'maxPacketSize'?");
    }

    @Test
    void load_badDuration_failsNamingKeyAndSource() throws IOException {
        Path file = write("statusLog: {retention: 7x}\n");

        assertThatThrownBy(() -> new ConfigLoader(Map.of()).withFile(file).load())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'statusLog.retention'")
                .hasMessageContaining("from " + file)
                .hasMessageContaining("'7x' is not a duration");
    }

    @Test
    void load_badValueFromEnvironment_namesTheVariable() {
        Map<String, String> env = Map.of("PULSEMQ_LISTENERS_HTTP_PORT", "eighty");

        assertThatThrownBy(() -> new ConfigLoader(env).load())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'listeners.http.port'")
                .hasMessageContaining("environment variable PULSEMQ_LISTENERS_HTTP_PORT");
    }

    @Test
    void load_portOutOfRange_failsWithRange() throws IOException {
        Path file = write("listeners: {amqp: {port: 70000}}\n");

        assertThatThrownBy(() -> new ConfigLoader(Map.of()).withFile(file).load())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'listeners.amqp.port'")
                .hasMessageContaining("between -1 and 65535, was 70000");
    }

    @Test
    void load_unknownAnonymousPolicy_listsTheChoices() throws IOException {
        Path file = write("auth: {anonymous: sometimes}\n");

        assertThatThrownBy(() -> new ConfigLoader(Map.of()).withFile(file).load())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'auth.anonymous'")
                .hasMessageContaining("true, false, loopback");
    }

    @Test
    void load_yamlBooleanForAnonymous_isAccepted() throws IOException {
        Path file = write("auth: {anonymous: true}\n");

        assertThat(new ConfigLoader(Map.of()).withFile(file).load().auth().anonymous()).isEqualTo(AnonymousPolicy.TRUE);
    }

    @Test
    void load_duplicateAccessKeyIds_fail() throws IOException {
        Path file = write("accessKeys: [{id: a, secret: xxxxxxxxxxxxxxxx}, {id: a, secret: yyyyyyyyyyyyyyyy}]\n");

        assertThatThrownBy(() -> new ConfigLoader(Map.of()).withFile(file).load())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'accessKeys[1].id'")
                .hasMessageContaining("more than one key");
    }

    @Test
    void load_malformedYaml_failsWithLine() throws IOException {
        Path file = write("listeners:\n  mqtt: {port: 1883\n"); // unclosed flow mapping

        assertThatThrownBy(() -> new ConfigLoader(Map.of()).withFile(file).load())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(file + ": not valid YAML at line");
    }

    @Test
    void load_duplicateKeyInFile_fails() throws IOException {
        Path file = write("node: a\nnode: b\n");

        assertThatThrownBy(() -> new ConfigLoader(Map.of()).withFile(file).load())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("node");
    }

    @Test
    void load_missingFile_failsNamingIt() {
        Path missing = dir.resolve("nope.yaml");

        assertThatThrownBy(() -> new ConfigLoader(Map.of()).withFile(missing).load())
                .isInstanceOf(ConfigException.class)
                .hasMessage(missing + ": configuration file not found");
    }

    @Test
    void load_emptyFile_yieldsDefaults() throws IOException {
        Path file = write("");

        assertThat(new ConfigLoader(Map.of()).withFile(file).load()).isEqualTo(new ConfigLoader(Map.of()).load());
    }

    @Test
    void load_environmentNamingSection_fails() {
        assertThatThrownBy(() -> new ConfigLoader(Map.of("PULSEMQ_LISTENERS_MQTT", "1883")).load()) // a whole section
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("PULSEMQ_LISTENERS_MQTT")
                .hasMessageContaining("is a section");
    }

    private Path write(String yaml) throws IOException {
        return Files.writeString(dir.resolve("pulsemq.yaml"), yaml);
    }

    @Test
    void load_secretShorterThan16_failsNamingTheKeyNotTheSecret() throws IOException {
        Path file = write("accessKeys: [{id: AK_SHORT, secret: only15charsXYZ!, role: admin}]\n");

        assertThatThrownBy(() -> new ConfigLoader(Map.of()).withFile(file).load())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("accessKeys[0].secret")
                .hasMessageContaining("AK_SHORT")
                .hasMessageContaining("16 characters")
                .hasMessageNotContaining("only15charsXYZ!");
    }

    @Test
    void load_loginHardeningAndOrigins_areBoundAndChecked() throws IOException {
        Path file = write("""
                listeners:
                  mqtt: {proxyProtocol: true}
                  ws: {allowedOrigins: ["https://app.example.com"]}
                auth:
                  loginThrottle: {freeAttempts: 5, baseDelay: 2s, banAfter: 0}
                  flapping: {enabled: true, maxConnects: 3}
                """);

        BrokerConfig c = new ConfigLoader(Map.of()).withFile(file).load();

        assertThat(c.listeners().mqtt().proxyProtocol()).isTrue();
        assertThat(c.listeners().http().proxyProtocol()).isFalse();
        assertThat(c.listeners().ws().allowedOrigins()).containsExactly("https://app.example.com");
        assertThat(c.auth().loginThrottle()).isEqualTo(new AuthConfig.LoginThrottle(5, Duration.ofSeconds(2),
                Duration.ofSeconds(30), Duration.ofMinutes(10), 0, Duration.ofMinutes(15)));
        assertThat(c.auth().flapping()).isEqualTo(new AuthConfig.Flapping(true, 3, Duration.ofMinutes(1),
                Duration.ofMinutes(5)));
        assertThat(new ConfigLoader(Map.of("PULSEMQ_LISTENERS_WS_ALLOWEDORIGINS", "https://a.example, https://b.example"))
                .load().listeners().ws().allowedOrigins()).containsExactly("https://a.example", "https://b.example");
        Path bad = write("listeners: {ws: {allowedOrigins: [\"app.example.com/path\"]}}\n");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).withFile(bad).load())
                .isInstanceOf(ConfigException.class).hasMessageContaining("listeners.ws.allowedOrigins");
    }
}
