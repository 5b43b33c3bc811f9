package dev.panatrace.procsys;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * A fresh directory, mode 0700, for files the tracer hands to tracees by path. It is named by its real
 * path, which must be printable ASCII since tracees get paths built from it, and it is deleted by
 * {@link #close()} or, when that never comes, as the JVM exits.
 */
final class PrivateDirectory implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PrivateDirectory.class.getName());

    /** What deletes the directory and everything in it. */
    interface Deletion {
        void delete() throws IOException;
    }

    private final Path path;
    private final Object fileKey;
    private final Thread deleteAtExit;
    private volatile Deletion deletion;

    private PrivateDirectory(Path path) throws IOException {
        this.path = path;
        this.fileKey = Objects.requireNonNull(Files.readAttributes(path, BasicFileAttributes.class).fileKey(),
                "this file system gives no file keys");
        this.deletion = () -> deleteTree(path);
        this.deleteAtExit = Thread.ofPlatform().name("panatrace-delete-" + path.getFileName()).unstarted(() -> {
            try {
                deletion.delete();
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "cannot delete {0} as the JVM exits: {1}", path, e);
            }
        });
        Runtime.getRuntime().addShutdownHook(deleteAtExit);
    }

    /**
     * Creates the directory.
     *
     * @param parent an existing directory whose real path is printable ASCII
     * @param prefix the start of the new directory's name
     * @return the directory
     * @throws IOException if it cannot be created
     * @throws IllegalArgumentException if its real path is not printable ASCII
     */
    static PrivateDirectory create(Path parent, String prefix) throws IOException {
        Path created = Files.createTempDirectory(parent, prefix,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try {
            Path real = created.toRealPath();
            if (!real.toString().matches("[ -~]+")) {
                throw new IllegalArgumentException("the directory's path is not printable ASCII: " + real);
            }
            return new PrivateDirectory(real);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(created);
            throw e;
        }
    }

    /** {@return the directory's real path} */
    Path path() {
        return path;
    }

    /**
     * Hands the deletion to what now owns the directory's contents: a materialized tree deletes its
     * staging directory beside it too.
     *
     * @param owner deletes the directory and what belongs to it
     */
    void deleteWith(Deletion owner) {
        this.deletion = Objects.requireNonNull(owner, "owner");
    }

    /**
     * Whether thread {@code tid} reaches this directory at the tracer's path: not when its root (a
     * container's, a chroot) or its mount namespace hides it.
     */
    boolean isReachableBy(int tid) {
        try {
            // /proc/TID/root resolves in the thread's own root and mount namespace.
            Object key = Files.readAttributes(Path.of("/proc/" + tid + "/root" + path), BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS).fileKey();
            return fileKey.equals(key);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Deletes the directory and what is in it; closing again does nothing more.
     *
     * @throws UncheckedIOException if something cannot be deleted
     */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(deleteAtExit);
        } catch (IllegalStateException e) {
            // The JVM is exiting and the hook deletes it too, which finds nothing left to delete.
        }
        try {
            deletion.delete();
        } catch (IOException e) {
            throw new UncheckedIOException("deleting " + path, e);
        }
    }

    private static void deleteTree(Path directory) throws IOException {
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (NoSuchFileException e) {
            // Deleted before.
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
