package dev.panatrace.ptrace;

import dev.panatrace.ptrace.internal.tables.ErrnoNames;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Linux errno numbers: names, descriptions, and the constants the engine uses. The numbers are
 * the same on x86_64 and aarch64; names and descriptions come from tables generated from the
 * kernel's {@code asm-generic/errno-base.h} and {@code errno.h}, whose descriptions are the
 * kernel's own wording (for example {@code EAGAIN} is "Try again").
 *
 * <pre>{@code
 * Errno.name(2);              // "ENOENT"
 * Errno.describe(Errno.EPERM) // "Operation not permitted"
 * Errno.number("EWOULDBLOCK") // OptionalInt[11], an alias of EAGAIN
 * }</pre>
 *
 * <p>A syscall reports an error by returning {@code -errno}; {@link #isRestart} recognises the
 * kernel-internal codes a tracer can also see in the return register.
 */
public final class Errno {
    /** Operation not permitted. */
    public static final int EPERM = 1;
    /** No such file or directory. */
    public static final int ENOENT = 2;
    /** No such process; for a tracer, the tracee is gone or not stopped. */
    public static final int ESRCH = 3;
    /** Interrupted system call. */
    public static final int EINTR = 4;
    /** I/O error. */
    public static final int EIO = 5;
    /** No child processes. */
    public static final int ECHILD = 10;
    /** Try again (also {@code EWOULDBLOCK}). */
    public static final int EAGAIN = 11;
    /** Out of memory. */
    public static final int ENOMEM = 12;
    /** Permission denied. */
    public static final int EACCES = 13;
    /** Bad address. */
    public static final int EFAULT = 14;
    /** Device or resource busy. */
    public static final int EBUSY = 16;
    /** File exists. */
    public static final int EEXIST = 17;
    /** Not a directory. */
    public static final int ENOTDIR = 20;
    /** Is a directory. */
    public static final int EISDIR = 21;
    /** Invalid argument. */
    public static final int EINVAL = 22;
    /** Too many open files in the system. */
    public static final int ENFILE = 23;
    /** Too many open files in the process. */
    public static final int EMFILE = 24;
    /** No space left on device. */
    public static final int ENOSPC = 28;
    /** Illegal seek. */
    public static final int ESPIPE = 29;
    /** Read-only file system. */
    public static final int EROFS = 30;
    /** Result not representable. */
    public static final int ERANGE = 34;
    /** File name too long. */
    public static final int ENAMETOOLONG = 36;
    /** Invalid system call number: the result of a number the kernel does not know, such as -1. */
    public static final int ENOSYS = 38;
    /** Directory not empty. */
    public static final int ENOTEMPTY = 39;
    /** Too many symbolic links encountered. */
    public static final int ELOOP = 40;
    /** No data available (for example, no such extended attribute). */
    public static final int ENODATA = 61;
    /** Operation not supported. */
    public static final int EOPNOTSUPP = 95;
    /** Connection timed out; the engine's answer for an injected syscall that ran too long. */
    public static final int ETIMEDOUT = 110;

    /**
     * Kernel-internal (include/linux/errno.h, never returned to user space): the call was
     * interrupted by a signal and is restarted if the handler was installed with
     * {@code SA_RESTART}, or when no handler runs; otherwise the tracee sees {@code EINTR}.
     */
    public static final int ERESTARTSYS = 512;
    /** Kernel-internal: interrupted by a signal and restarted whatever the signal's disposition. */
    public static final int ERESTARTNOINTR = 513;
    /**
     * Kernel-internal: interrupted by a signal; restarted if no handler runs, otherwise the tracee
     * sees {@code EINTR}.
     */
    public static final int ERESTARTNOHAND = 514;
    /**
     * Kernel-internal: an ioctl handler does not know the command; the kernel turns it into
     * {@code ENOTTY} (or tries another handler) before user space sees it.
     */
    public static final int ENOIOCTLCMD = 515;
    /**
     * Kernel-internal: interrupted by a signal; restarted through {@code restart_syscall} with the
     * time already slept taken into account, or {@code EINTR} if a handler runs.
     */
    public static final int ERESTART_RESTARTBLOCK = 516;

    private static final int FIRST_KERNEL_INTERNAL = ERESTARTSYS;
    private static final String[] KERNEL_INTERNAL_NAMES = {
        "ERESTARTSYS", "ERESTARTNOINTR", "ERESTARTNOHAND", "ENOIOCTLCMD", "ERESTART_RESTARTBLOCK",
    };
    private static final String[] KERNEL_INTERNAL_DESCRIPTIONS = {
        "Interrupted by a signal; restarted if SA_RESTART is set or no handler runs (kernel-internal)",
        "Interrupted by a signal; always restarted (kernel-internal)",
        "Interrupted by a signal; restarted if no handler runs (kernel-internal)",
        "Unknown ioctl command; user space sees ENOTTY (kernel-internal)",
        "Interrupted by a signal; restarted through restart_syscall (kernel-internal)",
    };

    private static final Map<String, Integer> NUMBERS_BY_NAME = numbersByName();

    private Errno() {
    }

    private static Map<String, Integer> numbersByName() {
        Map<String, Integer> numbers = new HashMap<>();
        for (int errno = 0; errno < ErrnoNames.NAMES.size(); errno++) {
            String name = ErrnoNames.NAMES.get(errno);
            if (name != null) {
                numbers.put(name, errno);
            }
        }
        ErrnoNames.ALIASES.forEach((alias, name) -> numbers.put(alias, numbers.get(name)));
        for (int i = 0; i < KERNEL_INTERNAL_NAMES.length; i++) {
            numbers.put(KERNEL_INTERNAL_NAMES[i], FIRST_KERNEL_INTERNAL + i);
        }
        return Map.copyOf(numbers);
    }

    /**
     * The symbolic name of an errno, such as {@code "ENOENT"}; the kernel-internal restart codes
     * are named too. An alias ({@code EWOULDBLOCK}) is never returned, only the name it stands for.
     *
     * @param errno a positive errno, as returned negated by a syscall
     * @return the name, or {@code "E" + errno} for a number without one
     */
    public static String name(int errno) {
        if (errno >= 0 && errno < ErrnoNames.NAMES.size() && ErrnoNames.NAMES.get(errno) != null) {
            return ErrnoNames.NAMES.get(errno);
        }
        if (isKernelInternal(errno)) {
            return KERNEL_INTERNAL_NAMES[errno - FIRST_KERNEL_INTERNAL];
        }
        return "E" + errno;
    }

    /**
     * A one-line description of an errno, such as {@code "Operation not permitted"}.
     *
     * @param errno a positive errno
     * @return the kernel header's description, or {@code "Unknown error " + errno}
     */
    public static String describe(int errno) {
        if (errno >= 0 && errno < ErrnoNames.DESCRIPTIONS.size() && ErrnoNames.DESCRIPTIONS.get(errno) != null) {
            return ErrnoNames.DESCRIPTIONS.get(errno);
        }
        if (isKernelInternal(errno)) {
            return KERNEL_INTERNAL_DESCRIPTIONS[errno - FIRST_KERNEL_INTERNAL];
        }
        return "Unknown error " + errno;
    }

    /**
     * The number of an errno name, aliases and kernel-internal codes included.
     *
     * @param name a name such as {@code "EACCES"} or {@code "EWOULDBLOCK"}
     * @return the number, or empty if no errno has that name; the {@code "E<n>"} fallback form
     *     of {@link #name} is not a name
     */
    public static OptionalInt number(String name) {
        Integer errno = NUMBERS_BY_NAME.get(Objects.requireNonNull(name, "name"));
        return errno == null ? OptionalInt.empty() : OptionalInt.of(errno);
    }

    /**
     * Whether a syscall return value is one of the kernel-internal codes -512..-516
     * ({@link #ERESTARTSYS} to {@link #ERESTART_RESTARTBLOCK}). A tracer sees these at the
     * syscall-exit stop of a call that a signal interrupted; the tracee never does, because the
     * kernel restarts the call or turns the code into {@code EINTR} before the tracee resumes.
     * {@link #ENOIOCTLCMD} sits in the same block and never reaches user space either.
     *
     * @param ret the raw return register value of a syscall
     * @return true for -512 through -516
     */
    public static boolean isRestart(long ret) {
        return ret <= -FIRST_KERNEL_INTERNAL && ret >= -ERESTART_RESTARTBLOCK;
    }

    private static boolean isKernelInternal(int errno) {
        return errno >= FIRST_KERNEL_INTERNAL && errno <= ERESTART_RESTARTBLOCK;
    }
}
