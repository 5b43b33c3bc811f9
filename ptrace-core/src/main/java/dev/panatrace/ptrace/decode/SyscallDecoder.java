package dev.panatrace.ptrace.decode;

import dev.panatrace.ptrace.Errno;
import dev.panatrace.ptrace.ErrnoException;
import dev.panatrace.ptrace.Signals;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.Tracee;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.Function;

/**
 * Writes a syscall's arguments and result as strace does: descriptors and numbers in decimal, pointers
 * in hex ({@code NULL} for 0), paths and buffers as {@link QuotedString quoted strings}, flags and
 * constants by name for the common calls (the open family, mmap and mprotect, clone, fcntl, ioctl
 * requests, signals and signal sets, wait statuses), and errors as {@code -1 ENOENT (No such file or
 * directory)}. Arguments the kernel fills in are read at the exit, as strace reads them; the others at the
 * entry, before the call can change them.
 *
 * <p>Structures beyond a few common ones ({@code struct stat}, {@code struct timespec}, sigaction, rlimit)
 * are shown as their address; a syscall without a layout here shows its six argument registers in hex.
 * Layouts are x86_64's.
 *
 * <pre>{@code
 * SyscallDecoder decoder = new SyscallDecoder(32);
 * DecodedCall entered = decoder.entry(call);              // at the entry stop
 * String line = call.name() + "(" + entered.entryText()
 *         + decoder.exit(entered, call) + " = " + decoder.result(entered, call.result());   // at the exit stop
 * }</pre>
 */
public final class SyscallDecoder {
    /** strace's default {@code -s}: how many bytes of a string or buffer are shown. */
    public static final int DEFAULT_STRING_LIMIT = 32;

    private static final int O_CREAT = 0100;
    private static final int O_TMPFILE_BIT = 020000000;
    private static final int F_GETFD = 1;
    private static final int F_SETFD = 2;
    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    private static final int CLONE_PARENT_SETTID = 0x100000;
    private static final int CLONE_PIDFD = 0x1000;
    private static final int CLONE_CHILD_SETTID_OR_CLEARTID = 0x1000000 | 0x200000;
    private static final int CLONE_SETTLS = 0x80000;
    private static final int PR_SET_NAME = 15;
    private static final int PR_GET_NAME = 16;
    private static final int FUTEX_PRIVATE = 128;
    private static final int FUTEX_CLOCK_REALTIME = 256;
    /** Stop reading an argv or envp array after this many pointers: it has no end we could trust. */
    private static final int MAX_ARRAY = 4096;

    /** How each argument is shown. Kinds whose name ends in OUT are read at the exit. */
    enum Kind {
        INT, UINT, ULONG, LONG, HEX, PTR, FD, DIRFD, PATH, STRING, BUF_IN, MODE, OPEN_FLAGS, OPEN_MODE, AT_FLAGS,
        ACCESS_MODE, PROT, MAP_FLAGS, IOCTL_REQUEST, SIGNAL, SIGPROCMASK_HOW, SIGSET, SIGACTION, WAIT_OPTIONS,
        ARGV, ENVP, WHENCE, MADVISE, SOCKET_FAMILY, SOCKET_TYPE, ARCH_PRCTL, RLIMIT_RESOURCE, RLIMIT, CLOCK,
        GRND_FLAGS, TIMESPEC, CLONE_NS_FLAGS,
        BUF_OUT, BUF_HEX_OUT, STRING_OUT, PTR_OUT, SIGSET_OUT, SIGACTION_OUT, WAIT_STATUS_OUT, PIPE_OUT,
        STAT_OUT, DIRENTS_OUT, RLIMIT_OUT, PATH_OUT;

        /** Whether the kernel fills it in: it, and every argument after it, is shown at the exit. */
        boolean atExit() {
            return name().endsWith("_OUT");
        }
    }

    private static final Map<String, Kind[]> LAYOUTS = layouts();
    /** Calls whose result is an address, shown in hex. */
    private static final List<String> ADDRESS_RESULTS = List.of("mmap", "mremap", "brk", "shmat");
    /** glibc's strerror, which strace prints, where it differs from the kernel headers' comment. */
    private static final Map<Integer, String> STRERROR = Map.ofEntries(
            Map.entry(5, "Input/output error"), Map.entry(9, "Bad file descriptor"),
            Map.entry(11, "Resource temporarily unavailable"), Map.entry(12, "Cannot allocate memory"),
            Map.entry(18, "Invalid cross-device link"), Map.entry(23, "Too many open files in system"),
            Map.entry(25, "Inappropriate ioctl for device"), Map.entry(33, "Numerical argument out of domain"),
            Map.entry(34, "Numerical result out of range"), Map.entry(35, "Resource deadlock avoided"),
            Map.entry(38, "Function not implemented"), Map.entry(40, "Too many levels of symbolic links"),
            Map.entry(95, "Operation not supported"), Map.entry(512, "To be restarted if SA_RESTART is set"),
            Map.entry(513, "To be restarted"), Map.entry(514, "To be restarted if no handler"),
            Map.entry(516, "Interrupted by signal"));

    private final int stringLimit;

