package io.pulsemq.broker.cluster;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Client IDs MQTT allows but NATS subjects do not: each must still get one subject of its own. */
class StatusSubjectsTest {

    private static final List<String> AWKWARD_IDS = List.of("", "a", "a.b", "a*", "a>", "a b", "a\tb", "GID_x@@@dev.1",
            "设备-1", "emoji-\uD83D\uDE00", "a/b/#", "+", ".", "..", "_", "-", "a".repeat(256), "a".repeat(257), "x".repeat(65_535), "设".repeat(21_845));

    @Test
    void client_anyMqttLegalId_isOneValidSubjectUnderItsGroup() {
        StatusSubjects names = StatusSubjects.DEFAULT;
        for (String id : AWKWARD_IDS) {
            String subject = names.client("GID_x", id);
            String[] tokens = subject.split("\\.", -1);

            assertThat(subject.length()).as("a subject far below NATS's 4 KiB protocol line").isLessThan(1024);
            assertThat(tokens).as(id).hasSize(4).allSatisfy(t -> assertThat(t).isNotEmpty().matches("[A-Za-z0-9_-]+"));
            assertThat(subject).startsWith(names.subjectPrefix() + ".").as(id).startsWith(
                    names.group("GID_x").substring(0, names.group("GID_x").length() - 1));
        }
    }

    @Test
    void client_distinctIds_getDistinctSubjects_andGroupsDoNotMix() {
        StatusSubjects names = StatusSubjects.DEFAULT;
        Set<String> subjects = new HashSet<>();
        for (String id : AWKWARD_IDS) {
            subjects.add(names.client("GID_x", id));
            subjects.add(names.client("GID_y", id));
        }

        assertThat(subjects).hasSize(AWKWARD_IDS.size() * 2);
        assertThat(names.group("GID_x")).isNotEqualTo(names.group("GID_y"));
        assertThat(names.rejected("a.b")).doesNotContain("a.b").startsWith(names.subjectPrefix() + "-rejected.");
    }
}
