package dev.panatrace.ptrace.internal;

import dev.panatrace.ptrace.Arch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/** The syscall instruction of each architecture, and the engine's stubs built around it. */
final class SyscallInstruction {
    private SyscallInstruction() {}

    /** The size of one stub (see {@link #stub}). */
    static final int STUB_SIZE = 16;
    private static final int AARCH64_NOP = 0xd503201f;
    private static final int AARCH64_BRK_0 = 0xd4200000;

    /** x86_64 {@code syscall} (0f 05); aarch64 {@code svc #0} (d4000001, little-endian). */
    static byte[] bytes(Arch arch) {
        return switch (arch) {
            case X86_64 -> new byte[] {0x0f, 0x05};
            case AARCH64 -> new byte[] {0x01, 0x00, 0x00, (byte) 0xd4};
        };
    }

    static int length(Arch arch) {
        return bytes(arch).length;
    }

    static boolean matches(Arch arch, byte[] code) {
        return Arrays.equals(bytes(arch), code);
    }

    /** Whether a thread may be resumed into a stub, which then returns by itself (x86_64 only). */
    static boolean stubReturns(Arch arch) {
        return arch == Arch.X86_64;
    }

    /**
     * The stub at {@code address} whose return address is kept at {@code returnCell}. x86_64: six
     * {@code nop}s (so nothing before the syscall looks like a {@code mov $nr,%eax} that a patcher could
     * take for a syscall site), {@code syscall}, {@code jmp *disp32(%rip)} to the return address, two
     * {@code nop}s. aarch64: two {@code nop}s, {@code svc #0}, {@code brk #0}: only for injection, which
     * restores every register after the syscall; a jump back would need a scratch register that may be
     * live there.
     */
    static byte[] stub(Arch arch, long address, long returnCell) {
        ByteBuffer code = ByteBuffer.allocate(STUB_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        switch (arch) {
            case X86_64 -> {
                code.put(new byte[] {(byte) 0x90, (byte) 0x90, (byte) 0x90, (byte) 0x90, (byte) 0x90, (byte) 0x90});
                code.put(bytes(arch));
                long next = address + code.position() + 6; // rip after the jmp
                code.put((byte) 0xff).put((byte) 0x25).putInt(Math.toIntExact(returnCell - next));
                code.put((byte) 0x90).put((byte) 0x90);
            }
            case AARCH64 -> code.putInt(AARCH64_NOP).putInt(AARCH64_NOP).put(bytes(arch)).putInt(AARCH64_BRK_0);
        }
        return code.array();
    }

    /** Where the syscall instruction of a stub lies, from the stub's start. */
    static int syscallOffset(Arch arch) {
        return arch == Arch.X86_64 ? 6 : 8;
    }

    /** The offset of the first syscall instruction in {@code code} (read from an executable mapping), or -1. */
    static int indexIn(Arch arch, byte[] code) {
        byte[] insn = bytes(arch);
        int step = arch == Arch.AARCH64 ? 4 : 1; // aarch64 instructions are 4-byte aligned
        for (int i = 0; i + insn.length <= code.length; i += step) {
            if (Arrays.equals(code, i, i + insn.length, insn, 0, insn.length)) {
                return i;
            }
        }
        return -1;
    }
}
