package dev.panatrace.ptrace;

/**
 * How the engine reads and writes a tracee's memory. The engine starts with the first way and moves down
 * this list when the kernel refuses one (never back up), separately for reads and for writes, once per
 * trace: Linux accepts the first; gVisor before 2023-10 has no process_vm_readv/writev and a read-only
 * /proc/PID/mem, so there reads take the second way and writes the third.
 */
public enum MemoryAccess {
    /** process_vm_readv/writev on the thread-group id: one call per page. */
    PROCESS_VM,
    /** pread/pwrite on /proc/PID/mem, kept open per process and opened again after an exec. */
    PROC_MEM,
    /**
     * PTRACE_PEEKDATA/POKEDATA, one 8-byte word per call (a partial word is read first and merged). Slow,
     * and the one way that works in every kernel that has ptrace.
     */
    PEEK_POKE
}
