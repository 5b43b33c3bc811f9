package dev.panatrace.procsys;

/**
 * Flags of {@code open} and commands of {@code fcntl}, from {@code <asm-generic/fcntl.h>}: the same on
 * x86_64 and aarch64.
 */
final class Fcntl {
    static final int O_ACCMODE = 03;
    static final int O_RDONLY = 00;
    static final int O_WRONLY = 01;
    static final int O_RDWR = 02;
    static final int O_TRUNC = 01000;
    static final int O_APPEND = 02000;
    static final int O_CLOEXEC = 02000000;
    static final int F_DUPFD = 0;
    static final int F_DUPFD_CLOEXEC = 1030;

    private Fcntl() {}

    /** Whether {@code flags} open for writing (write-only or read-write). */
    static boolean writes(long flags) {
        long access = flags & O_ACCMODE;
        return access == O_WRONLY || access == O_RDWR;
    }

    /** Whether {@code flags} open for reading only. */
    static boolean readsOnly(long flags) {
        return (flags & O_ACCMODE) == O_RDONLY;
    }
}
