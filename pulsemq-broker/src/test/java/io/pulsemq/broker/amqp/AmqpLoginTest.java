package io.pulsemq.broker.amqp;

import io.pulsemq.broker.config.AccessKey;
import io.pulsemq.protocol.Signatures;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AmqpLoginTest {

    private static final long NOW = 1_764_100_000_000L;
    private static final AccessKey SERVER = new AccessKey("AK_S", "s3cret", AccessKey.Role.SERVER, List.of("GID_car"));
    private static final AccessKey DEVICE = new AccessKey("AK_D", "d3vice", AccessKey.Role.DEVICE, List.of("*"));
    private final AmqpLogin login = new AmqpLogin("inst-1", List.of(SERVER, DEVICE),
            Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC), Duration.ofDays(30), Duration.ofMinutes(5));

    /** What the SDK's AliyunCredentialsProvider sends for these values. */
    private static byte[] plain(String instance, String keyId, String secret, long ts) {
        String user = Base64.getEncoder().encodeToString(("0:" + instance + ":" + keyId).getBytes(StandardCharsets.UTF_8));
        return ("\0" + user + "\0" + Signatures.hmacSha1Base64(secret, Long.toString(ts))).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void sdkCredentials_accepted() {
        AmqpLogin.Result r = login.authenticate("PLAIN", plain("inst-1", "AK_S", "s3cret", NOW - 1000), Long.toString(NOW - 1000));
        assertThat(r.accepted()).isTrue();
        assertThat(r.key()).isEqualTo(SERVER);
    }

    @Test
    void stsTokenAsFourthUsernamePart_ignored() {
        String user = Base64.getEncoder().encodeToString("0:inst-1:AK_S:token".getBytes(StandardCharsets.UTF_8));
        byte[] response = ("\0" + user + "\0" + Signatures.hmacSha1Base64("s3cret", Long.toString(NOW)))
                .getBytes(StandardCharsets.UTF_8);
        assertThat(login.authenticate("PLAIN", response, Long.toString(NOW)).accepted()).isTrue();
    }

    @Test
    void wrongSecret_unknownKey_unknownInstance_refused() {
        assertThat(login.authenticate("PLAIN", plain("inst-1", "AK_S", "wrong", NOW), Long.toString(NOW)).refusal())
                .contains("wrong access key or signature");
        assertThat(login.authenticate("PLAIN", plain("inst-1", "AK_X", "s3cret", NOW), Long.toString(NOW)).refusal())
                .contains("wrong access key or signature");
        assertThat(login.authenticate("PLAIN", plain("inst-2", "AK_S", "s3cret", NOW), Long.toString(NOW)).refusal())
                .contains("unknown instance");
    }

    @Test
    void signatureOverAnotherTimestampThanSignKey_refused() {
        assertThat(login.authenticate("PLAIN", plain("inst-1", "AK_S", "s3cret", NOW), Long.toString(NOW - 1)).accepted())
                .isFalse();
    }

    @Test
    void expiredOrFutureTimestamp_refused_withinWindow_accepted() {
        long old = NOW - Duration.ofDays(31).toMillis();
        assertThat(login.authenticate("PLAIN", plain("inst-1", "AK_S", "s3cret", old), Long.toString(old)).refusal())
                .contains("expired");
        long future = NOW + Duration.ofMinutes(6).toMillis();
        assertThat(login.authenticate("PLAIN", plain("inst-1", "AK_S", "s3cret", future), Long.toString(future)).refusal())
                .contains("future");
        long edge = NOW - Duration.ofDays(30).toMillis();
        assertThat(login.authenticate("PLAIN", plain("inst-1", "AK_S", "s3cret", edge), Long.toString(edge)).accepted())
                .isTrue();
    }

    @Test
    void deviceKey_missingSignKey_otherMechanism_malformed_refused() {
        assertThat(login.authenticate("PLAIN", plain("inst-1", "AK_D", "d3vice", NOW), Long.toString(NOW)).refusal())
                .contains("role device");
        assertThat(login.authenticate("PLAIN", plain("inst-1", "AK_S", "s3cret", NOW), null).refusal()).contains("signKey");
        assertThat(login.authenticate("AMQPLAIN", plain("inst-1", "AK_S", "s3cret", NOW), Long.toString(NOW)).accepted())
                .isFalse();
        assertThat(login.authenticate("PLAIN", "no-nul-bytes".getBytes(StandardCharsets.UTF_8), Long.toString(NOW))
                .accepted()).isFalse();
        assertThat(login.authenticate("PLAIN", "\0%%%\0x".getBytes(StandardCharsets.UTF_8), Long.toString(NOW))
                .accepted()).isFalse();
    }
}
