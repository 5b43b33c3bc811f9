package dev.panatrace.procsys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A {@link SysctlTree} written out as a directory tree that a tracer redirects /proc/sys paths to:
 * one regular file per served key holding its value and a newline, laid out as under /proc/sys.
 *
 * <p>The root directory has mode 0700; directories below it 0755; a key's file 0644, or 0444 if the
 * key is read-only, as in /proc/sys. Keys that only a wildcard serves ({@code net/ipv6/conf/eth0/disable_ipv6})
 * and the directories above them are created when first {@linkplain #resolve(String) resolved} or
 * written. After every successful {@link SysctlTree#write(String, String)} the key's file is replaced
 * under the tree's lock: the new content is written to a file in a private staging directory beside the
 * root and renamed over the old one, so a reader sees the old value or the new one, never a mix. (The
 * price: a descriptor opened before the write keeps reading the old value, where the kernel would show
 * the new one.) A key whose value is the host's is rewritten from the host's current value each time it
 * is resolved. {@link #close()} deletes the whole directory and the staging directory.
 *
 * <pre>{@code
 * try (MaterializedTree files = tree.materialize(Path.of("/run/panatrace/procsys"))) {
 *     String target = files.resolve("/proc/sys/vm/overcommit_memory");  // ".../procsys/vm/overcommit_memory"
 *     files.procPath(target);                                             // "/proc/sys/vm/overcommit_memory"
 * }
 * }</pre>
 */
public final class MaterializedTree implements AutoCloseable {
    private static final Set<PosixFilePermission> ROOT_MODE = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> DIRECTORY_MODE = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Set<PosixFilePermission> READ_WRITE_MODE = PosixFilePermissions.fromString("rw-r--r--");
    private static final Set<PosixFilePermission> READ_ONLY_MODE = PosixFilePermissions.fromString("r--r--r--");

    /** A materialized file (with its key) or directory (key null). */
    private record Target(SysctlKey key, String file, boolean readOnly) {}

    private final SysctlTree tree;
    private final Path root;
    private final String rootPrefix;
    /** Where new contents are written before they are renamed into place; beside the root, never listed. */
    private final Path staging;
    /** Targets by relative path, and the same by absolute /proc/sys path, so resolving never builds a string. */
    private final Map<String, Target> targets = new ConcurrentHashMap<>();
    private final Map<String, Target> targetsAbsolute = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private MaterializedTree(SysctlTree tree, Path root) {
        this.tree = tree;
        this.root = root;
        this.rootPrefix = root + "/";
        this.staging = root.resolveSibling(root.getFileName() + ".staging");
    }

    /** Called by the tree under its lock. */
    static MaterializedTree create(SysctlTree tree, Path directory) throws IOException {
        if (Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
                throw new FileAlreadyExistsException(directory.toString(), null, "not a directory");
            }
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
                if (entries.iterator().hasNext()) {
                    throw new DirectoryNotEmptyException(directory.toString());
                }
            }
        } else {
            Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(ROOT_MODE));
        }
        // Explicitly, as the umask may have narrowed the mode and an existing directory has its own.
        Files.setPosixFilePermissions(directory, ROOT_MODE);
        // The real path is what the kernel reports for a redirected fd (/proc/self/fd/N, getcwd).
        MaterializedTree materialized = new MaterializedTree(tree, directory.toRealPath());
        try {
            Files.createDirectory(materialized.staging, PosixFilePermissions.asFileAttribute(ROOT_MODE));
            materialized.register("", new Target(null, materialized.root.toString(), false));
            materialized.populate("");
        } catch (IOException | RuntimeException e) {
            materialized.deleteAll();
            throw e;
        }
        return materialized;
    }

    /**
     * The root directory, the materialized counterpart of /proc/sys.
     *
     * @return the real path of the directory given to {@link SysctlTree#materialize(Path)}
     */
    public Path root() {
        return root;
    }

    /**
     * Where to redirect a /proc/sys path: the materialized file of a served key, or the materialized
     * directory of a served directory. Allocates nothing for a path resolved before, unless the key's
     * value is the host's, whose file is then refreshed; creates the file or directory on first use
     * of a path only a wildcard serves.
     *
     * @param path a normalized path, relative to /proc/sys or absolute under it
     * @return the absolute path of the file or directory; null if the tree does not serve the path (ask
     *     {@link SysctlTree#lookup(String)} whether to let it through or fail it) or serves the host's
     *     value of a key the host does not have
     * @throws IllegalStateException if closed
     * @throws IllegalArgumentException if an absolute path is not under /proc/sys
     */
    public String resolve(String path) {
        if (closed) {
            throw new IllegalStateException("materialized tree " + root + " is closed");
        }
        Target target = (!path.isEmpty() && path.charAt(0) == '/' ? targetsAbsolute : targets).get(path);
        if (target != null) {
            if (target.key() != null && tree.hostBacked(path)) {
                refresh(target);
            }
            return target.file();
        }
        PathKind kind = tree.lookup(path);
        if (kind != PathKind.KEY && kind != PathKind.DIRECTORY) {
            return null;
        }
        tree.lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("materialized tree " + root + " is closed");
            }
            String relative = path.startsWith(SysctlKey.PROC_SYS_SLASH)
                    ? path.substring(SysctlKey.PROC_SYS_SLASH.length()) : path;
            if (kind == PathKind.DIRECTORY) {
                return directory(relative);
            }
            SysctlKey key = SysctlKey.ofPath(relative);
            directory(parentOf(relative));
            target = targets.get(relative);
            if (target == null) {
                target = createFile(key);
            }
            return target == null ? null : target.file();
        } catch (IOException e) {
            // The process then sees the path as the host has it; better than failing the tracer.
            return null;
        } finally {
            tree.lock.unlock();
        }
    }

    /**
     * The /proc/sys path a materialized file or directory stands for, e.g. for a redirected fd's
     * {@code /proc/self/fd/N} link, which must read as the original path.
     *
     * @param materializedPath an absolute path from {@link #resolve(String)}
     * @return such as {@code /proc/sys/vm/overcommit_memory}; empty if the path is not materialized here
     */
    public Optional<String> procPath(String materializedPath) {
        String relative;
        if (materializedPath.equals(root.toString())) {
            relative = "";
        } else if (materializedPath.startsWith(rootPrefix)) {
            relative = materializedPath.substring(rootPrefix.length());
        } else {
            return Optional.empty();
        }
        if (!targets.containsKey(relative)) {
            return Optional.empty();
        }
        return Optional.of(relative.isEmpty() ? SysctlKey.PROC_SYS : SysctlKey.PROC_SYS_SLASH + relative);
    }

    /**
     * The key a materialized file holds.
     *
     * @param file a file below {@link #root()}
     * @return the key; empty if the path is not a materialized key's file
     */
    public Optional<SysctlKey> keyOf(Path file) {
        Path absolute = file.toAbsolutePath().normalize();
        if (!absolute.startsWith(root) || absolute.equals(root)) {
            return Optional.empty();
        }
        Target target = targets.get(root.relativize(absolute).toString());
        return target == null ? Optional.empty() : Optional.ofNullable(target.key());
    }

    /**
     * Deletes the directory and everything in it and detaches from the tree, which can then be
     * materialized again. Closing twice does nothing.
     *
     * @throws IOException if something cannot be deleted
     */
    @Override
    public void close() throws IOException {
        tree.lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            tree.detach(this);
            deleteAll();
        } finally {
            tree.lock.unlock();
        }
    }

    /**
     * Writes a key's new value to its file, creating it if needed. Called by the tree under its lock
     * before the value is published.
     *
     * @return false if the file could not be written
     */
    boolean store(SysctlKey key, String value) {
        byte[] content = (value + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            directory(parentOf(key.path()));
            Target target = targets.get(key.path());
            if (target == null) {
                create(key, content, tree.modeOf(key) == Mode.READ_ONLY);
            } else {
                rewrite(target, content);
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Creates a directory (and those above it) and the files of the keys served in it, under the lock. */
    private String directory(String relative) throws IOException {
        Target target = targets.get(relative);
        if (target != null) {
            return target.file();
        }
        directory(parentOf(relative));
        // Creating the parent creates the directories it lists, this one among them if it is listed.
        target = targets.get(relative);
        if (target != null) {
            return target.file();
        }
        Path directory = root.resolve(relative);
        Files.createDirectory(directory);
        Files.setPosixFilePermissions(directory, DIRECTORY_MODE);
        register(relative, new Target(null, directory.toString(), false));
        populate(relative);
        return directory.toString();
    }

    /** Creates the children of a directory just created. */
    private void populate(String relative) throws IOException {
        for (SysctlTree.Child child : tree.children(relative)) {
            String path = relative.isEmpty() ? child.name() : relative + "/" + child.name();
            if (child.directory()) {
                directory(path);
            } else if (!targets.containsKey(path)) {
                createFile(SysctlKey.ofPath(path));
            }
        }
    }

    /** Creates a key's file with its current value; null if it has none (the host lacks it). */
    private Target createFile(SysctlKey key) throws IOException {
        String value = tree.currentValue(key);
        if (value == null) {
            return null;
        }
        return create(key, (value + "\n").getBytes(StandardCharsets.UTF_8), tree.modeOf(key) == Mode.READ_ONLY);
    }

    private Target create(SysctlKey key, byte[] content, boolean readOnly) throws IOException {
        Path file = root.resolve(key.path());
        Files.write(file, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        Files.setPosixFilePermissions(file, readOnly ? READ_ONLY_MODE : READ_WRITE_MODE);
        Target target = new Target(key, file.toString(), readOnly);
        register(key.path(), target);
        return target;
    }

    /**
     * Replaces a key's file atomically: written whole in the staging directory, then renamed over it. An
     * in-place write and truncate would let a concurrent reader see a mix of old and new bytes.
     */
    private void rewrite(Target target, byte[] content) throws IOException {
        Path next = staging.resolve("next");
        Files.write(next, content, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        Files.setPosixFilePermissions(next, target.readOnly() ? READ_ONLY_MODE : READ_WRITE_MODE);
        Files.move(next, Path.of(target.file()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Rewrites a host-backed key's file from the host's current value. */
    private void refresh(Target target) {
        tree.lock.lock();
        try {
            String value = closed || !tree.hostBacked(target.key().path()) ? null : tree.currentValue(target.key());
            if (value != null) {
                rewrite(target, (value + "\n").getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // The file keeps the value it had; a stale host value beats failing the traced process.
        } finally {
            tree.lock.unlock();
        }
    }

    private void register(String relative, Target target) {
        targets.put(relative, target);
        if (relative.isEmpty()) {
            targetsAbsolute.put(SysctlKey.PROC_SYS, target);
            targetsAbsolute.put(SysctlKey.PROC_SYS_SLASH, target);
        } else {
            targetsAbsolute.put(SysctlKey.PROC_SYS_SLASH + relative, target);
        }
    }

    private static String parentOf(String relative) {
        int slash = relative.lastIndexOf('/');
        return slash < 0 ? "" : relative.substring(0, slash);
    }

    private void deleteAll() throws IOException {
        for (Path top : List.of(root, staging)) {
            if (!Files.exists(top, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            try (Stream<Path> paths = Files.walk(top)) {
                List<Path> deepestFirst = paths.sorted(Comparator.reverseOrder()).toList();
                for (Path path : deepestFirst) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }
}
