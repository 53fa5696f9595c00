package io.pulsemq.broker.config;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The shape of the configuration, read from the config records themselves, so that the records stay the one
 * home of every key name (STYLE rule 10). A node is a record (a section with named keys), a list, or a scalar.
 */
final class ConfigSchema {

    private final Type type;

    private ConfigSchema(Type type) {
        this.type = type;
    }

    /** The schema of the whole configuration. */
    static ConfigSchema root() {
        return new ConfigSchema(BrokerConfig.class);
    }

    boolean isSection() {
        return type instanceof Class<?> c && c.isRecord();
    }

    boolean isList() {
        return rawClass() == List.class;
    }

    /** The element schema of a list node. */
    ConfigSchema element() {
        if (type instanceof ParameterizedType p) {
            return new ConfigSchema(p.getActualTypeArguments()[0]);
        }
        return new ConfigSchema(String.class);
    }

    /** The key names of a section, in declaration order. */
    List<String> keys() {
        List<String> names = new ArrayList<>();
        for (RecordComponent c : ((Class<?>) type).getRecordComponents()) {
            names.add(name(c));
        }
        return names;
    }

    /** The key of a section named exactly {@code name}. */
    Optional<ConfigSchema> key(String name) {
        for (RecordComponent c : ((Class<?>) type).getRecordComponents()) {
            if (name(c).equals(name)) {
                return Optional.of(new ConfigSchema(c.getGenericType()));
            }
        }
        return Optional.empty();
    }

    /** The canonical name of the key of a section that equals {@code name} ignoring case. */
    Optional<String> keyIgnoringCase(String name) {
        for (RecordComponent c : ((Class<?>) type).getRecordComponents()) {
            if (name(c).toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
                return Optional.of(name(c));
            }
        }
        return Optional.empty();
    }

    /** A key's name: the component's, or the {@code @JsonProperty} name where a Java keyword is the key. */
    private static String name(RecordComponent c) {
        JsonProperty p = c.getAccessor().getAnnotation(JsonProperty.class);
        return p != null && !p.value().isEmpty() ? p.value() : c.getName();
    }

    private Class<?> rawClass() {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> c) {
            return c;
        }
        return Object.class;
    }
}
