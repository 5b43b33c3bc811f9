package dev.panatrace.bench.micro;

import dev.panatrace.ptrace.EntryAction;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.SyscallSet;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.TraceMode;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
 * One intercepted syscall round trip: the tracee stops at getppid, the tracer thread wakes from waitpid,
 * reads the registers, asks the handler, which decides CONTINUE, and resumes the tracee. Per getppid call.
 *
 * <p>{@code intercepted=false} is the baseline: the handler does not want getppid, so under SECCOMP the
 * filter lets it run without a stop (native speed), and under SYSCALL it still stops twice but the handler
 * is not called.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class SyscallRoundTripBenchmark {
    /** A traced getppid loop whose handler counts what it sees. */
    @State(Scope.Benchmark)
    public static class TracedLoop {
        /** How the engine stops the tracee. */
        @Param({"SECCOMP", "SYSCALL"})
        public TraceMode mode;
        /** Whether the handler wants getppid. */
        @Param({"true", "false"})
        public boolean intercepted;

        final AtomicLong calls = new AtomicLong();
        RoundTripTracee tracee;

        /** Spawns the tracee and checks one batch reaches the handler as expected. */
        @Setup(Level.Trial)
        public void start() throws Exception {
            SyscallSet wanted = intercepted ? SyscallSet.of("getppid") : SyscallSet.of();
            tracee = RoundTripTracee.start(new TraceHandler() {
                @Override
                public SyscallSet syscalls() {
                    return wanted;
                }

                @Override
                public EntryAction onSyscallEntry(Syscall call) {
                    calls.incrementAndGet();
                    return EntryAction.CONTINUE;
                }
            }, mode, "getppid", "/");
            tracee.runBatch();
            long expected = intercepted ? RoundTripTracee.BATCH : 0;
            if (calls.get() != expected) {
                throw new IllegalStateException("handler saw " + calls.get() + " getppid calls, expected " + expected);
            }
        }

        /** Ends the tracee. */
        @TearDown(Level.Trial)
        public void stop() throws Exception {
            tracee.stop();
        }
    }

    /** One getppid, on average over a batch. */
    @Benchmark
    @OperationsPerInvocation(RoundTripTracee.BATCH)
    public void getppid(TracedLoop loop) throws Exception {
        loop.tracee.runBatch();
    }
}
