package dev.isthmus.protocol.mqtt.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The examples of MQTT 5.0 §4.7 (and a few more on empty levels, '$' and non-ASCII levels),
 * each checked three ways: {@link TopicMatch#matches}, a {@link TopicTrie} holding only that
 * filter, and a {@link RetainedStore} holding only that topic.
 */
class TopicMatchTest {
    @ParameterizedTest(name = "{0} vs {1}: {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            # §4.7.1.2 multi-level wildcard
            sport/tennis/player1/#  | sport/tennis/player1                 | true
            sport/tennis/player1/#  | sport/tennis/player1/ranking         | true
            sport/tennis/player1/#  | sport/tennis/player1/score/wimbledon | true
            sport/tennis/player1/#  | sport/tennis/player2                 | false
            sport/tennis/player1/#  | sport/tennis                         | false
            sport/#                 | sport                                | true
            sport/#                 | sport/                               | true
            sport/#                 | sports                               | false
            "#"                     | sport/tennis/player1                 | true
            "#"                     | /                                    | true
            # §4.7.1.3 single-level wildcard
            sport/tennis/+          | sport/tennis/player1                 | true
            sport/tennis/+          | sport/tennis/player2                 | true
            sport/tennis/+          | sport/tennis/player1/ranking         | false
            sport/tennis/+          | sport/tennis                         | false
            sport/+                 | sport                                | false
            sport/+                 | sport/                               | true
            +                       | sport                                | true
            +/tennis/#              | sport/tennis                         | true
            sport/+/player1         | sport/tennis/player1                 | true
            +/+                     | /finance                             | true
            /+                      | /finance                             | true
            +                       | /finance                             | false
            # empty levels are levels
            a//b                    | a//b                                 | true
            a/+/b                   | a//b                                 | true
            a/+/b                   | a/b                                  | false
            +/+/+                   | //                                   | true
            +                       | /                                    | false
            +/+                     | /                                    | true
            /                       | /                                    | true
            a/                      | a                                    | false
            a                       | a/                                   | false
            /#                      | /                                    | true
            /#                      | a                                    | false
            # §4.7.2 topics beginning with $
            "#"                     | $SYS/monitor/Clients                 | false
            +/monitor/Clients       | $SYS/monitor/Clients                 | false
            $SYS/#                  | $SYS/monitor/Clients                 | true
            $SYS/monitor/+          | $SYS/monitor/Clients                 | true
            $SYS/#                  | $SYS                                 | true
            +                       | $SYS                                 | false
            +/#                     | $x/y                                 | false
            a/+                     | a/$b                                 | true
            a/#                     | a/$b                                 | true
            "#"                     | a$                                   | true
            # exact, case-sensitive, non-ASCII
            ACCOUNTS                | Accounts                             | false
            Accounts payable        | Accounts payable                     | true
            capteur/é/+             | capteur/é/température                | true
            capteur/e/+             | capteur/é/température                | false
            """)
    void specExamples(String filter, String topic, boolean expected) {
        assertTrue(TopicMatch.isValidTopicFilter(filter), filter);
        assertTrue(TopicMatch.isValidTopicName(topic), topic);
        assertEquals(expected, TopicMatch.matches(filter, topic), "TopicMatch");
        assertEquals(expected, TopicGenerators.naiveMatches(filter, topic), "reference");

        TopicTrie<String> trie = new TopicTrie<>();
        trie.subscribe(filter, "s", SubscriptionOptions.of(1));
        List<String> seen = new ArrayList<>();
        int matched = Topics.match(trie, topic, (subscriber, options) -> seen.add(subscriber));
        assertEquals(expected ? List.of("s") : List.of(), seen, "TopicTrie");
        assertEquals(seen.size(), matched);

        RetainedStore<String> store = new RetainedStore<>();
        store.put(topic, "m");
        List<String> retained = new ArrayList<>();
        assertEquals(expected ? 1 : 0, store.matching(filter, retained::add), "RetainedStore");
        assertEquals(expected ? List.of("m") : List.of(), retained);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sport/tennis#", "sport/tennis/#/ranking", "sport+", "+sport", "sport/+tennis", "##",
            "#/", "a/#/", "", "a\u0000b", "\uD800", "a/\uDC00"})
    void invalidFilters(String filter) {
        assertFalse(TopicMatch.isValidTopicFilter(filter));
    }

    @ParameterizedTest
    @ValueSource(strings = {"#", "+", "/", "//", "+/+", "a/+/#", "/#", "$SYS/#", "$share/g/a", "😀/+"})
    void validFilters(String filter) {
        assertTrue(TopicMatch.isValidTopicFilter(filter));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a/+", "a/#", "+", "a\u0000", "\uDBFF"})
    void invalidTopicNames(String topic) {
        assertFalse(TopicMatch.isValidTopicName(topic));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "a", "$SYS/x", "a//b", "😀"})
    void validTopicNames(String topic) {
        assertTrue(TopicMatch.isValidTopicName(topic));
    }

    @ParameterizedTest
    @ValueSource(ints = {65_535, 65_536})
    void lengthIsCountedInUtf8Bytes(int bytes) {
        // "é" takes two bytes: 32768 of them are 65536 bytes, one too many.
        String topic = bytes % 2 == 0 ? "é".repeat(bytes / 2) : "a" + "é".repeat(bytes / 2);
        assertEquals(bytes <= TopicMatch.MAX_UTF8_LENGTH, TopicMatch.isValidTopicName(topic));
        assertEquals(bytes <= TopicMatch.MAX_UTF8_LENGTH, TopicMatch.isValidTopicFilter(topic));
    }
}
