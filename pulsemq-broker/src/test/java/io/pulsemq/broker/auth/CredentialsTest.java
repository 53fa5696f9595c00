package io.pulsemq.broker.auth;

import io.pulsemq.broker.config.AccessKey;
import io.pulsemq.broker.config.BrokerConfig;
import io.pulsemq.broker.config.ConfigException;
import io.pulsemq.broker.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CredentialsTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final Credentials credentials =
            new Credentials(new SecureRandom(), new PrintStream(printed, true, StandardCharsets.UTF_8));

    @Test
    void ensureAccessKeys_noKeysNoFile_generatesAdminKeyAndStoresIt() throws IOException {
        Path dataDir = dir.resolve("data");

        BrokerConfig config = credentials.ensureAccessKeys(config(dataDir));

        assertThat(config.accessKeys()).hasSize(1);
        AccessKey key = config.accessKeys().get(0);
        assertThat(key.id()).matches("AK_[A-Z0-9]{16}");
        assertThat(key.secret()).matches("[A-Za-z0-9]{32}");
        assertThat(key.role()).isEqualTo(AccessKey.Role.ADMIN);
        assertThat(key.groups()).containsExactly("*");
        assertThat(Credentials.read(Credentials.file(dataDir))).containsExactly(key);
    }

    @Test
    void ensureAccessKeys_generated_fileIsOwnerReadWriteOnly() throws IOException {
        credentials.ensureAccessKeys(config(dir));

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(Credentials.file(dir))))
                .isEqualTo("rw-------");
        assertThat(dir.resolve(Credentials.FILE_NAME + ".tmp")).doesNotExist();
    }

    @Test
    void ensureAccessKeys_generated_printsIdAndSecretOnce() throws IOException {
        AccessKey key = credentials.ensureAccessKeys(config(dir)).accessKeys().get(0);
        String firstRun = printed.toString(StandardCharsets.UTF_8);

        BrokerConfig second = credentials.ensureAccessKeys(config(dir));

        assertThat(firstRun).contains(key.id()).contains(key.secret()).contains(Credentials.file(dir).toString());
        assertThat(printed.toString(StandardCharsets.UTF_8)).isEqualTo(firstRun);
        assertThat(second.accessKeys()).containsExactly(key);
    }

    @Test
    void forStandardOutput_notATerminal_secretOnlyInTheFile() throws IOException {
        // the test JVM's standard output is a pipe to Maven, as under systemd or docker
        Credentials redirected = Credentials.forStandardOutput(new SecureRandom(),
                new PrintStream(printed, true, StandardCharsets.UTF_8));

        AccessKey key = redirected.ensureAccessKeys(config(dir)).accessKeys().get(0);

        assertThat(printed.toString(StandardCharsets.UTF_8)).doesNotContain(key.secret()).isEmpty();
        assertThat(Files.readString(Credentials.file(dir))).contains(key.secret());
    }

    @Test
    void ensureAccessKeys_generated_dataDirectoryIsOwnerOnly() throws IOException {
        Path dataDir = dir.resolve("fresh").resolve("data");

        credentials.ensureAccessKeys(config(dataDir));

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir))).isEqualTo("rwx------");
    }

    @Test
    void read_secretShorterThan16_isRefusedNamingTheKey() throws IOException {
        writeOwnerOnly("""
                {"accessKeys": [{"id": "AK_WEAK", "secret": "short-secret", "role": "admin"}]}
                """);

        assertThatThrownBy(() -> credentials.ensureAccessKeys(config(dir)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("AK_WEAK")
                .hasMessageNotContaining("short-secret\"");
    }

    @Test
    void ensureAccessKeys_configuredKeys_leavesConfigAndDirectoryAlone() throws IOException {
        Path dataDir = dir.resolve("untouched");
        BrokerConfig configured = config(dataDir)
                .withAccessKeys(List.of(new AccessKey("AK_X", "secret", AccessKey.Role.SERVER, List.of("GID_a"))));

        BrokerConfig result = credentials.ensureAccessKeys(configured);

        assertThat(result).isSameAs(configured);
        assertThat(dataDir).doesNotExist();
        assertThat(printed.size()).isZero();
    }

    @Test
    void ensureAccessKeys_existingFile_isUsedWithoutPrinting() throws IOException {
        writeOwnerOnly("""
                {"accessKeys": [{"id": "AK_FILE", "secret": "file-secret-0123456789", "role": "server", "groups": ["GID_x*"]}]}
                """);

        BrokerConfig config = credentials.ensureAccessKeys(config(dir));

        assertThat(config.accessKeys())
                .containsExactly(new AccessKey("AK_FILE", "file-secret-0123456789", AccessKey.Role.SERVER, List.of("GID_x*")));
        assertThat(printed.size()).isZero();
    }

    @Test
    void ensureAccessKeys_malformedFile_failsNamingIt() throws IOException {
        Path file = writeOwnerOnly("{not json");

        assertThatThrownBy(() -> credentials.ensureAccessKeys(config(dir)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(file + ": malformed credentials file");
    }

    @Test
    void ensureAccessKeys_fileWithoutKeys_fails() throws IOException {
        writeOwnerOnly("{\"accessKeys\": []}");

        assertThatThrownBy(() -> credentials.ensureAccessKeys(config(dir)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("holds no access keys");
    }

    @Test
    void generateAdminKey_twice_differs() {
        assertThat(credentials.generateAdminKey()).isNotEqualTo(credentials.generateAdminKey());
    }

    @Test
    void accessKeyToString_neverShowsSecret() {
        AccessKey key = credentials.generateAdminKey();

        assertThat(key.toString()).contains(key.id()).doesNotContain(key.secret());
    }

    private Path writeOwnerOnly(String content) throws IOException {
        Path file = Files.createFile(Credentials.file(dir),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        return Files.writeString(file, content);
    }

    private static BrokerConfig config(Path dataDir) {
        return new ConfigLoader(Map.of()).withDataDir(dataDir).load();
    }
}
