package io.pulsemq.bench;

import io.pulsemq.broker.authz.Authorizer;
import io.pulsemq.broker.authz.Identity;
import io.pulsemq.broker.authz.Permissions;
import io.pulsemq.broker.config.AuthorizationConfig;
import io.pulsemq.broker.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class TlsPartTest {

    @Test
    void writeRules_loadsAsTheBrokerReadsIt_allowsOnlyTheBenchTopics(@TempDir Path dir) throws Exception {
        Path file = TlsPart.writeRules(dir.resolve("rules.yaml"));

        AuthorizationConfig authz = new ConfigLoader(Map.of()).withFile(file).load().authorization();
        Permissions bench = new Authorizer(authz).permissionsFor(new Identity("bench-x-pub-0", null, null));

        assertThat(authz.rules()).hasSize(TlsPart.RULES);
        assertThat(authz.defaultDecision()).isEqualTo(AuthorizationConfig.Decision.DENY);
        assertThat(bench.mayPublish("bench/run-1/data", false)).isTrue();
        assertThat(bench.maySubscribe("bench/run-1/data", "bench/run-1/data")).isTrue();
        assertThat(bench.mayPublish("restricted/r3/x", false)).isFalse();
        assertThat(bench.mayPublish("elsewhere", false)).isFalse();
    }
}
