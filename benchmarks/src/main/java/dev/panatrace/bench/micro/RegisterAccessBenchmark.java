package dev.panatrace.bench.micro;

import dev.panatrace.ptrace.EntryAction;
import dev.panatrace.ptrace.Registers;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.SyscallSet;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.TraceMode;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Register access through the public API, per intercepted getppid (seccomp mode): {@code none} is the bare
 * round trip; {@code read} adds reading registers in the handler ({@code tracee().registers()}, the
 * instruction and stack pointers and an argument); {@code write} adds {@code setArg}, which makes the engine
 * write the registers back (PTRACE_SETREGSET) before resuming. The differences are the costs.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class RegisterAccessBenchmark {
    /** A traced getppid loop whose handler touches the registers as {@link #access} says. */
    @State(Scope.Benchmark)
    public static class TracedLoop {
        /** none, read or write. */
        @Param({"none", "read", "write"})
        public String access;

        /** Folds what was read, so the reads cannot be left out; only the tracer thread touches it. */
        long sink;
        volatile long calls;
        RoundTripTracee tracee;

        /** Spawns the tracee and checks one batch reaches the handler. */
        @Setup(Level.Trial)
        public void start() throws Exception {
            String how = access;
            tracee = RoundTripTracee.start(new TraceHandler() {
                @Override
                public SyscallSet syscalls() {
                    return SyscallSet.of("getppid");
                }

                @Override
                public EntryAction onSyscallEntry(Syscall call) {
                    calls++;
                    switch (how) {
                        case "read" -> {
                            Registers registers = call.tracee().registers();
                            sink += registers.instructionPointer() ^ registers.stackPointer() ^ registers.arg(0);
                        }
                        // getppid ignores its arguments, and Go reloads them before every call.
                        case "write" -> call.setArg(5, call.arg(5) + 1);
                        case "none" -> { }
                        default -> throw new IllegalArgumentException("unknown access " + how);
                    }
                    return EntryAction.CONTINUE;
                }
            }, TraceMode.SECCOMP, "getppid", "/");
            tracee.runBatch();
            if (calls != RoundTripTracee.BATCH) {
                throw new IllegalStateException("handler saw " + calls + " calls, expected " + RoundTripTracee.BATCH);
            }
        }

        /** Ends the tracee. */
        @TearDown(Level.Trial)
        public void stop() throws Exception {
            tracee.stop();
        }
    }

    /** One intercepted getppid with the register access, on average over a batch. */
    @Benchmark
    @OperationsPerInvocation(RoundTripTracee.BATCH)
    public void interceptedCall(TracedLoop loop) throws Exception {
        loop.tracee.runBatch();
    }
}
