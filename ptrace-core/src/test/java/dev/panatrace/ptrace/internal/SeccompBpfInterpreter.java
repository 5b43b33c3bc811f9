package dev.panatrace.ptrace.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a classic seccomp-BPF program the way the kernel does, for the opcodes {@link SeccompFilter}
 * emits. Loading applies the kernel's load-time checks ({@code bpf_check_classic} in
 * net/core/filter.c, {@code seccomp_check_filter} in kernel/seccomp.c): 1 to 4096 instructions,
 * jumps inside the program, a {@code ret} last, {@code ld [k]} word-aligned inside
 * {@code struct seccomp_data}. The data is laid out little-endian, as on both supported
 * architectures, so {@code ld [16]} reads the low word of {@code args[0]} (the C {@code int} a
 * syscall takes) and {@code ld [20]} its high word. It is stricter than the kernel in one way:
 * opcodes the kernel would accept but the compiler never emits (ALU, {@code ret a}, {@code jgt}...)
 * are refused, so a test notices when the compiler starts emitting something this interpreter does
 * not model.
 */
final class SeccompBpfInterpreter {
    // <linux/bpf_common.h>
    static final int LD_W_ABS = 0x00 | 0x00 | 0x20;
    static final int JMP_JA = 0x05 | 0x00;
    static final int JMP_JEQ_K = 0x05 | 0x10;
    static final int JMP_JGE_K = 0x05 | 0x30;
    static final int JMP_JSET_K = 0x05 | 0x40;
    static final int RET_K = 0x06;
    static final int BPF_MAXINSNS = 4096;
    /** sizeof(struct seccomp_data): int nr, __u32 arch, __u64 instruction_pointer, __u64 args[6]. */
    static final int SECCOMP_DATA_SIZE = 64;

    /** One {@code struct sock_filter}, as decoded from the bytes. */
    record Instruction(int code, int jt, int jf, int k) {}

    /** What a run returned and how many instructions it executed on the way. */
    record Outcome(int returnValue, int executed) {}

    /** The program failed a check the kernel makes when the filter is installed. */
    static final class RejectedProgram extends RuntimeException {
        RejectedProgram(String message) {
            super(message);
        }
    }

    private final List<Instruction> program;

    private SeccompBpfInterpreter(List<Instruction> program) {
        this.program = program;
    }

    /** Decodes little-endian {@code struct sock_filter[]} bytes and checks them as the kernel would. */
    static SeccompBpfInterpreter load(byte[] bytes) {
        if (bytes.length % 8 != 0) {
            throw new RejectedProgram(bytes.length + " bytes are not a whole number of 8-byte instructions");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        List<Instruction> program = new ArrayList<>();
        while (in.hasRemaining()) {
            program.add(new Instruction(Short.toUnsignedInt(in.getShort()), Byte.toUnsignedInt(in.get()),
                    Byte.toUnsignedInt(in.get()), in.getInt()));
        }
        verify(program);
        return new SeccompBpfInterpreter(List.copyOf(program));
    }

    private static void verify(List<Instruction> program) {
        int length = program.size();
        if (length == 0 || length > BPF_MAXINSNS) {
            throw new RejectedProgram("length " + length + " is outside 1.." + BPF_MAXINSNS);
        }
        for (int pc = 0; pc < length; pc++) {
            Instruction insn = program.get(pc);
            switch (insn.code()) {
                case LD_W_ABS -> {
                    if (Integer.compareUnsigned(insn.k(), SECCOMP_DATA_SIZE) >= 0 || (insn.k() & 3) != 0) {
                        throw new RejectedProgram(pc + ": ld [" + Integer.toUnsignedString(insn.k())
                                + "] is not an aligned word of seccomp_data");
                    }
                }
                case JMP_JA -> {
                    if (Integer.compareUnsigned(insn.k(), length - pc - 1) >= 0) {
                        throw new RejectedProgram(pc + ": ja +" + Integer.toUnsignedString(insn.k())
                                + " jumps out of the program");
                    }
                }
                case JMP_JEQ_K, JMP_JGE_K, JMP_JSET_K -> {
                    if (pc + insn.jt() + 1 >= length || pc + insn.jf() + 1 >= length) {
                        throw new RejectedProgram(pc + ": jt " + insn.jt() + " / jf " + insn.jf()
                                + " jump out of the program");
                    }
                }
                case RET_K -> { }
                default -> throw new RejectedProgram(pc + ": unknown opcode 0x" + Integer.toHexString(insn.code()));
            }
        }
        if (program.get(length - 1).code() != RET_K) {
            throw new RejectedProgram("the last instruction is not ret");
        }
    }

    List<Instruction> instructions() {
        return program;
    }

    /** Runs the program on a {@code struct seccomp_data} with these fields. */
    Outcome run(int nr, int auditArch, long instructionPointer, long[] args) {
        ByteBuffer data = ByteBuffer.allocate(SECCOMP_DATA_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        data.putInt(nr).putInt(auditArch).putLong(instructionPointer);
        for (int i = 0; i < 6; i++) {
            data.putLong(i < args.length ? args[i] : 0);
        }
        int accumulator = 0;
        int pc = 0;
        int executed = 0;
        while (true) {
            // verify() guarantees every jump lands inside and the last instruction returns.
            Instruction insn = program.get(pc);
            executed++;
            switch (insn.code()) {
                case LD_W_ABS -> {
                    accumulator = data.getInt(insn.k());
                    pc++;
                }
                case JMP_JA -> pc += 1 + insn.k();
                case JMP_JEQ_K -> pc += 1 + (accumulator == insn.k() ? insn.jt() : insn.jf());
                case JMP_JGE_K ->
                        pc += 1 + (Integer.compareUnsigned(accumulator, insn.k()) >= 0 ? insn.jt() : insn.jf());
                case JMP_JSET_K -> pc += 1 + ((accumulator & insn.k()) != 0 ? insn.jt() : insn.jf());
                case RET_K -> {
                    return new Outcome(insn.k(), executed);
                }
                default -> throw new IllegalStateException("verified program holds opcode " + insn.code());
            }
        }
    }

    /** Runs the program on a {@code struct seccomp_data} with only nr and arch set. */
    Outcome run(int nr, int auditArch) {
        return run(nr, auditArch, 0, new long[0]);
    }
}
