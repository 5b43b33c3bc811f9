package dev.panatrace.launcher;

import dev.panatrace.procsys.FilesystemDisguise;
import dev.panatrace.procsys.FilesystemType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code --fake-fs PATH=FSTYPE} and {@code --fake-uname-release VERSION}, shared by {@code run} and the node
 * commands: what a {@link FilesystemDisguise} shows the traced programs.
 */
final class FakeFsOptions {
    private final List<String> fakeFilesystems = new ArrayList<>();
    private String fakeUnameRelease;

    /** Adds both options to a command's syntax. */
    void addTo(CommandSyntax syntax) {
        syntax.option("--fake-fs", "PATH=FSTYPE", "Show the mount at PATH as FSTYPE (ext4, xfs, btrfs, overlay or "
                        + "tmpfs): in the traced programs' /proc/*/mountinfo and /proc/*/mounts (the mount's maj:min is "
                        + "kept, so it still matches stat) and in statfs and fstatfs of files on it (zero sizes become "
                        + "plausible ones). Repeatable.", fakeFilesystems::add)
                .option("--fake-uname-release", "VERSION", "Make uname report VERSION as the kernel release (uname -r).",
                        value -> fakeUnameRelease = value);
    }

    /**
     * A checked disguise, not yet made: making one creates its private directory.
     *
     * @param mounts each mount point and the type it is shown as, in the order given
     * @param release the kernel release uname reports, if faked
     */
    record Disguise(Map<String, FilesystemType> mounts, Optional<String> release) {
        Disguise {
            mounts = Collections.unmodifiableMap(new LinkedHashMap<>(mounts));
        }

        /** Nothing shown differently. */
        static final Disguise NONE = new Disguise(Map.of(), Optional.empty());

        /** This disguise with the mount at {@code mountPoint} shown as {@code type} too (after the others). */
        Disguise with(String mountPoint, FilesystemType type) {
            Map<String, FilesystemType> more = new LinkedHashMap<>(mounts);
            more.put(mountPoint, type);
            return new Disguise(more, release);
        }

        /** Makes the handler; close it to delete its directory. */
        FilesystemDisguise build() throws IOException {
            FilesystemDisguise.Builder builder = FilesystemDisguise.builder();
            mounts.forEach(builder::mount);
            release.ifPresent(builder::release);
            return builder.build();
        }

        /** One line per thing shown differently, e.g. {@code mount / shown as xfs}. */
        List<String> describe() {
            List<String> lines = new ArrayList<>();
            mounts.forEach((mountPoint, type) -> lines.add("mount " + mountPoint + " shown as " + type
                    + " (mount tables, statfs)"));
            release.ifPresent(version -> lines.add("kernel release shown as " + version + " (uname)"));
            return lines;
        }
    }

    /**
     * The disguise these options ask for, checked as {@link FilesystemDisguise.Builder} checks it.
     *
     * @return empty when neither option is given
     * @throws UsageException naming the option, for a value without '=', a relative, unnormalized or
     *     missing PATH, an unsupported FSTYPE or an unprintable VERSION
     */
    Optional<Disguise> disguise() {
        if (fakeFilesystems.isEmpty() && fakeUnameRelease == null) {
            return Optional.empty();
        }
        // The builder's checks are the ones that count; its result is thrown away.
        FilesystemDisguise.Builder check = FilesystemDisguise.builder();
        Map<String, FilesystemType> mounts = new LinkedHashMap<>();
        for (String fake : fakeFilesystems) {
            int split = fake.lastIndexOf('=');
            if (split < 0) {
                throw new UsageException("--fake-fs wants PATH=FSTYPE, got '" + fake + "'");
            }
            String mountPoint = fake.substring(0, split);
            try {
                FilesystemType type = FilesystemType.named(fake.substring(split + 1));
                check.mount(mountPoint, type);
                mounts.put(mountPoint, type);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--fake-fs: " + e.getMessage());
            }
            // Nothing is mounted at a path that does not exist: the option would change nothing, silently.
            if (!Files.exists(Path.of(mountPoint))) {
                throw new UsageException("--fake-fs: " + mountPoint + " does not exist, so no mount there can be "
                        + "shown as " + mounts.get(mountPoint));
            }
        }
        if (fakeUnameRelease != null) {
            try {
                check.release(fakeUnameRelease);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--fake-uname-release: " + e.getMessage());
            }
        }
        return Optional.of(new Disguise(mounts, Optional.ofNullable(fakeUnameRelease)));
    }
}
