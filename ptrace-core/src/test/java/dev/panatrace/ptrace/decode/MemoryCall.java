package dev.panatrace.ptrace.decode;

import dev.panatrace.ptrace.Arch;
import dev.panatrace.ptrace.Errno;
import dev.panatrace.ptrace.ErrnoException;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.SyscallTable;
import dev.panatrace.ptrace.Tracee;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * A syscall stop for the decoder alone: six argument values, a result, and tracee memory made of regions
 * placed where a test says. Reading outside every region fails with EFAULT, as the kernel would.
 */
final class MemoryCall {
    private final String name;
    private final long[] args = new long[6];
    private final TreeMap<Long, byte[]> regions = new TreeMap<>();
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

    /** {@return the entry stop of this call} */
    Syscall entry() {
        return stop(true, 0);
    }

    /** {@return the exit stop of this call, returning {@code value}} */
    Syscall exit(long value) {
        return stop(false, value);
    }

    /**
     * The stop as the decoder sees it: what a decoder reads answers from this call, the arguments from its own
     * array (so a handler's rewrite shows), and anything that would change the tracee is refused.
     */
    private Syscall stop(boolean entry, long result) {
        Tracee tracee = proxy(Tracee.class, (method, values) -> switch (method) {
            case "tid", "pid" -> tid;
            case "arch" -> Arch.X86_64;
            case "read" -> read((long) values[0], (int) values[1]);
            case "readCString" -> readCString((long) values[0], (int) values[1]);
            default -> REFUSED;
        });
        return proxy(Syscall.class, (method, values) -> switch (method) {
            case "tracee" -> tracee;
            case "name" -> name;
            case "number" -> (long) SyscallTable.of(Arch.X86_64).numberOf(name);
            case "isEntry" -> entry;
            case "arg" -> args[(int) values[0]];
            case "result" -> result;
            default -> REFUSED;
        });
    }

    /** The answer to a method the decoder has no business calling. */
    private static final Object REFUSED = new Object();

    private interface Answers {
        /** The answer to {@code method} (null included), or {@link #REFUSED}. */
        Object answer(String method, Object[] values);
    }

    private static <T> T proxy(Class<T> type, Answers answers) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (self, method, values) -> {
            Object answer = answers.answer(method.getName(), values);
            if (answer == REFUSED) {
                throw new UnsupportedOperationException(method.getName() + ": the decoder only reads");
            }
            return answer;
        }));
    }

    private byte[] read(long address, int length) {
        Map.Entry<Long, byte[]> region = regions.floorEntry(address);
        if (region == null || address + length > region.getKey() + region.getValue().length) {
            throw new ErrnoException(Errno.EFAULT, "read", 1);
        }
        int offset = (int) (address - region.getKey());
        return Arrays.copyOfRange(region.getValue(), offset, offset + length);
    }

    private byte[] readCString(long address, int maxLength) {
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
}
