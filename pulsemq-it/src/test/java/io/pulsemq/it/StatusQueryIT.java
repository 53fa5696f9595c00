package io.pulsemq.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.exceptions.MqttClientStateException;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.pulsemq.it.BrokerFixture.ADMIN;
import static io.pulsemq.it.BrokerFixture.CAR_DEVICE;
import static io.pulsemq.it.BrokerFixture.CAR_SERVER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The synchronous status queries of /api/v1, driven by real MQTT clients. One broker for the class. */
class StatusQueryIT {

    private static BrokerFixture broker;
    private static ApiClient api;
    private final List<Mqtt5BlockingClient> clients = new ArrayList<>();

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
    void disconnectClients() {
        for (Mqtt5BlockingClient c : clients) {
            try {
                c.disconnect();
            } catch (MqttClientStateException alreadyGone) {
                // kicked by the test, or its state not yet updated after the broker's DISCONNECT
            }
        }
    }

    private Mqtt5BlockingClient connect(String clientId) {
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(clientId)
                .serverHost("127.0.0.1").serverPort(broker.mqttPort()).buildBlocking();
        c.connect();
        clients.add(c);
        return c;
    }

    private void awaitOffline(String clientId) {
        await().until(() -> !api.client(clientId, ADMIN).get("online").asBoolean());
    }

    @Test
    void client_rightAfterConnack_isOnline_andAfterDisconnect_isOffline() {
        String id = "GID_rw@@@dev1";
        Mqtt5BlockingClient c = connect(id);

        JsonNode online = api.client(id, ADMIN);
        assertThat(online.get("online").asBoolean()).isTrue();
        assertThat(online.get("version").asLong()).isEqualTo(1);
        assertThat(online.get("groupId").asText()).isEqualTo("GID_rw");
        assertThat(online.get("lastEventType").asText()).isEqualTo("connect");
        assertThat(online.get("protocolVersion").asInt()).isEqualTo(5);

        c.disconnect();
        awaitOffline(id);
        JsonNode offline = api.client(id, ADMIN);
        assertThat(offline.get("version").asLong()).isEqualTo(3);
        assertThat(offline.get("lastEventType").asText()).isEqualTo("tcpclean");
        assertThat(offline.get("lastReason").asText()).isEqualTo("client_disconnect");
    }

    @Test
    void client_neverSeen_isOfflineWithVersionZero() {
        JsonNode status = api.client("GID_rw@@@ghost", ADMIN);

        assertThat(status.get("online").asBoolean()).isFalse();
        assertThat(status.get("version").asLong()).isZero();
        assertThat(status.get("clientId").asText()).isEqualTo("GID_rw@@@ghost");
    }

    @Test
    void disconnect_onlineClient_answers200OnceKicked_thenOffline_andAgain404() {
        String id = "GID_kick@@@dev1";
        connect(id);

        HttpResponse<String> kicked = api.post("/api/v1/clients/" + ApiClient.enc(id) + "/disconnect", "", ADMIN);

        assertThat(kicked.statusCode()).isEqualTo(200);
        JsonNode body = ApiClient.json(kicked.body());
        assertThat(body.get("clientId").asText()).isEqualTo(id);
        assertThat(body.get("disconnected").asBoolean()).isTrue();
        JsonNode status = api.client(id, ADMIN);
        assertThat(status.get("online").asBoolean()).isFalse();
        assertThat(status.get("lastReason").asText()).isEqualTo("kicked");

        HttpResponse<String> again = api.post("/api/v1/clients/" + ApiClient.enc(id) + "/disconnect", "", ADMIN);
        assertThat(again.statusCode()).isEqualTo(404);
        assertThat(ApiClient.json(again.body()).get("error").asText()).isEqualTo("not_found");
    }

    @Test
    void batch_answersInRequestOrder_withRevisionCoveringTheirEvents() {
        connect("GID_batch@@@a");
        connect("GID_batch@@@b");
        long before = broker.broker().statusLog().lastOffset();

        JsonNode answer = api.postJson("/api/v1/clients/status",
                "{\"clientIds\":[\"GID_batch@@@b\",\"GID_batch@@@nobody\",\"GID_batch@@@a\"]}", ADMIN);

        assertThat(answer.get("revision").asLong()).isGreaterThanOrEqualTo(before)
                .isLessThanOrEqualTo(broker.broker().statusLog().lastOffset());
        JsonNode statuses = answer.get("statuses");
        assertThat(statuses).hasSize(3);
        assertThat(statuses.get(0).get("clientId").asText()).isEqualTo("GID_batch@@@b");
        assertThat(statuses.get(0).get("online").asBoolean()).isTrue();
        assertThat(statuses.get(1).get("clientId").asText()).isEqualTo("GID_batch@@@nobody");
        assertThat(statuses.get(1).get("version").asLong()).isZero();
        assertThat(statuses.get(2).get("clientId").asText()).isEqualTo("GID_batch@@@a");
        assertThat(statuses.get(2).get("online").asBoolean()).isTrue();
    }

