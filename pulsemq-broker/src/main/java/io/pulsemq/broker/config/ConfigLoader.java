package io.pulsemq.broker.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.pulsemq.broker.authz.Authorizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Builds the {@link BrokerConfig} from four layers, each overriding the one before:
 * <ol>
 *   <li>the built-in defaults, resource {@value #DEFAULTS_RESOURCE};</li>
 *   <li>an optional YAML file ({@link #withFile}), deep-merged: sections merge key by key, scalars and
 *       lists replace;</li>
 *   <li>environment variables {@code PULSEMQ_<PATH>}: the path's segments are separated by {@code _} and
 *       matched against the keys ignoring case ({@code PULSEMQ_LISTENERS_MQTT_PORT=0},
 *       {@code PULSEMQ_MQTT_MAXPACKETSIZE=65536}); a list element is addressed by its index
 *       ({@code PULSEMQ_ACCESSKEYS_0_SECRET}); a list of strings takes a comma-separated value;</li>
 *   <li>an explicit data directory ({@link #withDataDir}), as given by {@code --data-dir}.</li>
 * </ol>
 *
 * <p>Unknown keys in the file are rejected with a {@link ConfigException} that names the key, the file
 * and the valid keys at that place. An environment variable with the prefix that matches no key is
 * ignored with a warning rather than rejected, because platforms set such variables on their own
 * (Kubernetes adds {@code PULSEMQ_PORT} for a service named {@code pulsemq}); {@link #NON_CONFIG_VARIABLES}
 * are read by the launcher and logging and are ignored silently.
 *
 * <p>Durations accept {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}, {@code 7d} and ISO-8601; enum
 * values are case-insensitive; {@code auth.anonymous} also accepts YAML booleans. After binding, values are
 * checked for range, and a bad one is reported with the key and where it came from.
 *
 * <p>Instances are immutable and thread-safe; {@code with*} return a copy.
 */
public final class ConfigLoader {

    /** Classpath resource holding the built-in defaults. */
    public static final String DEFAULTS_RESOURCE = "pulsemq-defaults.yaml";

    /** Prefix of environment overrides. */
    public static final String ENV_PREFIX = "PULSEMQ_";

    /** Variables with {@link #ENV_PREFIX} that are not configuration keys. */
    public static final Set<String> NON_CONFIG_VARIABLES = Set.of("PULSEMQ_JAVA_OPTS", "PULSEMQ_LOG_LEVEL",
            "PULSEMQ_URL", "PULSEMQ_ACCESS_KEY", "PULSEMQ_SECRET_KEY");

    private static final Logger log = LoggerFactory.getLogger(ConfigLoader.class);
    private static final String DEFAULTS_ORIGIN = "built-in defaults";
    private static final int MAX_PACKET_SIZE_LIMIT = 268_435_455;
    private static final int TWO_BYTE_LIMIT = 65_535;

    private static final YAMLMapper MAPPER = YAMLMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .addModule(ConfigValues.module())
            .build();

    private final Map<String, String> environment;
    private final Path file;
    private final Path dataDir;

    /**
     * A loader reading overrides from {@code environment} (normally {@link System#getenv()}), with no file and
     * no data-directory override.
     */
    public ConfigLoader(Map<String, String> environment) {
        this(Map.copyOf(environment), null, null);
    }

    private ConfigLoader(Map<String, String> environment, Path file, Path dataDir) {
        this.environment = environment;
        this.file = file;
        this.dataDir = dataDir;
    }

    /** A copy that merges the YAML file {@code configFile} over the defaults; the file must exist. */
    public ConfigLoader withFile(Path configFile) {
        return new ConfigLoader(environment, Objects.requireNonNull(configFile, "configFile"), dataDir);
    }

    /** A copy that sets the data directory last, over every other layer. */
    public ConfigLoader withDataDir(Path directory) {
        return new ConfigLoader(environment, file, Objects.requireNonNull(directory, "directory"));
    }

    /**
     * Reads, merges, binds and checks the configuration.
     *
     * @return the configuration; {@link BrokerConfig#accessKeys()} is empty if none are configured
     * @throws ConfigException if a file is missing or malformed, a key is unknown or a value is invalid
     */
    public BrokerConfig load() {
        Map<String, String> origins = new HashMap<>();
        ObjectNode root = readDefaults();
        recordOrigins(root, "", DEFAULTS_ORIGIN, origins);
        if (file != null) {
            ObjectNode user = readFile(file);
            checkKeys(user, ConfigSchema.root(), "", file.toString());
            merge(root, user, "", file.toString(), origins);
        }
        applyEnvironment(root, origins);
        if (dataDir != null) {
            root.put("dataDir", dataDir.toString());
            origins.put("dataDir", "--data-dir");
        }
        BrokerConfig config = bind(root, origins);
        new Checks(origins).check(config);
        return config;
    }

    private static ObjectNode readDefaults() {
        try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(DEFAULTS_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + DEFAULTS_RESOURCE + " is missing from the classpath");
            }
            return asObject(MAPPER.readTree(in), DEFAULTS_RESOURCE);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + DEFAULTS_RESOURCE, e);
        }
    }

    private static ObjectNode readFile(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            return asObject(MAPPER.readTree(in), path.toString());
        } catch (NoSuchFileException e) {
            throw new ConfigException(path + ": configuration file not found");
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new ConfigException(path + ": not valid YAML" + where + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ConfigException(path + ": cannot read configuration file: " + e.getMessage(), e);
        }
    }

    private static ObjectNode asObject(JsonNode node, String source) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return JsonNodeFactory.instance.objectNode();
        }
        if (!node.isObject()) {
            throw new ConfigException(source + ": the top level must be a mapping of keys to values");
        }
        return (ObjectNode) node;
    }

    /** Rejects keys the schema does not know, naming the first one found. */
    private static void checkKeys(JsonNode node, ConfigSchema schema, String path, String source) {
        if (schema.isSection() && node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                String childPath = child(path, field.getKey());
                Optional<ConfigSchema> key = schema.key(field.getKey());
                if (key.isEmpty()) {
                    String hint = schema.keyIgnoringCase(field.getKey()).map(k -> " (did you mean '" + k + "'?)").orElse("");
                    String place = path.isEmpty() ? "at the top level" : "under '" + path + "'";
                    throw new ConfigException(source + ": unknown configuration key '" + childPath + "'" + hint
                            + "; valid keys " + place + ": " + String.join(", ", schema.keys()));
                }
                checkKeys(field.getValue(), key.get(), childPath, source);
            }
        } else if (schema.isList() && node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                checkKeys(node.get(i), schema.element(), path + "[" + i + "]", source);
            }
        }
    }

    private static void merge(ObjectNode target, ObjectNode source, String path, String origin, Map<String, String> origins) {
        Iterator<Map.Entry<String, JsonNode>> fields = source.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String name = field.getKey();
            JsonNode value = field.getValue();
            String childPath = child(path, name);
            JsonNode existing = target.get(name);
            if (existing instanceof ObjectNode existingObject && value instanceof ObjectNode valueObject) {
                merge(existingObject, valueObject, childPath, origin, origins);
            } else {
                target.set(name, value.deepCopy());
                forgetOrigins(childPath, origins);
                recordOrigins(value, childPath, origin, origins);
            }
        }
    }

    private void applyEnvironment(ObjectNode root, Map<String, String> origins) {
        for (Map.Entry<String, String> variable : new TreeMap<>(environment).entrySet()) {
            String name = variable.getKey();
            if (!name.toUpperCase(Locale.ROOT).startsWith(ENV_PREFIX)
                    || NON_CONFIG_VARIABLES.contains(name.toUpperCase(Locale.ROOT))) {
                continue;
            }
            String[] segments = name.substring(ENV_PREFIX.length()).split("_", -1);
            Optional<String> path = applyVariable(root, segments, name, variable.getValue());
            if (path.isPresent()) {
                forgetOrigins(path.get(), origins);
                origins.put(path.get(), "environment variable " + name);
            } else {
                log.warn("Ignoring environment variable {}: it names no configuration key", name);
            }
        }
    }

    /** Sets one override; answers the key path it set, or empty if the name matches no key. */
    private static Optional<String> applyVariable(ObjectNode root, String[] segments, String name, String value) {
        JsonNode container = root;
        ConfigSchema schema = ConfigSchema.root();
        String path = "";
        for (int i = 0; i < segments.length; i++) {
            boolean last = i == segments.length - 1;
            String segment = segments[i];
            if (schema.isSection() && container instanceof ObjectNode object) {
                Optional<String> key = schema.keyIgnoringCase(segment);
                if (key.isEmpty() || segment.isEmpty()) {
                    return Optional.empty();
                }
                ConfigSchema childSchema = schema.key(key.get()).orElseThrow();
                path = child(path, key.get());
                if (last) {
                    object.set(key.get(), scalarOrList(childSchema, value, name, path));
                    return Optional.of(path);
                }
                container = childContainer(object.get(key.get()), childSchema, object, key.get());
                schema = childSchema;
            } else if (schema.isList() && container instanceof ArrayNode array) {
                int index;
                try {
                    index = Integer.parseInt(segment);
                } catch (NumberFormatException e) {
                    return Optional.empty();
                }
                ConfigSchema element = schema.element();
                path = path + "[" + index + "]";
                while (array.size() <= index) {
                    array.add(element.isSection() ? JsonNodeFactory.instance.objectNode() : JsonNodeFactory.instance.nullNode());
                }
                if (last) {
                    array.set(index, scalarOrList(element, value, name, path));
                    return Optional.of(path);
                }
                if (!array.get(index).isObject()) {
                    array.set(index, JsonNodeFactory.instance.objectNode());
                }
                container = array.get(index);
                schema = element;
            } else {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private static JsonNode childContainer(JsonNode current, ConfigSchema schema, ObjectNode parent, String key) {
        if (schema.isSection() && !(current instanceof ObjectNode)) {
            return parent.putObject(key);
        }
        if (schema.isList() && !(current instanceof ArrayNode)) {
            return parent.putArray(key);
        }
        return current;
    }

    private static JsonNode scalarOrList(ConfigSchema schema, String value, String variable, String path) {
        if (schema.isSection()) {
            throw new ConfigException("environment variable " + variable + ": '" + path
                    + "' is a section, not a value; set one of its keys: " + String.join(", ", schema.keys()));
        }
        if (schema.isList()) {
            ArrayNode items = JsonNodeFactory.instance.arrayNode();
            for (String item : value.split(",")) {
                if (!item.isBlank()) {
                    items.add(item.trim());
                }
            }
            return items;
        }
        return TextNode.valueOf(value);
    }

    private static BrokerConfig bind(ObjectNode root, Map<String, String> origins) {
        try {
            return MAPPER.treeToValue(root, BrokerConfig.class);
        } catch (JsonMappingException e) {
            String path = pathOf(e);
            throw new ConfigException("invalid value for '" + path + "' (from " + originOf(path, origins) + "): "
                    + e.getOriginalMessage(), e);
        } catch (JsonProcessingException e) {
            throw new ConfigException("invalid configuration: " + e.getOriginalMessage(), e);
        }
    }

    private static String pathOf(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (path.length() > 0) {
                    path.append('.');
                }
                path.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static String child(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private static void recordOrigins(JsonNode node, String path, String origin, Map<String, String> origins) {
        if (node.isObject()) {
            node.fields().forEachRemaining(f -> recordOrigins(f.getValue(), child(path, f.getKey()), origin, origins));
        } else if (node.isArray() && node.size() > 0) {
            for (int i = 0; i < node.size(); i++) {
                recordOrigins(node.get(i), path + "[" + i + "]", origin, origins);
            }
        } else {
            origins.put(path, origin);
        }
    }

    private static void forgetOrigins(String path, Map<String, String> origins) {
        origins.keySet().removeIf(p -> p.equals(path) || p.startsWith(path + ".") || p.startsWith(path + "["));
    }

    /** Where the value at {@code path} came from: the path itself, its nearest recorded ancestor, or a descendant. */
    private static String originOf(String path, Map<String, String> origins) {
        for (String p = path; !p.isEmpty(); p = parentOf(p)) {
            String origin = origins.get(p);
            if (origin != null) {
                return origin;
            }
        }
        Set<String> below = new HashSet<>();
        origins.forEach((p, origin) -> {
            if (p.startsWith(path + ".") || p.startsWith(path + "[")) {
                below.add(origin);
            }
        });
        below.remove(DEFAULTS_ORIGIN);
        return below.isEmpty() ? DEFAULTS_ORIGIN : String.join(", ", new TreeSet<>(below));
    }

    private static String parentOf(String path) {
        int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
        return cut < 0 ? "" : path.substring(0, cut);
    }

    /** Most event-loop threads one group may be configured with. */
    private static final int MAX_EVENT_LOOPS = 1024;

    /** Range and presence checks on the bound configuration. */
    private static final class Checks {

        private final Map<String, String> origins;

        Checks(Map<String, String> origins) {
            this.origins = origins;
        }

        void check(BrokerConfig c) {
            require(notBlank(c.instanceId()), "instanceId", "must not be empty");
            require(notBlank(c.node()), "node", "must not be empty");
            require(c.dataDir() != null && !c.dataDir().toString().isEmpty(), "dataDir", "must be set");
            require(c.listeners() != null, "listeners", "must be set");
            listener(c.listeners().mqtt(), "listeners.mqtt");
            listener(c.listeners().ws(), "listeners.ws");
            listener(c.listeners().http(), "listeners.http");
            listener(c.listeners().amqp(), "listeners.amqp");
            listener(c.listeners().mqtts(), "listeners.mqtts");
            listener(c.listeners().wss(), "listeners.wss");
            listener(c.listeners().https(), "listeners.https");
            listener(c.listeners().amqps(), "listeners.amqps");
            wsPath(c.listeners().ws(), "listeners.ws.path");
            wsPath(c.listeners().wss(), "listeners.wss.path");
            require(c.auth() != null && c.auth().anonymous() != null, "auth.anonymous", "must be one of true, false, loopback");
            loginHardening(c.auth());
            origins(c.listeners().ws(), "listeners.ws.allowedOrigins");
            origins(c.listeners().wss(), "listeners.wss.allowedOrigins");
            accessKeys(c);
            mqtt(c.mqtt());
            require(c.clientIds() != null, "clientIds", "must be set");
            require(c.statusLog() != null, "statusLog", "must be set");
            positive(c.statusLog().retention(), "statusLog.retention");
            require(c.statusLog().maxBytes() >= 0, "statusLog.maxBytes", "must not be negative");
            require(c.statusLog().minFreeDisk() >= 0, "statusLog.minFreeDisk", "must not be negative");
            amqp(c.amqp());
            http(c.http());
            range(c.eventLoops().mqtt(), 0, MAX_EVENT_LOOPS, "eventLoops.mqtt");
            range(c.eventLoops().http(), 0, MAX_EVENT_LOOPS, "eventLoops.http");
            range(c.eventLoops().amqp(), 0, MAX_EVENT_LOOPS, "eventLoops.amqp");
            authorization(c.authorization());
            tls(c);
            cluster(c.cluster());
        }

        private void cluster(ClusterConfig k) {
            require(k != null, "cluster", "must be set");
            positive(k.nodeTimeout(), "cluster.nodeTimeout");
            require(k.nodeTimeout().compareTo(Duration.ofMillis(500)) >= 0, "cluster.nodeTimeout",
                    "must be at least 500ms (heartbeats go every fifth of it)");
            range(k.nats().replicas(), 1, 5, "cluster.nats.replicas");
            if (!k.enabled()) {
                return;
            }
            require(!k.nats().servers().isEmpty(), "cluster.nats.servers", "needs at least one URL with engine nats");
            for (int i = 0; i < k.nats().servers().size(); i++) {
                String url = k.nats().servers().get(i);
                require(url != null && url.matches("(nats|tls)://[^\\s/]+(:\\d+)?/?"), "cluster.nats.servers[" + i + "]",
                        "'" + url + "' is not a NATS URL (nats://host:port or tls://host:port)");
            }
        }

        private void authorization(AuthorizationConfig a) {
            require(a != null, "authorization", "must be set");
            for (int i = 0; i < a.rules().size(); i++) {
                AuthorizationRule rule = a.rules().get(i);
                String path = "authorization.rules[" + i + "]";
                require(rule != null, path, "must not be empty");
                require((rule.allow() == null) != (rule.deny() == null), path,
                        "needs exactly one of allow and deny (publish, subscribe, retain or all)");
                require(!rule.topics().isEmpty(), path + ".topics", "needs at least one topic filter");
                for (int t = 0; t < rule.topics().size(); t++) {
                    String topic = rule.topics().get(t);
                    require(Authorizer.isValidRuleTopic(topic), path + ".topics[" + t + "]",
                            "'" + topic + "' is not a valid topic filter (placeholders: %c, %g, %u, %k)");
                }
            }
        }

        private void tls(BrokerConfig c) {
            TlsConfig t = c.tls();
            if (t == null || !t.enabled()) {
                return;
            }
            require(notBlank(t.keyFile()), "tls.keyFile", "must be set when tls.certFile is set");
            ListenersConfig l = c.listeners();
            for (ListenerConfig listener : List.of(l.mqtts(), l.wss(), l.https(), l.amqps())) {
                TlsConfig.ClientAuth mode = listener.clientAuth() == null ? t.clientAuth() : listener.clientAuth();
                require(mode == TlsConfig.ClientAuth.NONE || notBlank(t.caFile()), "tls.caFile",
                        "must be set when client certificates are asked for (clientAuth " + mode.name().toLowerCase()
                                + ")");
            }
        }

        private void amqp(AmqpConfig a) {
            require(a.signatureMaxAge() != null && !a.signatureMaxAge().isNegative(), "amqp.signatureMaxAge",
                    "must be 0 (no limit) or positive");
            require(a.signatureMaxClockSkew() != null && !a.signatureMaxClockSkew().isNegative(),
                    "amqp.signatureMaxClockSkew", "must not be negative");
            require(a.heartbeat() != null && !a.heartbeat().isNegative() && a.heartbeat().getSeconds() <= TWO_BYTE_LIMIT,
                    "amqp.heartbeat", "must be between 0s and 65535s");
            range(a.frameMax(), 4096, Integer.MAX_VALUE, "amqp.frameMax"); // [AMQP 0-9-1 4.2.1] frame-min-size
            range(a.channelMax(), 1, TWO_BYTE_LIMIT, "amqp.channelMax");
            range(a.topicQueueMaxMessages(), 1, Integer.MAX_VALUE, "amqp.topicQueueMaxMessages");
            positive(a.redeliveryDelay(), "amqp.redeliveryDelay");
            range(a.maxQueuesPerConnection(), 1, Integer.MAX_VALUE, "amqp.maxQueuesPerConnection");
            range(a.maxConsumersPerConnection(), 1, Integer.MAX_VALUE, "amqp.maxConsumersPerConnection");
            range(a.maxUnackedPerConnection(), 1, Integer.MAX_VALUE, "amqp.maxUnackedPerConnection");
        }

        private void http(HttpConfig h) {
            require(h != null, "http", "must be set");
            positive(h.headerTimeout(), "http.headerTimeout");
            positive(h.requestTimeout(), "http.requestTimeout");
            positive(h.idleTimeout(), "http.idleTimeout");
            range(h.maxBodySize(), 0, Integer.MAX_VALUE, "http.maxBodySize");
            range(h.maxPipelined(), 1, 1024, "http.maxPipelined");
            range(h.maxInitialLineLength(), 64, 1 << 20, "http.maxInitialLineLength");
            range(h.maxHeaderSize(), 256, 1 << 20, "http.maxHeaderSize");
            range(h.maxStreams(), 0, Integer.MAX_VALUE, "http.maxStreams");
            range(h.maxStreamsPerKey(), 0, Integer.MAX_VALUE, "http.maxStreamsPerKey");
        }

        private void listener(ListenerConfig l, String path) {
            require(l != null, path, "must be set");
            require(notBlank(l.host()), path + ".host", "must not be empty");
            range(l.port(), -1, TWO_BYTE_LIMIT, path + ".port");
        }

        private void wsPath(ListenerConfig l, String path) {
            require(l.path() != null && l.path().startsWith("/"), path, "must start with '/', was " + l.path());
        }

        private void accessKeys(BrokerConfig c) {
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < c.accessKeys().size(); i++) {
                AccessKey key = c.accessKeys().get(i);
                String path = "accessKeys[" + i + "]";
                require(key != null, path, "must not be empty");
                require(notBlank(key.id()), path + ".id", "must not be empty");
                require(notBlank(key.secret()), path + ".secret", "must not be empty");
                require(key.secret().length() >= AccessKey.MIN_SECRET_LENGTH, path + ".secret",
                        "is shorter than " + AccessKey.MIN_SECRET_LENGTH
                                + " characters (access key '" + key.id() + "'); use a longer random secret");
                require(ids.add(key.id()), path + ".id", "'" + key.id() + "' is used by more than one key");
                if (key.groups().isEmpty()) {
                    log.warn("{} ('{}') names no groups, so it is allowed for none; list them, e.g. groups: [\"GID_car\"]",
                            path, key.id());
                } else if (key.role() == AccessKey.Role.DEVICE && key.clientIds().isEmpty()) {
                    log.warn("{} ('{}') is a device key without clientIds, so it may connect as no client; list them, "
                            + "e.g. clientIds: [\"GID_car@@@vin1\"], or [\"GID_car@@@*\"] for the whole group", path, key.id());
                }
            }
        }

        private void mqtt(MqttConfig m) {
            require(m != null, "mqtt", "must be set");
            range(m.maxPacketSize(), 16, MAX_PACKET_SIZE_LIMIT, "mqtt.maxPacketSize");
            range(m.receiveMaximum(), 1, TWO_BYTE_LIMIT, "mqtt.receiveMaximum");
            range(m.maxInflight(), 1, TWO_BYTE_LIMIT, "mqtt.maxInflight");
            range(m.maxQueuedMessages(), 0, Integer.MAX_VALUE, "mqtt.maxQueuedMessages");
            range(m.topicAliasMaximum(), 0, TWO_BYTE_LIMIT, "mqtt.topicAliasMaximum");
            range(m.maxTopicLevels(), 1, Integer.MAX_VALUE, "mqtt.maxTopicLevels");
            require(m.maxSessionExpiry() != null, "mqtt.maxSessionExpiry", "must be set");
            require(m.maxSessionExpiry().getSeconds() <= 0xFFFF_FFFFL, "mqtt.maxSessionExpiry",
                    "must be at most 4294967295s (the MQTT 5 limit)");
            require(m.maxKeepAlive() != null, "mqtt.maxKeepAlive", "must be set");
            require(m.maxKeepAlive().compareTo(Duration.ofSeconds(TWO_BYTE_LIMIT)) <= 0, "mqtt.maxKeepAlive",
                    "must be at most 65535s (the MQTT limit)");
            positive(m.connectTimeout(), "mqtt.connectTimeout");
            range(m.maxConnections(), 0, Integer.MAX_VALUE, "mqtt.maxConnections");
            range(m.maxConnectionsPerAddress(), 0, Integer.MAX_VALUE, "mqtt.maxConnectionsPerAddress");
            range(m.connectRate(), 0, 1_000_000_000, "mqtt.connectRate");
            range(m.connectBurst(), m.connectRate() == 0 ? 0 : 1, Integer.MAX_VALUE, "mqtt.connectBurst");
            range(m.maxPublishRate(), 0, 1_000_000_000, "mqtt.maxPublishRate");
            require(m.maxPublishBytesRate() >= 0, "mqtt.maxPublishBytesRate", "must be 0 (no limit) or positive");
            range(m.maxSubscriptionsPerClient(), 0, Integer.MAX_VALUE, "mqtt.maxSubscriptionsPerClient");
            range(m.maxTopicLength(), 1, TWO_BYTE_LIMIT, "mqtt.maxTopicLength");
            range(m.maxRetainedMessages(), 0, Integer.MAX_VALUE, "mqtt.maxRetainedMessages");
            require(m.maxRetainedBytes() >= 0, "mqtt.maxRetainedBytes", "must be 0 (no limit) or positive");
            require(m.maxQueuedBytes() >= 0, "mqtt.maxQueuedBytes", "must be 0 (no limit) or positive");
        }

        private void loginHardening(AuthConfig a) {
            AuthConfig.LoginThrottle t = a.loginThrottle();
            range(t.freeAttempts(), 0, 1_000_000, "auth.loginThrottle.freeAttempts");
            require(t.baseDelay() != null && !t.baseDelay().isNegative(), "auth.loginThrottle.baseDelay",
                    "must be 0 or more");
            require(t.maxDelay() != null && t.maxDelay().compareTo(t.baseDelay()) >= 0
                    && t.maxDelay().compareTo(Duration.ofMinutes(10)) <= 0, "auth.loginThrottle.maxDelay",
                    "must be between baseDelay and 10m");
            positive(t.window(), "auth.loginThrottle.window");
            range(t.banAfter(), 0, 1_000_000, "auth.loginThrottle.banAfter");
            positive(t.banDuration(), "auth.loginThrottle.banDuration");
            AuthConfig.Flapping f = a.flapping();
            range(f.maxConnects(), 1, 1_000_000, "auth.flapping.maxConnects");
            positive(f.window(), "auth.flapping.window");
            positive(f.banDuration(), "auth.flapping.banDuration");
        }

        private void origins(ListenerConfig l, String path) {
            for (String origin : l.allowedOrigins()) {
                require(origin != null && (origin.equals("*") || origin.matches("(?i)[a-z][a-z0-9+.-]*://[^/]+")),
                        path, "'" + origin + "' is not an origin like https://app.example.com (or *)");
            }
        }

        private void positive(Duration d, String path) {
            require(d != null, path, "must be set");
            require(!d.isZero() && !d.isNegative(), path, "must be greater than zero");
        }

        private void range(int value, int min, int max, String path) {
            require(value >= min && value <= max, path, "must be between " + min + " and " + max + ", was " + value);
        }

        private void require(boolean ok, String path, String problem) {
            if (!ok) {
                throw new ConfigException("invalid value for '" + path + "' (from " + originOf(path, origins) + "): " + problem);
            }
        }

        private static boolean notBlank(String s) {
            return s != null && !s.isBlank();
        }
    }
}
