package dev.panatrace.bench.micro;

import dev.panatrace.ptrace.Arch;
import dev.panatrace.ptrace.SyscallTable;
// Not exported by the module dev.panatrace.ptrace: reachable because the benchmarks run on the class path.
// Fine for measuring the engine's internals; nothing else in this module uses internal classes.
import dev.panatrace.ptrace.internal.SeccompFilter;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Building the seccomp-BPF program for a set of traced syscalls, serialized as the kernel takes it. The
 * traced numbers are spread evenly over the x86_64 table, none adjacent, so each is its own range: the
 * worst case for the program's size at that count.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class SeccompFilterBenchmark {
    /** The syscall sets to compile. */
    @State(Scope.Benchmark)
    public static class SyscallSets {
        /** How many syscalls are traced. */
        @Param({"1", "16", "128"})
        public int traced;

        Set<Integer> tracedNumbers;
        Set<Integer> allowedNumbers;

        /** Picks the traced numbers. */
        @Setup(Level.Trial)
        public void pick() {
            SyscallTable table = SyscallTable.of(Arch.X86_64);
            List<Integer> numbers = table.names().stream().map(table::numberOf).sorted().toList();
            int step = Math.max(2, numbers.size() / traced);
            tracedNumbers = new TreeSet<>();
            for (int i = 0; tracedNumbers.size() < traced; i += step) {
                tracedNumbers.add(numbers.get(i));
            }
            // The engine always allows the mmap it injects for scratch memory.
            allowedNumbers = Set.of(table.numberOf("mmap"));
        }
    }

    /** Compiles the filter and serializes it. */
    @Benchmark
    public byte[] compile(SyscallSets sets) {
        return SeccompFilter.compile(Arch.X86_64, sets.tracedNumbers, sets.allowedNumbers).bytes();
    }
}
