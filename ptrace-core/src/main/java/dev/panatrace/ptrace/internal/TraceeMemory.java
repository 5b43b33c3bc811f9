package dev.panatrace.ptrace.internal;

import dev.panatrace.ptrace.Errno;
import dev.panatrace.ptrace.ErrnoException;
import dev.panatrace.ptrace.internal.ffm.LibC;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads and writes tracee memory with process_vm_readv/writev, falling back to /proc/PID/mem where those
 * are refused (ENOSYS, EPERM: some sandboxes and seccomp policies). One instance per tracer thread: it
 * owns its native buffers.
 */
public final class TraceeMemory {
    static final int PAGE = 4096;
    private static final int FIRST_STRING_CHUNK = 256;

    private final Arena arena;
    private final MemorySegment localIov;
    private final MemorySegment remoteIov;
    private MemorySegment buffer;
    private boolean useProcMem;

    public TraceeMemory(Arena arena) {
        this.arena = arena;
        this.localIov = arena.allocate(16, 8);
        this.remoteIov = arena.allocate(16, 8);
        this.buffer = arena.allocate(2 * PAGE, 16);
    }

    /** Reads exactly {@code length} bytes or throws EFAULT. */
    public byte[] read(int tid, long address, int length) {
        byte[] out = new byte[length];
        int done = 0;
        while (done < length) {
            // Page by page: one process_vm_readv that crosses into an unmapped page fails as a whole.
            int chunk = (int) Math.min(length - done, PAGE - ((address + done) & (PAGE - 1)));
            int n = readChunk(tid, address + done, chunk);
            if (n <= 0) {
                throw new ErrnoException(Errno.EFAULT, "read tracee memory at 0x" + Long.toHexString(address + done), tid);
            }
            MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, out, done, n);
            done += n;
        }
        return out;
    }

    /** A NUL-terminated string of at most {@code max} bytes, or null when longer; EFAULT when unmapped. */
    public byte[] readCString(int tid, long address, int max) {
        byte[] acc = new byte[Math.min(max + 1, FIRST_STRING_CHUNK)];
        int len = 0;
        while (len <= max) {
            long at = address + len;
            // Most paths are short: read a little first, then up to the end of each page.
            int want = len == 0 ? FIRST_STRING_CHUNK : PAGE;
            int chunk = (int) Math.min(Math.min(max + 1 - len, want), PAGE - (at & (PAGE - 1)));
            int n = readChunk(tid, at, chunk);
            if (n <= 0) {
                throw new ErrnoException(Errno.EFAULT, "read string at 0x" + Long.toHexString(at), tid);
            }
            for (int i = 0; i < n; i++) {
                byte b = buffer.get(ValueLayout.JAVA_BYTE, i);
                if (b == 0) {
                    return java.util.Arrays.copyOf(acc, len);
                }
                if (len == acc.length) {
                    acc = java.util.Arrays.copyOf(acc, Math.min(acc.length * 2, max + 1));
                }
                acc[len++] = b;
            }
        }
        return null;
    }

    /** Writes all of {@code bytes} or throws EFAULT. */
    public void write(int tid, long address, byte[] bytes) {
        ensureBuffer(bytes.length);
        MemorySegment.copy(bytes, 0, buffer, ValueLayout.JAVA_BYTE, 0, bytes.length);
        if (!useProcMem) {
            setIov(localIov, buffer.address(), bytes.length);
            setIov(remoteIov, address, bytes.length);
            long n = LibC.processVmWritev(tid, localIov, 1, remoteIov, 1);
            if (n == bytes.length) {
                return;
            }
            int errno = n < 0 ? LibC.errno() : Errno.EFAULT;
            if (!fallsBack(errno)) {
                throw Ptrace.failure(errno, "process_vm_writev at 0x" + Long.toHexString(address), tid);
            }
            useProcMem = true;
        }
        try (FileChannel ch = FileChannel.open(Path.of("/proc", Integer.toString(tid), "mem"), StandardOpenOption.WRITE)) {
            ByteBuffer src = ByteBuffer.wrap(bytes);
            long pos = address;
            while (src.hasRemaining()) {
                int n = ch.write(src, pos);
                if (n <= 0) {
                    throw new ErrnoException(Errno.EFAULT, "write /proc/" + tid + "/mem", tid);
                }
                pos += n;
            }
        } catch (NoSuchFileException e) {
            throw Ptrace.failure(Errno.ESRCH, "open /proc/" + tid + "/mem", tid);
        } catch (IOException e) {
            throw new ErrnoException(Errno.EFAULT, "write /proc/" + tid + "/mem: " + e.getMessage(), tid);
        }
    }

    /** Reads up to {@code length} bytes (within one page) into {@link #buffer}; returns the count or -1. */
    private int readChunk(int tid, long address, int length) {
        ensureBuffer(length);
        if (!useProcMem) {
            setIov(localIov, buffer.address(), length);
            setIov(remoteIov, address, length);
            long n = LibC.processVmReadv(tid, localIov, 1, remoteIov, 1);
            if (n >= 0) {
                return (int) n;
            }
            int errno = LibC.errno();
            if (errno == Errno.EFAULT) {
                return -1;
            }
            if (!fallsBack(errno)) {
                throw Ptrace.failure(errno, "process_vm_readv at 0x" + Long.toHexString(address), tid);
            }
            useProcMem = true;
        }
        try (FileChannel ch = FileChannel.open(Path.of("/proc", Integer.toString(tid), "mem"), StandardOpenOption.READ)) {
            ByteBuffer dst = buffer.asSlice(0, length).asByteBuffer();
            int n = ch.read(dst, address);
            return n <= 0 ? -1 : n;
        } catch (NoSuchFileException e) {
            throw Ptrace.failure(Errno.ESRCH, "open /proc/" + tid + "/mem", tid);
        } catch (IOException e) {
            return -1; // EIO/EFAULT from the kernel: the address is not mapped
        }
    }

    private static boolean fallsBack(int errno) {
        return errno == Errno.ENOSYS || errno == Errno.EPERM;
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
