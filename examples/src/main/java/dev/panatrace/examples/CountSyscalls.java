package dev.panatrace.examples;

import dev.panatrace.ptrace.EntryAction;
import dev.panatrace.ptrace.ExitStatus;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.TraceSession;
import dev.panatrace.ptrace.Tracer;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Runs a command and prints how often it made each syscall: {@code CountSyscalls ls /}. */
public final class CountSyscalls {
    private CountSyscalls() {}

    /**
     * Runs the example.
     *
     * @param args the command and its arguments
     */
    public static void main(String[] args) throws InterruptedException {
        Map<String, Integer> counts = new TreeMap<>();
        TraceHandler counter = new TraceHandler() {
            @Override
            public EntryAction onSyscallEntry(Syscall call) {
                counts.merge(call.name(), 1, Integer::sum);
                return EntryAction.CONTINUE;
            }
        };
        try (TraceSession trace = Tracer.builder().handler(counter).spawn(List.of(args))) {
            ExitStatus status = trace.waitFor().orElseThrow();
            counts.forEach((name, count) -> System.out.println(name + " " + count));
            System.out.println(status);
        }
    }
}
