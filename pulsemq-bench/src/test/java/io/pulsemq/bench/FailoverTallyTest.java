package io.pulsemq.bench;

import io.pulsemq.protocol.DisconnectReason;
import io.pulsemq.protocol.EventType;
import io.pulsemq.protocol.StatusEvent;
import io.pulsemq.protocol.StatusEventJson;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

class FailoverTallyTest {

    private static final long KILL = 1_000_000_000L;
    private static final long MS = 1_000_000L;

    private static StatusEvent end(String client, DisconnectReason reason, String node) {
        return new StatusEvent(1, client, "GID_bench", EventType.TCPCLEAN, "ch", "127.0.0.1", 0, 2, reason, node,
                null, null);
    }

    private static FailoverTally tally(String... clients) {
        FailoverTally t = new FailoverTally(Set.of(clients), "node-1");
        t.killedAt(KILL);
        return t;
    }

    @Test
    void round_everyClientEndedOnce_exactWithTheLastFirstArrivalAsFailoverTime() {
        FailoverTally t = tally("a", "b");

        t.accept(end("a", DisconnectReason.SERVER_CRASH, "node-1"), KILL + 5_100 * MS);
        assertThat(t.complete()).isFalse();
        t.accept(end("b", DisconnectReason.SERVER_CRASH, "node-1"), KILL + 5_300 * MS);
        Results.FailoverRound r = t.round(1, "node-2", 0, 4.0, "1.0", null);

        assertThat(t.complete()).isTrue();
        assertThat(r.exact()).isTrue();
        assertThat(r.events()).isEqualTo(2);
        assertThat(r.firstEventSeconds()).isEqualTo(5.1, offset(1e-9));
        assertThat(r.lastEventSeconds()).isEqualTo(5.3, offset(1e-9));
    }

    @Test
    void round_secondEndForAClient_countedAsDuplicateAndNotAsItsFailoverTime() {
        FailoverTally t = tally("a");

        t.accept(end("a", DisconnectReason.SERVER_CRASH, "node-1"), KILL + 5_000 * MS);
        t.accept(end("a", DisconnectReason.SERVER_CRASH, "node-1"), KILL + 9_000 * MS);
        Results.FailoverRound r = t.round(1, "node-2", 0, 4.0, "1.0", null);

        assertThat(r.duplicated()).isEqualTo(1);
        assertThat(r.exact()).isFalse();
        assertThat(r.lastEventSeconds()).isEqualTo(5.0, offset(1e-9));
    }

    @Test
    void round_clientWithoutEnd_missingAndNamed() {
        FailoverTally t = tally("a", "b", "c");

        t.accept(end("b", DisconnectReason.SERVER_CRASH, "node-1"), KILL + 5_000 * MS);
        Results.FailoverRound r = t.round(1, "node-2", 2, 4.0, "1.0", null);

        assertThat(r.missing()).isEqualTo(2);
        assertThat(t.missing(1)).containsExactly("a");
        assertThat(r.exact()).isFalse();
    }

    @Test
    void accept_otherReasonOrNode_countedWrong() {
        FailoverTally t = tally("a", "b");

        t.accept(end("a", DisconnectReason.SERVER_SHUTDOWN, "node-1"), KILL + 5_000 * MS);
        t.accept(end("b", DisconnectReason.SERVER_CRASH, "node-3"), KILL + 5_000 * MS);

        assertThat(t.round(1, "node-2", 0, 4.0, "1.0", null).wrongReason()).isEqualTo(2);
    }

    @Test
    void accept_otherClientsAndConnects_ignored() {
        FailoverTally t = tally("a");
        StatusEvent connect = new StatusEvent(1, "a", "GID_bench", EventType.CONNECT, "ch", "127.0.0.1", 0, 1, null,
                "node-1", null, null);

        t.accept(end("zz", DisconnectReason.SERVER_CRASH, "node-1"), KILL);
        t.accept(connect, KILL);

        assertThat(t.round(1, "node-2", 0, 4.0, "1.0", null).events()).isZero();
        assertThat(t.complete()).isFalse();
    }

    @Test
    void accept_json_asTheStreamSendsIt() {
        FailoverTally t = tally("GID_bench@@@fo1-000001");
        String json = new String(StatusEventJson.encode(end("GID_bench@@@fo1-000001", DisconnectReason.SERVER_CRASH,
                "node-1")), StandardCharsets.UTF_8);

        t.accept(json, KILL + 5_000 * MS);

        assertThat(t.complete()).isTrue();
        assertThat(t.round(1, "node-2", 0, 4.0, "1.0", null).exact()).isTrue();
    }
}
