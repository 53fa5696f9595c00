package io.pulsemq.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import io.pulsemq.broker.config.AccessKey;
import io.pulsemq.broker.config.AuthConfig.AnonymousPolicy;
import io.pulsemq.protocol.Signatures;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.pulsemq.it.BrokerFixture.ADMIN;
import static io.pulsemq.it.BrokerFixture.CAR_DEVICE;
import static io.pulsemq.it.BrokerFixture.CAR_SERVER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * Device credentials, ApsaraMQ's unique certificate per device: a backend registers a client ID over the HTTP API
 * or the ApsaraMQ RPC actions, the device connects with {@code DeviceCredential|id|instance} and its own HMAC, as that
 * client ID only; a replaced or revoked credential stops working and its connection is cut; credentials survive a
 * restart. Real clients: Paho 3, HiveMQ 3 and 5, the JDK HttpClient.
 */
class DeviceCredentialIT {

    private static final String PATH = "/api/v1/device-credentials";
    private static final AccessKey BIKE_SERVER = new AccessKey("AK_TEST_BIKE_SERVER", "bike-server-secret-16",
            AccessKey.Role.SERVER, List.of("GID_bike"));

    private static BrokerFixture broker;
    private static ApiClient api;

    @BeforeAll
    static void start() throws Exception {
        // anonymous refused, so a connection can only be the credential's; no throttling of the refusals tested
        broker = BrokerFixture.start(c -> BrokerFixture.noLoginThrottle().apply(
                BrokerFixture.anonymous(AnonymousPolicy.FALSE).apply(c.withAccessKeys(withBikeServer(c.accessKeys())))));
        api = new ApiClient(broker.httpPort());
    }

