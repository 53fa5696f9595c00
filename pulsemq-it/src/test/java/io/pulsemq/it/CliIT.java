package io.pulsemq.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.pulsemq.broker.bootstrap.Main;
import io.pulsemq.broker.bootstrap.PortsFile;
import io.pulsemq.broker.cli.ExitCodes;
import io.pulsemq.protocol.Signatures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.pulsemq.it.BrokerFixture.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Every client command of the launcher, run in-process against a broker, by its output and exit code. */
class CliIT {

    private static BrokerFixture broker;
    private static ApiClient api;

    @TempDir
    Path dir;

    private final List<RawMqttClient> clients = new ArrayList<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeAll
    static void start() throws Exception {
        broker = BrokerFixture.start();
        api = new ApiClient(broker.httpPort());
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @AfterEach
    void closeClients() throws IOException {
        for (RawMqttClient c : clients) {
            c.close();
        }
    }

    private Map<String, String> env() {
        return Map.of("PULSEMQ_URL", "http://127.0.0.1:" + broker.httpPort(),
                "PULSEMQ_ACCESS_KEY", ADMIN.id(), "PULSEMQ_SECRET_KEY", ADMIN.secret());
    }

    private int run(Map<String, String> env, String... args) {
        out.reset();
        err.reset();
        return Main.execute(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), false);
    }

