package dev.panatrace.ptrace.paths;

import static dev.panatrace.ptrace.paths.PathArgument.at;
import static dev.panatrace.ptrace.paths.PathArgument.nullableAt;
import static dev.panatrace.ptrace.paths.PathArgument.path;

import dev.panatrace.ptrace.Arch;
import dev.panatrace.ptrace.SyscallTable;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;

/**
 * The syscalls that take paths, per architecture, with the layout of their arguments (from their man
 * pages). A name the architecture lacks is not in its table: aarch64 has {@code openat} but no
 * {@code open}, {@code newfstatat} but no {@code stat}.
 *
 * <pre>{@code
 * PathSyscalls.of(Arch.X86_64).get("renameat2")
 *     // paths in argument 1 (relative to the dirfd in argument 0) and argument 3 (dirfd in argument 2)
 * PathSyscalls.of(Arch.AARCH64).get("open")   // empty
 * }</pre>
 *
 * <p>Left out on purpose: {@code mount}, whose source is often not a path ({@code proc}, a device
 * name); {@code chroot} and {@code pivot_root}, after which a single lexical view of the guest no
 * longer holds; and the syscalls that take only file descriptors.
 */
public final class PathSyscalls {
    /** Every layout, by name, for any architecture that has the syscall. */
    private static final Map<String, PathSyscall> LAYOUTS = layouts();

    private static final PathSyscalls X86_64 = new PathSyscalls(SyscallTable.of(Arch.X86_64));
    private static final PathSyscalls AARCH64 = new PathSyscalls(SyscallTable.of(Arch.AARCH64));

    private final Map<String, PathSyscall> byName;

    private PathSyscalls(SyscallTable table) {
        Map<String, PathSyscall> present = new LinkedHashMap<>();
        LAYOUTS.forEach((name, syscall) -> {
            if (table.number(name).isPresent()) {
                present.put(name, syscall);
            }
        });
        this.byName = Map.copyOf(present);
    }

    /**
     * The path-taking syscalls of an architecture.
     *
     * @param arch the tracee's architecture
     * @return the shared table of {@code arch}
     */
    public static PathSyscalls of(Arch arch) {
        return switch (Objects.requireNonNull(arch, "arch")) {
            case X86_64 -> X86_64;
            case AARCH64 -> AARCH64;
        };
    }

    /**
     * The names of the path-taking syscalls of every architecture, for {@link
     * dev.panatrace.ptrace.SyscallSet#of(Collection)}, which ignores names a tracee's architecture lacks.
     *
     * @return the names, sorted
     */
    public static Set<String> allNames() {
        return new TreeSet<>(LAYOUTS.keySet());
    }

    /**
     * The layout of a syscall on this architecture.
     *
     * @param name the kernel's name, as {@link dev.panatrace.ptrace.Syscall#name()} gives it
     * @return its layout, or empty when it takes no path or this architecture lacks it
     */
    public Optional<PathSyscall> get(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** {@return every path-taking syscall of this architecture, in no particular order} */
    public Collection<PathSyscall> syscalls() {
        return byName.values();
    }

    private static Map<String, PathSyscall> layouts() {
        Map<String, PathSyscall> layouts = new LinkedHashMap<>();
        // One path, relative to the working directory.
        for (String name : List.of("open", "creat", "stat", "lstat", "access", "readlink", "chdir", "execve",
                "mkdir", "rmdir", "unlink", "truncate", "statfs", "chmod", "chown", "lchown", "utime", "utimes",
                "mknod", "getxattr", "lgetxattr", "setxattr", "lsetxattr", "listxattr", "llistxattr",
                "removexattr", "lremovexattr")) {
            add(layouts, name, path(0));
        }
        // dirfd first, then the path.
        for (String name : List.of("openat", "newfstatat", "statx", "faccessat", "faccessat2", "readlinkat",
                "execveat", "mkdirat", "unlinkat", "fchmodat", "fchownat", "mknodat", "name_to_handle_at")) {
            add(layouts, name, at(1, 0));
        }
        layouts.put("openat2", new PathSyscall("openat2", List.of(at(1, 0)), OptionalInt.of(2)));
        add(layouts, "utimensat", nullableAt(1, 0));
        add(layouts, "futimesat", nullableAt(1, 0));
        // inotify_add_watch(fd, pathname, mask): fd is the inotify instance, not a directory.
        add(layouts, "inotify_add_watch", path(1));
        add(layouts, "rename", path(0), path(1));
        add(layouts, "link", path(0), path(1));
        add(layouts, "renameat", at(1, 0), at(3, 2));
        add(layouts, "renameat2", at(1, 0), at(3, 2));
        add(layouts, "linkat", at(1, 0), at(3, 2));
        // symlink(target, linkpath): the target is stored as the link's content, not looked up.
        add(layouts, "symlink", path(1));
        add(layouts, "symlinkat", at(2, 1));
        return Map.copyOf(layouts);
    }

    private static void add(Map<String, PathSyscall> layouts, String name, PathArgument... paths) {
        layouts.put(name, new PathSyscall(name, List.of(paths), OptionalInt.empty()));
    }
}
