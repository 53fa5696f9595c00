package io.pulsemq.broker.api;

import io.pulsemq.broker.api.Cursors.TracePosition;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CursorsTest {

    @Test
    void clientCursor_roundTrips_andIsUrlSafe() {
        String id = "GID_car@@@v/1+é?&=";

        String cursor = Cursors.encodeClient(id);

        assertThat(cursor).matches("[A-Za-z0-9_-]+");
        assertThat(Cursors.decodeClient(cursor)).isEqualTo(id);
    }

    @Test
    void tracePosition_roundTrips() {
        TracePosition p = new TracePosition(42, -5, 3);

        assertThat(TracePosition.decode(p.encode())).isEqualTo(p);
    }

    @Test
    void garbage_orTheOtherKind_isA400() {
        String trace = new TracePosition(1, 2, 3).encode();
        for (Runnable r : new Runnable[] {
                () -> Cursors.decodeClient("***"),
                () -> Cursors.decodeClient(trace),
                () -> TracePosition.decode(Cursors.encodeClient("x")),
                () -> TracePosition.decode("dDoxOjI6LTE")}) {
            assertThatThrownBy(r::run).isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
        }
    }
}