    private int run(String... args) {
        return run(env(), args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private List<String> lines() {
        return out().lines().toList();
    }

    private void connect(String clientId) throws IOException {
        clients.add(RawMqttClient.connect(broker, RawMqttClient.Connect.v311(clientId)));
    }

    private void awaitOffline(String clientId) {
        await().until(() -> !api.client(clientId, ADMIN).get("online").asBoolean());
    }

    @Test
    void status_allOnline_exitsZero_andAnyOffline_exitsThree() throws IOException {
        connect("GID_st@@@on");

        assertThat(run("status", "GID_st@@@on")).isEqualTo(ExitCodes.OK);
        assertThat(out()).startsWith("GID_st@@@on").contains("  online   since ").contains("  v1");

        assertThat(run("status", "GID_st@@@on", "GID_st@@@ghost")).isEqualTo(ExitCodes.NEGATIVE);
        assertThat(lines()).hasSize(2);
        assertThat(lines().get(1)).startsWith("GID_st@@@ghost").endsWith("offline  never seen");

        assertThat(run("status", "--json", "GID_st@@@ghost", "GID_st@@@on")).isEqualTo(ExitCodes.NEGATIVE);
        assertThat(lines()).extracting(l -> ApiClient.json(l).get("online").asBoolean()).containsExactly(false, true);
    }

    @Test
    void clients_groupAndOnline_listThatGroupsClients_withACount() throws IOException {
        connect("GID_cl@@@a");
        connect("GID_cl@@@b");
        clients.remove(1).close();
        awaitOffline("GID_cl@@@b");

        assertThat(run("clients", "--group", "GID_cl")).isEqualTo(ExitCodes.OK);
        assertThat(lines()).hasSize(3);
        assertThat(lines().get(0)).startsWith("GID_cl@@@a").contains("online");
        assertThat(lines().get(1)).startsWith("GID_cl@@@b").contains("offline").contains("connection_lost");
        assertThat(lines().get(2)).startsWith("2 clients, 1 online (revision ");

        assertThat(run("clients", "--group", "GID_cl", "--online", "--json")).isEqualTo(ExitCodes.OK);
        assertThat(lines()).extracting(l -> ApiClient.json(l).get("clientId").asText()).containsExactly("GID_cl@@@a");
    }

    @Test
    void watch_fromAnOffset_printsOneLinePerEvent_inOffsetOrder() throws IOException {
        long before = api.getJson("/api/v1/groups", ADMIN).get("revision").asLong();
        connect("GID_w@@@a");
        clients.remove(0).close();
        awaitOffline("GID_w@@@a");

        assertThat(run("watch", "--group", "GID_w", "--from", Long.toString(before), "--count", "2")).isEqualTo(ExitCodes.OK);
        assertThat(lines()).hasSize(2);
        assertThat(lines().get(0)).contains("connect").contains("GID_w@@@a").contains("v1");
        assertThat(lines().get(1)).contains("tcpclean").contains("v2").endsWith("connection_lost");

        assertThat(run("watch", "--json", "--group", "GID_w", "--from", Long.toString(before), "--count", "2"))
                .isEqualTo(ExitCodes.OK);
        List<JsonNode> events = lines().stream().map(ApiClient::json).toList();
        assertThat(events).extracting(e -> e.get("eventType").asText()).containsExactly("connect", "tcpclean");
        assertThat(events.get(1).get("offset").asLong()).isGreaterThan(events.get(0).get("offset").asLong());
    }

    @Test
    void watch_fromBeyondTheLastOffset_exitsOneWithTheReason() {
        long last = broker.broker().statusLog().lastOffset();

        assertThat(run("watch", "--from", Long.toString(last + 1000))).isEqualTo(ExitCodes.FAILURE);
        assertThat(err()).startsWith("pulsemq: ").contains("beyond the last offset").doesNotContain("Exception");
    }

    @Test
    void trace_listsTheClientsEvents_oldestFirst() throws IOException {
        connect("GID_tr@@@a");
        RawMqttClient c = clients.remove(0);
        c.disconnect();
        c.close();
        awaitOffline("GID_tr@@@a");

        assertThat(run("trace", "GID_tr@@@a")).isEqualTo(ExitCodes.OK);
        assertThat(lines()).hasSize(3);
        assertThat(lines().get(0)).contains("connect ");
        assertThat(lines().get(1)).contains("disconnect").contains("client_disconnect");
        assertThat(lines().get(2)).contains("tcpclean").contains("v3");

        assertThat(run("trace", "--json", "--newest-first", "--limit", "1", "GID_tr@@@a")).isEqualTo(ExitCodes.OK);
        assertThat(ApiClient.json(out().strip()).get("eventType").asText()).isEqualTo("tcpclean");
    }

    @Test
    void kick_online_exitsZero_thenNotConnected_exitsThree() throws IOException {
        connect("GID_k@@@a");

        assertThat(run("kick", "GID_k@@@a")).isEqualTo(ExitCodes.OK);
        assertThat(out()).isEqualTo("disconnected GID_k@@@a" + System.lineSeparator());
        assertThat(api.client("GID_k@@@a", ADMIN).get("lastReason").asText()).isEqualTo("kicked");

        assertThat(run("kick", "--json", "GID_k@@@a")).isEqualTo(ExitCodes.NEGATIVE);
        assertThat(ApiClient.json(out().strip()).get("disconnected").asBoolean()).isFalse();
    }

    @Test
    void banListUnban_clientId_isRefusedWhileBannedThenConnects() throws IOException {
        assertThat(run("ban", "clientId", "GID_ban@@@a", "--duration", "1h", "--reason", "testing")).isEqualTo(ExitCodes.OK);
        assertThat(out()).startsWith("banned clientId GID_ban@@@a  until ");

        assertThat(run("bans")).isEqualTo(ExitCodes.OK);
        assertThat(out()).contains("clientId GID_ban@@@a").contains("(testing)");
        try (RawMqttClient refused = RawMqttClient.connect(broker, RawMqttClient.Connect.v311("GID_ban@@@a"))) {
            assertThat(refused.connAck().reasonCode()).isEqualTo(5);
        }

        assertThat(run("unban", "clientId", "GID_ban@@@a")).isEqualTo(ExitCodes.OK);
        assertThat(run("unban", "clientId", "GID_ban@@@a")).isEqualTo(ExitCodes.NEGATIVE);
        assertThat(run("ban", "ip", "10.0.0.1")).isEqualTo(ExitCodes.USAGE);
        connect("GID_ban@@@a");
    }

    @Test
    void deviceCredential_registerPrintsWhatTheDeviceNeeds_getRefreshRevoke() throws Exception {
        String clientId = "GID_cli@@@dc";
        assertThat(run("device-credential", "register", clientId, "--json")).isEqualTo(ExitCodes.OK);
        JsonNode c = ApiClient.json(out());
        String username = c.get("username").asText();
        assertThat(username).startsWith("DeviceCredential|DC.");

        Mqtt5BlockingClient device = Clients.hive5(broker, clientId);
        device.connectWith().simpleAuth().username(username).password(Signatures.hmacSha1Base64(
                c.get("deviceAccessKeySecret").asText(), clientId).getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send();
        device.disconnect();

        assertThat(run("device-credential", "get", clientId)).isEqualTo(ExitCodes.OK);
        assertThat(out()).contains("username: " + username);
        assertThat(run("device-credential", "refresh", clientId)).isEqualTo(ExitCodes.OK);
        assertThat(out()).doesNotContain(username).contains("username: DeviceCredential|DC.");
        assertThat(run("device-credential", "revoke", clientId)).isEqualTo(ExitCodes.OK);
        assertThat(run("device-credential", "revoke", clientId)).isEqualTo(ExitCodes.NEGATIVE);
        assertThat(err()).contains("has no device credential");
    }

    @Test
    void export_jsonlAndCsv_writeTheGroupsEventsToTheFile() throws IOException {
        Instant begin = Instant.now().minusSeconds(1);
        connect("GID_ex@@@a");
        clients.remove(0).close();
        awaitOffline("GID_ex@@@a");
        Path jsonl = dir.resolve("events.jsonl");
        Path csv = dir.resolve("events.csv");

        assertThat(run("export", "--group", "GID_ex", "--begin", begin.toString(), "--end",
                Long.toString(System.currentTimeMillis()), "--format", "jsonl", "-o", jsonl.toString())).isEqualTo(ExitCodes.OK);
        assertThat(out()).startsWith("exported 2 events (");
        assertThat(Files.readAllLines(jsonl)).extracting(l -> ApiClient.json(l).get("eventType").asText())
                .containsExactly("connect", "tcpclean");

        assertThat(run("export", "--group", "GID_ex", "--format", "csv", "-o", csv.toString())).isEqualTo(ExitCodes.OK);
        List<String> rows = Files.readAllLines(csv);
        assertThat(rows).hasSize(3);
        assertThat(rows.get(0)).startsWith("offset,clientId,groupId,eventType");
        assertThat(rows.get(2)).contains("GID_ex@@@a").contains("tcpclean");

        assertThat(run("export", "--format", "xml", "-o", csv.toString())).isEqualTo(ExitCodes.USAGE);
        assertThat(run("export", "--begin", "yesterday", "-o", csv.toString())).isEqualTo(ExitCodes.USAGE);
        assertThat(err()).contains("not a time");
    }

    @Test
    void defaults_comeFromTheDataDirectory_portsAndCredentials() throws IOException {
        PortsFile.write(dir, broker.broker().ports());
        Files.writeString(dir.resolve("credentials.json"), "{\"accessKeys\":[{\"id\":\"" + ADMIN.id()
                + "\",\"secret\":\"" + ADMIN.secret() + "\",\"role\":\"admin\",\"groups\":[\"*\"]}]}");

        assertThat(run(Map.of(), "status", "--data-dir", dir.toString(), "GID_def@@@none")).isEqualTo(ExitCodes.NEGATIVE);
        assertThat(out()).contains("never seen");
        assertThat(err()).isEmpty();
    }

    @Test
    void brokerDown_exitsFour_withAMessageAndNoStackTrace() throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        Map<String, String> env = new HashMap<>(env());
        env.put("PULSEMQ_URL", "http://127.0.0.1:" + closed);

        assertThat(run(env, "status", "GID_x@@@a")).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(err()).startsWith("pulsemq: cannot reach the broker at http://127.0.0.1:" + closed)
                .contains("Is it running?").doesNotContain("\tat ");
        assertThat(out()).isEmpty();
    }

    @Test
    void wrongSecret_orNoKey_exitsFive_withAMessage() {
        Map<String, String> env = new HashMap<>(env());
        env.put("PULSEMQ_SECRET_KEY", "wrong");

        assertThat(run(env, "clients")).isEqualTo(ExitCodes.AUTH);
        assertThat(err()).startsWith("pulsemq: the broker refused the access key").doesNotContain("\tat ");

        assertThat(run(Map.of(), "clients", "--data-dir", dir.toString())).isEqualTo(ExitCodes.AUTH);
        assertThat(err()).startsWith("pulsemq: no access key");
    }

    @Test
    void help_listsTheClientCommands() {
        assertThat(run("--help")).isEqualTo(ExitCodes.OK);
        assertThat(Stream.of("start", "status", "clients", "watch", "trace", "kick", "export"))
                .allMatch(c -> out().contains(c));
        assertThat(run("status")).isEqualTo(ExitCodes.USAGE);
        assertThat(Arrays.asList(err().split("\n"))).anyMatch(l -> l.contains("CLIENT_ID"));
    }

    @Test
    void clusterStatus_singleNode_saysSo() {
        assertThat(run("cluster", "status")).as(err()).isZero();
        assertThat(out()).startsWith("single node node-1 (cluster.engine: none)");
    }
}
