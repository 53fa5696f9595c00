package io.pulsemq.broker.cli;

import io.pulsemq.broker.auth.Credentials;
import io.pulsemq.broker.bootstrap.BoundPorts;
import io.pulsemq.broker.bootstrap.PortsFile;
import io.pulsemq.broker.config.AccessKey;
import io.pulsemq.sdk.Backoff;
import io.pulsemq.sdk.RetryPolicy;
import io.pulsemq.sdk.StatusClient;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;

/**
 * The options every client command shares, and how they default: {@code --url}, else {@code PULSEMQ_URL}, else
 * the local broker ({@code http://127.0.0.1:<http port of <data>/ports.json>}, else port 8080); {@code --access-key}
 * and {@code --secret-key}, else {@code PULSEMQ_ACCESS_KEY} and {@code PULSEMQ_SECRET_KEY}, else the first admin
 * (then server) key of {@code <data>/credentials.json}; {@code <data>} is {@code --data-dir}, else
 * {@code PULSEMQ_DATADIR}, else {@code ./data}.
 */
public final class Connection {

    /** The HTTP port when nothing says otherwise. */
    static final int DEFAULT_HTTP_PORT = 8080;

    @Option(names = "--url", paramLabel = "URL", description = "Broker HTTP address (env PULSEMQ_URL; default: the local broker).")
    String url;

    @Option(names = "--access-key", paramLabel = "ID", description = "Access key ID (env PULSEMQ_ACCESS_KEY; default: <data>/credentials.json).")
    String accessKey;

    @Option(names = "--secret-key", paramLabel = "SECRET", description = "Access key secret (env PULSEMQ_SECRET_KEY).")
    String secretKey;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "The local broker's data directory, for its ports and credentials (default: ./data).")
    Path dataDir;

    @Option(names = "--json", description = "Machine-readable output: one JSON object per line.")
    boolean json;

    /** No usable access key. */
    static final class MissingKeyException extends RuntimeException {
        MissingKeyException(String message) {
            super(message);
        }
    }

    /** A description of where the commands connect, for messages. */
    String describe(CliContext ctx) {
        return baseUrl(ctx).get().toString();
    }

    Supplier<URI> baseUrl(CliContext ctx) {
        String explicit = url != null ? url : ctx.environment().get("PULSEMQ_URL");
        if (explicit != null && !explicit.isBlank()) {
            URI uri = URI.create(explicit.contains("://") ? explicit : "http://" + explicit);
            return () -> uri;
        }
        Path data = dataDir(ctx);
        // Read the ports file on every (re)connect: a local broker restarted on port 0 moves.
        return () -> URI.create("http://127.0.0.1:" + localHttpPort(data));
    }

    private Path dataDir(CliContext ctx) {
        if (dataDir != null) {
            return dataDir;
        }
        String env = ctx.environment().get("PULSEMQ_DATADIR");
        return Path.of(env == null || env.isBlank() ? "data" : env);
    }

    private static int localHttpPort(Path data) {
        try {
            BoundPorts ports = PortsFile.read(data);
            return ports.http() > 0 ? ports.http() : DEFAULT_HTTP_PORT;
        } catch (IOException | RuntimeException e) {
            return DEFAULT_HTTP_PORT;
        }
    }

    /** The access key ID and secret to use. */
    String[] key(CliContext ctx) {
        String id = accessKey != null ? accessKey : ctx.environment().get("PULSEMQ_ACCESS_KEY");
        String secret = secretKey != null ? secretKey : ctx.environment().get("PULSEMQ_SECRET_KEY");
        if (id != null && secret != null) {
            return new String[] {id, secret};
        }
        if (id != null || secret != null) {
            throw new MissingKeyException("give both an access key and its secret (--access-key and --secret-key, "
                    + "or PULSEMQ_ACCESS_KEY and PULSEMQ_SECRET_KEY)");
        }
        Path file = Credentials.file(dataDir(ctx));
        if (!Files.isRegularFile(file)) {
            throw new MissingKeyException("no access key: pass --access-key and --secret-key, set PULSEMQ_ACCESS_KEY "
                    + "and PULSEMQ_SECRET_KEY, or point --data-dir at the broker's data directory (" + file
                    + " does not exist)");
        }
        try {
            List<AccessKey> keys = Credentials.read(file);
            AccessKey key = keys.stream()
                    .filter(k -> k.role() != AccessKey.Role.DEVICE)
                    .min(Comparator.comparing(k -> k.role() == AccessKey.Role.ADMIN ? 0 : 1))
                    .orElseThrow(() -> new MissingKeyException(file + " holds only device keys; the API needs a server or admin key"));
            return new String[] {key.id(), key.secret()};
        } catch (IOException | RuntimeException e) {
            if (e instanceof MissingKeyException m) {
                throw m;
            }
            throw new MissingKeyException("cannot read " + file + ": " + e.getMessage());
        }
    }

    /** A client for these options: short retries, so an unreachable broker is reported within a second. */
    StatusClient client(CliContext ctx) {
        String[] key = key(ctx);
        return StatusClient.builder()
                .baseUrl(baseUrl(ctx))
                .accessKey(key[0]).secretKey(key[1])
                .connectTimeout(Duration.ofSeconds(3))
                .retryPolicy(new RetryPolicy(3, new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), 2, 0.5)))
                .build();
    }
}
