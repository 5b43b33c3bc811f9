package dev.panatrace.bench;

import dev.panatrace.terminal.StatusLine;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The macro benchmark: runs workloads W1 to W4 natively, under the engine (seccomp and syscall modes, with
 * a /proc/sys redirect), under {@code strace --seccomp-bpf} and under {@code proot -b}, and writes
 * {@code latest.json}, {@code latest.md} and {@code latest.png}. Runs alternate between tools round-robin,
 * after unmeasured warm-up runs, so a slow phase of the machine hits every tool alike. See {@link ToolRunner}
 * for what is timed and what the CPU figure covers. {@code bin/bench} runs it; {@code --help} lists options.
 * On a terminal it also shows where it stands on a status line (see {@link HarnessProgress}). With
 * {@code --gvisor} it runs the workloads inside one gVisor sandbox instead (see {@link GvisorSandbox}).
 */
public final class MacroHarness {
    private final HarnessOptions options;
    private final StatusLine log;

    /**
     * @param options what to run
     * @param log where progress and skipped tools are reported, one line each
     */
    public MacroHarness(HarnessOptions options, PrintStream log) {
        this(options, new StatusLine(log, false));
    }

    /**
     * @param options what to run
     * @param log where progress and skipped tools are reported, with a status line when it is a terminal
     */
    public MacroHarness(HarnessOptions options, StatusLine log) {
        this.options = options;
        this.log = log;
    }

    /** Runs the harness with the command line's options; exit status 2 on a usage error, 1 on a failed run. */
    public static void main(String[] args) throws Exception {
        HarnessOptions options;
        try {
            options = HarnessOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.err.print(HarnessOptions.USAGE);
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.print(HarnessOptions.USAGE);
            return;
        }
        try {
            MacroHarness harness = new MacroHarness(options, StatusLine.onStandardError(System.err));
            if (!options.threadCounts().isEmpty()) {
                System.out.print(harness.sweepThreads().markdown());
                return;
            }
            Results results = harness.run();
            // Inside a --gvisor run's sandbox the results go to the harness outside, which writes the files.
            System.out.print(options.inSandbox() ? ResultsJson.write(results)
                    : ResultsMarkdown.render(results, options.targets()));
        } catch (ToolRunner.WorkloadFailedException e) {
            System.err.println("bench: " + e.getMessage());
            System.exit(1);
        }
    }

    /**
     * Runs every chosen workload under every available chosen tool and writes the three result files; with
     * {@code --gvisor}, does that inside a gVisor sandbox (see {@link GvisorSandbox}), and inside it, only
     * measures.
     *
     * @throws ToolRunner.WorkloadFailedException if a run exits non-zero or prints the wrong output
     * @throws IllegalStateException if busybox or the Go toolchain is missing, or for --gvisor, runsc or root
     */
    public Results run() throws IOException, InterruptedException {
        if (options.gvisor() && !options.inSandbox()) {
            Results results = GvisorSandbox.measure(options, log);
            write(results);
            return results;
        }
        List<Tool> tools = availableTools();
        Path busybox = Executables.busybox().orElseThrow(() -> new IllegalStateException(
                "busybox is not installed (Debian package busybox-static)"));
        Path w3 = options.workloads().contains("W3") ? GoPrograms.build(options.repo(), "w3") : null;
        Workloads.Sizes sizes = options.gvisor()
                ? options.quick() ? Workloads.Sizes.GVISOR_QUICK : Workloads.Sizes.GVISOR
                : options.quick() ? Workloads.Sizes.QUICK : Workloads.Sizes.FULL;
        Workloads.Keys keys = options.gvisor() ? Workloads.Keys.GVISOR : Workloads.Keys.LINUX;
        // Before the runs: it records the load average the runs started under. In the sandbox the harness
        // outside describes the machine; inside, only the kernel the sandbox shows is worth saying.
        String machine = options.inSandbox() ? "" : MachineDescription.describe();

        Path scratch = Files.createTempDirectory("panatrace-bench-");
        try {
            ToolRunner runner = runner(scratch, keys, tools);
            List<Results.WorkloadResult> measured = new ArrayList<>();
            try (HarnessProgress progress = new HarnessProgress(log, System::nanoTime)) {
                int rounds = options.warmups() + options.runs();
                // The start-up line plans its own runs, once it knows which it has.
                Map<String, String> launchers = launcherVariants();
                progress.plan(options.workloads().size() * (tools.size() + launchers.size()) * rounds);
                for (Workload workload : Workloads.create(options.workloads(), sizes, keys, busybox, w3)) {
                    Map<String, TimedRun> runs = new LinkedHashMap<>();
                    for (Tool tool : tools) {
                        runs.put(tool.label(), () -> runner.run(tool, workload));
                    }
                    launchers.forEach((label, javaOptions) -> runs.put(label,
                            () -> runner.runLauncher(launcher(), javaOptions, workload)));
                    measured.add(new Results.WorkloadResult(workload.name(), workload.description(),
                            roundRobin(workload.name(), runs, progress)));
                }
                if (options.startup()) {
                    startup(runner, progress).ifPresent(measured::add);
                }
            }
            if (options.inSandbox()) {
                return new Results("", machine, Optional.of(MachineDescription.kernel()), List.copyOf(measured));
            }
            Results results = new Results(MachineDescription.commit(options.repo()), machine, List.copyOf(measured));
            write(results);
            return results;
        } finally {
            deleteTree(scratch);
        }
    }

