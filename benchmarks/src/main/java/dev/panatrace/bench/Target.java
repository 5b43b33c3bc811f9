package dev.panatrace.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A speed target from the benchmarks issues, checked against medians: the ratio {@code slower / faster}
 * must be at least {@code requiredRatio}. Two kinds: a tool at most a factor of another's time ("within
 * 1.3x native": {@code native / engine >= 1 / 1.3}), shown as that share, and a tool some factor faster than
 * another ("5x faster than proot": {@code proot / engine >= 5}), shown as the speed-up.
 *
 * @param workload the workload it is about
 * @param text how the target reads in the results
 * @param numeratorTool the tool expected to be slower (or the other tool of an "at most" target)
 * @param denominatorTool the tool expected to be faster
 * @param requiredRatio the least ratio of the numerator's median to the denominator's that meets it
 * @param share whether the result reads as the denominator's time against the numerator's
 */
public record Target(String workload, String text, String numeratorTool, String denominatorTool,
                     double requiredRatio, boolean share) {
    private static final String ENGINE = Tool.ENGINE_SECCOMP.label();

    /** {@code tool}'s median at most {@code factor} times {@code other}'s. */
    static Target atMost(String workload, String text, String tool, String other, double factor) {
        return new Target(workload, text, other, tool, 1 / factor, true);
    }

    /** {@code tool}'s median at least {@code factor} times shorter than {@code other}'s. */
    static Target fasterBy(String workload, String text, String tool, String other, double factor) {
        return new Target(workload, text, other, tool, factor, false);
    }

    /**
     * The targets on the host (issue 14): the engine against the reference tracer, which makes the same
     * syscalls per stop in C (pinned for the single-threaded W1; for W3's 64 threads one CPU would
     * serialize them, so unpinned), against native runs, strace and proot, and the launcher's start-up.
     */
    public static List<Target> issueTargets() {
        List<Target> targets = new ArrayList<>();
        targets.add(atMost("W1", "W1 engine-seccomp within 1.5x reference-pinned", ENGINE,
                Tool.REFERENCE_PINNED.label(), 1.5));
        targets.add(fasterBy("W1", "W1 engine-seccomp at least 2x faster than strace-seccomp", ENGINE,
                Tool.STRACE_SECCOMP.label(), 2.0));
        targets.add(atMost("W2", "W2 engine-seccomp within 1.15x native", ENGINE, Tool.NATIVE.label(), 1.15));
        targets.add(atMost("W3", "W3 engine-seccomp within 1.5x reference", ENGINE, Tool.REFERENCE.label(), 1.5));
        targets.add(atMost("W4", "W4 engine-seccomp at most 0.9x strace-seccomp", ENGINE,
                Tool.STRACE_SECCOMP.label(), 0.9));
        targets.addAll(fasterThanProot());
        targets.add(atMost(MacroHarness.STARTUP, "`k3s-launcher run -- true` within 4x `java -version`",
                MacroHarness.LAUNCHER_RUN, MacroHarness.JAVA_VERSION, 4.0));
        return targets;
    }

    /** The targets inside gVisor (issue 12): W2 within 1.3x native, W1 no slower than strace, W1 to W3 5x faster than proot. */
    public static List<Target> gvisorTargets() {
        List<Target> targets = new ArrayList<>();
        targets.add(atMost("W2", "W2 engine-seccomp within 1.3x native", ENGINE, Tool.NATIVE.label(), 1.3));
        targets.add(fasterBy("W1", "W1 engine-seccomp no slower than strace-seccomp", ENGINE,
                Tool.STRACE_SECCOMP.label(), 1.0));
        targets.addAll(fasterThanProot());
        return targets;
    }

    private static List<Target> fasterThanProot() {
        List<Target> targets = new ArrayList<>();
        for (String w : List.of("W1", "W2", "W3")) {
            targets.add(fasterBy(w, w + " engine-seccomp at least 5x faster than proot", ENGINE, Tool.PROOT.label(), 5.0));
        }
        return targets;
    }

    /**
     * How the target fares.
     *
     * @return "met" or "missed" with the measured factor, or "not measured" when a tool did not run
     */
    public String verdict(Results results) {
        Optional<RunSummary> numerator = results.summary(workload, numeratorTool);
        Optional<RunSummary> denominator = results.summary(workload, denominatorTool);
        if (numerator.isEmpty() || denominator.isEmpty()) {
            return "not measured";
        }
        double ratio = numerator.get().medianSeconds() / denominator.get().medianSeconds();
        // A numerator that hit the time limit is only known to be at least this slow.
        String bound = numerator.get().lowerBound() ? ">= " : "";
        String measured;
        if (share) {
            measured = String.format(Locale.ROOT, "%s at %.2fx %s", denominatorTool, 1 / ratio, numeratorTool);
        } else {
            measured = String.format(Locale.ROOT, "%s%.2fx", bound, ratio);
        }
        boolean met = ratio >= requiredRatio;
        if (!met && numerator.get().lowerBound()) {
            return "unknown (" + numeratorTool + " hit the time limit): " + measured;
        }
        return (met ? "met" : "missed") + " (" + measured + ")";
    }
}
