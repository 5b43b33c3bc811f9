package dev.panatrace.examples;

import dev.panatrace.ptrace.EntryAction;
import dev.panatrace.ptrace.Errno;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.SyscallSet;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.TraceSession;
import dev.panatrace.ptrace.Tracer;
import java.util.Arrays;

/** Runs a command whose every call of one syscall fails: {@code FailSyscall mkdir EACCES mkdir /tmp/x}. */
public final class FailSyscall {
    private FailSyscall() {}

    /**
     * Runs the example.
     *
     * @param args the syscall's name, an errno name, then the command and its arguments
     */
    public static void main(String[] args) throws InterruptedException {
        int errno = Errno.number(args[1]).orElseThrow(() -> new IllegalArgumentException("no errno " + args[1]));
        TraceHandler failer = new TraceHandler() {
            @Override
            public SyscallSet syscalls() {
                return SyscallSet.of(args[0]); // with seccomp, no other syscall stops
            }

            @Override
            public EntryAction onSyscallEntry(Syscall call) {
                System.out.println("failing " + call.name() + " with " + Errno.name(errno));
                return EntryAction.failing(errno);
            }
        };
        try (TraceSession trace = Tracer.builder().handler(failer).spawn(Arrays.asList(args).subList(2, args.length))) {
            System.out.println(trace.waitFor().orElseThrow());
        }
    }
}
