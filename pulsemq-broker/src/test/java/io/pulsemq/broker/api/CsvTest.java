package io.pulsemq.broker.api;

import io.pulsemq.protocol.DisconnectReason;
import io.pulsemq.protocol.EventType;
import io.pulsemq.protocol.StatusEvent;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class CsvTest {

    private static String cell(String value) {
        return Csv.field(new StringBuilder(), value).toString();
    }

    @Test
    void field_plain_isUnquoted_nullIsEmpty() {
        assertThat(cell("GID_car@@@v1")).isEqualTo("GID_car@@@v1");
        assertThat(cell(null)).isEmpty();
        assertThat(cell("")).isEmpty();
    }

    @Test
    void field_withCommaQuoteOrLineBreak_isQuoted_quotesDoubled() {
        assertThat(cell("a,b")).isEqualTo("\"a,b\"");
        assertThat(cell("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
        assertThat(cell("line\nbreak")).isEqualTo("\"line\nbreak\"");
        assertThat(cell("cr\rhere")).isEqualTo("\"cr\rhere\"");
    }

    @Test
    void row_hasEveryColumnOfTheHeader_inOrder() {
        StatusEvent e = new StatusEvent(7, "GID_car@@@a,b", "GID_car", EventType.TCPCLEAN, "ch1", "10.0.0.1:5",
                1700000000000L, 3, DisconnectReason.KICKED, "node-1", null, "x\"y");

        String row = new String(Csv.row(e), StandardCharsets.UTF_8);

        assertThat(row).isEqualTo("7,\"GID_car@@@a,b\",GID_car,tcpclean,ch1,10.0.0.1:5,1700000000000,3,kicked,node-1,,\"x\"\"y\"\r\n");
        assertThat(Csv.HEADER.split(",")).hasSize(12);
    }
}
