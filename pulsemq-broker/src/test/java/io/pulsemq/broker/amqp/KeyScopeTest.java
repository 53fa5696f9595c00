package io.pulsemq.broker.amqp;

import io.pulsemq.broker.authz.Authorizer;
import io.pulsemq.broker.config.AccessKey;
import io.pulsemq.broker.config.AuthorizationConfig.Decision;
import io.pulsemq.broker.config.AuthorizationConfig;
import io.pulsemq.broker.config.AuthorizationRule.Action;
import io.pulsemq.broker.config.AuthorizationRule;
import io.pulsemq.broker.message.Message;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What a server SDK connection may read and send, decided without a network. */
class KeyScopeTest {

    private static final AccessKey CAR = new AccessKey("AK_CAR", "car-server-secret-16", AccessKey.Role.SERVER,
            List.of("GID_car*"));
    private static final AccessKey ADMIN_OF_NOTHING = new AccessKey("AK_ADMIN", "admin-secret-16ch", AccessKey.Role.ADMIN,
            List.of());

    /** Default deny; the car backend may read telemetry and command its own tree; devices use their own tree. */
    private static final Authorizer RULES = new Authorizer(new AuthorizationConfig(Decision.DENY, List.of(
            new AuthorizationRule(Action.ALL, null, List.of("devices/%c/#"), null, List.of("GID_car*"), null, null),
            new AuthorizationRule(null, Action.ALL, List.of("#"), null, List.of("GID_car*"), null, null),
            new AuthorizationRule(Action.SUBSCRIBE, null, List.of("telemetry/#"), List.of("AK_CAR"), null, null, null),
            new AuthorizationRule(Action.PUBLISH, null, List.of("commands/%k/#", "cmd/p2p/#"), List.of("AK_CAR"), null,
                    null, null))));

    @Test
    void status_serverKeySeesItsGroups_adminKeySeesEveryGroup_asOnHttp() {
        KeyScope car = KeyScope.of(CAR, RULES);
        assertThat(car.statusRefusal("GID_car_eu")).isEmpty();
        assertThat(car.statusRefusal("GID_bike")).hasValueSatisfying(why -> assertThat(why).contains("AK_CAR"));
        assertThat(KeyScope.of(ADMIN_OF_NOTHING, RULES).statusRefusal("GID_bike")).isEmpty();
    }

    @Test
    void topic_readableOnlyWhenTheRulesLetTheKeySubscribeToParentHash() {
        KeyScope car = KeyScope.of(CAR, RULES);
        assertThat(car.topicRefusal("telemetry")).isEmpty();
        assertThat(car.topicRefusal("billing")).hasValueSatisfying(why -> assertThat(why).contains("'billing/#'"));
        // the device rules (groups GID_car*, %c) are about MQTT clients, not about the backend
        assertThat(car.topicRefusal("devices")).isPresent();
        assertThat(KeyScope.mayRead(CAR, RULES, "telemetry")).isTrue();
        assertThat(KeyScope.mayRead(CAR, RULES, "billing")).isFalse();
    }

    @Test
    void topic_aDenyOnPartOfTheTree_refusesTheWholeParentTopic() {
        Authorizer rules = new Authorizer(new AuthorizationConfig(Decision.ALLOW, List.of(
                new AuthorizationRule(null, Action.SUBSCRIBE, List.of("telemetry/secret/#"), null, null, null, null))));
        assertThat(KeyScope.of(CAR, rules).topicRefusal("telemetry")).isPresent();
        assertThat(KeyScope.of(CAR, rules).topicRefusal("other")).isEmpty();
    }

    @Test
    void publish_decidedByTheRulesWithTheKeysId_retainNeedsTheRetainAction() {
        KeyScope car = KeyScope.of(CAR, RULES);
        assertThat(car.publishRefusal("commands/AK_CAR/unlock", false)).isEmpty();
        assertThat(car.publishRefusal("commands/AK_OTHER/unlock", false)).isPresent();
        assertThat(car.publishRefusal("commands/AK_CAR/unlock", true))
                .hasValueSatisfying(why -> assertThat(why).contains("retained"));
    }

    @Test
    void publish_p2p_onlyToClientsOfTheKeysGroups() {
        KeyScope car = KeyScope.of(CAR, RULES);
        assertThat(car.publishRefusal("cmd/p2p/GID_car@@@vin1", false)).isEmpty();
        assertThat(car.publishRefusal("cmd/p2p/GID_bike@@@b1", false))
                .hasValueSatisfying(why -> assertThat(why).contains("GID_bike"));
        assertThat(KeyScope.of(ADMIN_OF_NOTHING, Authorizer.allowAll()).publishRefusal("cmd/p2p/GID_bike@@@b1", false))
                .isEmpty();
    }

    @Test
    void reads_aDevicesMessageOnlyFromAGroupTheKeySees_aBackendsMessageAlways() {
        assertThat(KeyScope.reads(CAR, KeyScope.senderGroup(message("GID_car_eu@@@vin1")))).isTrue();
        assertThat(KeyScope.reads(CAR, KeyScope.senderGroup(message("GID_bike@@@b1")))).isFalse();
        assertThat(KeyScope.reads(CAR, KeyScope.senderGroup(message("no-group-device")))).isFalse();
        assertThat(KeyScope.reads(CAR, KeyScope.senderGroup(message("")))).isTrue();
        assertThat(KeyScope.reads(ADMIN_OF_NOTHING, KeyScope.senderGroup(message("GID_bike@@@b1")))).isTrue();
    }

    @Test
    void deviceKey_neverReadsAQueue() {
        AccessKey device = new AccessKey("AK_DEV", "device-secret-16ch", AccessKey.Role.DEVICE, List.of("*"));
        assertThat(KeyScope.mayRead(device, Authorizer.allowAll(), "telemetry")).isFalse();
    }

    private static Message message(String publisherId) {
        return Message.of("telemetry/x", 1, false, new byte[0], publisherId, 0);
    }
}