    /**
     * Runs W3 at each of {@code --thread-counts}, with as many opens in all at every count, under every available
     * chosen tool, and writes threads.json, threads.md and threads.png.
     *
     * @throws ToolRunner.WorkloadFailedException if a run exits non-zero or prints the wrong output
     * @throws IllegalStateException if the Go toolchain is missing
     */
    public ThreadSweep sweepThreads() throws IOException, InterruptedException {
        List<Tool> tools = availableTools();
        Path w3 = GoPrograms.build(options.repo(), "w3");
        Workloads.Sizes sizes = options.quick() ? Workloads.Sizes.QUICK : Workloads.Sizes.FULL;
        int threadIterations = sizes.w3Threads() * sizes.w3Iterations();
        String machine = MachineDescription.describe();
        Path scratch = Files.createTempDirectory("panatrace-bench-");
        try {
            ToolRunner runner = runner(scratch, Workloads.Keys.LINUX, tools);
            List<ThreadSweep.Point> points = new ArrayList<>();
            try (HarnessProgress progress = new HarnessProgress(log, System::nanoTime)) {
                progress.plan(options.threadCounts().size() * tools.size() * (options.warmups() + options.runs()));
                for (int threads : options.threadCounts()) {
                    int iterations = Math.max(1, threadIterations / threads);
                    Workload workload = Workloads.w3(w3, threads, iterations, sizes.w3Plain(), Workloads.Keys.LINUX);
                    Map<String, TimedRun> runs = new LinkedHashMap<>();
                    for (Tool tool : tools) {
                        runs.put(tool.label(), () -> runner.run(tool, workload));
                    }
                    points.add(new ThreadSweep.Point(threads, iterations, ThreadSweep.intercepted(threads, iterations),
                            roundRobin("W3 x" + threads, runs, progress)));
                }
            }
            ThreadSweep sweep = new ThreadSweep(MachineDescription.commit(options.repo()), machine, List.copyOf(points));
            Path out = options.out();
            Files.createDirectories(out);
            Files.writeString(out.resolve("threads.json"), sweep.json());
            Files.writeString(out.resolve("threads.md"), sweep.markdown());
            sweep.writePng(out.resolve("threads.png"));
            log.println("bench: wrote " + out.resolve("threads.json") + ", threads.md and threads.png");
            return sweep;
        } finally {
            deleteTree(scratch);
        }
    }

    /** The chosen tools that can run here; the others are reported and left out. */
    private List<Tool> availableTools() {
        List<Tool> tools = new ArrayList<>();
        for (Tool tool : options.tools()) {
            Optional<String> missing = tool.unavailableReason();
            if (missing.isPresent()) {
                log.println("bench: skipping " + tool.label() + ": " + missing.get());
            } else {
                tools.add(tool);
            }
        }
        return tools;
    }