    @Test
    void batch_invalidBodies_answer400() {
        String tooMany = IntStream.rangeClosed(1, 1001).mapToObj(i -> "\"c" + i + "\"")
                .collect(Collectors.joining(",", "{\"clientIds\":[", "]}"));
        assertError(api.post("/api/v1/clients/status", "{\"clientIds\":[", ADMIN), 400, "malformed_json");
        assertError(api.post("/api/v1/clients/status", "{\"clientIds\":[]}", ADMIN), 400, "bad_request");
        assertError(api.post("/api/v1/clients/status", "{\"clientIds\":\"a\"}", ADMIN), 400, "bad_request");
        assertError(api.post("/api/v1/clients/status", tooMany, ADMIN), 400, "bad_request");
    }

    @Test
    void list_pagesInClientIdOrder_andFilters() {
        for (int i = 0; i < 5; i++) {
            connect("GID_list@@@d" + i);
        }
        clients.get(3).disconnect();
        clients.get(4).disconnect();
        awaitOffline("GID_list@@@d3");
        awaitOffline("GID_list@@@d4");

        List<String> all = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = api.getJson("/api/v1/clients?group=GID_list&limit=2"
                    + (cursor == null ? "" : "&cursor=" + cursor), ADMIN);
            assertThat(page.get("revision").asLong()).isPositive();
            page.get("items").forEach(item -> all.add(item.get("clientId").asText()));
            cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
            pages++;
        } while (cursor != null);
        assertThat(all).containsExactly("GID_list@@@d0", "GID_list@@@d1", "GID_list@@@d2", "GID_list@@@d3", "GID_list@@@d4");
        assertThat(pages).isEqualTo(3);

        assertThat(ids(api.getJson("/api/v1/clients?group=GID_list&online=true", ADMIN)))
                .containsExactly("GID_list@@@d0", "GID_list@@@d1", "GID_list@@@d2");
        assertThat(ids(api.getJson("/api/v1/clients?group=GID_list&online=false", ADMIN)))
                .containsExactly("GID_list@@@d3", "GID_list@@@d4");
        assertThat(ids(api.getJson("/api/v1/clients?prefix=GID_list%40%40%40d1", ADMIN))).containsExactly("GID_list@@@d1");

