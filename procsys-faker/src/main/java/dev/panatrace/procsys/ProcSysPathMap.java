package dev.panatrace.procsys;

import dev.panatrace.ptrace.Errno;
import dev.panatrace.ptrace.paths.PathMap;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;

/**
 * The {@link PathMap} a {@link ProcSysServer} hands to its path redirector: paths under /proc/sys go to
 * the materialized tree or fail, other paths go to the optional binds.
 *
 * <p>It also remembers, for the server, how it classified the last /proc/sys path of the syscall being
 * handled, and takes that syscall's name and access so that it can fail a path as the kernel would for
 * that syscall (a write-open of a read-only key, a change to the tree's structure). Used on the tracer
 * thread only: {@link #begin} before each syscall is handed to the redirector.
 */
final class ProcSysPathMap implements PathMap {
    private static final byte[] PROC_SYS = SysctlKey.PROC_SYS.getBytes(StandardCharsets.US_ASCII);

    /**
     * Syscalls that would change the tree's structure or a file's attributes: /proc/sys has no such
     * operations (EPERM from the VFS, or from proc_sys_setattr for mode and owner), while root could
     * do them to the materialized files.
     */
    private static final Set<String> STRUCTURE_CHANGES = Set.of("unlink", "unlinkat", "rmdir", "rename",
            "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat", "mkdir", "mkdirat", "mknod",
            "mknodat", "chmod", "fchmodat", "chown", "lchown", "fchownat");
    /** /proc/sys supports no extended attributes. */
    private static final Set<String> XATTR_CHANGES = Set.of("setxattr", "lsetxattr", "removexattr",
            "lremovexattr");

    /** What a /proc/sys path was found to be. */
    record Resolution(PathKind kind, String procPath, String target) {
        /** Whether the path is served from the materialized tree. */
        boolean materialized() {
            return target != null;
        }
    }

    private final SysctlTree tree;
    private final MaterializedTree files;
    private final String root;
    private final String rootSlash;
    private final PathMap binds;

    private String syscall = "";
    private boolean writeOpen;
    private byte[] lastGuest;
    private Resolution last;

    ProcSysPathMap(SysctlTree tree, MaterializedTree files, PathMap binds) {
        this.tree = tree;
        this.files = files;
        this.root = files.root().toString();
        this.rootSlash = root + "/";
        this.binds = binds;
    }

    /** Starts a syscall: forgets the last resolution and notes what the syscall does. */
    void begin(String syscallName, boolean opensForWriting) {
        this.syscall = syscallName;
        this.writeOpen = opensForWriting;
        this.lastGuest = null;
        this.last = null;
    }

    /** The last /proc/sys path of the current syscall, or null if it named none. */
    Resolution last() {
        return last;
    }

    @Override
    public Optional<byte[]> toHost(byte[] guestPath) {
        if (!within(PROC_SYS, guestPath)) {
            return binds == null ? Optional.empty() : binds.toHost(guestPath);
        }
        Resolution resolution = resolve(guestPath);
        if (!resolution.materialized()) {
            return Optional.empty();
        }
        boolean trailingSlash = guestPath.length > PROC_SYS.length + 1 && guestPath[guestPath.length - 1] == '/';
        String target = trailingSlash ? resolution.target() + "/" : resolution.target();
        return Optional.of(target.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public Optional<byte[]> toGuest(byte[] hostPath) {
        String path = new String(hostPath, StandardCharsets.ISO_8859_1);
        if (path.equals(root)) {
            return Optional.of(PROC_SYS.clone());
        }
        if (path.startsWith(rootSlash)) {
            return Optional.of((SysctlKey.PROC_SYS_SLASH + path.substring(rootSlash.length()))
                    .getBytes(StandardCharsets.ISO_8859_1));
        }
        return binds == null ? Optional.empty() : binds.toGuest(hostPath);
    }

    @Override
    public int failure(byte[] guestPath) {
        if (!within(PROC_SYS, guestPath)) {
            return binds == null ? 0 : binds.failure(guestPath);
        }
        if (syscall.equals("openat2")) {
            // Callers (Go's os, opencontainers/cgroups) fall back to openat, which is served.
            return Errno.ENOSYS;
        }
        if (STRUCTURE_CHANGES.contains(syscall)) {
            // Whether or not the name exists: /proc/sys directories have none of these operations.
            return Errno.EPERM;
        }
        Resolution resolution = resolve(guestPath);
        if (resolution.kind() == PathKind.NOT_FOUND) {
            return Errno.ENOENT;
        }
        if (resolution.kind() == PathKind.HOST && syscall.equals("creat")) {
            // creat opens for writing with no flags to change: the host's file must not be opened so.
            return Errno.EACCES;
        }
        if (!resolution.materialized()) {
            return 0;
        }
        if (XATTR_CHANGES.contains(syscall)) {
            return Errno.EOPNOTSUPP;
        }
        if (writeOpen && resolution.kind() == PathKind.KEY
                && tree.modeOf(SysctlKey.ofPath(resolution.procPath())) == Mode.READ_ONLY) {
            // The materialized file is 0444, which does not stop root; procfs does.
            return Errno.EACCES;
        }
        return 0;
    }

    /** Classifies a normalized path under /proc/sys, once per syscall argument. */
    private Resolution resolve(byte[] guestPath) {
        if (guestPath == lastGuest) {
            return last;
        }
        lastGuest = guestPath;
        last = classify(guestPath);
        return last;
    }

    private Resolution classify(byte[] guestPath) {
        int length = guestPath.length;
        if (length > PROC_SYS.length + 1 && guestPath[length - 1] == '/') {
            length--;
        }
        for (int i = 0; i < length; i++) {
            if (guestPath[i] < 0x20 || guestPath[i] > 0x7e) {
                // No key has such a name; a wildcard could match it, but its file could not be named in ASCII.
                return new Resolution(unserved(), null, null);
            }
        }
        String path = new String(guestPath, 0, length, StandardCharsets.US_ASCII);
        PathKind kind = tree.lookup(path);
        String target = kind == PathKind.KEY || kind == PathKind.DIRECTORY ? files.resolve(path) : null;
        if (target == null && kind == PathKind.KEY) {
            // A key showing the host's value that the host lacks: as absent as any other.
            kind = unserved();
        }
        return new Resolution(kind, path, target);
    }

    private PathKind unserved() {
        return tree.missing() == Missing.PASSTHROUGH ? PathKind.HOST : PathKind.NOT_FOUND;
    }

    /** Whether {@code path} is {@code prefix} or lies in it, comparing whole components. */
    static boolean within(byte[] prefix, byte[] path) {
        return path.length >= prefix.length
                && Arrays.equals(path, 0, prefix.length, prefix, 0, prefix.length)
                && (path.length == prefix.length || path[prefix.length] == '/');
    }
}
