package dev.panatrace.ptrace.internal;

import dev.panatrace.ptrace.Arch;
import dev.panatrace.ptrace.Errno;
import dev.panatrace.ptrace.ErrnoException;
import dev.panatrace.ptrace.Registers;


/**
 * Installs the seccomp filter into the stopped spawn trampoline, before it execs the target, by injecting
 * syscalls into it: mmap (room for the program), prctl(PR_SET_NO_NEW_PRIVS) where the tracee lacks
 * CAP_SYS_ADMIN or the kernel refuses the filter without it, seccomp(SECCOMP_SET_MODE_FILTER), then one
 * traced probe syscall that shows in which order this kernel reports seccomp and syscall-entry stops.
 * The filter is inherited by the target and all its children.
 */
final class SeccompInstaller {
    private static final int PR_SET_NO_NEW_PRIVS = 38;
    private static final int CAP_SYS_ADMIN = 21;
    private static final long PAGE = 4096;

    private final TraceLoop loop;
    private final ThreadState thread;
    private final Arch arch;
    private long syscallAddress;
    private Registers saved;
    private final SyscallInjector injector;

    SeccompInstaller(TraceLoop loop, ThreadState thread) {
        this.loop = loop;
        this.thread = thread;
        this.arch = loop.arch();
        this.injector = new SyscallInjector(loop);
    }

    void install() {
        int tid = thread.tid;
        saved = loop.registersOf(tid);
        // The trampoline stopped itself with kill(2), usually just after that syscall instruction.
        syscallAddress = loop.scratch().injectionSite(thread, saved.instructionPointer());
        SeccompFilter filter = SeccompFilter.compile(arch, loop.tracedNumbers(), loop.allowedNumbers(), loop.fdRule());
        try {
            long base = check("mmap", inject(loop.table().numberOf("mmap"), 0, PAGE * 2, 3, 0x22, -1, 0));
            long fprog = SeccompLoader.place(loop.memory(), tid, thread.process.pid, base, PAGE * 2, filter);
            // NO_NEW_PRIVS lets a process without CAP_SYS_ADMIN install a filter; it also disables setuid for the
            // whole traced tree, so it is set only where the kernel wants it: without the capability, or when
            // the kernel refuses the filter anyway (EACCES), as a sandbox with its own rules may.
            boolean noNewPrivs = !hasCapability(tid, CAP_SYS_ADMIN);
            if (noNewPrivs) {
                setNoNewPrivs();
            }
            long installed = inject(loop.table().numberOf("seccomp"), SeccompLoader.SET_MODE_FILTER, 0, fprog, 0, 0, 0);
            if (installed == -Errno.EACCES && !noNewPrivs) {
                setNoNewPrivs();
                installed = inject(loop.table().numberOf("seccomp"), SeccompLoader.SET_MODE_FILTER, 0, fprog, 0, 0, 0);
            }
            check("seccomp(SECCOMP_SET_MODE_FILTER)", installed);
            inject(TraceLoop.PROBE_NUMBER, 0, 0, 0, 0, 0, 0);
            loop.seccompStopFirst(injector.sawSeccompFirst);
            inject(loop.table().numberOf("munmap"), base, PAGE * 2, 0, 0, 0, 0);
        } finally {
            loop.io().setRegisters(tid, saved);
        }
    }

    private void setNoNewPrivs() {
        check("prctl(PR_SET_NO_NEW_PRIVS)", inject(loop.table().numberOf("prctl"), PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0));
    }

    private static long check(String what, long result) {
        if (result < 0 && result > -4096) {
            throw new ErrnoException((int) -result, "injected " + what, 0);
        }
        return result;
    }

    private long inject(long nr, long a0, long a1, long a2, long a3, long a4, long a5) {
        return injector.inject(thread, saved, syscallAddress, nr, a0, a1, a2, a3, a4, a5);
    }

    private static boolean hasCapability(int pid, int capability) {
        return ProcStatus.of(pid).filter(status -> (status.effectiveCapabilities() & (1L << capability)) != 0)
                .isPresent();
    }
}