    /** A runner whose runs start in {@code scratch}/work, with the keys' host directory in {@code scratch}. */
    private ToolRunner runner(Path scratch, Workloads.Keys keys, List<Tool> tools) throws IOException, InterruptedException {
        Path host = scratch.resolve("host-proc-sys");
        Workloads.writeHostDirectory(host, keys);
        Path work = Files.createDirectory(scratch.resolve("work"));
        Optional<Path> reference = tools.stream().anyMatch(Tool::isReference)
                ? Optional.of(ReferenceTracer.build(options.repo())) : Optional.empty();
        return new ToolRunner(work, host, Duration.ofSeconds(options.timeoutSeconds()), reference);
    }

    /** One timed run of one tool. */
    @FunctionalInterface
    private interface TimedRun {
        Measurement run() throws IOException, InterruptedException;
    }

    /**
     * Warm-ups, then measured rounds, each round running every tool once, starting one tool later each round.
     * A tool whose run hits the time limit runs no more on this workload and keeps what it has, as a lower bound.
     */
    private Map<String, RunSummary> roundRobin(String workload, Map<String, TimedRun> runs, HarnessProgress progress)
            throws IOException, InterruptedException {
        List<String> labels = new ArrayList<>(runs.keySet());
        Map<String, List<Measurement>> measured = new LinkedHashMap<>();
        labels.forEach(label -> measured.put(label, new ArrayList<>()));
        Map<String, Measurement> timedOut = new LinkedHashMap<>();
        Map<String, Duration> lastTimes = new HashMap<>();
        for (int round = -options.warmups(); round < options.runs(); round++) {
            for (int i = 0; i < labels.size(); i++) {
                String label = labels.get(Math.floorMod(i + round, labels.size()));
                if (timedOut.containsKey(label)) {
                    continue;
                }
                boolean warmup = round < 0;
                String which = warmup ? "warm-up" : "run " + (round + 1) + "/" + options.runs();
                progress.begin(workload + " " + label + " " + which, workload, Optional.ofNullable(lastTimes.get(label)),
                        timeLeft(labels, lastTimes, timedOut.keySet(), round, i));
                Measurement m = runs.get(label).run();
                lastTimes.put(label, Duration.ofNanos((long) (m.wallSeconds() * 1e9)));
                progress.println(String.format(Locale.ROOT, "bench: %s %-16s %s %.3f s (cpu %.3f s%s)%s", workload,
                        label, warmup ? "warm-up " : which, m.wallSeconds(), m.cpuSeconds(),
                        m.tracerReport().isEmpty() ? "" : "; " + m.tracerReport(),
                        m.timedOut() ? ", killed at the time limit" : ""));
                if (m.timedOut()) {
                    timedOut.put(label, m);
                    progress.plan(-(options.runs() - 1 - round));
                }
                if (!warmup || m.timedOut()) {
                    measured.get(label).add(m);
                }
            }
        }
        Map<String, RunSummary> summaries = new LinkedHashMap<>();
        measured.forEach((label, list) -> summaries.put(label, RunSummary.of(list)));
        return summaries;
    }

    /** The start-up line's name and the labels of its runs that the start-up target compares. */
    static final String STARTUP = "startup";
    static final String JAVA_VERSION = "java -version";
    static final String LAUNCHER_RUN = "k3s-launcher run";
    /** The label of workload runs under {@code bin/k3s-launcher run --bind}, JVM start-up included. */
    static final String LAUNCHER = "launcher";

    /**
     * What the runs of a workload after the one at {@code index} of {@code round} take at each tool's last
     * time, the runs of tools that hit the time limit left out; empty while a tool that has runs left has
     * no time yet.
     */
    private Optional<Duration> timeLeft(List<String> labels, Map<String, Duration> lastTimes, Set<String> timedOut,
            int round, int index) {
        Duration left = Duration.ZERO;
        for (int r = round; r < options.runs(); r++) {
            for (int i = r == round ? index + 1 : 0; i < labels.size(); i++) {
                String label = labels.get(Math.floorMod(i + r, labels.size()));
                if (timedOut.contains(label)) {
                    continue;
                }
                Duration last = lastTimes.get(label);
                if (last == null) {
                    return Optional.empty();
                }
                left = left.plus(last);
            }
        }
        return Optional.of(left);
    }

