package dev.panatrace.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A speed target from the benchmarks issue, checked against medians: the ratio {@code slower / faster}
 * must be at least {@code factor} (a "within 1.3x" target is {@code native / engine >= 1 / 1.3}).
 *
 * @param workload the workload it is about
 * @param text how the target reads in the results
 * @param numeratorTool the tool expected to be slower (or the reference for a "within" target)
 * @param denominatorTool the tool expected to be faster
 * @param requiredRatio the least ratio of the numerator's median to the denominator's that meets it
 */
public record Target(String workload, String text, String numeratorTool, String denominatorTool,
                     double requiredRatio) {
    /**
     * The targets on the host (issue 14): the engine against the reference tracer, which makes the same
     * syscalls per stop in C (pinned for the single-threaded W1; for W3's 64 threads one CPU would
     * serialize them, so unpinned), against native runs, strace and proot, and the launcher's start-up.
     */
    public static List<Target> issueTargets() {
        List<Target> targets = new ArrayList<>();
        targets.add(new Target("W1", "W1 engine-seccomp within 1.5x reference-pinned", Tool.REFERENCE_PINNED.label(),
                "engine-seccomp", 1 / 1.5));
        targets.add(new Target("W1", "W1 engine-seccomp at least 2x faster than strace-seccomp",
                Tool.STRACE_SECCOMP.label(), "engine-seccomp", 2.0));
        targets.add(new Target("W2", "W2 engine-seccomp within 1.15x native", "native", "engine-seccomp", 1 / 1.15));
        targets.add(new Target("W3", "W3 engine-seccomp within 1.5x reference", Tool.REFERENCE.label(),
                "engine-seccomp", 1 / 1.5));
        targets.add(new Target("W4", "W4 engine-seccomp at most 0.9x strace-seccomp", Tool.STRACE_SECCOMP.label(),
                "engine-seccomp", 1 / 0.9));
        targets.addAll(fasterThanProot());
        targets.add(new Target(MacroHarness.STARTUP, "`k3s-launcher run -- true` within 4x `java -version`",
                MacroHarness.JAVA_VERSION, MacroHarness.LAUNCHER_RUN, 1 / 4.0));
        return targets;
    }

    /** The targets inside gVisor (issue 12): W2 within 1.3x native, W1 no slower than strace, W1 to W3 5x faster than proot. */
    public static List<Target> gvisorTargets() {
        List<Target> targets = new ArrayList<>();
        targets.add(new Target("W2", "W2 engine-seccomp within 1.3x native", "native", "engine-seccomp", 1 / 1.3));
        targets.add(new Target("W1", "W1 engine-seccomp no slower than strace-seccomp",
                Tool.STRACE_SECCOMP.label(), "engine-seccomp", 1.0));
        targets.addAll(fasterThanProot());
        return targets;
    }

    private static List<Target> fasterThanProot() {
        List<Target> targets = new ArrayList<>();
        for (String w : List.of("W1", "W2", "W3")) {
            targets.add(new Target(w, w + " engine-seccomp at least 5x faster than proot", "proot", "engine-seccomp", 5.0));
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
        // "within" and "at most" targets read as the engine's time against the other's; "faster" ones as a speed-up.
        if (requiredRatio < 1 || text.contains(" at most ")) {
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
