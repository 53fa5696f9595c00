package io.pulsemq.it;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
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
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.pulsemq.it.BrokerFixture.ADMIN;
import static io.pulsemq.it.BrokerFixture.CAR_DEVICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Device authentication (CONTRACT.md sections 2 and 5): ApsaraMQ Signature mode, plain access keys,
 * the anonymous policy, each refusal with its v3 return code and v5 reason code, refused attempts
 * are not lifecycle events, and the broker never logs a secret.
 */
class AuthenticationIT {

    private static final String INSTANCE = "pulsemq-local";
    private static final RecordingListener listener = new RecordingListener();
    private static final LogCapture logs = new LogCapture();

    /** Anonymous connections refused, so every credential path is exercised. */
    private static BrokerFixture strict;
    /** The default policy: anonymous only from loopback. */
    private static BrokerFixture loopback;

    @BeforeAll
    static void start() throws Exception {
        logs.attach();
        // every refusal here comes from loopback: without throttling, so each test sees its code at once
        strict = BrokerFixture.start(c -> BrokerFixture.noLoginThrottle().apply(
                BrokerFixture.anonymous(AnonymousPolicy.FALSE).apply(c)), listener);
        loopback = BrokerFixture.start(BrokerFixture.noLoginThrottle());
    }

    @AfterAll
    static void stop() {
        strict.close();
        loopback.close();
        logs.detach();
    }

    @Test
    void signature_validForClientId_acceptedV3AndV5() throws Exception {
        org.eclipse.paho.client.mqttv3.MqttClient v3 = Clients.paho3(strict, "GID_car@@@sig-v3");
        v3.connect(options3(signatureUser(CAR_DEVICE, INSTANCE), sign(CAR_DEVICE, "GID_car@@@sig-v3")));
        assertThat(v3.isConnected()).isTrue();
        v3.disconnect();
        v3.close();

        Mqtt5BlockingClient v5 = Clients.hive5(strict, "GID_car@@@sig-v5");
        v5.connectWith().simpleAuth().username(signatureUser(CAR_DEVICE, INSTANCE))
                .password(sign(CAR_DEVICE, "GID_car@@@sig-v5").getBytes(StandardCharsets.UTF_8)).applySimpleAuth()
                .send();
        assertThat(strict.broker().sessions().isConnected("GID_car@@@sig-v5")).isTrue();
        v5.disconnect();
    }

    @Test
    void signature_ofAnotherClientId_refusedBadCredentials() {
        String password = sign(CAR_DEVICE, "GID_car@@@someone-else");
        assertThat(refusedV3("GID_car@@@sig-bad-v3", signatureUser(CAR_DEVICE, INSTANCE), password))
                .isEqualTo(Mqtt3ConnAckReturnCode.BAD_USER_NAME_OR_PASSWORD);
        assertThat(refusedV5("GID_car@@@sig-bad-v5", signatureUser(CAR_DEVICE, INSTANCE), password))
                .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
        assertThat(pahoV3RefusalCode("GID_car@@@sig-bad-paho", signatureUser(CAR_DEVICE, INSTANCE), password))
                .isEqualTo(MqttException.REASON_CODE_FAILED_AUTHENTICATION);
        assertThat(listener.of("GID_car@@@sig-bad-v3")).isEmpty(); // a refused attempt is no lifecycle event
        assertThat(listener.of("GID_car@@@sig-bad-v5")).isEmpty();
    }

    @Test
    void signature_wrongInstanceId_refusedBadCredentials() {
        String user = signatureUser(CAR_DEVICE, "another-instance");
        assertThat(refusedV3("GID_car@@@sig-inst-v3", user, sign(CAR_DEVICE, "GID_car@@@sig-inst-v3")))
                .isEqualTo(Mqtt3ConnAckReturnCode.BAD_USER_NAME_OR_PASSWORD);
        assertThat(refusedV5("GID_car@@@sig-inst-v5", user, sign(CAR_DEVICE, "GID_car@@@sig-inst-v5")))
                .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
    }

