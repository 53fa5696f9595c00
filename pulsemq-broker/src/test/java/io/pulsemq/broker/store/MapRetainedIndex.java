package io.pulsemq.broker.store;

import io.pulsemq.broker.message.Message;
import io.pulsemq.broker.retained.RetainedStore;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/** A minimal retained index for tests: a map by topic, matched by a plain MQTT filter walk. */
final class MapRetainedIndex implements RetainedStore {

    private final Map<String, Message> messages = new ConcurrentHashMap<>();

    @Override
    public Message put(Message message) {
        return messages.put(message.topic(), message);
    }

    @Override
    public Message remove(String topic) {
        return messages.remove(topic);
    }

    @Override
    public void match(String filter, Consumer<Message> sink) {
        messages.values().stream().filter(message -> matches(filter.split("/", -1), message.topic().split("/", -1)))
                .forEach(sink);
    }

    @Override
    public int size() {
        return messages.size();
    }

    @Override
    public long bytes() {
        return messages.values().stream().mapToLong(m -> m.payload().length).sum();
    }

    private static boolean matches(String[] filter, String[] topic) {
        for (int i = 0; i < filter.length; i++) {
            if (filter[i].equals("#")) {
                return true;
            }
            if (i >= topic.length || !(filter[i].equals("+") || filter[i].equals(topic[i]))) {
                return false;
            }
        }
        return filter.length == topic.length;
    }
}
