package dev.panatrace.ptrace.paths;

import static dev.panatrace.ptrace.paths.PathGenerators.bytes;
import static dev.panatrace.ptrace.paths.PathGenerators.concat;
import static dev.panatrace.ptrace.paths.PathGenerators.show;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panatrace.ptrace.Arch;
import dev.panatrace.ptrace.EntryAction;
import dev.panatrace.ptrace.Errno;
import dev.panatrace.ptrace.SyscallSet;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@link PathRedirector} does with each kind of path argument, one syscall stop at a time. The stops
 * are {@link FakeCall}s; working directories and directory descriptors are those of a real process
 * (a shell that opened them and became {@code sleep}), read through {@code /proc} as for a tracee.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PathRedirectorDecisionsTest {
    private static final int AT_FDCWD = -100;
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int SOME_TID = 4242;

    @TempDir
    Path temp;

    private Path host;
    private BindMap binds;
    private final List<Rewrite> log = new ArrayList<>();
    private PathRedirector redirector;

    @BeforeEach
    void bindTemporaryDirectoryAsProcSys() throws IOException {
        host = Files.createDirectories(temp.resolve("host/kernel")).getParent().toRealPath();
        Files.writeString(host.resolve("kernel/ostype"), "Fake\n");
        binds = BindMap.builder().bind(host, Path.of("/proc/sys")).build();
        redirector = new PathRedirector(binds, log::add);
    }

    @Test
    void wantsExactlyThePathSyscallsAndScratchMemory() {
        assertEquals(SyscallSet.of(PathSyscalls.allNames()).names(), redirector.syscalls().names());
        assertTrue(redirector.usesScratchMemory());
    }

    @Test
    void absolutePathsUnderTheGuestAreRewritten() {
        assertRewritten("/proc/sys/kernel/ostype", host + "/kernel/ostype");
        assertRewritten("/proc/sys", host.toString());
        assertRewritten("/proc/sys/kernel/", host + "/kernel/");
        assertRewritten("//proc/./sys/kernel/../kernel//ostype", host + "/kernel/ostype");
        assertRewritten("/etc/../proc/sys/kernel/ostype", host + "/kernel/ostype");
    }

    @Test
    void absolutePathsOutsideTheGuestAreLeftAsWritten() {
        for (String path : List.of("/proc/sysrq-trigger", "/proc/sys/../../etc/hostname", "/proc", "/etc/hostname",
                "/proc/sys/..", host + "/kernel/ostype")) {
            FakeCall call = openat(AT_FDCWD, bytes(path));
            assertSame(EntryAction.CONTINUE, redirector.onSyscallEntry(call), path);
            assertEquals(Map.of(), call.replaced, path);
        }
    }

    @Test
    void unreadableEmptyAndOverlongPathsAreLeftToTheKernel() {
        FakeCall unmapped = FakeCall.entry(Arch.X86_64, "openat", SOME_TID).arg(0, AT_FDCWD).arg(1, 0x1);
        assertSame(EntryAction.CONTINUE, redirector.onSyscallEntry(unmapped));
        FakeCall empty = openat(AT_FDCWD, new byte[0]);
        assertSame(EntryAction.CONTINUE, redirector.onSyscallEntry(empty));
        byte[] overlong = bytes("/proc/sys/kernel/" + "./".repeat(2040));
        assertEquals(4097, overlong.length);
        FakeCall tooLong = openat(AT_FDCWD, overlong);
        assertSame(EntryAction.CONTINUE, redirector.onSyscallEntry(tooLong));
        FakeCall emptyWithFlag = FakeCall.entry(Arch.X86_64, "newfstatat", SOME_TID)
                .arg(0, 3).pointer(1, new byte[0]).arg(3, AT_EMPTY_PATH);
        assertSame(EntryAction.CONTINUE, redirector.onSyscallEntry(emptyWithFlag));
        for (FakeCall call : List.of(unmapped, empty, tooLong, emptyWithFlag)) {
            assertEquals(Map.of(), call.replaced);
        }
        assertEquals(List.of(), log);
    }

    @Test
    void aMappedPathOfPathMaxBytesFailsWithEnametoolong() {
        // 4095 bytes fit in PATH_MAX; the mapped path is longer, as the host directory is.
        byte[] path = bytes("/proc/sys/" + "y".repeat(4095 - "/proc/sys/".length()));
        assertEquals(4095, path.length);
        FakeCall call = openat(AT_FDCWD, path);
        EntryAction action = redirector.onSyscallEntry(call);
        assertTrue(action.skips());
        assertEquals(-Errno.ENAMETOOLONG, action.returnValue());
        assertEquals(1, log.size());
        assertEquals(-Errno.ENAMETOOLONG, log.getFirst().result());
    }

    @Test
    void bothPathsOfARenameAreMapped() {
        for (Arch arch : Arch.values()) {
            FakeCall call = FakeCall.entry(arch, "renameat2", SOME_TID)
                    .arg(0, AT_FDCWD).pointer(1, bytes("/proc/sys/kernel/a"))
                    .arg(2, AT_FDCWD).pointer(3, bytes("/proc/sys/kernel/b"));
            assertSame(EntryAction.OBSERVE_EXIT, redirector.onSyscallEntry(call));
            assertEquals(2, call.replaced.size(), arch.name());
            assertArrayEquals(bytes(host + "/kernel/a"), call.replaced.get(1));
            assertArrayEquals(bytes(host + "/kernel/b"), call.replaced.get(3));
        }
        FakeCall oneSide = FakeCall.entry(Arch.X86_64, "rename", SOME_TID)
                .pointer(0, bytes("/tmp/a")).pointer(1, bytes("/proc/sys/kernel/b"));
        redirector.onSyscallEntry(oneSide);
        assertEquals(List.of(1), List.copyOf(oneSide.replaced.keySet()));
    }

    @Test
    void aSymlinksTargetIsContentNotAPath() {
        FakeCall call = FakeCall.entry(Arch.AARCH64, "symlinkat", SOME_TID)
                .pointer(0, bytes("/proc/sys/kernel/ostype")).arg(1, AT_FDCWD).pointer(2, bytes("/proc/sys/link"));
        redirector.onSyscallEntry(call);
        assertEquals(List.of(2), List.copyOf(call.replaced.keySet()));
        assertArrayEquals(bytes(host + "/link"), call.replaced.get(2));
    }

    @Test
    void aNullPathOfUtimensatMeansTheDescriptorItself() {
        FakeCall call = FakeCall.entry(Arch.X86_64, "utimensat", SOME_TID).arg(0, 3).arg(1, 0);
        assertSame(EntryAction.CONTINUE, redirector.onSyscallEntry(call));
        assertEquals(Map.of(), call.replaced);
    }

    @Test
    void openat2ConfinedToItsDirectoryIsLeftAlone() {
        long resolveBeneath = 0x08;
        long resolveInRoot = 0x10;
        long resolveNoSymlinks = 0x04;
        for (long resolve : new long[] {resolveBeneath, resolveInRoot, resolveBeneath | resolveNoSymlinks}) {
            FakeCall call = openat2(bytes("/proc/sys/kernel/ostype"), openHow(resolve), 24);
            assertSame(EntryAction.CONTINUE, redirector.onSyscallEntry(call), Long.toHexString(resolve));
        }
        FakeCall tooSmall = openat2(bytes("/proc/sys/kernel/ostype"), openHow(0), 8);
        assertSame(EntryAction.CONTINUE, redirector.onSyscallEntry(tooSmall));
        FakeCall unreadable = FakeCall.entry(Arch.X86_64, "openat2", SOME_TID)
                .arg(0, AT_FDCWD).pointer(1, bytes("/proc/sys/kernel/ostype")).arg(2, 0x10).arg(3, 24);
        assertSame(EntryAction.CONTINUE, redirector.onSyscallEntry(unreadable));

        FakeCall plain = openat2(bytes("/proc/sys/kernel/ostype"), openHow(resolveNoSymlinks), 24);
        assertSame(EntryAction.OBSERVE_EXIT, redirector.onSyscallEntry(plain));
        assertArrayEquals(bytes(host + "/kernel/ostype"), plain.replaced.get(1));
    }

    @Test
    void syscallsWithoutPathsPassThrough() {
        FakeCall read = FakeCall.entry(Arch.X86_64, "read", SOME_TID).arg(0, 3).pointer(1, bytes("/proc/sys/x"));
        assertSame(EntryAction.CONTINUE, redirector.onSyscallEntry(read));
        assertEquals(Map.of(), read.replaced);
    }

    @Test
    void withoutALogRewritesNeedNoExitStop() {
        PathRedirector silent = new PathRedirector(binds);
        FakeCall call = openat(AT_FDCWD, bytes("/proc/sys/kernel/ostype"));
        assertSame(EntryAction.CONTINUE, silent.onSyscallEntry(call));
        assertArrayEquals(bytes(host + "/kernel/ostype"), call.replaced.get(1));
    }

    @Test
    void theLogGetsEachRewriteWithItsResult() {
        FakeCall call = openat(AT_FDCWD, bytes("/proc/sys/kernel/ostype"));
        redirector.onSyscallEntry(call);
        assertEquals(List.of(), log, "nothing is reported before the syscall returns");
        redirector.onSyscallExit(call.exit(SOME_TID, 5));
        assertEquals(List.of(new Rewrite(SOME_TID, "openat", bytes("/proc/sys/kernel/ostype"),
                bytes(host + "/kernel/ostype"), 5)), log);
        redirector.onSyscallExit(call);
        assertEquals(1, log.size(), "each rewrite is reported once");
    }

    @Test
    void aRewrittenExecveByAThreadIsReportedUnderTheLeadersTid() {
        int thread = 501;
        int leader = 500;
        FakeCall execve = FakeCall.entry(Arch.X86_64, "execve", thread).pointer(0, bytes("/proc/sys/prog"));
        assertSame(EntryAction.OBSERVE_EXIT, redirector.onSyscallEntry(execve));
        // The engine hands the thread's values to the leader's tid (TracerTest checks it with a real exec).
        execve.exit(leader, 0);
        redirector.onSyscallExit(execve);
        assertEquals(List.of(new Rewrite(leader, "execve", bytes("/proc/sys/prog"), bytes(host + "/prog"), 0)), log);
    }

    @Test
    void relativePathsFollowTheWorkingDirectoryBackIntoTheGuest() throws Exception {
        try (DirectoryHolder holder = DirectoryHolder.start(host.resolve("kernel"), temp, temp)) {
            int tid = holder.pid();
            assertRewritten(tid, "ostype", host + "/kernel/ostype");
            assertRewritten(tid, "../kernel/ostype", host + "/kernel/ostype");
            assertRewritten(tid, "../../sys/kernel/ostype", host + "/kernel/ostype");
            // From the top of HOST, ".." is GUEST's parent, never HOST's.
            assertRewritten(tid, "../..", "/proc/");
            assertRewritten(tid, "../../../etc/hostname", "/etc/hostname");
            FakeCall stat = FakeCall.entry(Arch.X86_64, "stat", tid).pointer(0, bytes("ostype"));
            redirector.onSyscallEntry(stat);
            assertArrayEquals(bytes(host + "/kernel/ostype"), stat.replaced.get(0));
        }
    }

    @Test
    void relativePathsFromOutsideAreRewrittenOnlyWhenTheyReachTheGuest() throws Exception {
        try (DirectoryHolder holder = DirectoryHolder.start(Path.of("/proc"), temp, temp)) {
            int tid = holder.pid();
            assertRewritten(tid, "sys/kernel/ostype", host + "/kernel/ostype");
            assertRewritten(tid, "./sys", host.toString());
            for (String path : List.of("sysrq-trigger", "sys/../version", "self/status")) {
                FakeCall call = FakeCall.entry(Arch.X86_64, "openat", tid).arg(0, AT_FDCWD).pointer(1, bytes(path));
                assertSame(EntryAction.CONTINUE, redirector.onSyscallEntry(call), path);
            }
        }
    }

    @Test
    void relativePathsFollowTheDirectoryDescriptor() throws Exception {
        Path file = Files.writeString(temp.resolve("plain file"), "x");
        try (DirectoryHolder holder = DirectoryHolder.start(temp, host.resolve("kernel"), file)) {
            int tid = holder.pid();
            assertRewrittenAt(tid, 3, "ostype", host + "/kernel/ostype");
            assertRewrittenAt(tid, 3, "../kernel/ostype", host + "/kernel/ostype");
            assertRewrittenAt(tid, 3, "../..", "/proc/");
            // dirfd is a C int: the upper half of the register is not part of it.
            assertRewrittenAt(tid, 0xdeadbeef_00000003L, "ostype", host + "/kernel/ostype");
            // Not a directory, not open, not a descriptor: the kernel fails these (ENOTDIR, EBADF).
            for (long dirfd : new long[] {4, 99, -5}) {
                FakeCall call = FakeCall.entry(Arch.AARCH64, "openat", tid).arg(0, dirfd).pointer(1, bytes("../.."));
                assertSame(EntryAction.CONTINUE, redirector.onSyscallEntry(call), "dirfd " + dirfd);
            }
            // An absolute path ignores dirfd, even a bad one.
            FakeCall absolute = FakeCall.entry(Arch.AARCH64, "openat", tid).arg(0, 99)
                    .pointer(1, bytes("/proc/sys/kernel/ostype"));
            assertSame(EntryAction.OBSERVE_EXIT, redirector.onSyscallEntry(absolute));
        }
    }

    @Test
    void aNonUtf8WorkingDirectoryKeepsItsBytes() throws Exception {
        byte[] name = {'k', (byte) 0xff, (byte) 0xc3};
        try (DirectoryHolder holder = DirectoryHolder.startIn(host, name, temp, temp)) {
            byte[] expected = concat(FileNameBytes.of(host), concat(bytes("/"), concat(name, bytes("/f"))));
            FakeCall call = FakeCall.entry(Arch.X86_64, "openat", holder.pid()).arg(0, AT_FDCWD).pointer(1, bytes("f"));
            assertSame(EntryAction.OBSERVE_EXIT, redirector.onSyscallEntry(call));
            assertArrayEquals(expected, call.replaced.get(1), show(call.replaced.get(1)));
        }
    }

    private void assertRewritten(String path, String expected) {
        assertRewrittenAt(SOME_TID, AT_FDCWD, path, expected);
    }

    private void assertRewritten(int tid, String path, String expected) {
        assertRewrittenAt(tid, AT_FDCWD, path, expected);
    }

    private void assertRewrittenAt(int tid, long dirfd, String path, String expected) {
        FakeCall call = FakeCall.entry(Arch.X86_64, "openat", tid).arg(0, dirfd).pointer(1, bytes(path));
        assertSame(EntryAction.OBSERVE_EXIT, redirector.onSyscallEntry(call), path);
        assertEquals(expected, new String(call.replaced.get(1), StandardCharsets.ISO_8859_1), path);
    }

    private static FakeCall openat(int dirfd, byte[] path) {
        return FakeCall.entry(Arch.X86_64, "openat", SOME_TID).arg(0, dirfd).pointer(1, path);
    }

    private static FakeCall openat2(byte[] path, byte[] openHow, long size) {
        return FakeCall.entry(Arch.X86_64, "openat2", SOME_TID)
                .arg(0, AT_FDCWD).pointer(1, path).pointer(2, openHow).arg(3, size);
    }

    private static byte[] openHow(long resolve) {
        return ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(0).putLong(0).putLong(resolve).array();
    }

    /**
     * A process whose working directory, fd 3 and fd 4 are given: a shell that opens them and execs
     * {@code sleep}. Its /proc entries stand in for a tracee's.
     */
    private record DirectoryHolder(Process process) implements AutoCloseable {
        static DirectoryHolder start(Path cwd, Path fd3, Path fd4) throws Exception {
            return launch(new ProcessBuilder("/bin/sh", "-c", "exec 3<\"$1\" 4<\"$2\" && exec sleep 60",
                    "sh", fd3.toString(), fd4.toString()).directory(cwd.toFile()));
        }

        /** In {@code parent/name}, a directory it creates: Java cannot name a non-UTF-8 directory itself. */
        static DirectoryHolder startIn(Path parent, byte[] name, Path fd3, Path fd4) throws Exception {
            StringBuilder octal = new StringBuilder();
            for (byte b : name) {
                octal.append(String.format("\\%03o", b & 0xff));
            }
            return launch(new ProcessBuilder("/bin/sh", "-c",
                    "d=$(printf '" + octal + "') && mkdir \"$d\" && cd \"$d\" && exec 3<\"$1\" 4<\"$2\" && exec sleep 60",
                    "sh", fd3.toString(), fd4.toString()).directory(parent.toFile()));
        }

        private static DirectoryHolder launch(ProcessBuilder builder) throws Exception {
            Process process = builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            DirectoryHolder holder = new DirectoryHolder(process);
            Path comm = Path.of("/proc", Long.toString(process.pid()), "comm");
            Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
            while (!Files.readString(comm).strip().equals("sleep")) {
                if (!process.isAlive() || Instant.now().isAfter(deadline)) {
                    holder.close();
                    throw new AssertionError("the holder shell did not reach sleep: " + Arrays.toString(
                            builder.command().toArray()));
                }
                Thread.sleep(5);
            }
            return holder;
        }

        int pid() {
            return Math.toIntExact(process.pid());
        }

        @Override
        public void close() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor();
        }
    }
}
