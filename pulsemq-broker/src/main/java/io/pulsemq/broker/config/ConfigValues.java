package io.pulsemq.broker.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.Module;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.module.SimpleModule;

import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/** Jackson deserializers for the configuration's own value notations. */
final class ConfigValues {

    private ConfigValues() {
    }

    /** Durations in {@link Durations} notation, paths, and {@code auth.anonymous} from a boolean or a name. */
    static Module module() {
        SimpleModule module = new SimpleModule("pulsemq-config");
        module.addDeserializer(Duration.class, new DurationDeserializer());
        module.addDeserializer(Path.class, new PathDeserializer());
        module.addDeserializer(AuthConfig.AnonymousPolicy.class, new AnonymousPolicyDeserializer());
        return module;
    }

    private static String scalarText(JsonParser p, Class<?> type) throws IOException {
        JsonToken token = p.currentToken();
        if (token == JsonToken.VALUE_STRING || token == JsonToken.VALUE_NUMBER_INT
                || token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE) {
            return p.getText();
        }
        throw InvalidFormatException.from(p, "expected a single value", p.getText(), type);
    }

    private static final class DurationDeserializer extends JsonDeserializer<Duration> {
        @Override
        public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            String text = scalarText(p, Duration.class);
            try {
                return Durations.parse(text);
            } catch (IllegalArgumentException e) {
                throw InvalidFormatException.from(p, e.getMessage(), text, Duration.class);
            }
        }
    }

    private static final class PathDeserializer extends JsonDeserializer<Path> {
        @Override
        public Path deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            String text = scalarText(p, Path.class);
            try {
                return Path.of(text);
            } catch (InvalidPathException e) {
                throw InvalidFormatException.from(p, "'" + text + "' is not a valid path: " + e.getReason(), text, Path.class);
            }
        }
    }

    private static final class AnonymousPolicyDeserializer extends JsonDeserializer<AuthConfig.AnonymousPolicy> {
        @Override
        public AuthConfig.AnonymousPolicy deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            String text = scalarText(p, AuthConfig.AnonymousPolicy.class);
            try {
                return AuthConfig.AnonymousPolicy.valueOf(text.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw InvalidFormatException.from(p, "'" + text + "' is not one of true, false, loopback",
                        text, AuthConfig.AnonymousPolicy.class);
            }
        }
    }
}
