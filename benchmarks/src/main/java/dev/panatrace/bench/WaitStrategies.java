package dev.panatrace.bench;

import dev.panatrace.ptrace.TraceSession;
import dev.panatrace.ptrace.Tracer;
import dev.panatrace.ptrace.paths.BindMap;
import dev.panatrace.ptrace.paths.PathRedirector;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Compares how the tracer waits for stops, on a busybox loop of N opens of a redirected /proc/sys key (W1)
 * or of N short processes (W4): blocking in waitpid, polling first, tracer and tracee pinned to one CPU,
 * and the engine's own choice (the default), next to {@code strace -f --seccomp-bpf -e trace=openat} on
 * the same loop. Rounds alternate between the variants; each line gives the best wall time, µs per
 * iteration, and the tracer's CPU time (this JVM's for the engine, strace's tree for strace).
 *
 * <pre>bin/bench --wait-strategies [W1:OPENS|W4:PROCESSES [ROUNDS]]     defaults: W1:20000, 5 rounds</pre>
 */
public final class WaitStrategies {
    private WaitStrategies() {}

    private record Sample(double wallSeconds, double cpuSeconds) {}

    public static void main(String[] args) throws Exception {
        String workload = args.length > 0 ? args[0] : "W1:20000";
        if (!workload.matches("W[14]:[0-9]+")) {
            throw new IllegalArgumentException("workload must be W1:OPENS or W4:PROCESSES, got '" + workload + "'");
        }
        boolean processes = workload.startsWith("W4");
        int opens = Integer.parseInt(workload.substring(3));
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        String busybox = Executables.busybox().orElseThrow(
                () -> new IllegalStateException("needs busybox (Debian package busybox-static)")).toString();
        Path host = Files.createTempDirectory("panatrace-wait-");
        Files.createDirectories(host.resolve("kernel"));
        Files.writeString(host.resolve("kernel/ostype"), "Redirected\n");
        BindMap binds = BindMap.builder().bind(host.toRealPath(), Path.of("/proc/sys")).build();
        String body = processes ? busybox + " true" : "read v < /proc/sys/kernel/ostype";
        String loop = "i=0; while [ $i -lt " + opens + " ]; do " + body + "; i=$((i+1)); done";
        List<String> command = List.of(busybox, "sh", "-c", loop);

        Map<String, List<Sample>> samples = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
            sample(samples, "block in waitpid", () -> engine(Tracer.builder().waitSpin(Duration.ZERO), binds, command));
            sample(samples, "poll 50 us with sched_yield, then block", () -> engine(Tracer.builder()
                    .waitSpin(Duration.ofNanos(50_000)), binds, command));
            sample(samples, "the engine's choice (default)", () -> engine(Tracer.builder(), binds, command));
            sample(samples, "tracer and tracee pinned to CPU 0", () -> engine(Tracer.builder().pinToCpu(0), binds, command));
            String strace = Executables.onPath("strace").map(Path::toString).orElse(null);
            if (strace != null) {
                sample(samples, "strace -f --seccomp-bpf -e trace=openat", () -> process(List.of(strace, "-f",
                        "--seccomp-bpf", "-e", "trace=openat", "-o", "/dev/null", busybox, "sh", "-c",
                        loop.replace("/proc/sys/kernel/ostype", host.resolve("kernel/ostype").toString()))));
            }
        }
        System.out.printf("%d %s, best of %d rounds%n", opens, processes ? "short processes" : "opens of a redirected key",
                rounds);
        for (Map.Entry<String, List<Sample>> e : samples.entrySet()) {
            Sample best = e.getValue().stream().min(Comparator.comparingDouble(Sample::wallSeconds)).orElseThrow();
            System.out.printf("%-52s wall %.3f s  %5.1f us/iteration  tracer cpu %.3f s%n", e.getKey(), best.wallSeconds(),
                    best.wallSeconds() * 1e6 / opens, best.cpuSeconds());
        }
    }

    private interface Run {
        Sample run() throws Exception;
    }

    private static void sample(Map<String, List<Sample>> samples, String name, Run run) throws Exception {
        samples.computeIfAbsent(name, k -> new ArrayList<>()).add(run.run());
    }

    private static Sample engine(Tracer.Builder builder, BindMap binds, List<String> command) throws Exception {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        try (TraceSession session = builder.handler(new PathRedirector(binds)).spawn(command)) {
            session.waitFor();
        }
        long t1 = System.nanoTime();
        return new Sample((t1 - t0) / 1e9, (os.getProcessCpuTime() - cpu0) / 1e9);
    }

    private static Sample process(List<String> command) throws Exception {
        long cpu0 = ResourceUsage.childrenCpuNanos();
        long t0 = System.nanoTime();
        Process process = new ProcessBuilder(command).inheritIO().start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("timed out: " + command);
        }
        long t1 = System.nanoTime();
        return new Sample((t1 - t0) / 1e9, (ResourceUsage.childrenCpuNanos() - cpu0) / 1e9);
    }
}
