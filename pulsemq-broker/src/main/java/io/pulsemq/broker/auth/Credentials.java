package io.pulsemq.broker.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.pulsemq.broker.config.AccessKey;
import io.pulsemq.broker.config.BrokerConfig;
import io.pulsemq.broker.config.ConfigException;
import io.pulsemq.broker.store.DataDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Makes sure the broker has at least one access key.
 *
 * <p>Keys in the configuration always win. Without any, the keys stored in
 * {@code <dataDir>/}{@value #FILE_NAME} are used; if that file does not exist either, one admin key is
 * generated, stored there and shown once on the terminal (never through the log, and not at all when
 * standard output is not a terminal, see {@link #forStandardOutput}).
 * The file is created with POSIX mode {@code 0600} from the start (never widened
 * and narrowed afterwards) and appears atomically: a reader sees no file or the whole file.
 *
 * <p>Secrets are never logged. Not thread-safe; called once, at startup, before the broker is built.
 */
public final class Credentials {

    /** Name of the credentials file inside the data directory. */
    public static final String FILE_NAME = "credentials.json";

    /** Prefix of generated access key IDs. */
    public static final String KEY_ID_PREFIX = "AK_";

    private static final Logger log = LoggerFactory.getLogger(Credentials.class);
    private static final String UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private static final String ALNUM = UPPER_ALNUM + "abcdefghijklmnopqrstuvwxyz";
    private static final int ID_RANDOM_CHARS = 16;
    private static final int SECRET_CHARS = 32;
    private static final Set<PosixFilePermission> OWNER_READ_WRITE = PosixFilePermissions.fromString("rw-------");

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private final SecureRandom random;
    private final PrintStream terminal;

    /**
     * @param random   source of generated key IDs and secrets
     * @param terminal where a generated key's secret is shown: a terminal the operator reads, never a stream
     *                 that may end up in a log file; null to show it nowhere (it is then only in the file)
     */
    public Credentials(SecureRandom random, PrintStream terminal) {
        this.random = Objects.requireNonNull(random, "random");
        this.terminal = terminal;
    }

    /**
     * Credentials that show a generated secret on {@code out} only when standard output is a terminal
     * ({@link System#console()} is not null); redirected to a file or a log collector, it is not shown.
     */
    public static Credentials forStandardOutput(SecureRandom random, PrintStream out) {
        return new Credentials(random, standardOutputIsTerminal() ? out : null);
    }

    /** Java 17: a console exists only on a terminal; Java 22+ also has one when redirected, and says so. */
    private static boolean standardOutputIsTerminal() {
        java.io.Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true; // before Java 22 a console is always a terminal
        }
    }

    /** The credentials file of a data directory. */
    public static Path file(Path dataDir) {
        return dataDir.resolve(FILE_NAME);
    }

    /**
     * Answers {@code config} unchanged if it has access keys; otherwise a copy with the keys of the
     * credentials file, which is created with a fresh admin key (and announced) if it does not exist.
     * Creates the data directory if needed.
     *
     * @throws ConfigException if the credentials file is malformed or holds no usable key
     * @throws IOException     if the data directory or the file cannot be read or written
     */
    public BrokerConfig ensureAccessKeys(BrokerConfig config) throws IOException {
        if (!config.accessKeys().isEmpty()) {
            return config;
        }
        Path file = file(config.dataDir());
        if (Files.exists(file)) {
            List<AccessKey> keys = read(file);
            log.info("Using {} access key(s) from {}", keys.size(), file);
            return config.withAccessKeys(keys);
        }
        AccessKey generated = generateAdminKey();
        write(file, generated);
        if (terminal != null) {
            announce(generated, file);
            log.info("Generated admin access key {} into {}", generated.id(), file);
        } else {
            log.info("Generated admin access key {} into {}; its secret is in that file only (standard output is "
                    + "not a terminal, so it is not printed)", generated.id(), file);
        }
        return config.withAccessKeys(List.of(generated));
    }

    /** A new admin key for all groups: ID {@code AK_} + 16 uppercase alphanumerics, a 32-character secret. */
    public AccessKey generateAdminKey() {
        String id = KEY_ID_PREFIX + randomChars(UPPER_ALNUM, ID_RANDOM_CHARS);
        return new AccessKey(id, randomChars(ALNUM, SECRET_CHARS), AccessKey.Role.ADMIN, List.of("*"));
    }

    /**
     * Reads the keys of a credentials file.
     *
     * @throws ConfigException if it is malformed or holds no key with an ID and a secret
     */
    public static List<AccessKey> read(Path file) throws IOException {
        warnIfReadableByOthers(file);
        StoredCredentials stored;
        try {
            stored = MAPPER.readValue(file.toFile(), StoredCredentials.class);
        } catch (JsonProcessingException e) {
            throw new ConfigException(file + ": malformed credentials file: " + e.getOriginalMessage()
                    + " (delete it to generate a new admin key)", e);
        }
        List<AccessKey> keys = stored == null || stored.accessKeys() == null ? List.of() : stored.accessKeys();
        if (keys.isEmpty()) {
            throw new ConfigException(file + ": holds no access keys (delete it to generate a new admin key)");
        }
        for (AccessKey key : keys) {
            if (key == null || isBlank(key.id()) || isBlank(key.secret())) {
                throw new ConfigException(file + ": every access key needs an id and a secret");
            }
            if (key.secret().length() < AccessKey.MIN_SECRET_LENGTH) {
                throw new ConfigException(file + ": the secret of access key '" + key.id() + "' is shorter than "
                        + AccessKey.MIN_SECRET_LENGTH + " characters (delete the file to generate a new admin key)");
            }
        }
        return keys;
    }

    /** Writes the file through a temporary sibling created with mode 0600, then moved into place. */
    private static void write(Path file, AccessKey key) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) { // the broker checked an existing one already (and warned once if too open)
            DataDirectory.ensure(dir);
        }
        ByteBuffer json = ByteBuffer.wrap(MAPPER.writeValueAsBytes(new StoredCredentials(List.of(key))));
        Path tmp = dir.resolve(FILE_NAME + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            try (FileChannel channel = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), ownerOnly(dir))) {
                while (json.hasRemaining()) {
                    channel.write(json);
                }
                channel.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static FileAttribute<?>[] ownerOnly(Path dir) {
        if (Files.getFileAttributeView(dir, PosixFileAttributeView.class) == null) {
            log.warn("{} is not on a POSIX file system; cannot restrict {} to its owner", dir, FILE_NAME);
            return new FileAttribute<?>[0];
        }
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_READ_WRITE)};
    }

    private static void warnIfReadableByOthers(Path file) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        if (view == null) {
            return;
        }
        Set<PosixFilePermission> extra = EnumSet.copyOf(view.readAttributes().permissions());
        extra.removeAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_EXECUTE));
        if (!extra.isEmpty()) {
            log.warn("{} is accessible by other users ({}); restrict it with: chmod 600 {}", file,
                    PosixFilePermissions.toString(view.readAttributes().permissions()), file);
        }
    }

    private void announce(AccessKey key, Path file) {
        List<String> lines = new ArrayList<>();
        lines.add("");
        lines.add("PulseMQ generated an admin access key (shown only this once):");
        lines.add("");
        lines.add("  AccessKeyId:     " + key.id());
        lines.add("  AccessKeySecret: " + key.secret());
        lines.add("");
        lines.add("It is stored in " + file + " (readable by you only).");
        lines.add("Use it for the HTTP API (Basic auth, id:secret) and for ApsaraMQ signature-mode clients.");
        lines.add("Keys configured under accessKeys in the config file replace it.");
        lines.add("");
        lines.forEach(terminal::println);
        terminal.flush();
    }

    private String randomChars(String alphabet, int count) {
        StringBuilder sb = new StringBuilder(count);
        for (int i = 0; i < count; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    /** The file's content: {@code {"accessKeys": [{id, secret, role, groups}]}}. */
    record StoredCredentials(List<AccessKey> accessKeys) {
    }
}