    /**
     * A decoder that cuts strings and buffers as strace's {@code -s} does.
     *
     * @param stringLimit how many bytes of a string or buffer to show before {@code ...} (strace's {@code -s})
     * @throws IllegalArgumentException if it is negative
     */
    public SyscallDecoder(int stringLimit) {
        if (stringLimit < 0) {
            throw new IllegalArgumentException("string limit must not be negative: " + stringLimit);
        }
        this.stringLimit = stringLimit;
    }

    /**
     * Reads what the entry stop of {@code call} shows.
     *
     * @param call a syscall at its entry stop
     * @return the call's name, arguments and the text of those known now
     */
    public DecodedCall entry(Syscall call) {
        long[] args = new long[6];
        for (int i = 0; i < args.length; i++) {
            args[i] = call.arg(i);
        }
        String name = call.name();
        Tracee tracee = call.tracee();
        String special = switch (name) {
            case "clone" -> cloneEntry(args);
            case "clone3" -> clone3(tracee, args);
            case "fcntl" -> fcntl(args);
            case "prctl" -> prctlEntry(tracee, args);
            case "futex" -> futex(tracee, args);
            default -> null;
        };
        if (special != null) {
            return new DecodedCall(name, args, special.isEmpty() ? List.of() : List.of(special), false);
        }
        Kind[] layout = LAYOUTS.get(name);
        if (layout == null) {
            return new DecodedCall(name, args, List.of(raw(args)), false);
        }
        List<String> shown = new ArrayList<>();
        int i = 0;
        for (; i < layout.length && !layout[i].atExit(); i++) {
            String arg = format(layout[i], i, tracee, args, 0);
            if (arg != null) {
                shown.add(arg);
            }
        }
        return new DecodedCall(name, args, shown, i < layout.length);
    }

    /**
     * The text after the entry's: the arguments the kernel filled in, then the closing parenthesis.
     *
     * @param entered what {@link #entry} returned for this call
     * @param call the same syscall at its exit stop
     * @return for example {@code "\"data\", 4096)"} for a read, {@code ")"} for a close
     */
    public String exit(DecodedCall entered, Syscall call) {
        long[] args = entered.args();
        long result = call.result();
        Tracee tracee = call.tracee();
        switch (entered.name()) {
            case "clone" -> {
                return cloneExit(args);
            }
            case "prctl" -> {
                return prctlExit(tracee, args, result);
            }
            case "clone3", "fcntl", "futex" -> {
                return ")";
            }
            default -> {
                Kind[] layout = LAYOUTS.get(entered.name());
                StringJoiner shown = new StringJoiner(", ", "", ")");
                if (layout != null) {
                    boolean atExit = false;
                    for (int i = 0; i < layout.length; i++) {
                        atExit |= layout[i].atExit();
                        if (atExit) {
                            shown.add(format(layout[i], i, tracee, args, result));
                        }
                    }
                }
                return shown.toString();
            }
        }
    }

    /**
     * The result as strace shows it after {@code " = "}.
     *
     * @param entered what {@link #entry} returned for this call
     * @param result the return value, or -errno
     * @return for example {@code "3"}, {@code "0x7f12a0000000"} or {@code "-1 ENOENT (No such file or directory)"}
     */
    public String result(DecodedCall entered, long result) {
        if (result < 0 && result >= -4095) {
            int errno = (int) -result;
            return (Errno.isRestart(result) ? "? " : "-1 ") + Errno.name(errno) + " (" + describe(errno) + ")";
        }
        String name = entered.name();
        if (ADDRESS_RESULTS.contains(name)) {
            return "0x" + Long.toHexString(result);
        }
        if (name.equals("umask")) {
            return mode(result);
        }
        if (name.equals("fcntl") && result > 0) {
            int cmd = (int) entered.arg(1);
            if (cmd == F_GETFL) {
                return "0x" + Long.toHexString(result) + " (flags " + openFlags(result) + ")";
            }
            if (cmd == F_GETFD) {
                return "0x" + Long.toHexString(result) + " (flags " + FlagNames.FD_FLAGS.bits(result, "0") + ")";
            }
        }
        return Long.toString(result);
    }

    /**
     * {@return the message strace prints for {@code errno}: glibc's strerror, or the kernel's description}
     *
     * @param errno a positive errno
     */
    public static String describe(int errno) {
        String message = STRERROR.get(errno);
        return message != null ? message : Errno.describe(errno);
    }