        assertError(api.get("/api/v1/clients?limit=0", ADMIN), 400, "bad_request");
        assertError(api.get("/api/v1/clients?limit=1001", ADMIN), 400, "bad_request");
        assertError(api.get("/api/v1/clients?online=maybe", ADMIN), 400, "bad_request");
        assertError(api.get("/api/v1/clients?cursor=***", ADMIN), 400, "bad_request");
    }

    @Test
    void groups_countOnlineAndKnownClients() {
        connect("GID_grp@@@a");
        connect("GID_grp@@@b").disconnect();
        awaitOffline("GID_grp@@@b");

        JsonNode group = api.getJson("/api/v1/groups/GID_grp", ADMIN);
        assertThat(group.get("online").asLong()).isEqualTo(1);
        assertThat(group.get("known").asLong()).isEqualTo(2);

        JsonNode all = api.getJson("/api/v1/groups", ADMIN);
        JsonNode listed = null;
        for (JsonNode g : all.get("groups")) {
            if (g.get("groupId").asText().equals("GID_grp")) {
                listed = g;
            }
        }
        assertThat(listed).isNotNull();
        assertThat(listed.get("online").asLong()).isEqualTo(1);
        assertThat(listed.get("known").asLong()).isEqualTo(2);
        assertThat(api.getJson("/api/v1/groups/GID_none", ADMIN).get("known").asLong()).isZero();
    }

    @Test
    void trace_holdsConnectDisconnectTcpclean_andRejectedAttempt_inTimeOrder() {
        String id = "GID_car@@@trace1";
        connect(id).disconnect();
        awaitOffline(id);
        Mqtt5BlockingClient bad = MqttClient.builder().useMqttVersion5().identifier(id)
                .serverHost("127.0.0.1").serverPort(broker.mqttPort()).buildBlocking();
        assertThatThrownBy(() -> bad.connectWith().simpleAuth().username(CAR_DEVICE.id())
                .password("wrong".getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send())
                .isInstanceOf(Mqtt5ConnAckException.class);
        String path = "/api/v1/clients/" + ApiClient.enc(id) + "/trace";
        await().until(() -> api.getJson(path, ADMIN).get("items").size() == 4);

        JsonNode trace = api.getJson(path, ADMIN);
        assertThat(types(trace)).containsExactly("connect", "disconnect", "tcpclean", "connect_rejected");
        JsonNode rejected = trace.get("items").get(3);
        assertThat(rejected.get("reason").asText()).isNotEmpty();
        assertThat(rejected.get("channelId").asText()).isNotEmpty();
        assertThat(rejected.get("clientIp").asText()).startsWith("127.0.0.1");
        assertThat(rejected.has("remark")).isTrue();
        assertThat(trace.get("nextCursor").isNull()).isTrue();

        assertThat(types(api.getJson(path + "?reverse=true", ADMIN)))
                .containsExactly("connect_rejected", "tcpclean", "disconnect", "connect");

        for (boolean reverse : new boolean[] {false, true}) {
            List<String> paged = new ArrayList<>();
            String cursor = null;
            do {
                JsonNode page = api.getJson(path + "?limit=1&reverse=" + reverse
                        + (cursor == null ? "" : "&cursor=" + cursor), ADMIN);
                paged.addAll(types(page));
                cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
            } while (cursor != null);
            assertThat(paged).containsExactlyElementsOf(types(api.getJson(path + "?reverse=" + reverse, ADMIN)));
        }

        long connectTime = trace.get("items").get(0).get("time").asLong();
        assertThat(types(api.getJson(path + "?begin=" + (connectTime + 1_000_000), ADMIN))).isEmpty();
        assertError(api.get(path + "?begin=5&end=4", ADMIN), 400, "bad_request");
    }

    @Test
    void auth_missingOrWrongCredentials_answer401_withChallenge() {
        HttpResponse<String> none = api.get("/api/v1/clients/x", null);
        assertError(none, 401, "unauthorized");
        assertThat(none.headers().firstValue("www-authenticate")).hasValue("Basic realm=\"pulsemq\"");

        HttpResponse<String> wrong = api.send(api.request("/api/v1/clients/x", null)
                .header("Authorization", ApiClient.basic(ADMIN.id(), "not-the-secret")).GET().build());
        assertError(wrong, 401, "unauthorized");
        assertThat(wrong.body()).doesNotContain(ADMIN.secret());

        assertThat(api.get("/health", null).statusCode()).isEqualTo(200);
    }

    @Test
    void auth_deviceKey_andServerKeyOutsideItsGroups_answer403() {
        assertError(api.get("/api/v1/clients/GID_car@@@x", CAR_DEVICE), 403, "forbidden");
        assertError(api.get("/api/v1/clients/GID_bike@@@x", CAR_SERVER), 403, "forbidden");
        assertError(api.post("/api/v1/clients/GID_bike%40%40%40x/disconnect", "", CAR_SERVER), 403, "forbidden");
        assertError(api.post("/api/v1/clients/status", "{\"clientIds\":[\"GID_car@@@a\",\"GID_bike@@@b\"]}", CAR_SERVER),
                403, "forbidden");
        assertError(api.get("/api/v1/groups/GID_bike", CAR_SERVER), 403, "forbidden");
        assertThat(api.get("/api/v1/clients/GID_car@@@x", CAR_SERVER).statusCode()).isEqualTo(200);
    }

    @Test
    void list_andGroups_forServerKey_holdOnlyItsGroups() {
        connect("GID_car@@@seen");
        connect("GID_bike@@@hidden");

        List<String> listed = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = api.getJson("/api/v1/clients?limit=1000" + (cursor == null ? "" : "&cursor=" + cursor), CAR_SERVER);
            listed.addAll(ids(page));
            cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
        } while (cursor != null);
        assertThat(listed).contains("GID_car@@@seen").allMatch(id -> id.startsWith("GID_car"));

        List<String> groups = new ArrayList<>();
        api.getJson("/api/v1/groups", CAR_SERVER).get("groups").forEach(g -> groups.add(g.get("groupId").asText()));
        assertThat(groups).contains("GID_car").allMatch(g -> g.startsWith("GID_car"));
    }

    @Test
    void wrongMethod_answers405_withAllow() {
        HttpResponse<String> response = api.send(api.request("/api/v1/clients/x", ADMIN)
                .method("DELETE", HttpRequest.BodyPublishers.noBody()).build());

        assertError(response, 405, "method_not_allowed");
        assertThat(response.headers().firstValue("allow")).isPresent();
    }

    @Test
    void openApi_isServed_andEqualsDocsFile() throws Exception {
        HttpResponse<String> served = api.get("/api/v1/openapi.json", ADMIN);

        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.body()).isEqualTo(Files.readString(Path.of("..", "docs", "openapi.json")));
        assertThat(ApiClient.json(served.body()).get("openapi").asText()).startsWith("3.");
    }

    static void assertError(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        JsonNode body = ApiClient.json(response.body());
        assertThat(body.get("error").asText()).isEqualTo(code);
        assertThat(body.get("message").asText()).isNotEmpty();
    }

    private static List<String> ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.get("items").forEach(item -> ids.add(item.get("clientId").asText()));
        return ids;
    }

    private static List<String> types(JsonNode page) {
        List<String> types = new ArrayList<>();
        page.get("items").forEach(item -> types.add(item.get("eventType").asText()));
        return types;
    }
}
