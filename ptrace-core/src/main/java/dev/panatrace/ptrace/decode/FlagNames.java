package dev.panatrace.ptrace.decode;

import java.util.ArrayList;
import java.util.List;

/**
 * Names for the bits of a flags argument and for the values of a constant argument, from the kernel's
 * x86_64 headers, in the order strace prints them. Bits no name covers are shown as one hex number.
 */
final class FlagNames {
    private final List<String> names = new ArrayList<>();
    private final List<Long> values = new ArrayList<>();

    /** A table of {@code name, value} pairs: a name per bit (or group of bits). */
    static FlagNames of(Object... pairs) {
        FlagNames table = new FlagNames();
        for (int i = 0; i < pairs.length; i += 2) {
            table.names.add((String) pairs[i]);
            table.values.add(((Number) pairs[i + 1]).longValue());
        }
        return table;
    }

    /** {@code value}'s bits by name, joined by {@code |}; {@code zero} when no bit is set. */
    String bits(long value, String zero) {
        StringBuilder out = new StringBuilder();
        long left = value;
        for (int i = 0; i < names.size(); i++) {
            long bits = values.get(i);
            if (bits != 0 && (left & bits) == bits) {
                append(out, names.get(i));
                left &= ~bits;
            }
        }
        if (left != 0) {
            append(out, "0x" + Long.toHexString(left));
        }
        return out.isEmpty() ? zero : out.toString();
    }

    /** The name of exactly {@code value}, or null. */
    String name(long value) {
        int index = values.indexOf(value);
        return index < 0 ? null : names.get(index);
    }

    /** The name of exactly {@code value}, or the value in decimal. */
    String nameOrNumber(long value) {
        String name = name(value);
        return name != null ? name : Long.toString(value);
    }

    private static void append(StringBuilder out, String name) {
        if (!out.isEmpty()) {
            out.append('|');
        }
        out.append(name);
    }

