package io.pulsemq.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static io.pulsemq.it.BrokerFixture.ADMIN;
import static io.pulsemq.it.BrokerFixture.CAR_SERVER;
import static io.pulsemq.it.StatusQueryIT.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The status event stream (SSE), list-then-watch, and exports. One broker; the retention test runs last. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StatusStreamIT {

    private static BrokerFixture broker;
    private static ApiClient api;
    private final List<Mqtt5BlockingClient> clients = new CopyOnWriteArrayList<>();
    private final List<SseStream> streams = new ArrayList<>();

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
    void cleanUp() throws Exception {
        for (SseStream s : streams) {
            s.close();
        }
        for (Mqtt5BlockingClient c : clients) {
            if (c.getState().isConnected()) {
                c.disconnect();
            }
        }
    }

    private Mqtt5BlockingClient client(String clientId) {
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(clientId)
                .serverHost("127.0.0.1").serverPort(broker.mqttPort()).buildBlocking();
        clients.add(c);
        return c;
    }

    private Mqtt5BlockingClient connect(String clientId) {
        Mqtt5BlockingClient c = client(clientId);
        c.connect();
        return c;
    }

    private SseStream stream(String query, String lastEventId) throws Exception {
        return stream(query, lastEventId, ADMIN);
    }

    private SseStream stream(String query, String lastEventId, io.pulsemq.broker.config.AccessKey key) throws Exception {
        SseStream s = SseStream.open(api, query, key, lastEventId);
        streams.add(s);
        return s;
    }

    private void awaitOffline(String clientId) {
        await().until(() -> !api.client(clientId, ADMIN).get("online").asBoolean());
    }

    private static List<String> summary(List<SseStream.Event> events) {
        List<String> out = new ArrayList<>();
        events.forEach(e -> out.add(e.clientId() + " " + e.type()));
        return out;
    }

    @Test
    @Order(1)
    void events_arriveAsTheyHappen_withIdEqualToOffset() throws Exception {
        SseStream s = stream("group=GID_sse1", null);

        connect("GID_sse1@@@a").disconnect();

        await().until(() -> s.events().size() == 3);
        List<SseStream.Event> events = s.events();
        assertThat(summary(events)).containsExactly("GID_sse1@@@a connect", "GID_sse1@@@a disconnect", "GID_sse1@@@a tcpclean");
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).data().get("offset").asLong()).isEqualTo(events.get(i).id());
            assertThat(events.get(i).data().get("version").asLong()).isEqualTo(i + 1);
            if (i > 0) {
                assertThat(events.get(i).id()).isGreaterThan(events.get(i - 1).id());
            }
        }
    }

    @Test
    @Order(2)
    void events_resumedWithLastEventId_deliverExactlyTheMissedOnes() throws Exception {
        SseStream first = stream("group=GID_sse2", null);
        Mqtt5BlockingClient a = connect("GID_sse2@@@a");
        await().until(() -> first.events().size() == 1);
        long seen = first.events().get(0).id();
        first.close();

        connect("GID_sse2@@@b");
        a.disconnect();
        awaitOffline("GID_sse2@@@a");

        SseStream resumed = stream("group=GID_sse2&from=0", Long.toString(seen));
        await().until(() -> resumed.events().size() == 3);
        assertThat(summary(resumed.events())).containsExactlyInAnyOrder(
                "GID_sse2@@@b connect", "GID_sse2@@@a disconnect", "GID_sse2@@@a tcpclean");
        assertThat(resumed.events()).allMatch(e -> e.id() > seen);

        connect("GID_sse2@@@marker");
        await().until(() -> resumed.events().size() >= 4);
        assertThat(summary(resumed.events()).get(3)).isEqualTo("GID_sse2@@@marker connect");
        assertThat(resumed.events()).hasSize(4);
    }

    @Test
    @Order(3)
    void events_filteredByGroupAndType_andServerKeysSeeOnlyTheirGroups() throws Exception {
        SseStream connects = stream("group=GID_sse3&types=connect", null);
        SseStream server = stream("types=connect,tcpclean", null, CAR_SERVER);

        connect("GID_sse3@@@x").disconnect();
        connect("GID_other@@@y");
        connect("GID_bike@@@z");
        connect("GID_car_sse@@@w");
        connect("GID_sse3@@@marker");

        await().until(() -> connects.events().size() >= 2);
        assertThat(summary(connects.events())).containsExactly("GID_sse3@@@x connect", "GID_sse3@@@marker connect");
        await().until(() -> server.events().size() >= 1);
        assertThat(summary(server.events())).containsExactly("GID_car_sse@@@w connect");

        assertError(api.get("/api/v1/status/events?types=connect,bogus", ADMIN), 400, "bad_request");
        assertError(api.get("/api/v1/status/events?group=GID_bike", CAR_SERVER), 403, "forbidden");
        assertError(api.get("/api/v1/status/events?from=" + (broker.broker().statusLog().lastOffset() + 1000), ADMIN),
                400, "bad_request");
    }

    @Test
    @Order(4)
    void listThenWatch_withConcurrentChurn_convergesExactlyToTheFinalList() throws Exception {
        int devices = 12;
        for (int i = 0; i < devices; i += 2) {
            connect("GID_lw@@@d" + i);
        }
        ExecutorService churn = Executors.newSingleThreadExecutor();
        CompletableFuture<Void> churning = CompletableFuture.runAsync(() -> {
            Random random = new Random(42);
            Map<Integer, Mqtt5BlockingClient> live = new HashMap<>();
            for (int step = 0; step < 60; step++) {
                int d = random.nextInt(devices);
                Mqtt5BlockingClient c = live.remove(d);
                if (c != null) {
                    c.disconnect();
                } else {
                    Mqtt5BlockingClient fresh = client("GID_lw@@@d" + d);
                    fresh.connect();
                    live.put(d, fresh);
                }
            }
        }, churn);

        Map<String, long[]> held = new HashMap<>();
        JsonNode list = api.getJson("/api/v1/clients?group=GID_lw&limit=1000", ADMIN);
        list.get("items").forEach(item -> held.put(item.get("clientId").asText(),
                new long[] {item.get("version").asLong(), item.get("online").asBoolean() ? 1 : 0}));
        SseStream watch = stream("group=GID_lw&from=" + list.get("revision").asLong(), null);

        churning.join();
        churn.shutdown();
        await().until(() -> {
            Map<String, long[]> applied = new HashMap<>(held);
            for (SseStream.Event e : watch.events()) {
                long[] current = applied.get(e.clientId());
                long version = e.data().get("version").asLong();
                if (current == null || version > current[0]) {
                    applied.put(e.clientId(), new long[] {version, e.type().equals("connect") ? 1 : 0});
                }
            }
            return render(applied).equals(render(finalList()));
        });
    }

    private static Map<String, long[]> finalList() {
        Map<String, long[]> out = new HashMap<>();
        api.getJson("/api/v1/clients?group=GID_lw&limit=1000", ADMIN).get("items").forEach(item ->
                out.put(item.get("clientId").asText(),
                        new long[] {item.get("version").asLong(), item.get("online").asBoolean() ? 1 : 0}));
        return out;
    }

    private static Map<String, String> render(Map<String, long[]> state) {
        Map<String, String> out = new java.util.TreeMap<>();
        state.forEach((id, v) -> out.put(id, "v" + v[0] + (v[1] == 1 ? " online" : " offline")));
        return out;
    }

    @Test
    @Order(5)
    void export_jsonlAndCsv_holdTheStoredEventsOfTheRange() throws Exception {
        long begin = System.currentTimeMillis() - 1;
        connect("GID_exp@@@a,\"b\"").disconnect();
        awaitOffline("GID_exp@@@a,\"b\"");
        long end = System.currentTimeMillis() + 1;

        HttpResponse<String> jsonl = api.get("/api/v1/status/export?group=GID_exp&format=jsonl&begin=" + begin
                + "&end=" + end, ADMIN);
        assertThat(jsonl.statusCode()).isEqualTo(200);
        assertThat(jsonl.headers().firstValue("content-disposition").orElse("")).startsWith("attachment; filename=");
        String[] lines = jsonl.body().split("\n");
        assertThat(lines).hasSize(3);
        List<String> types = new ArrayList<>();
        for (String line : lines) {
            JsonNode event = ApiClient.json(line);
            assertThat(event.get("clientId").asText()).isEqualTo("GID_exp@@@a,\"b\"");
            types.add(event.get("eventType").asText());
        }
        assertThat(types).containsExactly("connect", "disconnect", "tcpclean");

        HttpResponse<String> csv = api.get("/api/v1/status/export?group=GID_exp&format=csv&begin=" + begin
                + "&end=" + end, ADMIN);
        assertThat(csv.statusCode()).isEqualTo(200);
        assertThat(csv.headers().firstValue("content-type").orElse("")).startsWith("text/csv");
        String[] rows = csv.body().split("\r\n");
        assertThat(rows).hasSize(4);
        assertThat(rows[0]).startsWith("offset,clientId,groupId,eventType,");
        assertThat(rows[1]).contains(",\"GID_exp@@@a,\"\"b\"\"\",GID_exp,connect,");
        assertThat(rows[3]).contains(",tcpclean,").contains(",client_disconnect,");

        assertError(api.get("/api/v1/status/export?format=xml", ADMIN), 400, "bad_request");
        assertError(api.get("/api/v1/status/export?begin=10&end=5", ADMIN), 400, "bad_request");
        assertError(api.get("/api/v1/status/export?begin=soon", ADMIN), 400, "bad_request");
    }

    @Test
    @Order(100)
    void events_fromOlderThanRetention_answer410() throws Exception {
        connect("GID_ret@@@a").disconnect();
        awaitOffline("GID_ret@@@a");
        broker.broker().embeddedStatusLog().applyRetention(Duration.ZERO, 0).join();
        assertThat(broker.broker().statusLog().firstOffset()).isGreaterThan(2);

        assertError(api.get("/api/v1/status/events?from=0", ADMIN), 410, "gone");

        SseStream live = stream("group=GID_ret", null);
        connect("GID_ret@@@b");
        await().until(() -> live.events().size() == 1);
        assertThat(live.events().get(0).clientId()).isEqualTo("GID_ret@@@b");
    }
}
