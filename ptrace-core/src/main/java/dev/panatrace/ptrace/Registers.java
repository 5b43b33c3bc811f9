package dev.panatrace.ptrace;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A snapshot of one thread's general registers as {@code PTRACE_GETREGSET(NT_PRSTATUS)} returns them,
 * with the syscall view (number, arguments, return value) the engine and handlers use.
 *
 * <p>Layouts follow the kernel's {@code struct user_regs_struct} (x86_64) and {@code struct user_pt_regs}
 * (aarch64), with the C field names, so {@code get("orig_rax")} means what it does in C.
 *
 * <p>aarch64 differences a handler must know: x0 is both the first argument and the return value, so the
 * first argument is gone at syscall exit; the syscall number is read from x8 but changing it takes the
 * separate {@code NT_ARM_SYSTEM_CALL} register set, which the engine writes when {@link #syscallNumberChanged()}.
 */
public final class Registers {
    private static final StructLayout X86_64_LAYOUT = struct(
            "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx", "rdx", "rsi", "rdi",
            "orig_rax", "rip", "cs", "eflags", "rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs");
    private static final StructLayout AARCH64_LAYOUT = aarch64Layout();

    private static final Shape X86_64 = new Shape(X86_64_LAYOUT,
            "orig_rax", "rax", "rip", "rsp", new String[] {"rdi", "rsi", "rdx", "r10", "r8", "r9"});
    private static final Shape AARCH64 = new Shape(AARCH64_LAYOUT,
            "x8", "x0", "pc", "sp", new String[] {"x0", "x1", "x2", "x3", "x4", "x5"});

    private final Arch arch;
    private final Shape shape;
    // long[]-backed so that every 8-byte field is aligned, as the layouts require.
    private final long[] words;
    private final MemorySegment segment;
    private boolean syscallNumberChanged;

    private Registers(Arch arch, long[] words) {
        this.arch = arch;
        this.shape = shape(arch);
        this.words = words;
        this.segment = MemorySegment.ofArray(words);
    }

    /**
     * {@return zeroed registers for {@code arch}}
     *
     * @param arch the architecture
     */
    public static Registers zeroed(Arch arch) {
        return new Registers(arch, new long[(int) (shape(arch).layout.byteSize() / 8)]);
    }

    /**
     * Registers from the bytes the kernel returns for NT_PRSTATUS (little-endian on both architectures).
     *
     * @param arch the architecture
     * @param bytes the register set's bytes
     * @return registers holding a copy of {@code bytes}
     * @throws IllegalArgumentException if the length is not the layout's size
     */
    public static Registers fromBytes(Arch arch, byte[] bytes) {
        Registers regs = zeroed(arch);
        if (bytes.length != regs.segment.byteSize()) {
            throw new IllegalArgumentException(arch + " NT_PRSTATUS is " + regs.segment.byteSize()
                    + " bytes, got " + bytes.length);
        }
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, regs.segment, 0, bytes.length);
        return regs;
    }

    /**
     * {@return the size in bytes of the NT_PRSTATUS register set of {@code arch}}
     *
     * @param arch the architecture
     */
    public static long size(Arch arch) {
        return shape(arch).layout.byteSize();
    }

    /**
     * {@return the register names of {@code arch} in layout order (the C field names)}
     *
     * @param arch the architecture
     */
    public static List<String> names(Arch arch) {
        return shape(arch).names;
    }

    /** {@return the architecture these registers belong to} */
    public Arch arch() {
        return arch;
    }

    /**
     * {@return a register by its C field name, e.g. {@code "orig_rax"} or {@code "x8"}}
     *
     * @param name the register's C field name
     */
    public long get(String name) {
        return (long) shape.handle(name).get(segment, 0L);
    }

    /**
     * Sets a register by its C field name.
     *
     * @param name the register's C field name
     * @param value the new value
     */
    public void set(String name, long value) {
        shape.handle(name).set(segment, 0L, value);
        if (name.equals(shape.syscallNumber)) {
            syscallNumberChanged = true;
        }
    }

    /** {@return the syscall number (orig_rax on x86_64, x8 on aarch64); negative outside a syscall} */
    public long syscallNumber() {
        return (long) shape.syscallNumberHandle.get(segment, 0L);
    }

    /**
     * Changes the syscall number; -1 makes the kernel skip the syscall.
     *
     * @param nr the new syscall number
     */
    public void setSyscallNumber(long nr) {
        shape.syscallNumberHandle.set(segment, 0L, nr);
        syscallNumberChanged = true;
    }

    /** {@return whether {@link #setSyscallNumber} was called since these registers were read} */
    public boolean syscallNumberChanged() {
        return syscallNumberChanged;
    }

    /**
     * {@return syscall argument {@code index} (0..5)}
     *
     * @param index the argument index, 0..5
     */
    public long arg(int index) {
        return (long) shape.argHandles[index].get(segment, 0L);
    }

    /**
     * Sets syscall argument {@code index} (0..5).
     *
     * @param index the argument index, 0..5
     * @param value the new value
     */
    public void setArg(int index, long value) {
        shape.argHandles[index].set(segment, 0L, value);
    }

    /** {@return the syscall return value register (rax, x0): a result, or -errno} */
    public long returnValue() {
        return (long) shape.returnHandle.get(segment, 0L);
    }

    /**
     * Sets the syscall return value register.
     *
     * @param value a result, or -errno
     */
    public void setReturnValue(long value) {
        shape.returnHandle.set(segment, 0L, value);
    }

    /** {@return the instruction pointer (rip, pc)} */
    public long instructionPointer() {
        return (long) shape.ipHandle.get(segment, 0L);
    }

    /**
     * Sets the instruction pointer.
     *
     * @param value the new address
     */
    public void setInstructionPointer(long value) {
        shape.ipHandle.set(segment, 0L, value);
    }

    /** {@return the stack pointer (rsp, sp)} */
    public long stackPointer() {
        return (long) shape.spHandle.get(segment, 0L);
    }

    /** {@return a copy of these registers} */
    public Registers copy() {
        Registers copy = new Registers(arch, words.clone());
        copy.syscallNumberChanged = syscallNumberChanged;
        return copy;
    }

    /**
     * Copies the registers into {@code target} (a native buffer of {@link #size} bytes).
     *
     * @param target the native buffer to copy to
     */
    public void copyTo(MemorySegment target) {
        MemorySegment.copy(segment, 0, target, 0, segment.byteSize());
    }

    /**
     * Replaces the registers with {@code source} and forgets earlier changes.
     *
     * @param source the native buffer to copy from
     */
    public void copyFrom(MemorySegment source) {
        MemorySegment.copy(source, 0, segment, 0, segment.byteSize());
        syscallNumberChanged = false;
    }

    /** {@return the raw bytes, as the kernel lays them out} */
    public byte[] toBytes() {
        return segment.toArray(ValueLayout.JAVA_BYTE);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(arch.name()).append('{');
        for (String name : shape.names) {
            sb.append(name).append("=0x").append(Long.toHexString(get(name))).append(' ');
        }
        sb.setLength(sb.length() - 1);
        return sb.append('}').toString();
    }

    private static Shape shape(Arch arch) {
        return switch (arch) {
            case X86_64 -> X86_64;
            case AARCH64 -> AARCH64;
        };
    }

    private static StructLayout struct(String... names) {
        MemoryLayout[] fields = new MemoryLayout[names.length];
        for (int i = 0; i < names.length; i++) {
            fields[i] = ValueLayout.JAVA_LONG.withName(names[i]);
        }
        return MemoryLayout.structLayout(fields);
    }

    private static StructLayout aarch64Layout() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i <= 30; i++) {
            names.add("x" + i);
        }
        names.add("sp");
        names.add("pc");
        names.add("pstate");
        return struct(names.toArray(String[]::new));
    }

    /** Where an architecture keeps the syscall view within its layout. */
    private static final class Shape {
        final StructLayout layout;
        final List<String> names;
        final Map<String, VarHandle> handles = new HashMap<>();
        final String syscallNumber;
        final VarHandle syscallNumberHandle;
        final VarHandle returnHandle;
        final VarHandle ipHandle;
        final VarHandle spHandle;
        final VarHandle[] argHandles;

        Shape(StructLayout layout, String syscallNumber, String ret, String ip, String sp, String[] args) {
            this.layout = layout;
            this.names = layout.memberLayouts().stream().map(l -> l.name().orElseThrow()).toList();
            for (String name : names) {
                handles.put(name, layout.varHandle(MemoryLayout.PathElement.groupElement(name)));
            }
            this.syscallNumber = syscallNumber;
            this.syscallNumberHandle = handles.get(syscallNumber);
            this.returnHandle = handles.get(ret);
            this.ipHandle = handles.get(ip);
            this.spHandle = handles.get(sp);
            this.argHandles = new VarHandle[args.length];
            for (int i = 0; i < args.length; i++) {
                argHandles[i] = handles.get(args[i]);
            }
        }

        VarHandle handle(String name) {
            VarHandle handle = handles.get(name);
            if (handle == null) {
                throw new IllegalArgumentException("no register " + name + " in " + names);
            }
            return handle;
        }
    }
}
