package dev.panatrace.bench.micro;

import dev.panatrace.procsys.PathKind;
import dev.panatrace.procsys.SysctlProfile;
import dev.panatrace.procsys.SysctlTree;

import java.util.Optional;
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
 * A /proc/sys key lookup in the built-in k3s profile's tree, as the tracer thread makes one for every
 * intercepted path: {@code lookup} classifies the path, {@code read} returns the value. Paths: a key of its
 * own, a key served by a wildcard rule, a directory, and a path the profile does not serve.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class SysctlLookupBenchmark {
    /** The k3s tree and the path to look up. */
    @State(Scope.Benchmark)
    public static class K3sTree {
        /** The path looked up. */
        @Param({"/proc/sys/vm/overcommit_memory", "/proc/sys/net/ipv4/conf/eth0/forwarding", "/proc/sys/net/ipv4",
                "/proc/sys/no/such/key"})
        public String path;

        SysctlTree tree;

        /** Builds the tree. */
        @Setup(Level.Trial)
        public void build() {
            tree = SysctlTree.builder().profile(SysctlProfile.builtIn(SysctlProfile.K3S)).build();
        }
    }

    /** What the path is in the tree. */
    @Benchmark
    public PathKind lookup(K3sTree state) {
        return state.tree.lookup(state.path);
    }

    /** The path's value as a process reading its file gets it. */
    @Benchmark
    public Optional<String> read(K3sTree state) {
        return state.tree.read(state.path);
    }
}
