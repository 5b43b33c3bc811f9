package dev.panatrace.ptrace.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The decoder against lines strace 6.1 printed for the same calls (x86_64, Linux 6.18), with strace's
 * alignment before {@code =} taken out. Memory holds what the tracee's held.
 */
@Timeout(10)
class SyscallDecoderTest {
    private static final long AT_FDCWD = -100;
    private static final long PATH = 0x7ffc00001000L;
    private static final long STRUCT = 0x7ffc00002000L;

    private final SyscallDecoder decoder = new SyscallDecoder(SyscallDecoder.DEFAULT_STRING_LIMIT);

    /** The line for {@code call} entered, then exiting with {@code result}. */
    private static String line(SyscallDecoder decoder, MemoryCall call, long result) {
        DecodedCall entered = decoder.entry(call.entry());
        String exit = decoder.exit(entered, call.exit(result));
        return entered.name() + "(" + entered.entryText() + exit + " = " + decoder.result(entered, result);
    }

    private String line(MemoryCall call, long result) {
        return line(decoder, call, result);
    }

    @Test
    void openFlagsAndModes() {
        assertEquals("openat(AT_FDCWD, \"/dev/null\", O_WRONLY|O_CREAT|O_TRUNC, 0666) = 3",
                line(MemoryCall.of("openat", AT_FDCWD, PATH, 01 | 0100 | 01000, 0666).string(PATH, "/dev/null"), 3));
        assertEquals("openat(AT_FDCWD, \"/etc\", O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY) = 3",
                line(MemoryCall.of("openat", AT_FDCWD, PATH, 04000 | 02000000 | 0200000).string(PATH, "/etc"), 3));
        assertEquals("umask(000) = 022", line(MemoryCall.of("umask", 0), 022));
        assertEquals("chmod(\"/tmp/sx/y/z\", 0600) = 0",
                line(MemoryCall.of("chmod", PATH, 0600).string(PATH, "/tmp/sx/y/z"), 0));
    }

    @Test
    void errorsAsStraceNamesAndDescribesThem() {
        assertEquals("newfstatat(AT_FDCWD, \"/nonexist\", 0x7ffffae19fb8, 0) = -1 ENOENT (No such file or directory)",
                line(MemoryCall.of("newfstatat", AT_FDCWD, PATH, 0x7ffffae19fb8L, 0).string(PATH, "/nonexist"), -2));
        assertEquals("mkdir(\"/tmp/\", 0777) = -1 EEXIST (File exists)",
                line(MemoryCall.of("mkdir", PATH, 0777).string(PATH, "/tmp/"), -17));
        assertEquals("ioctl(0, TIOCGWINSZ, 0x7ffffae1a020) = -1 ENOTTY (Inappropriate ioctl for device)",
                line(MemoryCall.of("ioctl", 0, 0x5413, 0x7ffffae1a020L), -25));
        assertEquals("rt_sigsuspend([], 8) = ? ERESTARTNOHAND (To be restarted if no handler)",
                line(MemoryCall.of("rt_sigsuspend", STRUCT, 8).words(STRUCT, 0), -514));
    }

    @Test
    void memoryCalls() {
        assertEquals("mmap(NULL, 262144, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7effe6c39000",
                line(MemoryCall.of("mmap", 0, 262144, 3, 0x22, -1, 0), 0x7effe6c39000L));
        assertEquals("mmap(0xc000000000, 4194304, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) "
                + "= 0xc000000000", line(MemoryCall.of("mmap", 0xc000000000L, 4194304, 3, 0x32, -1, 0), 0xc000000000L));
        assertEquals("mprotect(0x5db000, 28672, PROT_READ) = 0", line(MemoryCall.of("mprotect", 0x5db000, 28672, 1), 0));
        assertEquals("madvise(0x7effc1a00000, 4194304, MADV_HUGEPAGE) = 0",
                line(MemoryCall.of("madvise", 0x7effc1a00000L, 4194304, 14), 0));
        assertEquals("brk(NULL) = 0x2c37e000", line(MemoryCall.of("brk", 0), 0x2c37e000L));
    }

    @Test
    void cloneShowsItsFlagsAndExitSignal() {
        assertEquals("clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, "
                + "child_tidptr=0x2c37e690) = 3453",
                line(MemoryCall.of("clone", 0x1200000 | 17, 0, 0, 0x2c37e690L, 0), 3453));
        assertEquals("clone(child_stack=0xc000092000, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|"
                + "CLONE_SYSVSEM|CLONE_SETTLS, tls=0xc000080090) = 14223",
                line(MemoryCall.of("clone", 0xd0f00, 0xc000092000L, 0, 0, 0xc000080090L), 14223));
    }

