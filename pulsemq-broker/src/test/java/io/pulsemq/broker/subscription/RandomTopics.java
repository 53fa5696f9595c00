package io.pulsemq.broker.subscription;

import java.util.Random;

/**
 * Random topic names and filters over a tiny alphabet, so that random pairs match often and hit the edge
 * cases: empty levels, {@code $} topics, {@code +} on empty levels, {@code #} matching its parent level.
 */
public final class RandomTopics {

    private static final String[] TOPIC_LEVELS = {"a", "b", "ab", "", "$a", "$"};
    private static final String[] FILTER_LEVELS = {"a", "b", "ab", "", "$a", "$", "+", "+"};

    private final Random random;

    public RandomTopics(long seed) {
        this.random = new Random(seed);
    }

    /** A valid topic name of one to four levels. */
    public String topic() {
        int levels = 1 + random.nextInt(4);
        StringBuilder topic = new StringBuilder();
        for (int i = 0; i < levels; i++) {
            if (i > 0) {
                topic.append('/');
            }
            topic.append(TOPIC_LEVELS[random.nextInt(TOPIC_LEVELS.length)]);
        }
        if (topic.length() == 0) {
            topic.append('a');
        }
        return topic.toString();
    }

    /** A valid topic filter of one to five levels, a quarter of them ending in {@code #}. */
    public String filter() {
        int levels = 1 + random.nextInt(4);
        StringBuilder filter = new StringBuilder();
        for (int i = 0; i < levels; i++) {
            if (i > 0) {
                filter.append('/');
            }
            filter.append(FILTER_LEVELS[random.nextInt(FILTER_LEVELS.length)]);
        }
        if (random.nextInt(4) == 0) {
            filter.append(filter.length() == 0 ? "#" : "/#");
        }
        if (filter.length() == 0) {
            filter.append('#');
        }
        return filter.toString();
    }

    public int nextInt(int bound) {
        return random.nextInt(bound);
    }
}