    private static List<AccessKey> withBikeServer(List<AccessKey> keys) {
        List<AccessKey> all = new java.util.ArrayList<>(keys);
        all.add(BIKE_SERVER);
        return all;
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void registeredCredential_connectsItsOwnClientId_andNoOther() throws Exception {
        JsonNode c = register("GID_car@@@dc-own", CAR_SERVER);
        assertThat(c.get("deviceAccessKeyId").asText()).startsWith("DC.");
        assertThat(c.get("username").asText()).isEqualTo("DeviceCredential|" + c.get("deviceAccessKeyId").asText()
                + "|" + broker.config().instanceId());

        org.eclipse.paho.client.mqttv3.MqttClient paho = Clients.paho3(broker, "GID_car@@@dc-own");
        paho.connect(options(c, "GID_car@@@dc-own"));
        assertThat(broker.broker().sessions().isConnected("GID_car@@@dc-own")).isTrue();
        paho.disconnect();
        paho.close();

        // the right secret, signing a sibling's client ID: the credential is not that device's
        Mqtt5BlockingClient sibling = Clients.hive5(broker, "GID_car@@@dc-sibling");
        Mqtt5ConnAckException refused = catchThrowableOfType(() -> sibling.connectWith().simpleAuth()
                .username(c.get("username").asText())
                .password(utf8(Signatures.hmacSha1Base64(secret(c), "GID_car@@@dc-sibling"))).applySimpleAuth()
                .send(), Mqtt5ConnAckException.class);
        assertThat(refused.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED);
    }

    @Test
    void refreshedCredential_cutsOffTheDeviceUsingTheOldOne_whichIsThenRefusedLikeAnyWrongCredential() throws Exception {
        String clientId = "GID_car@@@dc-refresh";
        JsonNode old = register(clientId, CAR_SERVER);
        Mqtt5BlockingClient device = Clients.hive5(broker, clientId);
        connect(device, old, clientId);
        assertThat(broker.broker().sessions().isConnected(clientId)).isTrue();

        HttpResponse<String> refreshed = api.post(PATH + "/" + enc(clientId) + "/refresh", "", CAR_SERVER);
        assertThat(refreshed.statusCode()).as(refreshed.body()).isEqualTo(200);
        JsonNode fresh = ApiClient.json(refreshed.body());

        assertThat(fresh.get("deviceAccessKeyId").asText()).isNotEqualTo(old.get("deviceAccessKeyId").asText());
        await().atMost(Duration.ofSeconds(10)).until(() -> !broker.broker().sessions().isConnected(clientId));
        JsonNode trace = api.getJson("/api/v1/clients/" + enc(clientId) + "/trace", ADMIN);
        assertThat(trace.toString()).contains("kicked");

        Mqtt3BlockingClient withOld = Clients.hive3(broker, clientId);
        Mqtt3ConnAckException oldRefused = catchThrowableOfType(() -> withOld.connectWith().simpleAuth()
                .username(old.get("username").asText()).password(utf8(Signatures.hmacSha1Base64(secret(old), clientId)))
                .applySimpleAuth().send(), Mqtt3ConnAckException.class);
        assertThat(oldRefused.getMqttMessage().getReturnCode()).isEqualTo(Mqtt3ConnAckReturnCode.BAD_USER_NAME_OR_PASSWORD);

        Mqtt5BlockingClient again = Clients.hive5(broker, clientId);
        connect(again, fresh, clientId);
        assertThat(broker.broker().sessions().isConnected(clientId)).isTrue();
        again.disconnect();
    }

    @Test
    void revokedCredential_isGone_andRefused() throws Exception {
        String clientId = "GID_car@@@dc-revoke";
        JsonNode c = register(clientId, ADMIN);

        HttpResponse<String> revoked = api.send(api.request(PATH + "/" + enc(clientId), ADMIN).DELETE().build());
        assertThat(revoked.statusCode()).isEqualTo(204);

        assertThat(api.get(PATH + "/" + enc(clientId), ADMIN).statusCode()).isEqualTo(404);
        assertThat(api.send(api.request(PATH + "/" + enc(clientId), ADMIN).DELETE().build()).statusCode()).isEqualTo(404);
        Mqtt5BlockingClient device = Clients.hive5(broker, clientId);
        Mqtt5ConnAckException refused = catchThrowableOfType(() -> connect(device, c, clientId),
                Mqtt5ConnAckException.class);
        assertThat(refused.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
    }

    @Test
    void keys_manageOnlyTheirGroups_andDeviceKeysNone() {
        HttpResponse<String> otherGroup = api.post(PATH, "{\"clientId\":\"GID_car@@@dc-not-yours\"}", BIKE_SERVER);
        HttpResponse<String> device = api.post(PATH, "{\"clientId\":\"GID_car@@@dc-device\"}", CAR_DEVICE);
        HttpResponse<String> noBody = api.post(PATH, "[]", CAR_SERVER);

        assertThat(otherGroup.statusCode()).isEqualTo(403);
        assertThat(device.statusCode()).isEqualTo(403);
        assertThat(noBody.statusCode()).isEqualTo(400);
        assertThat(ApiClient.json(noBody.body()).get("message").asText()).contains("clientId");
        assertThat(api.get(PATH + "/" + enc("GID_car@@@dc-not-yours"), ADMIN).statusCode()).isEqualTo(404);
    }

    @Test
    void credentials_surviveARestart() throws Exception {
        String clientId = "GID_car@@@dc-restart";
        JsonNode c = register(clientId, CAR_SERVER);

        broker.restart();
        api = new ApiClient(broker.httpPort());

        Mqtt5BlockingClient device = Clients.hive5(broker, clientId);
        connect(device, c, clientId);
        assertThat(broker.broker().sessions().isConnected(clientId)).isTrue();
        device.disconnect();
        assertThat(api.getJson(PATH + "/" + enc(clientId), CAR_SERVER).get("deviceAccessKeyId").asText())
                .isEqualTo(c.get("deviceAccessKeyId").asText());
    }

    @Test
    void apsaraRpcActions_registerGetRefreshAndUnregister() throws Exception {
        String clientId = "GID_car@@@dc-rpc";
        JsonNode registered = rpc("RegisterDeviceCredential", clientId, CAR_SERVER);
        JsonNode credential = registered.get("DeviceCredential");
        assertThat(credential.get("ClientId").asText()).isEqualTo(clientId);
        assertThat(credential.get("InstanceId").asText()).isEqualTo(broker.config().instanceId());
        assertThat(credential.get("CreateTime").asLong()).isPositive();

        Mqtt5BlockingClient device = Clients.hive5(broker, clientId);
        device.connectWith().simpleAuth()
                .username("DeviceCredential|" + credential.get("DeviceAccessKeyId").asText() + "|"
                        + broker.config().instanceId())
                .password(utf8(Signatures.hmacSha1Base64(credential.get("DeviceAccessKeySecret").asText(), clientId)))
                .applySimpleAuth().send();
        device.disconnect();

        assertThat(rpc("GetDeviceCredential", clientId, CAR_SERVER).get("DeviceCredential").get("DeviceAccessKeyId").asText())
                .isEqualTo(credential.get("DeviceAccessKeyId").asText());
        assertThat(rpc("RefreshDeviceCredential", clientId, CAR_SERVER).get("DeviceCredential").get("DeviceAccessKeyId")
                .asText()).isNotEqualTo(credential.get("DeviceAccessKeyId").asText());
        assertThat(rpc("UnRegisterDeviceCredential", clientId, CAR_SERVER).has("DeviceCredential")).isFalse();

        HttpResponse<String> gone = rpcCall("GetDeviceCredential", clientId, CAR_SERVER);
        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(ApiClient.json(gone.body()).get("Code").asText()).isEqualTo("DeviceCredentialNotFound");
        HttpResponse<String> otherGroup = rpcCall("RegisterDeviceCredential", "GID_car@@@dc-rpc-bike", BIKE_SERVER);
        assertThat(otherGroup.statusCode()).isEqualTo(403);
        assertThat(ApiClient.json(otherGroup.body()).get("Code").asText()).isEqualTo("PermissionCheckFailed");
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private static JsonNode register(String clientId, AccessKey by) {
        HttpResponse<String> r = api.post(PATH, "{\"clientId\":\"" + clientId + "\"}", by);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return ApiClient.json(r.body());
    }

    private static String secret(JsonNode credential) {
        return credential.get("deviceAccessKeySecret").asText();
    }

    private static MqttConnectOptions options(JsonNode credential, String clientId) {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        o.setUserName(credential.get("username").asText());
        o.setPassword(Signatures.hmacSha1Base64(secret(credential), clientId).toCharArray());
        return o;
    }

    private static void connect(Mqtt5BlockingClient client, JsonNode credential, String clientId) {
        client.connectWith().simpleAuth().username(credential.get("username").asText())
                .password(utf8(Signatures.hmacSha1Base64(secret(credential), clientId))).applySimpleAuth().send();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String enc(String clientId) {
        return ApiClient.enc(clientId).replace("+", "%20");
    }

    private static HttpResponse<String> rpcCall(String action, String clientId, AccessKey key) throws Exception {
        Map<String, String> p = RpcIT.params(action, key, broker.config().instanceId());
        p.put("ClientId", clientId);
        return api.get("/?" + RpcIT.signed("GET", p, key.secret()), null);
    }

    private static JsonNode rpc(String action, String clientId, AccessKey key) throws Exception {
        HttpResponse<String> r = rpcCall(action, clientId, key);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return ApiClient.json(r.body());
    }
}
