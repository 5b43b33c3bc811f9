package dev.panatrace.ptrace.decode;

import dev.panatrace.ptrace.Arch;
import dev.panatrace.ptrace.Errno;
import dev.panatrace.ptrace.ErrnoException;
import dev.panatrace.ptrace.Registers;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.Tracee;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * A syscall stop for the decoder alone: six argument values, a result, and tracee memory made of regions
 * placed where a test says. Reading outside every region fails with EFAULT, as the kernel would.
 */
final class MemoryCall implements Syscall, Tracee {
    private final String name;
    private final long[] args = new long[6];
    private final TreeMap<Long, byte[]> regions = new TreeMap<>();
    private long result;
    private boolean entry = true;
    private int tid = 1;

    private MemoryCall(String name) {
        this.name = name;
    }

    static MemoryCall of(String name, long... args) {
        MemoryCall call = new MemoryCall(name);
        System.arraycopy(args, 0, call.args, 0, args.length);
        return call;
    }

    /** Places {@code bytes} at {@code address}. */
    MemoryCall memory(long address, byte[] bytes) {
        regions.put(address, bytes.clone());
        return this;
    }

    /** Places a NUL-terminated copy of {@code text} at {@code address}. */
    MemoryCall string(long address, String text) {
        return memory(address, (text + "\0").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    /** Places little-endian 64-bit words at {@code address}. */
    MemoryCall words(long address, long... words) {
        ByteBuffer buffer = ByteBuffer.allocate(words.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long word : words) {
            buffer.putLong(word);
        }
        return memory(address, buffer.array());
    }

    /** The call made by thread {@code id} (default 1), its own process. */
    MemoryCall thread(int id) {
        tid = id;
        return this;
    }

    /** Points argument {@code index} elsewhere, as a handler that rewrites it does. */
    MemoryCall pointTo(int index, long address) {
        args[index] = address;
        return this;
    }

    /** This call at its exit stop, returning {@code value}. */
    MemoryCall returning(long value) {
        entry = false;
        result = value;
        return this;
    }

    @Override
    public byte[] read(long address, int length) {
        Map.Entry<Long, byte[]> region = regions.floorEntry(address);
        if (region == null || address + length > region.getKey() + region.getValue().length) {
            throw new ErrnoException(Errno.EFAULT, "read", 1);
        }
        int offset = (int) (address - region.getKey());
        return Arrays.copyOfRange(region.getValue(), offset, offset + length);
    }

    @Override
    public byte[] readCString(long address, int maxLength) {
        Map.Entry<Long, byte[]> region = regions.floorEntry(address);
        if (region == null || address >= region.getKey() + region.getValue().length) {
            throw new ErrnoException(Errno.EFAULT, "read", 1);
        }
        byte[] bytes = region.getValue();
        int start = (int) (address - region.getKey());
        for (int i = start; i < bytes.length && i - start <= maxLength; i++) {
            if (bytes[i] == 0) {
                return Arrays.copyOfRange(bytes, start, i);
            }
        }
        return null;
    }

    @Override
    public Tracee tracee() {
        return this;
    }

    @Override
    public long number() {
        return dev.panatrace.ptrace.SyscallTable.of(Arch.X86_64).numberOf(name);
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
    public long result() {
        return result;
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
        return Arch.X86_64;
    }

    @Override
    public void setArg(int index, long value) {
        throw new UnsupportedOperationException("the decoder only reads");
    }

    @Override
    public void setResult(long value) {
        throw new UnsupportedOperationException("the decoder only reads");
    }

    @Override
    public byte[] readString(int index) {
        throw new UnsupportedOperationException("the decoder reads through the tracee");
    }

    @Override
    public void replaceString(int index, byte[] value) {
        throw new UnsupportedOperationException("the decoder only reads");
    }

    @Override
    public long inject(long number, long... injected) {
        throw new UnsupportedOperationException("the decoder only reads");
    }

    @Override
    public void watchDescriptor(int fd, String... names) {
        throw new UnsupportedOperationException("the decoder only reads");
    }

    @Override
    public Registers registers() {
        throw new UnsupportedOperationException("the decoder only reads");
    }

    @Override
    public void write(long address, byte[] bytes) {
        throw new UnsupportedOperationException("the decoder only reads");
    }
}
