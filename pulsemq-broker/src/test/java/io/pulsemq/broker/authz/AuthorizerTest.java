package io.pulsemq.broker.authz;

import io.pulsemq.broker.config.AuthorizationConfig;
import io.pulsemq.broker.config.AuthorizationConfig.Decision;
import io.pulsemq.broker.config.AuthorizationRule;
import io.pulsemq.broker.config.AuthorizationRule.Action;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AuthorizerTest {

    private static final Identity C1 = new Identity("GID_car@@@c1", "user1", "key1");
    private static final Identity ANONYMOUS = new Identity("GID_car@@@anon", null, null);

    private static AuthorizationRule allow(Action action, String... topics) {
        return new AuthorizationRule(action, null, List.of(topics), null, null, null, false);
    }

    private static AuthorizationRule deny(Action action, String... topics) {
        return new AuthorizationRule(null, action, List.of(topics), null, null, null, false);
    }

    private static Permissions permissions(Decision fallback, Identity id, AuthorizationRule... rules) {
        return new Authorizer(new AuthorizationConfig(fallback, List.of(rules))).permissionsFor(id);
    }

    @Test
    void permissionsFor_noRulesDefaultAllow_isAllowAll() {
        assertThat(permissions(Decision.ALLOW, C1)).isSameAs(Permissions.ALLOW_ALL);
        assertThat(Permissions.ALLOW_ALL.mayPublish("any/topic", true)).isTrue();
        assertThat(Permissions.ALLOW_ALL.maySubscribe("#", "#")).isTrue();
    }

    @Test
    void mayPublish_firstMatchingRuleWins() {
        Permissions p = permissions(Decision.ALLOW, C1,
                allow(Action.PUBLISH, "a/open"), deny(Action.PUBLISH, "a/#"), allow(Action.PUBLISH, "a/closed"));
        assertThat(p.mayPublish("a/open", false)).isTrue();
        assertThat(p.mayPublish("a/closed", false)).isFalse();
        assertThat(p.mayPublish("b/x", false)).isTrue();
    }

    @Test
    void mayPublish_defaultDeny_deniesWhatNoRuleAllows() {
        Permissions p = permissions(Decision.DENY, C1, allow(Action.ALL, "devices/%c/#"));
        assertThat(p.mayPublish("devices/GID_car@@@c1/state", false)).isTrue();
        assertThat(p.mayPublish("devices/GID_car@@@c2/state", false)).isFalse();
        assertThat(p.mayPublish("other", false)).isFalse();
        assertThat(p.maySubscribe("#", "#")).isFalse();
    }

    @Test
    void mayPublish_retained_needsRetainAction() {
        Permissions p = permissions(Decision.DENY, C1, allow(Action.PUBLISH, "t/#"), allow(Action.RETAIN, "t/r"));
        assertThat(p.mayPublish("t/x", false)).isTrue();
        assertThat(p.mayPublish("t/x", true)).isFalse();
        assertThat(p.mayPublish("t/r", true)).isTrue();
        // a second look comes from the cache and says the same
        assertThat(p.mayPublish("t/x", true)).isFalse();
    }

    @Test
    void permissionsFor_substitutesGroupUsernameAndKey() {
        Permissions p = permissions(Decision.DENY, C1,
                allow(Action.PUBLISH, "g/%g/u/%u/k/%k"));
        assertThat(p.mayPublish("g/GID_car/u/user1/k/key1", false)).isTrue();
        assertThat(p.mayPublish("g/GID_car/u/user2/k/key1", false)).isFalse();
    }

    @Test
    void permissionsFor_missingValue_allowRuleGrantsNothing() {
        Permissions p = permissions(Decision.DENY, ANONYMOUS, allow(Action.ALL, "keys/%k/#"));
        assertThat(p.mayPublish("keys//x", false)).isFalse();
        assertThat(p.maySubscribe("keys/+/x", "keys/+/x")).isFalse();
    }

    @Test
    void permissionsFor_wildcardInClientId_cannotWidenAllowRule() {
        Identity injecting = new Identity("GID_car@@@#", null, "key1");
        Identity slash = new Identity("GID_car@@@x/y", null, "key1");
        Identity plus = new Identity("+", null, "key1");
        for (Identity id : List.of(injecting, slash, plus)) {
            Permissions p = permissions(Decision.DENY, id, allow(Action.ALL, "devices/%c/#"));
            assertThat(p.maySubscribe("devices/#", "devices/#")).as(id.clientId()).isFalse();
            assertThat(p.mayPublish("devices/other/x", false)).as(id.clientId()).isFalse();
        }
    }

    @Test
    void permissionsFor_wildcardInClientId_denyRuleDeniesEverywhere() {
        Identity injecting = new Identity("GID_car@@@+", null, "key1");
        Permissions p = permissions(Decision.ALLOW, injecting, deny(Action.PUBLISH, "devices/%c/#"));
        assertThat(p.mayPublish("devices/x/y", false)).isFalse();
        assertThat(p.mayPublish("anything", false)).isFalse();
    }

    @Test
    void permissionsFor_missingValue_denyRuleDoesNotApply() {
        Permissions p = permissions(Decision.ALLOW, ANONYMOUS, deny(Action.PUBLISH, "users/%u/#"));
        assertThat(p).isSameAs(Permissions.ALLOW_ALL);
    }

    @Test
    void permissionsFor_ruleScopes_selectWhomRulesApplyTo() {
        AuthorizationRule forGroup = new AuthorizationRule(null, Action.ALL, List.of("#"), null, List.of("GID_car*"),
                null, false);
        AuthorizationRule forKey = new AuthorizationRule(null, Action.ALL, List.of("k/#"), List.of("key2"), null,
                null, false);
        AuthorizationRule forClient = new AuthorizationRule(null, Action.ALL, List.of("c/#"), null, null,
                List.of("GID_car@@@c*"), false);
        AuthorizationRule forAnonymous = new AuthorizationRule(null, Action.ALL, List.of("a/#"), null, null, null, true);
        Identity truck = new Identity("GID_truck@@@t1", null, "key1");
        assertThat(permissions(Decision.ALLOW, C1, forGroup).mayPublish("x", false)).isFalse();
        assertThat(permissions(Decision.ALLOW, truck, forGroup)).isSameAs(Permissions.ALLOW_ALL);
        assertThat(permissions(Decision.ALLOW, C1, forKey)).isSameAs(Permissions.ALLOW_ALL);
        assertThat(permissions(Decision.ALLOW, C1, forClient).mayPublish("c/x", false)).isFalse();
        assertThat(permissions(Decision.ALLOW, truck, forClient)).isSameAs(Permissions.ALLOW_ALL);
        assertThat(permissions(Decision.ALLOW, C1, forAnonymous)).isSameAs(Permissions.ALLOW_ALL);
        assertThat(permissions(Decision.ALLOW, ANONYMOUS, forAnonymous).mayPublish("a/x", false)).isFalse();
    }

    @Test
    void permissionsFor_backend_onlyRulesForEveryoneOrForItsKey_noClientPlaceholders() {
        AuthorizationRule forGroup = new AuthorizationRule(null, Action.ALL, List.of("#"), null, List.of("*"), null,
                false);
        AuthorizationRule forClient = new AuthorizationRule(null, Action.ALL, List.of("#"), null, null, List.of("*"),
                false);
        AuthorizationRule ownTree = allow(Action.ALL, "devices/%c/#");
        AuthorizationRule ownGroup = allow(Action.ALL, "groups/%g/#");
        AuthorizationRule forKey = new AuthorizationRule(Action.SUBSCRIBE, null, List.of("backends/%k/#"),
                List.of("key1"), null, null, false);
        Identity backend = Identity.backend("key1");
        assertThat(permissions(Decision.ALLOW, backend, forGroup, forClient)).isSameAs(Permissions.ALLOW_ALL);
        assertThat(permissions(Decision.ALLOW, backend, deny(Action.ALL, "devices/%c/#"))).isSameAs(Permissions.ALLOW_ALL);
        Permissions p = permissions(Decision.DENY, backend, ownTree, ownGroup, forKey, allow(Action.PUBLISH, "open/#"));
        assertThat(p.maySubscribe("backends/key1/#", "backends/key1/#")).isTrue();
        assertThat(p.maySubscribe("backends/key2/#", "backends/key2/#")).isFalse();
        assertThat(p.mayPublish("open/x", false)).isTrue();
        assertThat(p.mayPublish("devices/x/y", false)).isFalse();
        assertThat(p.mayPublish("groups/x/y", false)).isFalse();
        assertThat(backend.groupId()).isNull();
        assertThat(backend.anonymous()).isFalse();
    }

    @Test
    void maySubscribe_allowRule_mustCoverWholeFilter() {
        Identity c1 = new Identity("c1", null, "key1");
        Permissions p = permissions(Decision.DENY, c1, allow(Action.SUBSCRIBE, "devices/%c/#"));
        assertThat(p.maySubscribe("devices/c1/+/x", "devices/c1/+/x")).isTrue();
        assertThat(p.maySubscribe("devices/c1", "devices/c1")).isTrue();
        assertThat(p.maySubscribe("devices/c1/#", "devices/c1/#")).isTrue();
        assertThat(p.maySubscribe("devices/+/x", "devices/+/x")).isFalse();
        assertThat(p.maySubscribe("#", "#")).isFalse();
        assertThat(p.maySubscribe("devices/#", "devices/#")).isFalse();
    }

    @Test
    void maySubscribe_denyRule_matchesAnyOverlappingFilter() {
        Permissions p = permissions(Decision.ALLOW, C1, deny(Action.SUBSCRIBE, "secret/#"));
        assertThat(p.maySubscribe("#", "#")).isFalse();
        assertThat(p.maySubscribe("+/x", "+/x")).isFalse();
        assertThat(p.maySubscribe("secret", "secret")).isFalse();
        assertThat(p.maySubscribe("public/#", "public/#")).isTrue();
        assertThat(p.maySubscribe("$SYS/#", "$SYS/#")).isTrue();
    }

    @Test
    void maySubscribe_shared_decidedOnFullStringAndInnerFilter() {
        Identity c1 = new Identity("c1", null, "key1");
        Permissions p = permissions(Decision.DENY, c1, deny(Action.SUBSCRIBE, "$share/private/#"),
                allow(Action.SUBSCRIBE, "devices/%c/#"));
        assertThat(p.maySubscribe("$share/g/devices/c1/x", "devices/c1/x")).isTrue();
        assertThat(p.maySubscribe("$share/g/devices/c2/x", "devices/c2/x")).isFalse();
        assertThat(p.maySubscribe("$share/private/devices/c1/x", "devices/c1/x")).isFalse();
    }

    @Test
    void isValidRuleTopic_rejectsUnknownPlaceholdersAndBadFilters() {
        assertThat(Authorizer.isValidRuleTopic("devices/%c/#")).isTrue();
        assertThat(Authorizer.isValidRuleTopic("a/%x")).isFalse();
        assertThat(Authorizer.isValidRuleTopic("a/#/b")).isFalse();
        assertThat(Authorizer.isValidRuleTopic("")).isFalse();
    }
}
