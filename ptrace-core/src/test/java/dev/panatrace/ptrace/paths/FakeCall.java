package dev.panatrace.ptrace.paths;

import dev.panatrace.ptrace.Arch;
import dev.panatrace.ptrace.Errno;
import dev.panatrace.ptrace.ErrnoException;
import dev.panatrace.ptrace.Registers;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.Tracee;
import dev.panatrace.ptrace.TraceeLocal;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A syscall stop without a kernel behind it: arguments, and tracee memory as a map from address to
 * bytes. It keeps {@link Syscall}'s contract for strings (EFAULT for unmapped memory, null at PATH_MAX,
 * checks on replacements) so that a handler's decisions can be checked one by one.
 */
final class FakeCall implements Syscall, Tracee {
    private final Arch arch;
    private final String name;
    private int tid;
    private final long[] args = new long[6];
    private final Map<Long, byte[]> memory = new HashMap<>();
    /** The thread's handler values; an exit made from this entry keeps them, as the engine does. */
    private final Map<TraceeLocal<?>, Object> locals = new IdentityHashMap<>();
    private long nextAddress = 0x7f0000010000L;
    private boolean entry = true;
    private long result;

    /** Replacements made through {@link #replaceString}, by argument index. */
    final Map<Integer, byte[]> replaced = new TreeMap<>();

    private FakeCall(Arch arch, String name, int tid) {
        this.arch = arch;
        this.name = name;
        this.tid = tid;
    }

    /** The entry of syscall {@code name} on thread {@code tid}. */
    static FakeCall entry(Arch arch, String name, int tid) {
        return new FakeCall(arch, name, tid);
    }

    /** Sets argument {@code index} to a plain value. */
    FakeCall arg(int index, long value) {
        args[index] = value;
        return this;
    }

    /** Places {@code bytes} in tracee memory and points argument {@code index} at them. */
    FakeCall pointer(int index, byte[] bytes) {
        long address = nextAddress;
        nextAddress += 0x10000;
        memory.put(address, bytes.clone());
        args[index] = address;
        return this;
    }

    /** Turns this stop into the exit stop of the same call, on {@code tid} (which an exec may change). */
    FakeCall exit(int exitTid, long value) {
        entry = false;
        tid = exitTid;
        result = value;
        return this;
    }

    @Override
    public Tracee tracee() {
        return this;
    }

    @Override
    public long number() {
        return dev.panatrace.ptrace.SyscallTable.of(arch).numberOf(name);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean isEntry() {
        return entry;
    }

    @Override
    public long arg(int index) {
        return args[index];
    }

    @Override
    public void setArg(int index, long value) {
        if (!entry) {
            throw new IllegalStateException("arguments can be changed only at entry");
        }
        args[index] = value;
    }

    @Override
    public long result() {
        if (entry) {
            throw new IllegalStateException("no result at entry");
        }
        return result;
    }

    @Override
    public void setResult(long value) {
        throw new UnsupportedOperationException("not part of these tests");
    }

    @Override
    public byte[] readString(int index) {
        return readCString(args[index], PATH_MAX - 1);
    }

    @Override
    public void replaceString(int index, byte[] value) {
        if (!entry) {
            throw new IllegalStateException("strings can be replaced only at entry");
        }
        if (value.length >= PATH_MAX) {
            throw new IllegalArgumentException("PATH_MAX bytes or more: " + value.length);
        }
        for (byte b : value) {
            if (b == 0) {
                throw new IllegalArgumentException("holds a NUL");
            }
        }
        replaced.put(index, value.clone());
        pointer(index, value);
    }

    @Override
    public long inject(long number, long... arguments) {
        throw new UnsupportedOperationException("a fake stop cannot run syscalls");
    }

    @Override
    public void watchDescriptor(int fd, String... names) {
        throw new UnsupportedOperationException("a fake stop cannot watch descriptors");
    }

    @Override
    public int tid() {
        return tid;
    }

    @Override
    public int pid() {
        return tid;
    }

    @Override
    public Arch arch() {
        return arch;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T get(TraceeLocal<T> local) {
        return (T) locals.get(local);
    }

    @Override
    public <T> void set(TraceeLocal<T> local, T value) {
        if (value == null) {
            locals.remove(local);
        } else {
            locals.put(local, value);
        }
    }

    @Override
    public Registers registers() {
        throw new UnsupportedOperationException("a fake stop has no registers");
    }

    @Override
    public byte[] read(long address, int length) {
        byte[] bytes = memory.get(address);
        if (bytes == null || bytes.length < length) {
            throw new ErrnoException(Errno.EFAULT, "read fake memory", tid);
        }
        return Arrays.copyOf(bytes, length);
    }

    @Override
    public byte[] readCString(long address, int maxLength) {
        byte[] bytes = memory.get(address);
        if (bytes == null) {
            throw new ErrnoException(Errno.EFAULT, "read fake string", tid);
        }
        return bytes.length > maxLength ? null : bytes.clone();
    }

    @Override
    public void write(long address, byte[] bytes) {
        throw new UnsupportedOperationException("not part of these tests");
    }
}
