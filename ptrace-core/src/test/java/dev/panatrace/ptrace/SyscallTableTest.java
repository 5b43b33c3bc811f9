package dev.panatrace.ptrace;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SyscallTableTest {
    private static final SyscallTable X86_64 = SyscallTable.of(Arch.X86_64);
    private static final SyscallTable AARCH64 = SyscallTable.of(Arch.AARCH64);

    @Test
    void x86_64NumbersMatchTheKernelAbi() {
        assertNumbers(X86_64, Map.ofEntries(
                Map.entry("read", 0), Map.entry("open", 2), Map.entry("stat", 4), Map.entry("fstat", 5),
                Map.entry("clone", 56), Map.entry("fork", 57), Map.entry("vfork", 58), Map.entry("execve", 59),
                Map.entry("exit_group", 231), Map.entry("openat", 257), Map.entry("newfstatat", 262),
                Map.entry("process_vm_readv", 310), Map.entry("seccomp", 317), Map.entry("clone3", 435),
                Map.entry("openat2", 437), Map.entry("faccessat2", 439)));
    }

    @Test
    void aarch64NumbersAreTheGenericTableFor64Bit() {
        assertNumbers(AARCH64, Map.ofEntries(
                Map.entry("openat", 56), Map.entry("getdents64", 61), Map.entry("newfstatat", 79),
                Map.entry("fstat", 80), Map.entry("exit_group", 94), Map.entry("clone", 220),
                Map.entry("execve", 221), Map.entry("mmap", 222), Map.entry("renameat", 38),
                Map.entry("renameat2", 276), Map.entry("openat2", 437), Map.entry("faccessat2", 439),
                // __NR3264_* slots carry their 64-bit names.
                Map.entry("fcntl", 25), Map.entry("statfs", 43), Map.entry("fstatfs", 44),
                Map.entry("truncate", 45), Map.entry("ftruncate", 46), Map.entry("lseek", 62),
                Map.entry("sendfile", 71), Map.entry("fadvise64", 223),
                // Present only through arm64's __ARCH_WANT_* choices.
                Map.entry("getrlimit", 163), Map.entry("setrlimit", 164), Map.entry("clone3", 435),
                Map.entry("memfd_secret", 447),
                // arm64 64-bit does not want SYNC_FILE_RANGE2.
                Map.entry("sync_file_range", 84)));
    }

    @Test
    void aarch64LacksLegacyAnd32BitOnlyCalls() {
        List<String> absent = List.of("open", "stat", "lstat", "fork", "vfork", "access", "pipe", "dup2",
                "poll", "select", "mkdir", "rename", "getdents", "fcntl64", "mmap2", "llseek", "fstatat64",
                "sendfile64", "sync_file_range2", "clock_gettime64", "futex_time64", "arch_specific_syscall",
                "syscalls");
        assertAll(absent.stream().map(name -> (Executable) () ->
                assertEquals(OptionalInt.empty(), AARCH64.number(name), name)));
        // The slots reserved for arch-specific calls and the 32-bit-only time64 calls are holes.
        assertEquals("syscall_244", AARCH64.name(244));
        assertEquals("syscall_403", AARCH64.name(403));
    }

    @Test
    void numbersDifferBetweenArchitectures() {
        assertNotEquals(X86_64.numberOf("openat"), AARCH64.numberOf("openat"));
        assertEquals("read", X86_64.name(0));
        assertEquals("io_setup", AARCH64.name(0));
    }

    @Test
    void unknownNameIsRejectedWithArchAndName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AARCH64.numberOf("open"));
        assertTrue(e.getMessage().contains("AARCH64") && e.getMessage().contains("\"open\""), e.getMessage());
        assertThrows(NullPointerException.class, () -> X86_64.number(null));
        assertThrows(NullPointerException.class, () -> SyscallTable.of(null));
    }

    @Test
    void tablesAreSharedAndKnowTheirArch() {
        for (Arch arch : Arch.values()) {
            assertSame(SyscallTable.of(arch), SyscallTable.of(arch));
            assertEquals(arch, SyscallTable.of(arch).arch());
        }
    }

    @Test
    void maxNumberIsTheLastAssignedNumber() {
        for (Arch arch : Arch.values()) {
            SyscallTable table = SyscallTable.of(arch);
            // set_mempolicy_home_node (450) is the newest call both tables share; newer headers only add.
            assertTrue(table.maxNumber() >= 450, arch + " max " + table.maxNumber());
            assertTrue(table.number(table.name(table.maxNumber())).isPresent());
            assertEquals("syscall_" + (table.maxNumber() + 1), table.name(table.maxNumber() + 1));
        }
    }

    @Test
    void namesAreAllNamedNumbersInAscendingOrder() {
        for (Arch arch : Arch.values()) {
            SyscallTable table = SyscallTable.of(arch);
            List<String> named = new ArrayList<>();
            for (int nr = 0; nr <= table.maxNumber(); nr++) {
                if (table.number(table.name(nr)).isPresent()) {
                    named.add(table.name(nr));
                }
            }
            assertEquals(named, new ArrayList<>(table.names()));
            assertThrows(UnsupportedOperationException.class, () -> table.names().add("open"));
        }
    }

    @Test
    void everyNamedNumberRoundTrips() {
        for (Arch arch : Arch.values()) {
            SyscallTable table = SyscallTable.of(arch);
            for (int nr = -1; nr <= table.maxNumber() + 1; nr++) {
                String name = table.name(nr);
                if (table.names().contains(name)) {
                    assertEquals(nr, table.numberOf(name), arch + " " + name);
                    assertFalse(name.startsWith("syscall_"), name);
                } else {
                    assertEquals("syscall_" + nr, name);
                    assertEquals(OptionalInt.empty(), table.number(name));
                }
            }
        }
    }

    @Test
    void nameOfAnyNumberRoundTripsOrIsTheFallbackForm() {
        qt().forAll(arbitrary().enumValues(Arch.class), integers().all()).checkAssert((arch, nr) -> {
            SyscallTable table = SyscallTable.of(arch);
            String name = table.name(nr);
            OptionalInt back = table.number(name);
            if (back.isPresent()) {
                assertEquals(nr.intValue(), back.getAsInt());
            } else {
                assertEquals("syscall_" + nr, name);
            }
        });
    }

    private static void assertNumbers(SyscallTable table, Map<String, Integer> expected) {
        assertAll(expected.entrySet().stream().map(e -> (Executable) () -> {
            assertEquals(e.getValue(), table.numberOf(e.getKey()), table.arch() + " " + e.getKey());
            assertEquals(e.getKey(), table.name(e.getValue()), table.arch() + " " + e.getValue());
        }));
    }
}