    @Test
    void fcntlCommandsAndTheirResults() {
        assertEquals("fcntl(1, F_DUPFD_CLOEXEC, 10) = 11", line(MemoryCall.of("fcntl", 1, 1030, 10), 11));
        assertEquals("fcntl(2, F_GETFL) = 0x8001 (flags O_WRONLY|O_LARGEFILE)",
                line(MemoryCall.of("fcntl", 2, 3), 0x8001));
    }

    @Test
    void signalsSignalSetsAndActions() {
        assertEquals("kill(13953, 0) = 0", line(MemoryCall.of("kill", 13953, 0), 0));
        assertEquals("tgkill(14219, 14220, SIGURG) = 0", line(MemoryCall.of("tgkill", 14219, 14220, 23), 0));
        long act = STRUCT;
        long allButTwoRealTime = ~(3L << 31);
        assertEquals("rt_sigaction(SIGCHLD, {sa_handler=0x525892, sa_mask=~[RTMIN RT_1], sa_flags=SA_RESTORER, "
                + "sa_restorer=0x416390}, NULL, 8) = 0",
                line(MemoryCall.of("rt_sigaction", 17, act, 0, 8).words(act, 0x525892, 0x04000000, 0x416390,
                        allButTwoRealTime), 0));
        assertEquals("rt_sigaction(SIGINT, NULL, {sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}, 8) = 0",
                line(MemoryCall.of("rt_sigaction", 2, 0, act, 8).words(act, 0, 0, 0, 0), 0));
        assertEquals("rt_sigprocmask(SIG_BLOCK, [INT CHLD], NULL, 8) = 0",
                line(MemoryCall.of("rt_sigprocmask", 0, act, 0, 8).words(act, (1L << 1) | (1L << 16)), 0));
    }

    @Test
    void waitStatuses() {
        long status = STRUCT;
        assertEquals("wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 1}], 0, NULL) = 3453",
                line(MemoryCall.of("wait4", -1, status, 0, 0).memory(status, intBytes(1 << 8)), 3453));
        assertEquals("wait4(-1, 0x7ffffae1a05c, WNOHANG, NULL) = -1 ECHILD (No child processes)",
                line(MemoryCall.of("wait4", -1, 0x7ffffae1a05cL, 1, 0), -10));
        assertEquals("wait4(-1, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}], 0, NULL) = 7",
                line(MemoryCall.of("wait4", -1, status, 0, 0).memory(status, intBytes(9)), 7));
        assertEquals("[{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV && WCOREDUMP(s)}]", SyscallDecoder.waitStatus(0x8b));
        assertEquals("[{WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP}]", SyscallDecoder.waitStatus(0x137f));
    }

    @Test
    void buffersAreCutAtTheStringLimit() {
        byte[] data = "a\tb\u0001c\n\u00ff\u0000\u00017\"q\\z".getBytes(StandardCharsets.ISO_8859_1);
        long buffer = STRUCT;
        assertEquals("read(3, \"a\\tb\\1c\\n\\377\\0\"..., 4096) = 14",
                line(new SyscallDecoder(8), MemoryCall.of("read", 3, buffer, 4096).memory(buffer, data), 14));
        assertEquals("read(3, \"a\\tb\\1c\\n\\377\\0\\0017\\\"q\\\\z\", 4096) = 14",
                line(new SyscallDecoder(100), MemoryCall.of("read", 3, buffer, 4096).memory(buffer, data), 14));
        byte[] message = "ls: /nonexist: No such file or directory\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals("write(2, \"ls: /nonexist: No such file or d\"..., 41) = 41",
                line(MemoryCall.of("write", 2, buffer, 41).memory(buffer, message), 41));
        assertEquals("getrandom(\"\\x36\\xc4\\x98\\x56\\xd3\\xa5\\x4c\\x8e\", 8, GRND_NONBLOCK) = 8",
                line(MemoryCall.of("getrandom", buffer, 8, 1).words(buffer, 0x8e4ca5d35698c436L), 8));
    }