    /**
     * The launcher's start-up line, JVM included: {@code bin/k3s-launcher run -- true}, and the same from the
     * unpacked distribution when it is built, against {@code true} alone and against {@code java -version}
     * of the JDK running the harness.
     */
    private Optional<Results.WorkloadResult> startup(ToolRunner runner, HarnessProgress progress)
            throws IOException, InterruptedException {
        Path launcher = launcher();
        Path jar = options.repo().resolve("k3s-launcher/target/k3s-launcher.jar");
        if (!Files.isExecutable(launcher) || !Files.isRegularFile(jar)) {
            log.println("bench: skipping the launcher start-up line: " + jar + " is not built (bin/bench builds it)");
            return Optional.empty();
        }
        List<String> java = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-version");
        List<String> launched = List.of(launcher.toString(), "run", "--", "true");
        Map<String, TimedRun> runs = new LinkedHashMap<>();
        runs.put("native", () -> runner.runChecked("true", List.of("true"), ""));
        runs.put(JAVA_VERSION, () -> runner.runChecked(String.join(" ", java), java, ""));
        runs.put(LAUNCHER_RUN, () -> runner.runChecked(String.join(" ", launched), launched, ""));
        for (String flags : options.launcherJavaOptions()) {
            runs.put(LAUNCHER_RUN + " " + flags, () -> runner.runChecked(String.join(" ", launched) + " with " + flags,
                    launched, Map.of(ToolRunner.JAVA_OPTIONS, flags), ""));
        }
        Optional<Path> distribution = distributionLauncher();
        if (distribution.isPresent()) {
            List<String> fromArchive = List.of(distribution.get().toString(), "run", "--", "true");
            runs.put("archive's k3s-launcher run",
                    () -> runner.runChecked(String.join(" ", fromArchive), fromArchive, ""));
        } else {
            log.println("bench: no unpacked distribution under k3s-launcher/target/dist (mvn package makes it)");
        }
        progress.plan(runs.size() * (options.warmups() + options.runs()));
        return Optional.of(new Results.WorkloadResult(STARTUP, "launcher start-up: `bin/k3s-launcher run -- true` "
                + "(and the archive's, unpacked) against `true` and `java -version`, JVM start-up included",
                roundRobin(STARTUP, runs, progress)));
    }

    /**
     * With {@code --launcher-java-opts}, the launcher's runs to compare, by label: {@code bin/k3s-launcher run
     * --bind} with its own JVM flags, and with each set of flags added; empty otherwise.
     */
    private Map<String, String> launcherVariants() {
        Map<String, String> variants = new LinkedHashMap<>();
        if (!options.launcherJavaOptions().isEmpty()) {
            variants.put(LAUNCHER, "");
            options.launcherJavaOptions().forEach(flags -> variants.put(LAUNCHER + " " + flags, flags));
        }
        return variants;
    }

    private Path launcher() {
        return options.repo().resolve("bin/k3s-launcher");
    }

    /** The bin/k3s-launcher of the distribution that mvn package unpacks in k3s-launcher/target/dist. */
    private Optional<Path> distributionLauncher() throws IOException {
        Path dist = options.repo().resolve("k3s-launcher/target/dist");
        if (!Files.isDirectory(dist)) {
            return Optional.empty();
        }
        try (Stream<Path> unpacked = Files.list(dist)) {
            return unpacked.map(dir -> dir.resolve("bin/k3s-launcher")).filter(Files::isExecutable).findFirst();
        }
    }

    private void write(Results results) throws IOException {
        Path out = options.out();
        String name = options.gvisor() ? "gvisor" : "latest";
        Files.createDirectories(out);
        Files.writeString(out.resolve(name + ".json"), ResultsJson.write(results));
        Files.writeString(out.resolve(name + ".md"), ResultsMarkdown.render(results, options.targets()));
        ResultsChart.writePng(results, out.resolve(name + ".png"));
        log.println("bench: wrote " + out.resolve(name + ".json") + ", " + name + ".md and " + name + ".png");
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
