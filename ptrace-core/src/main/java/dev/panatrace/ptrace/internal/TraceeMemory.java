package dev.panatrace.ptrace.internal;

import dev.panatrace.ptrace.Errno;
import dev.panatrace.ptrace.ErrnoException;
import dev.panatrace.ptrace.MemoryAccess;
import dev.panatrace.ptrace.internal.ffm.LibC;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads and writes the memory of stopped tracees, by the first {@link MemoryAccess} the kernel accepts:
 * which one is learnt from the kernel's answers (never from a version), separately for reads and writes,
 * and kept for the rest of the trace. An unmapped address is EFAULT whichever way is used. One instance
 * per tracer thread: it owns its native buffers and the /proc/PID/mem descriptors.
 *
 * <p>Every method takes both the stopped thread ({@code tid}: ptrace's PEEK/POKE act on a thread) and its
 * process ({@code pid}: process_vm_* wanted the thread-group id in gVisor before 2024-01, and one
 * /proc/PID/mem descriptor serves all threads of an address space).
 */
public final class TraceeMemory {
    static final int PAGE = 4096;
    private static final int WORD = 8;
    private static final int FIRST_STRING_CHUNK = 256;
    private static final int O_RDWR = 2;
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;

    private final Arena arena;
    private final MemorySegment localIov;
    private final MemorySegment remoteIov;
    private final MemorySegment word;
    private final MemorySegment procPath;
    private MemorySegment buffer;
    /** The chunk {@link #readCString} scans, copied out of {@link #buffer}. */
    private final byte[] chunkBytes = new byte[PAGE];
    private volatile MemoryAccess reads;
    private volatile MemoryAccess writes;
    /** Open /proc/PID/mem descriptors by pid; negative: opened read-only, the descriptor is -fd - 1. */
    private final Map<Integer, Integer> memFiles = new HashMap<>();

    /** @param first the first way to try, for reads and writes (tests force each way with it) */
    public TraceeMemory(Arena arena, MemoryAccess first) {
        this.arena = arena;
        this.localIov = arena.allocate(16, 8);
        this.remoteIov = arena.allocate(16, 8);
        this.word = arena.allocate(WORD, WORD);
        this.procPath = arena.allocate(32);
        this.buffer = arena.allocate(2 * PAGE, 16);
        this.reads = first;
        this.writes = first;
    }

    /** {@return the way reads take now} */
    public MemoryAccess reads() {
        return reads;
    }

    /** {@return the way writes take now} */
    public MemoryAccess writes() {
        return writes;
    }

    /** Reads exactly {@code length} bytes or throws EFAULT. */
    public byte[] read(int tid, int pid, long address, int length) {
        byte[] out = new byte[length];
        int done = 0;
        while (done < length) {
            // Page by page: a transfer that crosses into an unmapped page fails as a whole.
            int chunk = (int) Math.min(length - done, PAGE - ((address + done) & (PAGE - 1)));
            int n = readChunk(tid, pid, address + done, chunk);
            if (n <= 0) {
                throw new ErrnoException(Errno.EFAULT, "read tracee memory at 0x" + Long.toHexString(address + done), tid);
            }
            MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, out, done, n);
            done += n;
        }
        return out;
    }

    /** A NUL-terminated string of at most {@code max} bytes, or null when longer; EFAULT when unmapped. */
    public byte[] readCString(int tid, int pid, long address, int max) {
        // The bytes of the chunks read so far, once there is more than one; most paths fit in the first.
        byte[] before = null;
        int len = 0;
        while (len <= max) {
            long at = address + len;
            // Most paths are short: read a little first, then up to the end of each page.
            int want = len == 0 ? FIRST_STRING_CHUNK : PAGE;
            int chunk = (int) Math.min(Math.min(max + 1 - len, want), PAGE - (at & (PAGE - 1)));
            int n = readChunk(tid, pid, at, chunk);
            if (n <= 0) {
                throw new ErrnoException(Errno.EFAULT, "read string at 0x" + Long.toHexString(at), tid);
            }
            // One bulk copy and a scan of a Java array: a byte-by-byte read of the native buffer costs a
            // call per byte until the JIT has compiled it, and a path is read at most stops.
            MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, chunkBytes, 0, n);
            int nul = 0;
            while (nul < n && chunkBytes[nul] != 0) {
                nul++;
            }
            if (nul < n && before == null) {
                return Arrays.copyOf(chunkBytes, nul);
            }
            int capacity = Math.max(len + n, Math.min(max + 1, 2 * (len + n)));
            if (before == null) {
                before = Arrays.copyOf(chunkBytes, capacity);
            } else {
                if (before.length < len + n) {
                    before = Arrays.copyOf(before, capacity);
                }
                System.arraycopy(chunkBytes, 0, before, len, n);
            }
            if (nul < n) {
                return Arrays.copyOf(before, len + nul);
            }
            len += n;
        }
        return null;
    }

    /** Writes all of {@code bytes} or throws EFAULT. */
    public void write(int tid, int pid, long address, byte[] bytes) {
        int done = 0;
        while (done < bytes.length) {
            int chunk = (int) Math.min(bytes.length - done, PAGE - ((address + done) & (PAGE - 1)));
            ensureBuffer(chunk);
            MemorySegment.copy(bytes, done, buffer, ValueLayout.JAVA_BYTE, 0, chunk);
            if (!writeChunk(tid, pid, address + done, chunk)) {
                throw new ErrnoException(Errno.EFAULT, "write tracee memory at 0x" + Long.toHexString(address + done), tid);
            }
            done += chunk;
        }
    }

    /**
     * Drops what is known of {@code pid}'s address space: call it when the process execs (a /proc/PID/mem
     * descriptor opened before an exec reads the old memory, or nothing) and when it ends.
     */
    public void forget(int pid) {
        Integer fd = memFiles.remove(pid);
        if (fd != null) {
            LibC.close(fd < 0 ? -fd - 1 : fd);
        }
    }

    /** Closes every descriptor this instance opened. */
    public void close() {
        for (int pid : memFiles.keySet().toArray(Integer[]::new)) {
            forget(pid);
        }
    }

    // ---- reads -----------------------------------------------------------------------------------

    /** Reads up to {@code length} bytes (within one page) into {@link #buffer}; the count, or -1 when unmapped. */
    private int readChunk(int tid, int pid, long address, int length) {
        ensureBuffer(length);
        while (true) {
            long n = switch (reads) {
                case PROCESS_VM -> transferProcessVm(false, pid, address, length);
                case PROC_MEM -> transferProcMem(false, tid, pid, address, length);
                case PEEK_POKE -> peek(tid, address, length);
            };
            if (n != FALL_BACK) {
                return (int) n;
            }
            reads = next(reads);
        }
    }

    /** What a way returns when the kernel refused it and the next way should be tried. */
    private static final long FALL_BACK = Long.MIN_VALUE;

    private long peek(int tid, long address, int length) {
        long first = address & -WORD;
        int done = 0;
        for (long at = first; at < address + length; at += WORD) {
            if (LibC.ptrace(Ptrace.PEEKDATA, tid, at, word.address()) == -1) {
                int errno = LibC.errno();
                if (errno == Errno.EIO || errno == Errno.EFAULT) {
                    return done > 0 ? done : -1;
                }
                throw Ptrace.failure(errno, Ptrace.name(Ptrace.PEEKDATA) + " at 0x" + Long.toHexString(at), tid);
            }
            // The part of this word that lies in [address, address + length).
            int from = (int) Math.max(0, address - at);
            int to = (int) Math.min(WORD, address + length - at);
            MemorySegment.copy(word, from, buffer, done, to - from);
            done += to - from;
        }
        return done;
    }

    // ---- writes ----------------------------------------------------------------------------------

    /** Writes the first {@code length} bytes of {@link #buffer} (within one page); false when unmapped. */
    private boolean writeChunk(int tid, int pid, long address, int length) {
        while (true) {
            long n = switch (writes) {
                case PROCESS_VM -> transferProcessVm(true, pid, address, length);
                case PROC_MEM -> transferProcMem(true, tid, pid, address, length);
                case PEEK_POKE -> poke(tid, address, length);
            };
            if (n != FALL_BACK) {
                return n == length;
            }
            writes = next(writes);
        }
    }

    private long poke(int tid, long address, int length) {
        long first = address & -WORD;
        for (long at = first; at < address + length; at += WORD) {
            int from = (int) Math.max(0, address - at);
            int to = (int) Math.min(WORD, address + length - at);
            if (from != 0 || to != WORD) {
                // A partial word: keep the bytes around ours.
                if (LibC.ptrace(Ptrace.PEEKDATA, tid, at, word.address()) == -1) {
                    return pokeFailure(tid, at);
                }
            }
            MemorySegment.copy(buffer, at + from - address, word, from, to - from);
            if (LibC.ptrace(Ptrace.POKEDATA, tid, at, word.get(ValueLayout.JAVA_LONG, 0)) == -1) {
                return pokeFailure(tid, at);
            }
        }
        return length;
    }

    private static long pokeFailure(int tid, long at) {
        int errno = LibC.errno();
        if (errno == Errno.EIO || errno == Errno.EFAULT) {
            return -1;
        }
        throw Ptrace.failure(errno, Ptrace.name(Ptrace.POKEDATA) + " at 0x" + Long.toHexString(at), tid);
    }

    // ---- process_vm_readv/writev -----------------------------------------------------------------

    /** One process_vm_readv or process_vm_writev of {@link #buffer}; the count, -1 when unmapped, or FALL_BACK. */
    private long transferProcessVm(boolean write, int pid, long address, int length) {
        setIov(localIov, buffer.address(), length);
        setIov(remoteIov, address, length);
        long n = write ? LibC.processVmWritev(pid, localIov, 1, remoteIov, 1)
                : LibC.processVmReadv(pid, localIov, 1, remoteIov, 1);
        if (n > 0) {
            return n;
        }
        if (n == 0) {
            return FALL_BACK; // nothing moved although the length was not 0: not a way that works here
        }
        int errno = LibC.errno();
        if (errno == Errno.EFAULT) {
            return -1;
        }
        if (errno == Errno.ESRCH) {
            throw Ptrace.failure(errno, write ? "process_vm_writev" : "process_vm_readv", pid);
        }
        return FALL_BACK; // ENOSYS (gVisor before 2023-10), EPERM (a seccomp policy), ...
    }

    // ---- /proc/PID/mem ---------------------------------------------------------------------------

    /**
     * One pread or pwrite of /proc/PID/mem. A transfer of 0 bytes is no answer (gVisor since 2025-08 gives
     * it on a descriptor opened before an exec): the file is opened again once, then the next way is taken.
     */
    private long transferProcMem(boolean write, int tid, int pid, long address, int length) {
        for (int attempt = 0; attempt < 2; attempt++) {
            int fd = memFile(tid, pid, write);
            if (fd == -1) {
                return FALL_BACK;
            }
            long n = write ? LibC.pwrite(fd, buffer, length, address) : LibC.pread(fd, buffer, length, address);
            if (n > 0) {
                return n;
            }
            if (n == -1) {
                int errno = LibC.errno();
                // The kernel says EIO for an unmapped address; EFAULT has been seen too.
                if (errno == Errno.EIO || errno == Errno.EFAULT) {
                    return -1;
                }
                return FALL_BACK; // EINVAL: gVisor's read-only file before 2025-06; EACCES, EPERM
            }
            forget(pid);
        }
        return FALL_BACK;
    }

    /** The open /proc/PID/mem descriptor, opened on first use; -1 when it cannot serve this transfer. */
    private int memFile(int tid, int pid, boolean write) {
        Integer known = memFiles.get(pid);
        if (known == null) {
            procPath.setString(0, "/proc/" + pid + "/mem");
            int fd = LibC.open(procPath, O_RDWR | O_CLOEXEC);
            if (fd >= 0) {
                known = fd;
            } else if ((fd = LibC.open(procPath, O_RDONLY | O_CLOEXEC)) >= 0) {
                known = -fd - 1;
            } else {
                int errno = LibC.errno();
                if (errno == Errno.ENOENT || errno == Errno.ESRCH) {
                    throw Ptrace.failure(Errno.ESRCH, "open /proc/" + pid + "/mem", tid);
                }
                return -1;
            }
            memFiles.put(pid, known);
        }
        if (known < 0) {
            return write ? -1 : -known - 1;
        }
        return known;
    }

    private static MemoryAccess next(MemoryAccess way) {
        return switch (way) {
            case PROCESS_VM -> MemoryAccess.PROC_MEM;
            case PROC_MEM -> MemoryAccess.PEEK_POKE;
            case PEEK_POKE -> throw new IllegalStateException("PTRACE_PEEKDATA/POKEDATA cannot fall back");
        };
    }

    private void ensureBuffer(long length) {
        if (buffer.byteSize() < length) {
            buffer = arena.allocate(Math.max(length, buffer.byteSize() * 2), 16);
        }
    }

    private static void setIov(MemorySegment iov, long base, long len) {
        iov.set(ValueLayout.JAVA_LONG, 0, base);
        iov.set(ValueLayout.JAVA_LONG, 8, len);
    }
}
