package io.pulsemq.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.pulsemq.broker.config.AccessKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;

import static io.pulsemq.it.BrokerFixture.ADMIN;
import static io.pulsemq.it.BrokerFixture.CAR_SERVER;
import static org.assertj.core.api.Assertions.assertThat;

/** The ApsaraMQ-compatible RPC actions on /, signed the way Alibaba Cloud SDKs sign (RPC signature v1). */
class RpcIT {

    private static BrokerFixture broker;
    private static ApiClient api;

    @BeforeAll
    static void start() throws Exception {
        broker = BrokerFixture.start();
        api = new ApiClient(broker.httpPort());
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private static Mqtt5BlockingClient connect(String clientId) {
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(clientId)
                .serverHost("127.0.0.1").serverPort(broker.mqttPort()).buildBlocking();
        c.connect();
        return c;
    }

    /** The common parameters of a call, fresh nonce and timestamp. */
    private static Map<String, String> params(String action, AccessKey key) {
        return params(action, key, broker.config().instanceId());
    }

    /** The common parameters of a call to {@code instanceId}, fresh nonce and timestamp. */
    static Map<String, String> params(String action, AccessKey key, String instanceId) {
        Map<String, String> p = new TreeMap<>();
        p.put("Action", action);
        p.put("Version", "2020-04-20");
        p.put("Format", "JSON");
        p.put("AccessKeyId", key.id());
        p.put("SignatureMethod", "HMAC-SHA1");
        p.put("SignatureVersion", "1.0");
        p.put("SignatureNonce", UUID.randomUUID().toString());
        p.put("Timestamp", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        p.put("InstanceId", instanceId);
        return p;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A").replace("%7E", "~");
    }

    /** Signs as the Alibaba Cloud SDK does and returns the query string with the Signature. */
    static String signed(String method, Map<String, String> params, String secret) throws Exception {
        String canonical = new TreeMap<>(params).entrySet().stream()
                .map(e -> enc(e.getKey()) + "=" + enc(e.getValue())).collect(Collectors.joining("&"));
        String toSign = method + "&" + enc("/") + "&" + enc(canonical);
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec((secret + "&").getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
        String signature = Base64.getEncoder().encodeToString(mac.doFinal(toSign.getBytes(StandardCharsets.UTF_8)));
        return canonical + "&Signature=" + enc(signature);
    }

    private static HttpResponse<String> call(Map<String, String> params, String secret) throws Exception {
        return api.get("/?" + signed("GET", params, secret), null);
    }

    private static JsonNode ok(Map<String, String> params, AccessKey key) throws Exception {
        HttpResponse<String> r = call(params, key.secret());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = ApiClient.json(r.body());
        assertThat(body.get("RequestId").asText()).isNotEmpty();
        return body;
    }

    private static void assertRpcError(HttpResponse<String> r, int status, String code) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode body = ApiClient.json(r.body());
        assertThat(body.get("Code").asText()).isEqualTo(code);
        assertThat(body.get("RequestId").asText()).isNotEmpty();
        assertThat(body.get("Message").asText()).isNotEmpty();
    }

    @Test
    void querySessionByClientId_signed_answersOnlineStatus() throws Exception {
        Mqtt5BlockingClient c = connect("GID_car@@@rpc1");
        Map<String, String> p = params("QuerySessionByClientId", ADMIN);
        p.put("ClientId", "GID_car@@@rpc1");

        assertThat(ok(p, ADMIN).get("OnlineStatus").asBoolean()).isTrue();

        Map<String, String> unknown = params("QuerySessionByClientId", CAR_SERVER);
        unknown.put("ClientId", "GID_car@@@nobody");
        assertThat(ok(unknown, CAR_SERVER).get("OnlineStatus").asBoolean()).isFalse();
        c.disconnect();
    }

    @Test
    void batchQuerySessionByClientIds_answersInRequestOrder_viaFormPost() throws Exception {
        Mqtt5BlockingClient c = connect("GID_car@@@rpc2");
        Map<String, String> p = params("BatchQuerySessionByClientIds", ADMIN);
        p.put("ClientIdList.1", "GID_car@@@none");
        p.put("ClientIdList.2", "GID_car@@@rpc2");

        HttpResponse<String> r = api.send(api.request("/", null)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(signed("POST", p, ADMIN.secret()))).build());

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode list = ApiClient.json(r.body()).get("OnlineStatusList");
        assertThat(list).hasSize(2);
        assertThat(list.get(0).get("ClientId").asText()).isEqualTo("GID_car@@@none");
        assertThat(list.get(0).get("OnlineStatus").asBoolean()).isFalse();
        assertThat(list.get(1).get("ClientId").asText()).isEqualTo("GID_car@@@rpc2");
        assertThat(list.get(1).get("OnlineStatus").asBoolean()).isTrue();
        c.disconnect();
    }

    @Test
    void closeConnection_thenTrace_showsConnectAndClose() throws Exception {
        String id = "GID_car@@@rpc3";
        connect(id);
        long begin = System.currentTimeMillis() - 60_000;
        Map<String, String> close = params("CloseConnection", CAR_SERVER);
        close.put("ClientId", id);

        JsonNode closed = ok(close, CAR_SERVER);
        assertThat(closed.get("Success").asBoolean()).isTrue();
        assertThat(closed.get("Code").asInt()).isEqualTo(200);
        assertThat(api.client(id, ADMIN).get("online").asBoolean()).isFalse();

        Map<String, String> trace = params("QueryMqttTraceDevice", ADMIN);
        trace.put("ClientId", id);
        trace.put("MqttRegionId", "local");
        trace.put("BeginTime", Long.toString(begin));
        trace.put("EndTime", Long.toString(System.currentTimeMillis() + 60_000));
        trace.put("CurrentPage", "1");
        trace.put("PageSize", "10");
        trace.put("Reverse", "false");
        JsonNode answer = ok(trace, ADMIN);
        assertThat(answer.get("Total").asLong()).isEqualTo(2);
        assertThat(answer.get("CurrentPage").asInt()).isEqualTo(1);
        JsonNode devices = answer.get("DeviceInfoList");
        assertThat(devices.get(0).get("Action").asText()).isEqualTo("connect");
        assertThat(devices.get(0).get("ActionCode").asText()).isEqualTo("mqtt.trace.action.connect");
        assertThat(devices.get(0).get("ActionInfo").asText()).isEqualTo("accepted");
        assertThat(devices.get(0).get("Time").asText()).matches("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3}");
        assertThat(devices.get(1).get("Action").asText()).isEqualTo("close");
        assertThat(devices.get(1).get("ChannelId").asText()).isEqualTo(devices.get(0).get("ChannelId").asText());

        Map<String, String> again = params("CloseConnection", ADMIN);
        again.put("ClientId", id);
        assertThat(ok(again, ADMIN).get("Success").asBoolean()).isFalse();
    }

    @Test
    void wrongSecret_answersSignatureDoesNotMatch() throws Exception {
        Map<String, String> p = params("QuerySessionByClientId", ADMIN);
        p.put("ClientId", "GID_car@@@x");

        assertRpcError(call(p, "not-the-secret"), 400, "SignatureDoesNotMatch");
    }

    @Test
    void replayedNonce_answersSignatureNonceUsed() throws Exception {
        Map<String, String> p = params("QuerySessionByClientId", ADMIN);
        p.put("ClientId", "GID_car@@@x");
        String query = signed("GET", p, ADMIN.secret());

        assertThat(api.get("/?" + query, null).statusCode()).isEqualTo(200);
        assertRpcError(api.get("/?" + query, null), 400, "SignatureNonceUsed");
    }

    @Test
    void staleTimestamp_unknownKey_otherGroup_andOtherInstance_areRefused() throws Exception {
        Map<String, String> stale = params("QuerySessionByClientId", ADMIN);
        stale.put("ClientId", "GID_car@@@x");
        stale.put("Timestamp", Instant.now().minus(20, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS).toString());
        assertRpcError(call(stale, ADMIN.secret()), 400, "InvalidTimeStamp.Expired");

        Map<String, String> unknownKey = params("QuerySessionByClientId", ADMIN);
        unknownKey.put("AccessKeyId", "AK_NOBODY");
        unknownKey.put("ClientId", "GID_car@@@x");
        assertRpcError(call(unknownKey, "whatever"), 403, "InvalidAccessKeyId.NotFound");

        Map<String, String> otherGroup = params("QuerySessionByClientId", CAR_SERVER);
        otherGroup.put("ClientId", "GID_bike@@@x");
        assertRpcError(call(otherGroup, CAR_SERVER.secret()), 403, "PermissionCheckFailed");

        Map<String, String> otherInstance = params("QuerySessionByClientId", ADMIN);
        otherInstance.put("InstanceId", "post-cn-other");
        otherInstance.put("ClientId", "GID_car@@@x");
        assertRpcError(call(otherInstance, ADMIN.secret()), 403, "InstancePermissionCheckFailed");

        Map<String, String> missing = params("QuerySessionByClientId", ADMIN);
        assertRpcError(call(missing, ADMIN.secret()), 400, "ParameterCheckFailed");

        Map<String, String> device = params("QuerySessionByClientId", BrokerFixture.CAR_DEVICE);
        device.put("ClientId", "GID_car@@@x");
        assertRpcError(call(device, BrokerFixture.CAR_DEVICE.secret()), 403, "PermissionCheckFailed");
    }

    @Test
    void apiV1_acceptsTheRpcSignatureInsteadOfBasic_andRejectsAWrongOne() throws Exception {
        Mqtt5BlockingClient device = connect("GID_car@@@signed-api");
        Map<String, String> p = params("QuerySessionByClientId", BrokerFixture.ADMIN);
        p.remove("Action");

        HttpResponse<String> r = api.get("/api/v1/clients/GID_car@@@signed-api?" + signed("GET", p, BrokerFixture.ADMIN.secret()), null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(ApiClient.json(r.body()).get("online").asBoolean()).isTrue();

        Map<String, String> wrong = params("QuerySessionByClientId", BrokerFixture.ADMIN);
        wrong.remove("Action");
        HttpResponse<String> refused = api.get("/api/v1/clients/GID_car@@@signed-api?" + signed("GET", wrong, "not-the-secret"), null);
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(ApiClient.json(refused.body()).get("error").asText()).isEqualTo("unauthorized");
        device.disconnect();
    }
}
