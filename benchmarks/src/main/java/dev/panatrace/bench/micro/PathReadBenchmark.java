package dev.panatrace.bench.micro;

import dev.panatrace.ptrace.EntryAction;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.SyscallSet;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.TraceMode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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
 * Reading the path argument of an intercepted faccessat, per call (seccomp mode): {@code none} is the bare
 * round trip; {@code processVmReadv} is the public API ({@link Syscall#readString}, process_vm_readv page by
 * page); {@code procPidMem} reads the same bytes through {@code /proc/PID/mem} with a FileChannel kept open.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class PathReadBenchmark {
    /** A traced faccessat loop whose handler reads the path as {@link #reader} says. */
    @State(Scope.Benchmark)
    public static class TracedLoop {
        /** Bytes in the path, its NUL excluded. */
        @Param({"16", "256", "4000"})
        public int pathLength;
        /** none, processVmReadv or procPidMem. */
        @Param({"none", "processVmReadv", "procPidMem"})
        public String reader;

        volatile long calls;
        volatile long wrongReads;
        RoundTripTracee tracee;
        ProcPidMemReader procMem;

        /** Spawns the tracee and checks that every path of one batch reads back right. */
        @Setup(Level.Trial)
        public void start() throws Exception {
            String path = BenchPaths.ofLength(pathLength);
            byte[] expected = path.getBytes(StandardCharsets.UTF_8);
            String how = reader;
            procMem = new ProcPidMemReader();
            tracee = RoundTripTracee.start(new TraceHandler() {
                @Override
                public SyscallSet syscalls() {
                    return SyscallSet.of("faccessat");
                }

                @Override
                public EntryAction onSyscallEntry(Syscall call) {
                    calls++;
                    byte[] read = switch (how) {
                        case "processVmReadv" -> call.readString(1);
                        case "procPidMem" -> readProcMem(call);
                        case "none" -> expected;
                        default -> throw new IllegalArgumentException("unknown reader " + how);
                    };
                    if (!Arrays.equals(read, expected)) {
                        wrongReads++;
                    }
                    return EntryAction.CONTINUE;
                }
            }, TraceMode.SECCOMP, "faccessat", path);
            tracee.runBatch();
            if (calls != RoundTripTracee.BATCH || wrongReads != 0) {
                throw new IllegalStateException(calls + " calls seen, " + wrongReads + " paths read wrong");
            }
        }

        private byte[] readProcMem(Syscall call) {
            try {
                return procMem.readCString(call.tracee().pid(), call.arg(1), Syscall.PATH_MAX - 1);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Ends the tracee. */
        @TearDown(Level.Trial)
        public void stop() throws Exception {
            tracee.stop();
            procMem.close();
        }
    }

    /** One intercepted faccessat whose path is read, on average over a batch. */
    @Benchmark
    @OperationsPerInvocation(RoundTripTracee.BATCH)
    public void interceptedCall(TracedLoop loop) throws Exception {
        loop.tracee.runBatch();
    }
}
