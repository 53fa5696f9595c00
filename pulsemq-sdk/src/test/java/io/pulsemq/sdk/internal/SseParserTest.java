package io.pulsemq.sdk.internal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SseParserTest {

    private final SseParser parser = new SseParser();

    private List<SseParser.Message> feed(String... lines) {
        List<SseParser.Message> out = new ArrayList<>();
        for (String line : lines) {
            SseParser.Message m = parser.feed(line);
            if (m != null) {
                out.add(m);
            }
        }
        return out;
    }

    @Test
    void brokerFraming_idAndData_dispatchOnBlankLine() {
        assertThat(feed(": pulsemq status events", "", "id: 7", "data: {\"offset\":7}", "", "id: 8", "data: {}", ""))
                .containsExactly(new SseParser.Message("7", "{\"offset\":7}"), new SseParser.Message("8", "{}"));
    }

    @Test
    void heartbeatComments_andBlankLinesAlone_dispatchNothing() {
        assertThat(feed(":", "", "", ":", "")).isEmpty();
    }

    @Test
    void severalDataLines_joinWithNewline_andOnlyOneSpaceIsDropped() {
        assertThat(feed("data:a", "data:  b", "event: status", "retry: 1000", ""))
                .containsExactly(new SseParser.Message(null, "a\n b"));
    }

    @Test
    void eventWithoutData_isDropped_andItsIdDoesNotLeakIntoTheNext() {
        assertThat(feed("id: 5", "", "data: x", "")).containsExactly(new SseParser.Message(null, "x"));
    }

    @Test
    void incompleteEvent_atEndOfStream_isNotDispatched() {
        assertThat(feed("id: 9", "data: {\"offset\":9}")).isEmpty();
    }
}
