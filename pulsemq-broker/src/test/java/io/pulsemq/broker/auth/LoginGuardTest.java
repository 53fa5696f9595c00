package io.pulsemq.broker.auth;

import io.pulsemq.broker.ManualClock;
import io.pulsemq.broker.config.AuthConfig;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class LoginGuardTest {

    private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final AuthConfig.LoginThrottle throttle = new AuthConfig.LoginThrottle(2, Duration.ofSeconds(1),
            Duration.ofSeconds(5), Duration.ofMinutes(10), 6, Duration.ofMinutes(15));
    private final BanList bans = new BanList(clock);
    private final LoginGuard guard = new LoginGuard(new AuthConfig(AuthConfig.AnonymousPolicy.FALSE, throttle,
            new AuthConfig.Flapping(true, 3, Duration.ofMinutes(1), Duration.ofMinutes(5))), bans, clock);
    private final InetAddress attacker = InetAddress.getLoopbackAddress();

    @Test
    void failed_beyondFreeAttempts_delayDoublesUpToMax() {
        assertThat(guard.failed(attacker, "c")).isZero();
        assertThat(guard.failed(attacker, "c")).isZero();
        assertThat(guard.failed(attacker, "c")).isEqualTo(Duration.ofSeconds(1));
        assertThat(guard.failed(attacker, "c")).isEqualTo(Duration.ofSeconds(2));
        assertThat(guard.failed(attacker, "c")).isEqualTo(Duration.ofSeconds(4));
        assertThat(guard.delayFor(40)).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void failed_banAfterReached_addressIsBannedUntilBanDuration() {
        for (int i = 0; i < 6; i++) {
            guard.failed(attacker, "c" + i);
        }

        assertThat(guard.banned("anyone", null, attacker)).hasValueSatisfying(b -> {
            assertThat(b.kind()).isEqualTo(Ban.Kind.ADDRESS);
            assertThat(b.reason()).contains("failed logins");
        });
        clock.advance(Duration.ofMinutes(16));
        assertThat(guard.banned("anyone", null, attacker)).isEmpty();
        assertThat(bans.list()).isEmpty();
    }

    @Test
    void failed_perClientIdFromManyAddresses_isDelayedToo() throws Exception {
        for (int i = 1; i <= 3; i++) {
            Duration d = guard.failed(InetAddress.getByName("10.0.0." + i), "victim");
            if (i == 3) {
                assertThat(d).isEqualTo(Duration.ofSeconds(1));
            }
        }
    }

    @Test
    void failed_afterWindow_countStartsAgain() {
        guard.failed(attacker, "c");
        guard.failed(attacker, "c");
        clock.advance(Duration.ofMinutes(11));

        assertThat(guard.failed(attacker, "c")).isZero();
    }

    @Test
    void connected_moreThanMaxConnectsInWindow_bansClientId() {
        assertThat(guard.connected("flappy")).isEmpty();
        assertThat(guard.connected("flappy")).isEmpty();
        assertThat(guard.connected("flappy")).isEmpty();

        assertThat(guard.connected("flappy")).hasValueSatisfying(b -> assertThat(b.reason()).startsWith("flapping"));
        assertThat(guard.banned("flappy", null, attacker)).isPresent();
        assertThat(guard.banned("calm", null, attacker)).isEmpty();
    }

    @Test
    void banList_cidrAndExpiry_matchAndVanish() throws Exception {
        bans.add(new Ban(Ban.Kind.ADDRESS, "192.168.1.0/24", clock.instant().plusSeconds(60), "lan", "api", clock.instant()));
        bans.add(new Ban(Ban.Kind.USERNAME, "mallory", null, "abuse", "api", clock.instant()));

        assertThat(bans.match("x", null, InetAddress.getByName("192.168.1.77"))).isPresent();
        assertThat(bans.match("x", null, InetAddress.getByName("192.168.2.77"))).isEmpty();
        assertThat(bans.match("x", "mallory", null)).isPresent();
        clock.advance(Duration.ofSeconds(61));
        assertThat(bans.match("x", null, InetAddress.getByName("192.168.1.77"))).isEmpty();
        assertThat(bans.remove(Ban.Kind.USERNAME, "mallory")).isTrue();
        assertThat(bans.list()).isEmpty();
    }
}
