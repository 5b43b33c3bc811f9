package dev.panatrace.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The macro harness' command line.
 *
 * @param quick small workload sizes and two measured runs, for a smoke test
 * @param gvisor whether the workloads run inside one gVisor sandbox, at gVisor's sizes, into gvisor.json,
 *     gvisor.md and gvisor.png (see {@link GvisorSandbox})
 * @param inSandbox whether this is the part of a gVisor run inside the sandbox, which measures and prints
 *     the results as JSON on standard output instead of writing files
 * @param out where latest.json, latest.md and latest.png (gvisor.* for a gVisor run) go
 * @param workloads the workloads to run, by name
 * @param tools the tools to run them under
 * @param runs measured runs per tool and workload
 * @param warmups unmeasured runs per tool and workload before the measured ones
 * @param timeoutSeconds a run taking longer is killed and recorded as a lower bound
 * @param startup whether to measure the launcher's start-up line
 * @param threadCounts for a {@code --threads} sweep, the W3 thread counts to run, in that order (the sweep then
 *     replaces W1 to W4); empty otherwise
 * @param launcherJavaOptions sets of JVM flags to compare the launcher with: each workload also runs under
 *     {@code bin/k3s-launcher run --bind} with its own flags and with each set added, and the start-up line gains a
 *     launcher run with each set
 * @param repo the repository root
 * @param help whether only the usage was asked for
 */