    private String format(Kind kind, int index, Tracee tracee, long[] args, long result) {
        long value = args[index];
        return switch (kind) {
            case INT, FD -> Integer.toString((int) value);
            case UINT -> Integer.toUnsignedString((int) value);
            case ULONG -> Long.toUnsignedString(value);
            case LONG -> Long.toString(value);
            case HEX -> value == 0 ? "0" : "0x" + Long.toHexString(value);
            case PTR, PTR_OUT -> pointer(value);
            case DIRFD -> (int) value == -100 ? "AT_FDCWD" : Integer.toString((int) value);
            case PATH -> path(tracee, value);
            case STRING -> string(tracee, value);
            case BUF_IN -> buffer(tracee, value, args[index + 1], false);
            case BUF_OUT -> result < 0 ? pointer(value) : buffer(tracee, value, result, false);
            case BUF_HEX_OUT -> result < 0 ? pointer(value) : buffer(tracee, value, result, true);
            case STRING_OUT -> result < 0 ? pointer(value) : pathBytes(tracee, value, (int) result);
            case PATH_OUT -> result < 0 ? pointer(value) : path(tracee, value);
            case MODE -> mode(value);
            case OPEN_FLAGS -> openFlags(value);
            case OPEN_MODE -> (args[index - 1] & (O_CREAT | O_TMPFILE_BIT)) != 0 ? mode(value) : null;
            case AT_FLAGS -> FlagNames.AT.bits((int) value, "0");
            case ACCESS_MODE -> FlagNames.ACCESS.bits((int) value, "F_OK");
            case PROT -> FlagNames.PROT.bits(value, "PROT_NONE");
            case MAP_FLAGS -> FlagNames.MAP.bits(value, "0");
            case IOCTL_REQUEST -> named(FlagNames.IOCTL, value & 0xffffffffL, true);
            case SIGNAL -> value == 0 ? "0" : Signals.name((int) value);
            case SIGPROCMASK_HOW -> FlagNames.SIGPROCMASK_HOW.nameOrNumber(value);
            case SIGSET -> sigset(tracee, value);
            case SIGSET_OUT -> result < 0 ? pointer(value) : sigset(tracee, value);
            case SIGACTION -> sigaction(tracee, value);
            case SIGACTION_OUT -> result < 0 ? pointer(value) : sigaction(tracee, value);
            case WAIT_OPTIONS -> FlagNames.WAIT.bits(value, "0");
            case WAIT_STATUS_OUT -> result <= 0 || value == 0 ? pointer(value) : waitStatus(tracee, value);
            case ARGV -> argv(tracee, value);
            case ENVP -> envp(tracee, value);
            case WHENCE -> FlagNames.WHENCE.nameOrNumber(value);
            case MADVISE -> FlagNames.MADVISE.nameOrNumber(value);
            case SOCKET_FAMILY -> FlagNames.SOCKET_FAMILY.nameOrNumber(value);
            case SOCKET_TYPE -> socketType(value);
            case ARCH_PRCTL -> named(FlagNames.ARCH_PRCTL, value, true);
            case RLIMIT_RESOURCE -> FlagNames.RLIMIT.nameOrNumber(value);
            case RLIMIT -> rlimit(tracee, value);
            case RLIMIT_OUT -> result < 0 ? pointer(value) : rlimit(tracee, value);
            case CLOCK -> FlagNames.CLOCK.nameOrNumber(value);
            case GRND_FLAGS -> FlagNames.GRND.bits(value, "0");
            case TIMESPEC -> timespec(tracee, value);
            case CLONE_NS_FLAGS -> FlagNames.CLONE.bits(value, "0");
            case PIPE_OUT -> result < 0 ? pointer(value) : pipe(tracee, value);
            case STAT_OUT -> result < 0 ? pointer(value) : stat(tracee, value);
            case DIRENTS_OUT -> result < 0 ? pointer(value) : dirents(tracee, value, result);
        };
    }

    /** A path the kernel wrote without a NUL (readlink's), shown whole as strace shows paths. */
    private static String pathBytes(Tracee tracee, long address, int length) {
        try {
            return QuotedString.of(tracee.read(address, length), length, false);
        } catch (ErrnoException e) {
            return pointer(address);
        }
    }

    private static String pointer(long value) {
        return value == 0 ? "NULL" : "0x" + Long.toHexString(value);
    }

    private static String named(FlagNames names, long value, boolean hexWhenUnknown) {
        String name = names.name(value);
        return name != null ? name : hexWhenUnknown ? "0x" + Long.toHexString(value) : Long.toString(value);
    }

    /** C's {@code %#03o}, as strace prints modes: {@code 000}, {@code 022}, {@code 0644}. */
    private static String mode(long value) {
        long bits = value & 07777;
        String octal = bits == 0 ? "0" : "0" + Long.toOctalString(bits);
        return "0".repeat(Math.max(0, 3 - octal.length())) + octal;
    }

    private static String openFlags(long value) {
        int flags = (int) value;
        String mode = FlagNames.ACCESS_MODES[flags & 3];
        String rest = FlagNames.OPEN.bits(flags & ~3, "");
        return rest.isEmpty() ? mode : mode + "|" + rest;
    }

    private static String socketType(long value) {
        int type = (int) value;
        String base = FlagNames.SOCKET_TYPE.nameOrNumber(type & 0xf);
        String flags = FlagNames.SOCKET_TYPE_FLAGS.bits(type & ~0xf, "");
        return flags.isEmpty() ? base : base + "|" + flags;
    }

    private String path(Tracee tracee, long address) {
        if (address == 0) {
            return "NULL";
        }
        try {
            byte[] bytes = tracee.readCString(address, Syscall.PATH_MAX - 1);
            if (bytes != null) {
                return QuotedString.of(bytes, bytes.length, false);
            }
            return QuotedString.of(tracee.read(address, Syscall.PATH_MAX - 1), Syscall.PATH_MAX - 1, true);
        } catch (ErrnoException e) {
            return pointer(address);
        }
    }

