package io.pulsemq.broker.subscription;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TopicsTest {

    private static final int NO_LIMIT = Integer.MAX_VALUE;

    @ParameterizedTest
    @ValueSource(strings = {"a", "a/b", "/", "//", "a/", "/a", "a//b", "$SYS/broker", "$", " ", "ü/€/\uD83D\uDE00", "a b/c"})
    void isValidTopicName_wellFormed_accepted(String topic) {
        assertThat(Topics.isValidTopicName(topic, NO_LIMIT)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "+", "#", "a/+", "a/#", "a+b", "a#", "sport/+/x", "a\u0000b", "\uD800", "a\uDC00b",
            "\uDE00\uD83D"})
    void isValidTopicName_wildcardNulOrBadUtf16_rejected(String topic) {
        assertThat(Topics.isValidTopicName(topic, NO_LIMIT)).isFalse();
    }

    @Test
    void isValidTopicName_null_rejected() {
        assertThat(Topics.isValidTopicName(null, NO_LIMIT)).isFalse();
    }

    @Test
    void isValidTopicName_levelLimit_countsEveryLevelIncludingEmptyOnes() {
        assertThat(Topics.isValidTopicName("a/b/c", 3)).isTrue();
        assertThat(Topics.isValidTopicName("a/b/c", 2)).isFalse();
        assertThat(Topics.isValidTopicName("a/b/", 2)).isFalse();
        assertThat(Topics.isValidTopicName("/", 1)).isFalse();
        assertThat(Topics.isValidTopicName("a", 1)).isTrue();
    }

    @Test
    void isValidTopicName_utf8Length_limitedTo65535Bytes() {
        assertThat(Topics.isValidTopicName("a".repeat(65_535), NO_LIMIT)).isTrue();
        assertThat(Topics.isValidTopicName("a".repeat(65_536), NO_LIMIT)).isFalse();
        // two bytes each
        assertThat(Topics.isValidTopicName("é".repeat(32_767) + "a", NO_LIMIT)).isTrue();
        assertThat(Topics.isValidTopicName("é".repeat(32_768), NO_LIMIT)).isFalse();
        // three bytes each: 21,845 x 3 = 65,535
        assertThat(Topics.isValidTopicName("€".repeat(21_845), NO_LIMIT)).isTrue();
        assertThat(Topics.isValidTopicName("€".repeat(21_845) + "a", NO_LIMIT)).isFalse();
        // four bytes per surrogate pair: 16,383 x 4 + 3 = 65,535
        assertThat(Topics.isValidTopicName("\uD83D\uDE00".repeat(16_383) + "abc", NO_LIMIT)).isTrue();
        assertThat(Topics.isValidTopicName("\uD83D\uDE00".repeat(16_384), NO_LIMIT)).isFalse();
    }

    @Test
    void validation_maxLevelsBelowOne_throws() {
        assertThatThrownBy(() -> Topics.isValidTopicName("a", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Topics.isValidFilter("a", 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"#", "+", "a", "a/#", "a/+", "a/+/b", "+/+", "/+", "+/", "/#", "//#", "$SYS/#", "a//b",
            "a/+/#", "+/#", "$share", "sport/tennis/player1/#"})
    void isValidFilter_wellFormed_accepted(String filter) {
        assertThat(Topics.isValidFilter(filter, NO_LIMIT)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a#", "#a", "a/#/b", "#/a", "a/b#", "##", "#/", "#/#", "a+", "+a", "a/+b", "a/b+/c",
            "++", "+/++", "sport/tennis#", "a\u0000", "\uD800/a"})
    void isValidFilter_misplacedWildcardNulOrBadUtf16_rejected(String filter) {
        assertThat(Topics.isValidFilter(filter, NO_LIMIT)).isFalse();
    }

    @Test
    void isValidFilter_levelLimit_countsWildcardLevels() {
        assertThat(Topics.isValidFilter("a/+/#", 3)).isTrue();
        assertThat(Topics.isValidFilter("a/+/#", 2)).isFalse();
        assertThat(Topics.isValidFilter(null, 3)).isFalse();
    }

    @Test
    void isValidFilter_utf8Length_limitedTo65535Bytes() {
        assertThat(Topics.isValidFilter("a".repeat(65_533) + "/#", NO_LIMIT)).isTrue();
        assertThat(Topics.isValidFilter("a".repeat(65_534) + "/#", NO_LIMIT)).isFalse();
    }

    @ParameterizedTest
    @CsvSource({
            "a/b,            , a/b",
            "#,              , #",
            "$share,         , $share",
            "$shared/g/a,    , $shared/g/a",
            "$SYS/#,         , $SYS/#",
            "$share/g/a/b,   g, a/b",
            "$share/g/#,     g, #",
            "$share/g/+/x,   g, +/x",
            "$share/g//,     g, /",
            "$share/g/$SYS/#, g, $SYS/#",
            "$share/$g€/a,   $g€, a"})
    void parseShared_wellFormed_splitsShareNameAndFilter(String fullFilter, String shareName, String filter) {
        Topics.SharedFilter parsed = Topics.parseShared(fullFilter);

        assertThat(parsed).isEqualTo(new Topics.SharedFilter(shareName, filter));
        assertThat(parsed.shared()).isEqualTo(shareName != null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"$share/", "$share/g", "$share/g/", "$share//x", "$share//", "$share/g+/x", "$share/+/x",
            "$share/g#/x", "$share/#/x", "$share/g/a#", "$share/g/a/#/b", "$share/g/\u0000", "a/#/b", ""})
    void parseShared_malformed_returnsNull(String fullFilter) {
        assertThat(Topics.parseShared(fullFilter)).isNull();
    }

    @Test
    void parseShared_null_returnsNull() {
        assertThat(Topics.parseShared(null)).isNull();
    }

    @Test
    void isValidShareName_rejectsEmptySeparatorAndWildcards() {
        assertThat(Topics.isValidShareName("group-1")).isTrue();
        assertThat(Topics.isValidShareName("")).isFalse();
        assertThat(Topics.isValidShareName(null)).isFalse();
        assertThat(Topics.isValidShareName("a/b")).isFalse();
        assertThat(Topics.isValidShareName("a+")).isFalse();
        assertThat(Topics.isValidShareName("#")).isFalse();
    }

    @ParameterizedTest(name = "{0} matches {1}: {2}")
    @CsvSource({
            // the examples of MQTT 5.0 section 4.7
            "sport/tennis/player1/#, sport/tennis/player1,                  true",
            "sport/tennis/player1/#, sport/tennis/player1/ranking,          true",
            "sport/tennis/player1/#, sport/tennis/player1/score/wimbledon,  true",
            "sport/#,                sport,                                 true",
            "sport/tennis/+,         sport/tennis/player1,                  true",
            "sport/tennis/+,         sport/tennis/player2,                  true",
            "sport/tennis/+,         sport/tennis/player1/ranking,          false",
            "sport/+,                sport,                                 false",
            "sport/+,                sport/,                                true",
            "+/+,                    /finance,                              true",
            "/+,                     /finance,                              true",
            "+,                      /finance,                              false",
            "#,                      $SYS/monitor/Clients,                  false",
            "+/monitor/Clients,      $SYS/monitor/Clients,                  false",
            "$SYS/#,                 $SYS/monitor/Clients,                  true",
            "$SYS/monitor/+,         $SYS/monitor/Clients,                  true",
            // literal levels: exact, case-sensitive, no prefix matching
            "a/b,                    a/b,                                   true",
            "a/b,                    a/B,                                   false",
            "a/b,                    a/bc,                                  false",
            "a/bc,                   a/b,                                   false",
            "a/b,                    a,                                     false",
            "a,                      a/b,                                   false",
            "a/b,                    a/b/,                                  false",
            "a/,                     a/,                                    true",
            "a/,                     a,                                     false",
            "/,                      /,                                     true",
            // '#' and '+' on empty and parent levels
            "#,                      a,                                     true",
            "#,                      /,                                     true",
            "#,                      a/b/c,                                 true",
            "a/#,                    a/,                                    true",
            "a/#,                    ab,                                    false",
            "+/#,                    a,                                     true",
            "+/#,                    /,                                     true",
            "a/+/#,                  a/,                                    true",
            "a/+/#,                  a,                                     false",
            "+,                      a,                                     true",
            "+,                      a/b,                                   false",
            "+/+/+,                  //,                                    true",
            "a/+/c,                  a//c,                                  true",
            // '$' topics: wildcards may not stand for the first level, literals may
            "#,                      $,                                     false",
            "+,                      $SYS,                                  false",
            "+/#,                    $SYS,                                  false",
            "$SYS/#,                 $SYS,                                  true",
            "$SYS/+,                 $SYS/a,                                true",
            "a/+,                    a/$b,                                  true",
            "a/#,                    a/$b,                                  true",
            "$,                      $,                                     true"})
    void matches_specExamplesAndEdgeCases(String filter, String topic, boolean expected) {
        assertThat(Topics.matches(filter, topic)).isEqualTo(expected);
    }

    @Test
    void matches_emptyFilterOrTopic_false() {
        assertThat(Topics.matches("", "")).isFalse();
        assertThat(Topics.matches("#", "")).isFalse();
        assertThat(Topics.matches("", "a")).isFalse();
    }

    @Test
    void matches_randomPairs_agreeWithLevelByLevelDefinition() {
        RandomTopics random = new RandomTopics(4711);
        int matched = 0;
        for (int i = 0; i < 50_000; i++) {
            String filter = random.filter();
            String topic = random.topic();
            boolean expected = referenceMatches(filter, topic);
            assertThat(Topics.matches(filter, topic)).as("%s matches %s", filter, topic).isEqualTo(expected);
            matched += expected ? 1 : 0;
        }
        assertThat(matched).as("the generator must produce matching pairs").isGreaterThan(2_000);
    }

    @Test
    void splitLevels_keepsEmptyLevels() {
        assertThat(Topics.splitLevels("a")).containsExactly("a");
        assertThat(Topics.splitLevels("a/b/c")).containsExactly("a", "b", "c");
        assertThat(Topics.splitLevels("/")).containsExactly("", "");
        assertThat(Topics.splitLevels("/a/")).containsExactly("", "a", "");
        assertThat(Topics.splitLevels("a//+/#")).containsExactly("a", "", "+", "#");
    }

    /** The matching rules stated level by level, as the specification words them. */
    private static boolean referenceMatches(String filter, String topic) {
        if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) {
            return false;
        }
        return referenceMatches(Arrays.asList(filter.split("/", -1)), Arrays.asList(topic.split("/", -1)));
    }

    private static boolean referenceMatches(List<String> filter, List<String> topic) {
        if (filter.isEmpty()) {
            return topic.isEmpty();
        }
        if (filter.get(0).equals("#")) {
            return true;
        }
        if (topic.isEmpty()) {
            return false;
        }
        return (filter.get(0).equals("+") || filter.get(0).equals(topic.get(0)))
                && referenceMatches(filter.subList(1, filter.size()), topic.subList(1, topic.size()));
    }

    @Test
    void checkTopicName_reportsLevelsAndLengthApartFromMalformed() {
        assertThat(Topics.checkTopicName("a/b/c", 3, 5)).isEqualTo(Topics.Check.VALID);
        assertThat(Topics.checkTopicName("a/b/c", 2, 5)).isEqualTo(Topics.Check.TOO_DEEP);
        assertThat(Topics.checkTopicName("a/b/c", 3, 4)).isEqualTo(Topics.Check.TOO_LONG);
        assertThat(Topics.checkTopicName("a/+/c", 1, 1)).isEqualTo(Topics.Check.INVALID); // malformed comes first
        assertThat(Topics.checkTopicName("", 3, 5)).isEqualTo(Topics.Check.INVALID);
    }

    @Test
    void checkTopicName_lengthIsInUtf8Bytes() {
        assertThat(Topics.checkTopicName("\u00fc\u00fc", NO_LIMIT, 4)).isEqualTo(Topics.Check.VALID); // 2 x 2 bytes
        assertThat(Topics.checkTopicName("\u00fc\u00fc", NO_LIMIT, 3)).isEqualTo(Topics.Check.TOO_LONG);
        assertThat(Topics.checkTopicName("\u20ac", NO_LIMIT, 2)).isEqualTo(Topics.Check.TOO_LONG); // 3 bytes
    }

    @Test
    void checkFilter_wildcardsCountAsLevelsAndBytes() {
        assertThat(Topics.checkFilter("a/+/#", 3, 5)).isEqualTo(Topics.Check.VALID);
        assertThat(Topics.checkFilter("a/+/#", 2, 5)).isEqualTo(Topics.Check.TOO_DEEP);
        assertThat(Topics.checkFilter("a/+/#", 3, 4)).isEqualTo(Topics.Check.TOO_LONG);
        assertThat(Topics.checkFilter("a/#/b", 3, 5)).isEqualTo(Topics.Check.INVALID);
    }
}