public record HarnessOptions(boolean quick, boolean gvisor, boolean inSandbox, Path out, List<String> workloads,
                             List<Tool> tools, int runs, int warmups, int timeoutSeconds, boolean startup,
                             List<Integer> threadCounts, List<String> launcherJavaOptions, Path repo,
                             boolean help) {
    /** Every workload, in the order they run. */
    public static final List<String> ALL_WORKLOADS = List.of("W1", "W2", "W3", "W4");

    /** The thread counts of a {@code --threads} sweep. */
    public static final List<Integer> SWEEP_THREADS = List.of(1, 4, 16, 64, 256);
    /** The thread counts of a {@code --threads --quick} sweep. */
    public static final List<Integer> QUICK_SWEEP_THREADS = List.of(1, 4, 16);

    /** The tools a sweep uses unless told otherwise: those that finish 256 threads in seconds. */
    public static final List<Tool> SWEEP_TOOLS = List.of(Tool.NATIVE, Tool.ENGINE_SECCOMP, Tool.STRACE_SECCOMP,
            Tool.REFERENCE, Tool.REFERENCE_PINNED);

    /** The tools a gVisor run uses unless told otherwise: engine-syscall stops at every syscall, far too slow there. */
    public static final List<Tool> GVISOR_TOOLS = List.of(Tool.NATIVE, Tool.ENGINE_SECCOMP, Tool.STRACE_SECCOMP,
            Tool.PROOT);

    /** The usage text. */
    public static final String USAGE = """
            usage: bin/bench [--quick] [--gvisor] [--out DIR] [--workloads W1,W2,W3,W4] [--tools TOOL,...]
                             [--runs N] [--warmups N] [--timeout-s S] [--no-startup | --startup-only]
                             [--launcher-java-opts FLAGS]...
                   bin/bench --threads [--thread-counts N,N,...] [--quick] [--tools ...] [--runs N] [--out DIR]
              --quick       small workloads and 2 measured runs (default out: benchmarks/target/bench-quick)
              --gvisor      every run inside one gVisor sandbox (runsc do, as root), at gVisor's sizes, into
                            gvisor.json, gvisor.md and gvisor.png; no start-up line (default tools: native,
                            engine-seccomp, strace-seccomp, proot; default runs 3; with --quick default out:
                            benchmarks/target/bench-gvisor-quick)
              --out DIR     where latest.json, latest.md and latest.png go (default: benchmarks/results)
              --workloads   which workloads to run (default: all)
              --tools       native, engine-seccomp, engine-syscall, strace-seccomp, proot, reference,
                            reference-pinned (default: all; a tool that cannot run here is skipped with a
                            message; the reference tracer is compiled with gcc)
              --runs N      measured runs per tool and workload (default 5, --quick 2)
              --warmups N   unmeasured runs before them (default 1)
              --timeout-s S a run over S seconds is killed and recorded as a lower bound (default 60)
              --no-startup  skip the launcher start-up line
              --startup-only  only the start-up line (default out: benchmarks/target/bench-startup)
              --threads     instead of W1-W4: W3 at 1, 4, 16, 64 and 256 threads, the same opens in all, as
                            cost per intercepted syscall against threads into threads.json, threads.md and
                            threads.png (default tools: native, engine-seccomp, strace-seccomp, reference,
                            reference-pinned; --quick: 1, 4 and 16 threads)
              --thread-counts N,N,...  the sweep's thread counts
              --launcher-java-opts FLAGS
                            also run each workload under bin/k3s-launcher run --bind (launcher start-up
                            included), with the launcher's JVM flags and with FLAGS added (repeatable), and
                            the start-up line with FLAGS, to compare JVM settings in one run
            """;

    /** The hidden option that marks the harness started inside the sandbox by a --gvisor run. */
    static final String IN_SANDBOX = "--in-sandbox";

    /**
     * Parses the arguments.
     *
     * @throws IllegalArgumentException for an unknown option or a bad value, with what was wrong
     */
    public static HarnessOptions parse(String... args) {
        Path repo = RepositoryRoot.find();
        boolean quick = false;
        boolean gvisor = false;
        boolean inSandbox = false;
        Path out = null;
        List<String> workloads = ALL_WORKLOADS;
        List<Tool> tools = null;
        Integer runs = null;
        int warmups = 1;
        int timeout = 60;
        boolean startup = true;
        boolean startupOnly = false;
        boolean sweep = false;
        List<Integer> threadCounts = null;
        boolean help = false;
        List<String> launcherJavaOptions = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--quick" -> quick = true;
                case "--gvisor" -> gvisor = true;
                case IN_SANDBOX -> inSandbox = true;
                case "--no-startup" -> startup = false;
                case "--startup-only" -> {
                    workloads = List.of();
                    startupOnly = true;
                }
                case "--threads" -> sweep = true;
                case "--thread-counts" -> threadCounts = threadCounts(value(args, ++i, arg));
                case "-h", "--help" -> help = true;
                case "--out" -> out = Path.of(value(args, ++i, arg)).toAbsolutePath();
                case "--workloads" -> workloads = workloads(value(args, ++i, arg));
                case "--tools" -> tools = Arrays.stream(value(args, ++i, arg).split(",")).map(Tool::byLabel).toList();
                case "--runs" -> runs = count(value(args, ++i, arg), arg, 1);
                case "--warmups" -> warmups = count(value(args, ++i, arg), arg, 0);
                case "--timeout-s" -> timeout = count(value(args, ++i, arg), arg, 1);
                case "--launcher-java-opts" -> launcherJavaOptions.add(flags(value(args, ++i, arg), arg));
                default -> throw new IllegalArgumentException("unknown option '" + arg + "'");
            }
        }
        if (gvisor && startupOnly) {
            throw new IllegalArgumentException("--gvisor has no start-up line: --startup-only runs on the host only");
        }
        if (threadCounts != null && !sweep) {
            throw new IllegalArgumentException("--thread-counts is for a --threads sweep");
        }
        if (sweep && (gvisor || startupOnly)) {
            throw new IllegalArgumentException("--threads runs on the host and replaces the workloads and start-up line: "
                    + "not with " + (gvisor ? "--gvisor" : "--startup-only"));
        }
        if (inSandbox && !gvisor) {
            throw new IllegalArgumentException(IN_SANDBOX + " is only for the harness that --gvisor starts");
        }
        if (out == null) {
            out = repo.resolve(startupOnly ? "benchmarks/target/bench-startup"
                    : gvisor && quick ? "benchmarks/target/bench-gvisor-quick"
                    : quick ? "benchmarks/target/bench-quick" : "benchmarks/results");
        }
        if (tools == null) {
            tools = gvisor ? GVISOR_TOOLS : sweep ? SWEEP_TOOLS : List.of(Tool.values());
        }
        if (sweep) {
            workloads = List.of();
            startup = false;
            if (threadCounts == null) {
                threadCounts = quick ? QUICK_SWEEP_THREADS : SWEEP_THREADS;
            }
        }
        if (runs == null) {
            runs = quick ? 2 : gvisor ? 3 : 5;
        }
        if (gvisor && !launcherJavaOptions.isEmpty()) {
            throw new IllegalArgumentException("--launcher-java-opts runs on the host only, not with --gvisor");
        }
        return new HarnessOptions(quick, gvisor, inSandbox, out, workloads, tools, runs, warmups, timeout,
                startup && !gvisor, sweep ? threadCounts : List.of(), List.copyOf(launcherJavaOptions), repo, help);
    }

    /** The targets the results are held to: the issue's, or inside gVisor those that apply there. */
    List<Target> targets() {
        return gvisor ? Target.gvisorTargets() : Target.issueTargets();
    }

    /**
     * The arguments that start the harness inside a --gvisor run's sandbox: these options, spelt out, with
     * {@value #IN_SANDBOX}. The sandbox writes no files the host sees, so {@code out} is not among them.
     */
    List<String> sandboxArguments() {
        List<String> args = new ArrayList<>(List.of("--gvisor", IN_SANDBOX));
        if (quick) {
            args.add("--quick");
        }
        args.addAll(List.of("--workloads", String.join(",", workloads),
                "--tools", String.join(",", tools.stream().map(Tool::label).toList()),
                "--runs", Integer.toString(runs), "--warmups", Integer.toString(warmups),
                "--timeout-s", Integer.toString(timeoutSeconds)));
        return args;
    }

    private static List<String> workloads(String list) {
        List<String> chosen = new ArrayList<>();
        for (String name : list.split(",")) {
            if (!ALL_WORKLOADS.contains(name)) {
                throw new IllegalArgumentException("unknown workload '" + name + "'; known: " + ALL_WORKLOADS);
            }
            chosen.add(name);
        }
        return List.copyOf(chosen);
    }

    private static List<Integer> threadCounts(String list) {
        List<Integer> counts = new ArrayList<>();
        for (String count : list.split(",", -1)) {
            counts.add(count(count, "--thread-counts", 1));
        }
        return List.copyOf(counts);
    }

    private static String value(String[] args, int index, String option) {
        if (index >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[index];
    }

    private static String flags(String text, String option) {
        String flags = text.strip().replaceAll("\\s+", " ");
        if (!flags.startsWith("-")) {
            throw new IllegalArgumentException(option + " wants JVM flags, such as -XX:+UseG1GC, got '" + text + "'");
        }
        return flags;
    }

    private static int count(String text, String option, int least) {
        try {
            int value = Integer.parseInt(text);
            if (value >= least) {
                return value;
            }
        } catch (NumberFormatException e) {
            // Reported below with the option's name.
        }
        throw new IllegalArgumentException(option + " wants a whole number of at least " + least + ", got '" + text + "'");
    }
}