    @Test
    void connect_unknownKeyAndWrongSecret_refusedWithTheSameCode() {
        String unknown = "Signature|AK_NOBODY|" + INSTANCE;
        String known = signatureUser(CAR_DEVICE, INSTANCE);
        String wrongSignature = sign(CAR_DEVICE, "GID_car@@@someone-else");
        assertThat(refusedV5("GID_car@@@unknown-v5", unknown, sign(CAR_DEVICE, "GID_car@@@unknown-v5")))
                .isEqualTo(refusedV5("GID_car@@@wrong-v5", known, wrongSignature))
                .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
        assertThat(refusedV3("GID_car@@@unknown-v3", "AK_NOBODY", "whatever-secret"))
                .isEqualTo(refusedV3("GID_car@@@wrong-v3", CAR_DEVICE.id(), "not-the-secret"))
                .isEqualTo(Mqtt3ConnAckReturnCode.BAD_USER_NAME_OR_PASSWORD);
    }

    @Test
    void signature_keyNotAllowedForTheGroup_refusedNotAuthorized() {
        String user = signatureUser(CAR_DEVICE, INSTANCE);
        assertThat(refusedV3("GID_bus@@@sig-grp-v3", user, sign(CAR_DEVICE, "GID_bus@@@sig-grp-v3")))
                .isEqualTo(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED);
        assertThat(refusedV5("GID_bus@@@sig-grp-v5", user, sign(CAR_DEVICE, "GID_bus@@@sig-grp-v5")))
                .isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED);
        assertThat(pahoV3RefusalCode("GID_bus@@@sig-grp-paho", user, sign(CAR_DEVICE, "GID_bus@@@sig-grp-paho")))
                .isEqualTo(MqttException.REASON_CODE_NOT_AUTHORIZED);
    }

    @Test
    void deviceKeyBoundToItsClientIds_connectsAsItselfButNotAsASibling() {
        String user = signatureUser(BrokerFixture.VIN1_DEVICE, INSTANCE);
        Mqtt3BlockingClient own = Clients.hive3(strict, "GID_car@@@vin1-own");
        own.connectWith().simpleAuth().username(user)
                .password(sign(BrokerFixture.VIN1_DEVICE, "GID_car@@@vin1-own").getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth().send();
        own.disconnect();

        // a valid signature for the sibling's ID: the key itself is not allowed to be that device
        assertThat(refusedV3("GID_car@@@vin2", user, sign(BrokerFixture.VIN1_DEVICE, "GID_car@@@vin2")))
                .isEqualTo(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED);
        assertThat(refusedV5("GID_car@@@vin2", user, sign(BrokerFixture.VIN1_DEVICE, "GID_car@@@vin2")))
                .isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED);
    }

    @Test
    void plainAccessKey_idAndSecret_acceptedV3AndV5() throws Exception {
        Mqtt3BlockingClient v3 = Clients.hive3(strict, "GID_car@@@plain-v3");
        v3.connectWith().simpleAuth().username(CAR_DEVICE.id())
                .password(CAR_DEVICE.secret().getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send();
        v3.disconnect();

        org.eclipse.paho.mqttv5.client.MqttClient v5 = Clients.paho5(strict, "plain-v5-any-group");
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setUserName(ADMIN.id());
        o.setPassword(ADMIN.secret().getBytes(StandardCharsets.UTF_8));
        v5.connect(o);
        assertThat(v5.isConnected()).isTrue();
        v5.disconnect();
        v5.close();
    }

    @Test
    void plainAccessKey_wrongSecret_refusedBadCredentials() {
        assertThat(refusedV3("GID_car@@@plain-bad-v3", CAR_DEVICE.id(), "not-the-secret"))
                .isEqualTo(Mqtt3ConnAckReturnCode.BAD_USER_NAME_OR_PASSWORD);
        assertThat(refusedV5("GID_car@@@plain-bad-v5", CAR_DEVICE.id(), "not-the-secret"))
                .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
    }

    @Test
    void anonymous_whenDisabled_refusedNotAuthorized() {
        Mqtt3ConnAckException v3 = catchThrowableOfType(Mqtt3ConnAckException.class,
                () -> Clients.hive3(strict, "anon-v3").connect());
        assertThat(v3.getMqttMessage().getReturnCode()).isEqualTo(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED);
        Mqtt5ConnAckException v5 = catchThrowableOfType(Mqtt5ConnAckException.class,
                () -> Clients.hive5(strict, "anon-v5").connect());
        assertThat(v5.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED);
        assertThat(strict.broker().sessions().get("anon-v5")).isNull();
    }

    @Test
    void anonymous_loopbackPolicy_acceptsLoopbackClient() throws Exception {
        org.eclipse.paho.client.mqttv3.MqttClient v3 = Clients.paho3(loopback, "anon-loopback-v3");
        v3.connect();
        assertThat(v3.isConnected()).isTrue();
        v3.disconnect();
        v3.close();
        Mqtt5BlockingClient v5 = Clients.hive5(loopback, "anon-loopback-v5");
        v5.connect();
        assertThat(loopback.broker().sessions().isConnected("anon-loopback-v5")).isTrue();
        v5.disconnect();
    }

    @Test
    void brokerLog_acceptedAndRefusedLogins_neverContainsSecretsOrPasswords() throws Exception {
        String signature = sign(CAR_DEVICE, "GID_car@@@log-sig");
        Mqtt5BlockingClient ok = Clients.hive5(strict, "GID_car@@@log-sig");
        ok.connectWith().simpleAuth().username(signatureUser(CAR_DEVICE, INSTANCE))
                .password(signature.getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send();
        ok.disconnect();
        refusedV5("GID_car@@@log-wrong", CAR_DEVICE.id(), "a-wrong-password-value");
        refusedV5("GID_car@@@log-sig-wrong", signatureUser(CAR_DEVICE, INSTANCE), signature);

        assertThat(logs.text()).contains("GID_car@@@log-wrong"); // the capture does see the refusals
        assertThat(logs.text()).doesNotContain(CAR_DEVICE.secret(), ADMIN.secret(), signature,
                "a-wrong-password-value");
    }

    private static Mqtt3ConnAckReturnCode refusedV3(String clientId, String username, String password) {
        Mqtt3ConnAckException e = catchThrowableOfType(Mqtt3ConnAckException.class,
                () -> Clients.hive3(strict, clientId).connectWith().simpleAuth().username(username)
                        .password(password.getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send());
        assertThat(e).as("CONNECT of %s refused", clientId).isNotNull();
        return e.getMqttMessage().getReturnCode();
    }

    private static Mqtt5ConnAckReasonCode refusedV5(String clientId, String username, String password) {
        Mqtt5ConnAckException e = catchThrowableOfType(Mqtt5ConnAckException.class,
                () -> Clients.hive5(strict, clientId).connectWith().simpleAuth().username(username)
                        .password(password.getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send());
        assertThat(e).as("CONNECT of %s refused", clientId).isNotNull();
        return e.getMqttMessage().getReasonCode();
    }

    private static int pahoV3RefusalCode(String clientId, String username, String password) {
        MqttException e = catchThrowableOfType(MqttException.class,
                () -> Clients.paho3(strict, clientId).connect(options3(username, password)));
        assertThat(e).as("CONNECT of %s refused", clientId).isNotNull();
        return e.getReasonCode();
    }

    private static MqttConnectOptions options3(String username, String password) {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setUserName(username);
        o.setPassword(password.toCharArray());
        return o;
    }

    /** What a device sends as username in Signature mode. */
    private static String signatureUser(AccessKey key, String instanceId) {
        return "Signature|" + key.id() + "|" + instanceId;
    }

    /** What a device computes as password in Signature mode. */
    private static String sign(AccessKey key, String clientId) {
        return Signatures.hmacSha1Base64(key.secret(), clientId);
    }

    /**
     * Collects every broker log line at DEBUG and above while attached; lines at WARN and above
     * still reach the console.
     */
    private static final class LogCapture extends AppenderBase<ILoggingEvent> {
        private final List<String> lines = new CopyOnWriteArrayList<>();
        private final Logger logger = (Logger) LoggerFactory.getLogger("io.pulsemq");
        private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        private Level previousLevel;

        void attach() {
            setContext(logger.getLoggerContext());
            start();
            previousLevel = logger.getLevel();
            logger.addAppender(this);
            logger.setLevel(Level.DEBUG);
            logger.setAdditive(false);
        }

        void detach() {
            logger.setAdditive(true);
            logger.setLevel(previousLevel);
            logger.detachAppender(this);
            stop();
        }

        @Override
        protected void append(ILoggingEvent event) {
            StringBuilder line = new StringBuilder(event.getFormattedMessage());
            for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
                line.append(' ').append(t.getMessage());
            }
            lines.add(line.toString());
            if (event.getLevel().isGreaterOrEqual(Level.WARN)) {
                root.iteratorForAppenders().forEachRemaining(a -> a.doAppend(event));
            }
        }

        String text() {
            return String.join("\n", lines);
        }
    }
}
