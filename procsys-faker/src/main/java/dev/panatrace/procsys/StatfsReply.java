package dev.panatrace.procsys;

import dev.panatrace.ptrace.ErrnoException;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.Tracee;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Changes to the {@code struct statfs} a successful {@code statfs} or {@code fstatfs} wrote into a
 * tracee. The struct is the same on x86_64 and aarch64 (little-endian): seven 64-bit words ({@code f_type}
 * first), {@code f_fsid}, then {@code f_namelen}, {@code f_frsize}, {@code f_flags} and spare words.
 */
final class StatfsReply {
    /** procfs's {@code f_type}, from {@code <linux/magic.h>}. */
    static final long PROC_SUPER_MAGIC = 0x9fa0;

    private static final int SIZE = 120;
    private static final int F_BSIZE = 8;
    private static final int F_BLOCKS = 16;
    private static final int F_BFREE = 24;
    private static final int F_BAVAIL = 32;
    private static final int F_FILES = 40;
    private static final int F_FFREE = 48;
    private static final int F_FRSIZE = 72;
    /** Sizes shown for a disguised filesystem whose real counts are zero: 64 GiB of 4 KiB blocks, 4 Mi inodes. */
    private static final long PLAUSIBLE_BLOCK_SIZE = 4096;
    private static final long PLAUSIBLE_BLOCKS = 1L << 24;
    private static final long PLAUSIBLE_FILES = 1L << 22;

    private StatfsReply() {}

    /** Sets {@code f_type} in the struct at {@code buffer}, if the call succeeded. */
    static void setType(Syscall call, long buffer, long magic) {
        if (call.result() == 0) {
            write(call.tracee(), buffer, ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(magic));
        }
    }

    /**
     * Presents the struct at {@code buffer} as {@code type}'s, if the call succeeded: its magic, and
     * plausible non-zero sizes where the real ones are zero (real non-zero ones are kept).
     */
    static void showAs(Syscall call, long buffer, FilesystemType type) {
        if (call.result() != 0) {
            return;
        }
        ByteBuffer statfs;
        try {
            statfs = ByteBuffer.wrap(call.tracee().read(buffer, SIZE)).order(ByteOrder.LITTLE_ENDIAN);
        } catch (ErrnoException e) {
            return; // unmapped meanwhile, as below
        }
        statfs.putLong(0, type.magic());
        if (statfs.getLong(F_BLOCKS) == 0) {
            if (statfs.getLong(F_BSIZE) == 0) {
                statfs.putLong(F_BSIZE, PLAUSIBLE_BLOCK_SIZE);
            }
            if (statfs.getLong(F_FRSIZE) == 0) {
                statfs.putLong(F_FRSIZE, statfs.getLong(F_BSIZE));
            }
            statfs.putLong(F_BLOCKS, PLAUSIBLE_BLOCKS);
            statfs.putLong(F_BFREE, PLAUSIBLE_BLOCKS / 2);
            statfs.putLong(F_BAVAIL, PLAUSIBLE_BLOCKS / 2);
        }
        if (statfs.getLong(F_FILES) == 0) {
            statfs.putLong(F_FILES, PLAUSIBLE_FILES);
            statfs.putLong(F_FFREE, PLAUSIBLE_FILES / 2);
        }
        write(call.tracee(), buffer, statfs);
    }

    private static void write(Tracee tracee, long buffer, ByteBuffer bytes) {
        try {
            tracee.write(buffer, bytes.array());
        } catch (ErrnoException e) {
            // The kernel just filled the buffer, so it was writable; a thread that unmapped it meanwhile
            // keeps the kernel's answer.
        }
    }
}
