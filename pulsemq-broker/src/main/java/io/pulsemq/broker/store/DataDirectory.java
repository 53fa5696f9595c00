package io.pulsemq.broker.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * The broker's data directory: created owner-only (POSIX mode {@code 0700}, set at creation, never widened and
 * narrowed afterwards), since it holds {@code credentials.json}, sessions and every client's status history.
 * An existing directory is left as it is, with a warning if other users may enter it.
 */
public final class DataDirectory {

    private static final Logger LOG = LoggerFactory.getLogger(DataDirectory.class);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private DataDirectory() {
    }

    /** Creates {@code dir} (and missing parents, which get the same mode) or checks the existing one. */
    public static void ensure(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath();
        if (Files.isDirectory(absolute)) {
            warnIfWider(absolute);
            return;
        }
        if (Files.getFileAttributeView(nearestExisting(absolute), PosixFileAttributeView.class) == null) {
            Files.createDirectories(absolute);
            return;
        }
        Files.createDirectories(absolute, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        // the umask may have masked bits we did not ask for away, never added some; set the mode exactly
        Files.setPosixFilePermissions(absolute, OWNER_ONLY);
    }

    private static Path nearestExisting(Path p) {
        Path current = p;
        while (current != null && !Files.exists(current)) {
            current = current.getParent();
        }
        return current == null ? p.getRoot() : current;
    }

    private static void warnIfWider(Path dir) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(dir, PosixFileAttributeView.class);
        if (view == null) {
            return;
        }
        Set<PosixFilePermission> perms = view.readAttributes().permissions();
        Set<PosixFilePermission> extra = EnumSet.copyOf(perms);
        extra.removeAll(OWNER_ONLY);
        if (!extra.isEmpty()) {
            LOG.warn("data directory {} is accessible by other users ({}); restrict it with: chmod 700 {}", dir,
                    PosixFilePermissions.toString(perms), dir);
        }
    }
}