    private String string(Tracee tracee, long address) {
        if (address == 0) {
            return "NULL";
        }
        try {
            byte[] bytes = tracee.readCString(address, stringLimit);
            if (bytes != null) {
                return QuotedString.of(bytes, bytes.length, false);
            }
            return QuotedString.of(tracee.read(address, stringLimit), stringLimit, true);
        } catch (ErrnoException e) {
            return pointer(address);
        }
    }

    private String buffer(Tracee tracee, long address, long length, boolean hex) {
        if (address == 0) {
            return "NULL";
        }
        int shown = (int) Math.min(Math.max(length, 0), stringLimit);
        try {
            byte[] bytes = shown == 0 ? new byte[0] : tracee.read(address, shown);
            return hex ? QuotedString.hex(bytes, shown) + (length > shown ? "..." : "")
                    : QuotedString.of(bytes, shown, length > shown);
        } catch (ErrnoException e) {
            return pointer(address);
        }
    }

    private static ByteBuffer read(Tracee tracee, long address, int length) {
        return ByteBuffer.wrap(tracee.read(address, length)).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A sigset as strace shows it: {@code [CHLD INT]}, or {@code ~[...]} for the complement when most are set. */
    static String sigset(long mask) {
        boolean complement = Long.bitCount(mask) > 32;
        long shown = complement ? ~mask : mask;
        StringJoiner names = new StringJoiner(" ", complement ? "~[" : "[", "]");
        for (int signal = 1; signal <= 64; signal++) {
            if ((shown & (1L << (signal - 1))) != 0) {
                names.add(signal < 32 ? Signals.name(signal).substring(3)
                        : signal == 32 ? "RTMIN" : "RT_" + (signal - 32));
            }
        }
        return names.toString();
    }

    private static String sigset(Tracee tracee, long address) {
        return struct(tracee, address, 8, mask -> sigset(mask.getLong()));
    }

    /**
     * A structure in the tracee, shown by {@code show}: {@code NULL} for a null pointer, the address where it
     * cannot be read (the kernel fails such a call with EFAULT).
     */
    private static String struct(Tracee tracee, long address, int size, Function<ByteBuffer, String> show) {
        if (address == 0) {
            return "NULL";
        }
        try {
            return show.apply(read(tracee, address, size));
        } catch (ErrnoException e) {
            return pointer(address);
        }
    }

    private static String sigaction(Tracee tracee, long address) {
        // struct kernel_sigaction on x86_64: handler, flags, restorer, mask.
        return struct(tracee, address, 32, action -> {
            long handler = action.getLong();
            long flags = action.getLong();
            long restorer = action.getLong();
            long mask = action.getLong();
            String handlerText = handler == 0 ? "SIG_DFL" : handler == 1 ? "SIG_IGN" : pointer(handler);
            String text = "{sa_handler=" + handlerText + ", sa_mask=" + sigset(mask) + ", sa_flags="
                    + FlagNames.SA.bits(flags, "0");
            return (flags & 0x04000000) != 0 ? text + ", sa_restorer=" + pointer(restorer) + "}" : text + "}";
        });
    }

    /** A wait status as strace shows it, in the macros that decode it. */
    static String waitStatus(int status) {
        int low = status & 0x7f;
        if (low == 0) {
            return "[{WIFEXITED(s) && WEXITSTATUS(s) == " + ((status >> 8) & 0xff) + "}]";
        }
        if ((status & 0xff) == 0x7f) {
            return "[{WIFSTOPPED(s) && WSTOPSIG(s) == " + Signals.name((status >> 8) & 0xff) + "}]";
        }
        if (status == 0xffff) {
            return "[{WIFCONTINUED(s)}]";
        }
        return "[{WIFSIGNALED(s) && WTERMSIG(s) == " + Signals.name(low) + ((status & 0x80) != 0 ? " && WCOREDUMP(s)" : "")
                + "}]";
    }

    private static String waitStatus(Tracee tracee, long address) {
        return struct(tracee, address, 4, status -> waitStatus(status.getInt()));
    }

    private List<Long> pointers(Tracee tracee, long address, int most) {
        List<Long> pointers = new ArrayList<>();
        for (int i = 0; i < most; i++) {
            long pointer = read(tracee, address + 8L * i, 8).getLong();
            if (pointer == 0) {
                break;
            }
            pointers.add(pointer);
        }
        return pointers;
    }

    private String argv(Tracee tracee, long address) {
        if (address == 0) {
            return "NULL";
        }
        try {
            List<Long> strings = pointers(tracee, address, MAX_ARRAY);
            StringJoiner shown = new StringJoiner(", ", "[", strings.size() > stringLimit ? ", ...]" : "]");
            for (long pointer : strings.subList(0, Math.min(strings.size(), stringLimit))) {
                shown.add(string(tracee, pointer));
            }
            return shown.toString();
        } catch (ErrnoException e) {
            return pointer(address);
        }
    }

    private String envp(Tracee tracee, long address) {
        if (address == 0) {
            return "NULL";
        }
        try {
            return pointer(address) + " /* " + pointers(tracee, address, MAX_ARRAY).size() + " vars */";
        } catch (ErrnoException e) {
            return pointer(address);
        }
    }

    private static String rlimitValue(long value) {
        if (value == -1) {
            return "RLIM64_INFINITY";
        }
        return value > 0 && value % 1024 == 0 ? (value / 1024) + "*1024" : Long.toUnsignedString(value);
    }

    private static String rlimit(Tracee tracee, long address) {
        return struct(tracee, address, 16, limit -> "{rlim_cur=" + rlimitValue(limit.getLong()) + ", rlim_max="
                + rlimitValue(limit.getLong()) + "}");
    }

    private static String timespec(Tracee tracee, long address) {
        return struct(tracee, address, 16, time -> "{tv_sec=" + time.getLong() + ", tv_nsec=" + time.getLong() + "}");
    }

    private static String pipe(Tracee tracee, long address) {
        return struct(tracee, address, 8, fds -> "[" + fds.getInt() + ", " + fds.getInt() + "]");
    }

    private static final String[] FILE_TYPES = {
        null, "S_IFIFO", "S_IFCHR", null, "S_IFDIR", null, "S_IFBLK", null, "S_IFREG", null, "S_IFLNK", null, "S_IFSOCK",
    };

    private static String stat(Tracee tracee, long address) {
        // struct stat on x86_64: st_mode at 24, st_rdev at 40, st_size at 48.
        return struct(tracee, address, 56, stat -> {
            int mode = stat.getInt(24);
            int type = (mode >> 12) & 0xf;
            StringBuilder text = new StringBuilder("{st_mode=");
            if (FILE_TYPES.length > type && FILE_TYPES[type] != null) {
                text.append(FILE_TYPES[type]).append('|');
            }
            text.append((mode & 04000) != 0 ? "S_ISUID|" : "").append((mode & 02000) != 0 ? "S_ISGID|" : "")
                    .append((mode & 01000) != 0 ? "S_ISVTX|" : "").append(mode(mode & 0777));
            if (type == 2 || type == 6) {
                long rdev = stat.getLong(40);
                long major = ((rdev >>> 32) & 0xfffff000L) | ((rdev >>> 8) & 0xfff);
                long minor = ((rdev >>> 12) & 0xffffff00L) | (rdev & 0xff);
                text.append(", st_rdev=makedev(0x").append(Long.toHexString(major)).append(", 0x")
                        .append(Long.toHexString(minor)).append(')');
            } else {
                text.append(", st_size=").append(stat.getLong(48));
            }
            return text.append(", ...}").toString();
        });
    }

    private static String dirents(Tracee tracee, long address, long length) {
        int entries = 0;
        try {
            ByteBuffer buffer = read(tracee, address, (int) length);
            // struct linux_dirent64: d_ino, d_off (8 bytes each), then d_reclen (2 bytes).
            for (int offset = 0; offset + 18 <= length; entries++) {
                int recordLength = Short.toUnsignedInt(buffer.getShort(offset + 16));
                if (recordLength == 0) {
                    break;
                }
                offset += recordLength;
            }
        } catch (ErrnoException e) {
            return pointer(address);
        }
        return pointer(address) + " /* " + entries + " entries */";
    }

    private static String raw(long[] args) {
        StringJoiner shown = new StringJoiner(", ");
        for (long arg : args) {
            shown.add(arg == 0 ? "0" : "0x" + Long.toHexString(arg));
        }
        return shown.toString();
    }

    private static String cloneFlags(long flags) {
        String named = FlagNames.CLONE.bits(flags & ~0xffL, "");
        int signal = (int) (flags & 0xff);
        if (signal == 0) {
            return named.isEmpty() ? "0" : named;
        }
        return named.isEmpty() ? Signals.name(signal) : named + "|" + Signals.name(signal);
    }

    /** x86_64's clone(flags, stack, parent_tid, child_tid, tls), shown in strace's order. */
    private static String cloneEntry(long[] args) {
        return "child_stack=" + pointer(args[1]) + ", flags=" + cloneFlags(args[0]);
    }

    private static String cloneExit(long[] args) {
        StringBuilder text = new StringBuilder();
        long flags = args[0];
        if ((flags & (CLONE_PARENT_SETTID | CLONE_PIDFD)) != 0) {
            text.append(", parent_tid=").append(pointer(args[2]));
        }
        if ((flags & CLONE_CHILD_SETTID_OR_CLEARTID) != 0) {
            text.append(", child_tidptr=").append(pointer(args[3]));
        }
        if ((flags & CLONE_SETTLS) != 0) {
            text.append(", tls=").append(pointer(args[4]));
        }
        return text.append(')').toString();
    }

    private static String clone3(Tracee tracee, long[] args) {
        try {
            // struct clone_args: flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls.
            ByteBuffer clone = read(tracee, args[0], 64);
            long flags = clone.getLong(0);
            long exitSignal = clone.getLong(32);
            return "{flags=" + FlagNames.CLONE.bits(flags, "0") + ", exit_signal="
                    + (exitSignal == 0 ? "0" : Signals.name((int) exitSignal)) + ", stack=" + pointer(clone.getLong(40))
                    + ", stack_size=0x" + Long.toHexString(clone.getLong(48)) + ", tls=" + pointer(clone.getLong(56))
                    + "}, " + args[1];
        } catch (ErrnoException e) {
            return pointer(args[0]) + ", " + args[1];
        }
    }

    private static String fcntl(long[] args) {
        int cmd = (int) args[1];
        String text = args[0] + ", " + FlagNames.FCNTL.nameOrNumber(cmd);
        return switch (cmd) {
            case F_GETFD, F_GETFL, 9, 11, 1025, 1032, 1034 -> text;
            case F_SETFD -> text + ", " + FlagNames.FD_FLAGS.bits(args[2], "0");
            case F_SETFL -> text + ", " + openFlags(args[2]);
            case 5, 6, 7, 15, 16, 36, 37, 38 -> text + ", " + pointer(args[2]);
            default -> text + ", " + (int) args[2];
        };
    }

    private String prctlEntry(Tracee tracee, long[] args) {
        int option = (int) args[0];
        String name = FlagNames.PRCTL.nameOrNumber(option);
        return switch (option) {
            case PR_SET_NAME -> name + ", " + string(tracee, args[1]);
            case PR_GET_NAME -> name;
            default -> name + ", " + args[1] + ", " + args[2] + ", " + args[3] + ", " + args[4];
        };
    }

    private String prctlExit(Tracee tracee, long[] args, long result) {
        if ((int) args[0] == PR_GET_NAME) {
            return ", " + (result < 0 ? pointer(args[1]) : string(tracee, args[1])) + ")";
        }
        return ")";
    }

    private static String futex(Tracee tracee, long[] args) {
        int op = (int) args[1];
        String name = FlagNames.FUTEX.nameOrNumber(op & 0x7f);
        String shownOp = ((op & FUTEX_CLOCK_REALTIME) != 0 ? "FUTEX_CLOCK_REALTIME|" : "") + name
                + ((op & FUTEX_PRIVATE) != 0 ? "_PRIVATE" : "");
        String text = pointer(args[0]) + ", " + shownOp + ", " + (int) args[2];
        return switch (op & 0x7f) {
            case 0 -> text + ", " + timespec(tracee, args[3]);
            case 9 -> text + ", " + timespec(tracee, args[3]) + ", " + pointer(args[4]) + ", "
                    + ((int) args[5] == -1 ? "FUTEX_BITSET_MATCH_ANY" : "0x" + Integer.toHexString((int) args[5]));
            default -> text;
        };
    }

    private static void put(Map<String, Kind[]> layouts, String names, Kind... kinds) {
        for (String name : names.split(" ")) {
            layouts.put(name, kinds);
        }
    }

    private static Map<String, Kind[]> layouts() {
        Map<String, Kind[]> l = new HashMap<>();
        put(l, "read", Kind.FD, Kind.BUF_OUT, Kind.ULONG);
        put(l, "pread64", Kind.FD, Kind.BUF_OUT, Kind.ULONG, Kind.LONG);
        put(l, "write", Kind.FD, Kind.BUF_IN, Kind.ULONG);
        put(l, "pwrite64", Kind.FD, Kind.BUF_IN, Kind.ULONG, Kind.LONG);
        put(l, "readv writev preadv pwritev", Kind.FD, Kind.PTR, Kind.INT);
        put(l, "open", Kind.PATH, Kind.OPEN_FLAGS, Kind.OPEN_MODE);
        put(l, "openat", Kind.DIRFD, Kind.PATH, Kind.OPEN_FLAGS, Kind.OPEN_MODE);
        put(l, "openat2", Kind.DIRFD, Kind.PATH, Kind.PTR, Kind.ULONG);
        put(l, "creat", Kind.PATH, Kind.MODE);
        put(l, "close fsync fdatasync fchdir dup syncfs", Kind.FD);
        put(l, "dup2", Kind.FD, Kind.FD);
        put(l, "dup3", Kind.FD, Kind.FD, Kind.OPEN_FLAGS);
        put(l, "pipe", Kind.PIPE_OUT);
        put(l, "pipe2", Kind.PIPE_OUT, Kind.OPEN_FLAGS);
        put(l, "lseek", Kind.FD, Kind.LONG, Kind.WHENCE);
        put(l, "stat lstat", Kind.PATH, Kind.STAT_OUT);
        put(l, "fstat", Kind.FD, Kind.STAT_OUT);
        put(l, "newfstatat", Kind.DIRFD, Kind.PATH, Kind.STAT_OUT, Kind.AT_FLAGS);
        put(l, "statx", Kind.DIRFD, Kind.PATH, Kind.AT_FLAGS, Kind.HEX, Kind.PTR_OUT);
        put(l, "statfs", Kind.PATH, Kind.PTR_OUT);
        put(l, "fstatfs", Kind.FD, Kind.PTR_OUT);
        put(l, "access", Kind.PATH, Kind.ACCESS_MODE);
        put(l, "faccessat", Kind.DIRFD, Kind.PATH, Kind.ACCESS_MODE);
        put(l, "faccessat2", Kind.DIRFD, Kind.PATH, Kind.ACCESS_MODE, Kind.AT_FLAGS);
        put(l, "chdir chroot rmdir unlink uselib acct swapoff", Kind.PATH);
        put(l, "mkdir chmod", Kind.PATH, Kind.MODE);
        put(l, "mkdirat", Kind.DIRFD, Kind.PATH, Kind.MODE);
        put(l, "fchmodat", Kind.DIRFD, Kind.PATH, Kind.MODE);
        put(l, "fchmod", Kind.FD, Kind.MODE);
        put(l, "umask", Kind.MODE);
        put(l, "unlinkat", Kind.DIRFD, Kind.PATH, Kind.AT_FLAGS);
        put(l, "rename link symlink pivot_root", Kind.PATH, Kind.PATH);
        put(l, "renameat", Kind.DIRFD, Kind.PATH, Kind.DIRFD, Kind.PATH);
        put(l, "renameat2", Kind.DIRFD, Kind.PATH, Kind.DIRFD, Kind.PATH, Kind.HEX);
        put(l, "linkat", Kind.DIRFD, Kind.PATH, Kind.DIRFD, Kind.PATH, Kind.AT_FLAGS);
        put(l, "symlinkat", Kind.PATH, Kind.DIRFD, Kind.PATH);
        put(l, "readlink", Kind.PATH, Kind.STRING_OUT, Kind.ULONG);
        put(l, "readlinkat", Kind.DIRFD, Kind.PATH, Kind.STRING_OUT, Kind.ULONG);
        put(l, "getcwd", Kind.PATH_OUT, Kind.ULONG);
        put(l, "chown lchown", Kind.PATH, Kind.INT, Kind.INT);
        put(l, "fchown", Kind.FD, Kind.INT, Kind.INT);
        put(l, "fchownat", Kind.DIRFD, Kind.PATH, Kind.INT, Kind.INT, Kind.AT_FLAGS);
        put(l, "truncate", Kind.PATH, Kind.LONG);
        put(l, "ftruncate", Kind.FD, Kind.LONG);
        put(l, "utimensat", Kind.DIRFD, Kind.PATH, Kind.PTR, Kind.AT_FLAGS);
        put(l, "mknod", Kind.PATH, Kind.HEX, Kind.HEX);
        put(l, "mknodat", Kind.DIRFD, Kind.PATH, Kind.HEX, Kind.HEX);
        put(l, "getdents64 getdents", Kind.FD, Kind.DIRENTS_OUT, Kind.UINT);
        put(l, "execve", Kind.PATH, Kind.ARGV, Kind.ENVP);
        put(l, "execveat", Kind.DIRFD, Kind.PATH, Kind.ARGV, Kind.ENVP, Kind.AT_FLAGS);
        put(l, "exit exit_group", Kind.INT);
        put(l, "wait4", Kind.INT, Kind.WAIT_STATUS_OUT, Kind.WAIT_OPTIONS, Kind.PTR);
        put(l, "waitid", Kind.INT, Kind.INT, Kind.PTR_OUT, Kind.WAIT_OPTIONS, Kind.PTR);
        put(l, "kill", Kind.INT, Kind.SIGNAL);
        put(l, "tkill", Kind.INT, Kind.SIGNAL);
        put(l, "tgkill", Kind.INT, Kind.INT, Kind.SIGNAL);
        put(l, "rt_sigaction", Kind.SIGNAL, Kind.SIGACTION, Kind.SIGACTION_OUT, Kind.ULONG);
        put(l, "rt_sigprocmask", Kind.SIGPROCMASK_HOW, Kind.SIGSET, Kind.SIGSET_OUT, Kind.ULONG);
        put(l, "rt_sigsuspend", Kind.SIGSET, Kind.ULONG);
        put(l, "sigaltstack", Kind.PTR, Kind.PTR_OUT);
        put(l, "pidfd_open", Kind.INT, Kind.HEX);
        put(l, "pidfd_send_signal", Kind.FD, Kind.SIGNAL, Kind.PTR, Kind.HEX);
        put(l, "mmap", Kind.PTR, Kind.ULONG, Kind.PROT, Kind.MAP_FLAGS, Kind.FD, Kind.HEX);
        put(l, "munmap", Kind.PTR, Kind.ULONG);
        put(l, "mprotect pkey_mprotect", Kind.PTR, Kind.ULONG, Kind.PROT);
        put(l, "madvise", Kind.PTR, Kind.ULONG, Kind.MADVISE);
        put(l, "mremap", Kind.PTR, Kind.ULONG, Kind.ULONG, Kind.HEX, Kind.PTR);
        put(l, "brk set_tid_address", Kind.PTR);
        put(l, "set_robust_list", Kind.PTR, Kind.ULONG);
        put(l, "rseq", Kind.PTR, Kind.HEX, Kind.INT, Kind.HEX);
        put(l, "arch_prctl", Kind.ARCH_PRCTL, Kind.PTR);
        put(l, "ioctl", Kind.FD, Kind.IOCTL_REQUEST, Kind.PTR);
        put(l, "getrandom", Kind.BUF_HEX_OUT, Kind.ULONG, Kind.GRND_FLAGS);
        put(l, "prlimit64", Kind.INT, Kind.RLIMIT_RESOURCE, Kind.RLIMIT, Kind.RLIMIT_OUT);
        put(l, "getrlimit", Kind.RLIMIT_RESOURCE, Kind.RLIMIT_OUT);
        put(l, "setrlimit", Kind.RLIMIT_RESOURCE, Kind.RLIMIT);
        put(l, "getpid getppid gettid getuid geteuid getgid getegid getpgrp setsid sched_yield fork vfork pause "
                + "sync rt_sigreturn inotify_init munlockall vhangup", new Kind[0]);
        put(l, "setuid setgid getpgid getsid", Kind.INT);
        put(l, "setpgid setreuid setregid", Kind.INT, Kind.INT);
        put(l, "nanosleep", Kind.TIMESPEC, Kind.PTR_OUT);
        put(l, "clock_nanosleep", Kind.CLOCK, Kind.HEX, Kind.TIMESPEC, Kind.PTR_OUT);
        put(l, "clock_gettime clock_getres", Kind.CLOCK, Kind.PTR_OUT);
        put(l, "gettimeofday", Kind.PTR_OUT, Kind.PTR);
        put(l, "uname sysinfo times", Kind.PTR_OUT);
        put(l, "getrusage", Kind.INT, Kind.PTR_OUT);
        put(l, "sendfile", Kind.FD, Kind.FD, Kind.PTR, Kind.ULONG);
        put(l, "socket", Kind.SOCKET_FAMILY, Kind.SOCKET_TYPE, Kind.INT);
        put(l, "socketpair", Kind.SOCKET_FAMILY, Kind.SOCKET_TYPE, Kind.INT, Kind.PIPE_OUT);
        put(l, "connect bind", Kind.FD, Kind.PTR, Kind.UINT);
        put(l, "listen shutdown", Kind.FD, Kind.INT);
        put(l, "accept", Kind.FD, Kind.PTR_OUT, Kind.PTR_OUT);
        put(l, "accept4", Kind.FD, Kind.PTR_OUT, Kind.PTR, Kind.HEX);
        put(l, "getsockname getpeername", Kind.FD, Kind.PTR_OUT, Kind.PTR_OUT);
        put(l, "sendto", Kind.FD, Kind.BUF_IN, Kind.ULONG, Kind.HEX, Kind.PTR, Kind.UINT);
        put(l, "recvfrom", Kind.FD, Kind.BUF_OUT, Kind.ULONG, Kind.HEX, Kind.PTR, Kind.PTR);
        put(l, "sendmsg", Kind.FD, Kind.PTR, Kind.HEX);
        put(l, "recvmsg", Kind.FD, Kind.PTR_OUT, Kind.HEX);
        put(l, "setsockopt", Kind.FD, Kind.INT, Kind.INT, Kind.PTR, Kind.UINT);
        put(l, "getsockopt", Kind.FD, Kind.INT, Kind.INT, Kind.PTR_OUT, Kind.PTR_OUT);
        put(l, "poll", Kind.PTR, Kind.UINT, Kind.INT);
        put(l, "ppoll", Kind.PTR, Kind.UINT, Kind.TIMESPEC, Kind.SIGSET, Kind.ULONG);
        put(l, "epoll_create1 inotify_init1", Kind.OPEN_FLAGS);
        put(l, "epoll_ctl", Kind.FD, Kind.INT, Kind.FD, Kind.PTR);
        put(l, "epoll_wait", Kind.FD, Kind.PTR_OUT, Kind.INT, Kind.INT);
        put(l, "epoll_pwait", Kind.FD, Kind.PTR_OUT, Kind.INT, Kind.INT, Kind.PTR, Kind.ULONG);
        put(l, "eventfd2", Kind.UINT, Kind.OPEN_FLAGS);
        put(l, "inotify_add_watch", Kind.FD, Kind.PATH, Kind.HEX);
        put(l, "memfd_create", Kind.STRING, Kind.HEX);
        put(l, "sched_getaffinity", Kind.INT, Kind.UINT, Kind.PTR_OUT);
        put(l, "sched_setaffinity", Kind.INT, Kind.UINT, Kind.PTR);
        put(l, "unshare", Kind.CLONE_NS_FLAGS);
        put(l, "setns", Kind.FD, Kind.CLONE_NS_FLAGS);
        put(l, "mount", Kind.PATH, Kind.PATH, Kind.STRING, Kind.HEX, Kind.PTR);
        put(l, "umount2", Kind.PATH, Kind.HEX);
        put(l, "getxattr lgetxattr", Kind.PATH, Kind.STRING, Kind.PTR_OUT, Kind.ULONG);
        put(l, "setxattr lsetxattr", Kind.PATH, Kind.STRING, Kind.PTR, Kind.ULONG, Kind.HEX);
        put(l, "listxattr llistxattr", Kind.PATH, Kind.PTR_OUT, Kind.ULONG);
        put(l, "removexattr lremovexattr", Kind.PATH, Kind.STRING);
        put(l, "seccomp", Kind.UINT, Kind.HEX, Kind.PTR);
        return Map.copyOf(l);
    }
}
