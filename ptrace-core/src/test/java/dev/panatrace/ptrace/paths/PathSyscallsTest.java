package dev.panatrace.ptrace.paths;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panatrace.ptrace.Arch;
import dev.panatrace.ptrace.SyscallTable;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PathSyscallsTest {
    private static final List<String> REQUIRED = List.of("open", "openat", "openat2", "creat", "stat", "lstat",
            "newfstatat", "statx", "access", "faccessat", "faccessat2", "readlink", "readlinkat", "chdir", "execve",
            "execveat", "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat", "rename", "renameat", "renameat2", "link",
            "linkat", "symlink", "symlinkat", "truncate", "statfs", "chmod", "fchmodat", "chown", "lchown",
            "fchownat", "utimensat", "mknod", "mknodat", "inotify_add_watch", "getxattr", "lgetxattr", "setxattr",
            "lsetxattr", "listxattr", "llistxattr", "removexattr", "lremovexattr");

    @Test
    void everyArchitectureHasExactlyItsOwnPathSyscalls() {
        for (Arch arch : Arch.values()) {
            SyscallTable table = SyscallTable.of(arch);
            Set<String> expected = REQUIRED.stream().filter(name -> table.number(name).isPresent())
                    .collect(Collectors.toCollection(TreeSet::new));
            Set<String> actual = PathSyscalls.of(arch).syscalls().stream().map(PathSyscall::name)
                    .collect(Collectors.toCollection(TreeSet::new));
            assertTrue(actual.containsAll(expected), arch + " lacks " + difference(expected, actual));
            for (String name : actual) {
                assertTrue(table.number(name).isPresent(), arch + " has no " + name);
            }
        }
        assertTrue(PathSyscalls.of(Arch.X86_64).syscalls().stream().map(PathSyscall::name).toList()
                .containsAll(REQUIRED), "x86_64 has every syscall of the list");
    }

    @Test
    void aarch64HasOnlyTheAtForms() {
        PathSyscalls aarch64 = PathSyscalls.of(Arch.AARCH64);
        for (String legacy : List.of("open", "stat", "lstat", "access", "mkdir", "rename", "link", "symlink",
                "unlink", "rmdir", "readlink", "chmod", "chown", "creat")) {
            assertFalse(aarch64.get(legacy).isPresent(), legacy);
        }
        for (String at : List.of("openat", "newfstatat", "faccessat", "mkdirat", "renameat", "renameat2", "linkat",
                "symlinkat", "unlinkat", "readlinkat", "fchmodat", "fchownat", "execve", "chdir", "truncate")) {
            assertTrue(aarch64.get(at).isPresent(), at);
        }
        assertEquals(PathSyscalls.of(Arch.X86_64).get("renameat2"), aarch64.get("renameat2"));
    }

    @Test
    void argumentLayoutsFollowTheManPages() {
        PathSyscalls x86 = PathSyscalls.of(Arch.X86_64);
        assertEquals(List.of(PathArgument.path(0)), layout(x86, "open"));
        assertEquals(List.of(PathArgument.at(1, 0)), layout(x86, "openat"));
        assertEquals(List.of(PathArgument.path(0), PathArgument.path(1)), layout(x86, "rename"));
        assertEquals(List.of(PathArgument.at(1, 0), PathArgument.at(3, 2)), layout(x86, "renameat2"));
        assertEquals(List.of(PathArgument.at(1, 0), PathArgument.at(3, 2)), layout(x86, "linkat"));
        // The target of a symlink is its content; only the link's own path is looked up.
        assertEquals(List.of(PathArgument.path(1)), layout(x86, "symlink"));
        assertEquals(List.of(PathArgument.at(2, 1)), layout(x86, "symlinkat"));
        assertEquals(List.of(new PathArgument(1, OptionalInt.of(0), true)), layout(x86, "utimensat"));
        assertEquals(List.of(PathArgument.path(1)), layout(x86, "inotify_add_watch"));
        assertEquals(OptionalInt.of(2), x86.get("openat2").orElseThrow().openHow());
        assertEquals(OptionalInt.empty(), x86.get("openat").orElseThrow().openHow());
        assertFalse(x86.get("read").isPresent());
        assertFalse(x86.get("fstat").isPresent(), "fstat takes no path");
    }

    @Test
    void allNamesIsTheUnionOfTheArchitectures() {
        Set<String> union = new TreeSet<>();
        for (Arch arch : Arch.values()) {
            PathSyscalls.of(arch).syscalls().forEach(syscall -> union.add(syscall.name()));
        }
        assertEquals(union, PathSyscalls.allNames());
    }

    @Test
    void argumentIndexesAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new PathArgument(6, OptionalInt.empty(), false));
        assertThrows(IllegalArgumentException.class, () -> new PathArgument(1, OptionalInt.of(1), false));
        assertThrows(IllegalArgumentException.class, () -> new PathArgument(1, OptionalInt.of(-1), false));
        assertThrows(IllegalArgumentException.class, () -> new PathSyscall("x", List.of(), OptionalInt.empty()));
    }

    private static List<PathArgument> layout(PathSyscalls table, String name) {
        return table.get(name).orElseThrow().paths();
    }

    private static Set<String> difference(Set<String> a, Set<String> b) {
        Set<String> missing = new TreeSet<>(a);
        missing.removeAll(b);
        return missing;
    }
}