    static final FlagNames OPEN = of(
            "O_CREAT", 0100, "O_EXCL", 0200, "O_NOCTTY", 0400, "O_TRUNC", 01000, "O_APPEND", 02000,
            "O_NONBLOCK", 04000, "O_SYNC", 04010000, "O_DSYNC", 010000, "O_ASYNC", 020000, "O_DIRECT", 040000,
            "O_LARGEFILE", 0100000, "O_NOFOLLOW", 0400000, "O_NOATIME", 01000000, "O_CLOEXEC", 02000000,
            "O_PATH", 010000000, "O_TMPFILE", 020200000, "O_DIRECTORY", 0200000);
    static final String[] ACCESS_MODES = {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"};

    static final FlagNames AT = of(
            "AT_SYMLINK_NOFOLLOW", 0x100, "AT_REMOVEDIR", 0x200, "AT_SYMLINK_FOLLOW", 0x400,
            "AT_NO_AUTOMOUNT", 0x800, "AT_EMPTY_PATH", 0x1000, "AT_STATX_FORCE_SYNC", 0x2000,
            "AT_STATX_DONT_SYNC", 0x4000, "AT_RECURSIVE", 0x8000);

    static final FlagNames ACCESS = of("R_OK", 4, "W_OK", 2, "X_OK", 1);

    static final FlagNames PROT = of(
            "PROT_READ", 1, "PROT_WRITE", 2, "PROT_EXEC", 4, "PROT_SEM", 8, "PROT_GROWSDOWN", 0x01000000,
            "PROT_GROWSUP", 0x02000000);

    static final FlagNames MAP = of(
            "MAP_SHARED_VALIDATE", 3, "MAP_SHARED", 1, "MAP_PRIVATE", 2, "MAP_FIXED", 0x10, "MAP_ANONYMOUS", 0x20,
            "MAP_32BIT", 0x40, "MAP_GROWSDOWN", 0x100, "MAP_DENYWRITE", 0x800, "MAP_EXECUTABLE", 0x1000,
            "MAP_LOCKED", 0x2000, "MAP_NORESERVE", 0x4000, "MAP_POPULATE", 0x8000, "MAP_NONBLOCK", 0x10000,
            "MAP_STACK", 0x20000, "MAP_HUGETLB", 0x40000, "MAP_SYNC", 0x80000, "MAP_FIXED_NOREPLACE", 0x100000);

    static final FlagNames CLONE = of(
            "CLONE_VM", 0x100, "CLONE_FS", 0x200, "CLONE_FILES", 0x400, "CLONE_SIGHAND", 0x800,
            "CLONE_PIDFD", 0x1000, "CLONE_PTRACE", 0x2000, "CLONE_VFORK", 0x4000, "CLONE_PARENT", 0x8000,
            "CLONE_THREAD", 0x10000, "CLONE_NEWNS", 0x20000, "CLONE_SYSVSEM", 0x40000, "CLONE_SETTLS", 0x80000,
            "CLONE_PARENT_SETTID", 0x100000, "CLONE_CHILD_CLEARTID", 0x200000, "CLONE_DETACHED", 0x400000,
            "CLONE_UNTRACED", 0x800000, "CLONE_CHILD_SETTID", 0x1000000, "CLONE_NEWCGROUP", 0x2000000,
            "CLONE_NEWUTS", 0x4000000, "CLONE_NEWIPC", 0x8000000, "CLONE_NEWUSER", 0x10000000,
            "CLONE_NEWPID", 0x20000000, "CLONE_NEWNET", 0x40000000, "CLONE_IO", 0x80000000L,
            "CLONE_CLEAR_SIGHAND", 0x100000000L, "CLONE_INTO_CGROUP", 0x200000000L, "CLONE_NEWTIME", 0x80);

    static final FlagNames FCNTL = of(
            "F_DUPFD", 0, "F_GETFD", 1, "F_SETFD", 2, "F_GETFL", 3, "F_SETFL", 4, "F_GETLK", 5, "F_SETLK", 6,
            "F_SETLKW", 7, "F_SETOWN", 8, "F_GETOWN", 9, "F_SETSIG", 10, "F_GETSIG", 11, "F_SETOWN_EX", 15,
            "F_GETOWN_EX", 16, "F_OFD_GETLK", 36, "F_OFD_SETLK", 37, "F_OFD_SETLKW", 38, "F_SETLEASE", 1024,
            "F_GETLEASE", 1025, "F_NOTIFY", 1026, "F_DUPFD_CLOEXEC", 1030, "F_SETPIPE_SZ", 1031,
            "F_GETPIPE_SZ", 1032, "F_ADD_SEALS", 1033, "F_GET_SEALS", 1034);

    static final FlagNames IOCTL = of(
            "TCGETS", 0x5401, "TCSETS", 0x5402, "TCSETSW", 0x5403, "TCSETSF", 0x5404, "TCGETA", 0x5405,
            "TCSBRK", 0x5409, "TCXONC", 0x540a, "TCFLSH", 0x540b, "TIOCEXCL", 0x540c, "TIOCNXCL", 0x540d,
            "TIOCSCTTY", 0x540e, "TIOCGPGRP", 0x540f, "TIOCSPGRP", 0x5410, "TIOCOUTQ", 0x5411, "TIOCSTI", 0x5412,
            "TIOCGWINSZ", 0x5413, "TIOCSWINSZ", 0x5414, "TIOCMGET", 0x5415, "FIONREAD", 0x541b,
            "TIOCLINUX", 0x541c, "TIOCCONS", 0x541d, "FIONBIO", 0x5421, "TIOCNOTTY", 0x5422,
            "TIOCGPTN", 0x80045430L, "TIOCSPTLCK", 0x40045431, "TIOCGPTPEER", 0x5441, "FIONCLEX", 0x5450,
            "FIOCLEX", 0x5451, "FIOASYNC", 0x5452, "TIOCGSID", 0x5429, "FS_IOC_GETFLAGS", 0x80086601L,
            "FS_IOC_SETFLAGS", 0x40086602, "FICLONE", 0x40049409, "BLKGETSIZE64", 0x80081272L,
            "SIOCGIFCONF", 0x8912, "SIOCGIFFLAGS", 0x8913, "SIOCSIFFLAGS", 0x8914, "SIOCGIFADDR", 0x8915,
            "SIOCGIFMTU", 0x8921, "SIOCGIFHWADDR", 0x8927, "SIOCGIFINDEX", 0x8933);

    static final FlagNames SIGPROCMASK_HOW = of("SIG_BLOCK", 0, "SIG_UNBLOCK", 1, "SIG_SETMASK", 2);

    static final FlagNames SA = of(
            "SA_NOCLDSTOP", 1, "SA_NOCLDWAIT", 2, "SA_SIGINFO", 4, "SA_RESTORER", 0x04000000, "SA_ONSTACK", 0x08000000,
            "SA_RESTART", 0x10000000, "SA_NODEFER", 0x40000000, "SA_RESETHAND", 0x80000000L);

    static final FlagNames WAIT = of(
            "WNOHANG", 1, "WUNTRACED", 2, "WEXITED", 4, "WCONTINUED", 8, "WNOWAIT", 0x01000000,
            "__WNOTHREAD", 0x20000000, "__WALL", 0x40000000, "__WCLONE", 0x80000000L);

    static final FlagNames WHENCE = of("SEEK_SET", 0, "SEEK_CUR", 1, "SEEK_END", 2, "SEEK_DATA", 3, "SEEK_HOLE", 4);

    static final FlagNames FD_FLAGS = of("FD_CLOEXEC", 1);

    static final FlagNames MADVISE = of(
            "MADV_NORMAL", 0, "MADV_RANDOM", 1, "MADV_SEQUENTIAL", 2, "MADV_WILLNEED", 3, "MADV_DONTNEED", 4,
            "MADV_FREE", 8, "MADV_REMOVE", 9, "MADV_DONTFORK", 10, "MADV_DOFORK", 11, "MADV_MERGEABLE", 12,
            "MADV_UNMERGEABLE", 13, "MADV_HUGEPAGE", 14, "MADV_NOHUGEPAGE", 15, "MADV_DONTDUMP", 16,
            "MADV_DODUMP", 17, "MADV_WIPEONFORK", 18, "MADV_KEEPONFORK", 19, "MADV_COLD", 20, "MADV_PAGEOUT", 21,
            "MADV_POPULATE_READ", 22, "MADV_POPULATE_WRITE", 23, "MADV_COLLAPSE", 25);

    static final FlagNames SOCKET_FAMILY = of(
            "AF_UNSPEC", 0, "AF_UNIX", 1, "AF_INET", 2, "AF_INET6", 10, "AF_NETLINK", 16, "AF_PACKET", 17);

    static final FlagNames SOCKET_TYPE = of(
            "SOCK_STREAM", 1, "SOCK_DGRAM", 2, "SOCK_RAW", 3, "SOCK_RDM", 4, "SOCK_SEQPACKET", 5, "SOCK_PACKET", 10);

    static final FlagNames SOCKET_TYPE_FLAGS = of("SOCK_CLOEXEC", 02000000, "SOCK_NONBLOCK", 04000);

    static final FlagNames PRCTL = of(
            "PR_SET_PDEATHSIG", 1, "PR_GET_PDEATHSIG", 2, "PR_GET_DUMPABLE", 3, "PR_SET_DUMPABLE", 4,
            "PR_SET_NAME", 15, "PR_GET_NAME", 16, "PR_GET_SECCOMP", 21, "PR_SET_SECCOMP", 22,
            "PR_CAPBSET_READ", 23, "PR_SET_CHILD_SUBREAPER", 36, "PR_GET_CHILD_SUBREAPER", 37,
            "PR_SET_NO_NEW_PRIVS", 38, "PR_GET_NO_NEW_PRIVS", 39, "PR_CAP_AMBIENT", 47);

    static final FlagNames ARCH_PRCTL = of(
            "ARCH_SET_GS", 0x1001, "ARCH_SET_FS", 0x1002, "ARCH_GET_FS", 0x1003, "ARCH_GET_GS", 0x1004,
            "ARCH_GET_CPUID", 0x1011, "ARCH_SET_CPUID", 0x1012);

    static final FlagNames RLIMIT = of(
            "RLIMIT_CPU", 0, "RLIMIT_FSIZE", 1, "RLIMIT_DATA", 2, "RLIMIT_STACK", 3, "RLIMIT_CORE", 4,
            "RLIMIT_RSS", 5, "RLIMIT_NPROC", 6, "RLIMIT_NOFILE", 7, "RLIMIT_MEMLOCK", 8, "RLIMIT_AS", 9,
            "RLIMIT_LOCKS", 10, "RLIMIT_SIGPENDING", 11, "RLIMIT_MSGQUEUE", 12, "RLIMIT_NICE", 13,
            "RLIMIT_RTPRIO", 14, "RLIMIT_RTTIME", 15);

    static final FlagNames CLOCK = of(
            "CLOCK_REALTIME", 0, "CLOCK_MONOTONIC", 1, "CLOCK_PROCESS_CPUTIME_ID", 2, "CLOCK_THREAD_CPUTIME_ID", 3,
            "CLOCK_MONOTONIC_RAW", 4, "CLOCK_REALTIME_COARSE", 5, "CLOCK_MONOTONIC_COARSE", 6, "CLOCK_BOOTTIME", 7);

    static final FlagNames FUTEX = of(
            "FUTEX_WAIT", 0, "FUTEX_WAKE", 1, "FUTEX_FD", 2, "FUTEX_REQUEUE", 3, "FUTEX_CMP_REQUEUE", 4,
            "FUTEX_WAKE_OP", 5, "FUTEX_LOCK_PI", 6, "FUTEX_UNLOCK_PI", 7, "FUTEX_TRYLOCK_PI", 8,
            "FUTEX_WAIT_BITSET", 9, "FUTEX_WAKE_BITSET", 10);

    static final FlagNames GRND = of("GRND_NONBLOCK", 1, "GRND_RANDOM", 2, "GRND_INSECURE", 4);
}
