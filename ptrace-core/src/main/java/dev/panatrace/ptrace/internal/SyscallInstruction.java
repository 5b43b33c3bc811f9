package dev.panatrace.ptrace.internal;

import dev.panatrace.ptrace.Arch;

import java.util.Arrays;

/** The syscall instruction of each architecture, to re-run a syscall or to inject one. */
final class SyscallInstruction {
    private SyscallInstruction() {}

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
}
