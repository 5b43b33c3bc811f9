package dev.panatrace.consumer;

import dev.panatrace.ptrace.EntryAction;
import dev.panatrace.ptrace.ExitStatus;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.SyscallSet;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.TraceSession;
import dev.panatrace.ptrace.Tracer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Traces a shell that prints a line and exits with 3; prints how it ran and what the engine saw. */
public final class CountWrites {
    public static void main(String[] args) throws InterruptedException {
        AtomicInteger writes = new AtomicInteger();
        TraceHandler counter = new TraceHandler() {
            @Override
            public SyscallSet syscalls() {
                return SyscallSet.of("write");
            }

            @Override
            public EntryAction onSyscallEntry(Syscall call) {
                writes.incrementAndGet();
                return EntryAction.CONTINUE;
            }
        };
        try (TraceSession trace = Tracer.builder().handler(counter).spawn(List.of("sh", "-c", "echo hi; exit 3"))) {
            ExitStatus status = trace.waitFor(Duration.ofSeconds(30)).orElseThrow();
            System.out.println("engine module: " + Tracer.class.getModule().getName());
            System.out.println("write calls: " + writes.get());
            System.out.println(status);
        }
    }
}
