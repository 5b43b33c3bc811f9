package dev.panatrace.ptrace;

/** How the engine stops the tracee at the syscalls a handler wants. */
public enum TraceMode {
    /**
     * A seccomp-BPF filter, installed before the target's exec, stops only the wanted syscalls; the rest
     * run at full speed. Falls back to {@link #SYSCALL}, with one warning, where no filter can be installed.
     */
    SECCOMP,
    /** PTRACE_SYSCALL: stop at the entry and exit of every syscall. Works everywhere ptrace does. */
    SYSCALL
}