    @Test
    void pathsAreNotCutButArgvStringsAre() {
        long argv = STRUCT;
        long strings = 0x7ffc00003000L;
        long envp = argv + 0x100;
        MemoryCall execve = MemoryCall.of("execve", PATH, argv, envp).string(PATH, "/usr/bin/busybox")
                .words(argv, strings, strings + 0x10, strings + 0x20, strings + 0x30, 0)
                .words(envp, strings, strings, strings, 0)
                .string(strings, "busybox").string(strings + 0x10, "sh").string(strings + 0x20, "-c")
                .string(strings + 0x30, "ls /nonexist; cat /etc/hostname >/dev/null");
        assertEquals("execve(\"/usr/bin/busybox\", [\"busybox\", \"sh\", \"-c\", \"ls /nonexist; cat /etc/hostname \"...],"
                + " 0x7ffc00002100 /* 3 vars */) = 0", line(execve, 0));
        byte[] target = "/usr/bin/busybox".getBytes(StandardCharsets.US_ASCII);
        assertEquals("readlink(\"/proc/self/exe\", \"/usr/bin/busybox\", 4096) = 16",
                line(new SyscallDecoder(4), MemoryCall.of("readlink", PATH, STRUCT, 4096).string(PATH, "/proc/self/exe")
                        .memory(STRUCT, target), 16));
    }

    @Test
    void structuresStraceShowsByField() {
        long limit = STRUCT;
        assertEquals("prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0",
                line(MemoryCall.of("prlimit64", 0, 3, 0, limit).words(limit, 8192 * 1024, -1), 0));
        byte[] stat = new byte[144];
        ByteBuffer fields = ByteBuffer.wrap(stat).order(ByteOrder.LITTLE_ENDIAN);
        fields.putInt(24, 041777).putLong(48, 4096);
        assertEquals("newfstatat(AT_FDCWD, \"/tmp\", {st_mode=S_IFDIR|S_ISVTX|0777, st_size=4096, ...}, 0) = 0",
                line(MemoryCall.of("newfstatat", AT_FDCWD, PATH, STRUCT, 0).string(PATH, "/tmp").memory(STRUCT, stat), 0));
        fields.putInt(24, 020666).putLong(40, 0x103);
        assertEquals("newfstatat(1, \"\", {st_mode=S_IFCHR|0666, st_rdev=makedev(0x1, 0x3), ...}, AT_EMPTY_PATH) = 0",
                line(MemoryCall.of("newfstatat", 1, PATH, STRUCT, 0x1000).string(PATH, "").memory(STRUCT, stat), 0));
        assertEquals("clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=0, tv_nsec=10000000}, 0x7ffd130b0a08) = 0",
                line(MemoryCall.of("clock_nanosleep", 0, 0, STRUCT, 0x7ffd130b0a08L).words(STRUCT, 0, 10000000), 0));
        byte[] dirents = new byte[48];
        ByteBuffer records = ByteBuffer.wrap(dirents).order(ByteOrder.LITTLE_ENDIAN);
        records.putShort(16, (short) 24).putShort(40, (short) 24);
        assertEquals("getdents64(3, 0x7ffc00002000 /* 2 entries */, 32768) = 48",
                line(MemoryCall.of("getdents64", 3, STRUCT, 32768).memory(STRUCT, dirents), 48));
    }

    @Test
    void processSetUp() {
        assertEquals("arch_prctl(ARCH_SET_FS, 0x53ecb0) = 0", line(MemoryCall.of("arch_prctl", 0x1002, 0x53ecb0), 0));
        assertEquals("rseq(0x2c37ece0, 0x20, 0, 0x53053053) = 0",
                line(MemoryCall.of("rseq", 0x2c37ece0L, 0x20, 0, 0x53053053), 0));
        assertEquals("prctl(PR_SET_NAME, \"ls\") = 0", line(MemoryCall.of("prctl", 15, PATH).string(PATH, "ls"), 0));
        assertEquals("prctl(PR_GET_NAME, \"busybox\") = 0",
                line(MemoryCall.of("prctl", 16, PATH).string(PATH, "busybox"), 0));
        assertEquals("getpid() = 3452", line(MemoryCall.of("getpid"), 3452));
    }

    @Test
    void anUnreadablePointerIsShownAsItsAddress() {
        assertEquals("openat(AT_FDCWD, 0x10, O_RDONLY) = -1 EFAULT (Bad address)",
                line(MemoryCall.of("openat", AT_FDCWD, 0x10, 0), -14));
    }

    private static byte[] intBytes(int value) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array();
    }
}
