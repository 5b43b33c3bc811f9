package dev.panatrace.ptrace;

/**
 * A CPU architecture the engine knows: its audit number (what seccomp-BPF sees in
 * {@code seccomp_data.arch}), its syscall table and its register layout.
 */
public enum Arch {
    /** x86_64 (amd64). Implemented and tested with real tracees. */
    X86_64(0xC000003E, "amd64", "x86_64"),
    /** aarch64 (arm64). Register layout and syscall table only; unit-tested from recorded bytes. */
    AARCH64(0xC00000B7, "aarch64", "arm64");

    private final int auditArch;
    private final String[] osArchNames;

    Arch(int auditArch, String... osArchNames) {
        this.auditArch = auditArch;
        this.osArchNames = osArchNames;
    }

    /** {@return the {@code AUDIT_ARCH_*} value from {@code <linux/audit.h>}} */
    public int auditArch() {
        return auditArch;
    }

    /** {@return the architecture this JVM runs on} */
    public static Arch current() {
        String osArch = System.getProperty("os.arch");
        for (Arch arch : values()) {
            for (String name : arch.osArchNames) {
                if (name.equals(osArch)) {
                    return arch;
                }
            }
        }
        throw new UnsupportedOperationException("panatrace supports x86_64 and aarch64, not " + osArch);
    }
}
