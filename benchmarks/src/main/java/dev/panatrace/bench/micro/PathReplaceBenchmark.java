package dev.panatrace.bench.micro;

import dev.panatrace.ptrace.EntryAction;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.SyscallSet;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.TraceMode;

import java.nio.charset.StandardCharsets;
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
 * Placing a rewritten path, per intercepted faccessat (seccomp mode): the handler points the path argument
 * at a {@code pathLength}-byte path in scratch memory with {@link Syscall#replaceString} (process_vm_writev
 * plus a register write-back). Compare with {@link PathReadBenchmark}'s {@code none} for the bare round trip;
 * the kernel's lookup of the longer path is part of the time, as it is in a real redirect.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class PathReplaceBenchmark {
    /** A traced faccessat loop whose handler replaces every path. */
    @State(Scope.Benchmark)
    public static class TracedLoop {
        /** Bytes in the replacement path, its NUL excluded. */
        @Param({"16", "256", "4000"})
        public int pathLength;

        volatile long replaced;
        RoundTripTracee tracee;

        /** Spawns the tracee and checks one batch is rewritten. */
        @Setup(Level.Trial)
        public void start() throws Exception {
            byte[] replacement = BenchPaths.ofLength(pathLength).getBytes(StandardCharsets.UTF_8);
            tracee = RoundTripTracee.start(new TraceHandler() {
                @Override
                public SyscallSet syscalls() {
                    return SyscallSet.of("faccessat");
                }

                @Override
                public boolean usesScratchMemory() {
                    return true;
                }

                @Override
                public EntryAction onSyscallEntry(Syscall call) {
                    call.replaceString(1, replacement);
                    replaced++;
                    return EntryAction.CONTINUE;
                }
            }, TraceMode.SECCOMP, "faccessat", "/panatrace-absent");
            tracee.runBatch();
            if (replaced != RoundTripTracee.BATCH) {
                throw new IllegalStateException(replaced + " paths replaced, expected " + RoundTripTracee.BATCH);
            }
        }

        /** Ends the tracee. */
        @TearDown(Level.Trial)
        public void stop() throws Exception {
            tracee.stop();
        }
    }

    /** One intercepted faccessat with its path replaced, on average over a batch. */
    @Benchmark
    @OperationsPerInvocation(RoundTripTracee.BATCH)
    public void interceptedCall(TracedLoop loop) throws Exception {
        loop.tracee.runBatch();
    }
}
