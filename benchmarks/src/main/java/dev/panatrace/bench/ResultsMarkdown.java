package dev.panatrace.bench;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Renders {@link Results} as {@code benchmarks/results/latest.md}: medians, ratios to native, the targets. */
public final class ResultsMarkdown {
    private ResultsMarkdown() {}

    /** The Markdown text. */
    public static String render(Results results, List<Target> targets) {
        Set<String> tools = new LinkedHashSet<>();
        results.workloads().stream().filter(Results.WorkloadResult::isWorkload).forEach(w -> tools.addAll(w.runs().keySet()));
        StringBuilder md = new StringBuilder("# panatrace macro benchmarks\n\n");
        md.append("Commit `").append(results.commit()).append("`; ").append(results.machine()).append(".\n\n");
        results.environment().ifPresent(e -> md.append("Every run inside ").append(e).append(".\n\n"));
        md.append("Median wall time in seconds from spawn to exit (JVM start-up excluded), and the ratio to native. ")
                .append("`>=` marks a run killed at the time limit.");
        if (tools.stream().anyMatch(t -> t.startsWith(MacroHarness.LAUNCHER))) {
            md.append(" The `").append(MacroHarness.LAUNCHER).append("` columns run `bin/k3s-launcher run --bind`, ")
                    .append("its JVM's start-up included, with its own JVM flags and with the flags named added.");
        }
        md.append("\n\n");
        header(md, tools);
        for (Results.WorkloadResult w : results.workloads()) {
            if (!w.isWorkload()) {
                continue;
            }
            RunSummary nat = w.runs().get("native");
            md.append("| ").append(w.name()).append(" |");
            for (String tool : tools) {
                RunSummary s = w.runs().get(tool);
                md.append(' ').append(s == null ? "—" : cell(s, nat)).append(" |");
            }
            md.append('\n');
        }
        md.append("\nMedian CPU seconds (user + system of the process tree; for the engine tools also this JVM's, ")
                .append("which holds the tracer thread):\n\n");
        header(md, tools);
        for (Results.WorkloadResult w : results.workloads()) {
            if (!w.isWorkload()) {
                continue;
            }
            md.append("| ").append(w.name()).append(" |");
            for (String tool : tools) {
                RunSummary s = w.runs().get(tool);
                md.append(' ').append(s == null ? "—" : String.format(Locale.ROOT, "%.3f", s.cpuSeconds())).append(" |");
            }
            md.append('\n');
        }
        md.append("\nWorkloads:\n\n");
        for (Results.WorkloadResult w : results.workloads()) {
            md.append("- **").append(w.name()).append("**: ").append(w.description()).append('\n');
        }
        for (Results.WorkloadResult w : results.workloads()) {
            if (w.isWorkload()) {
                continue;
            }
            md.append("\n").append(w.name()).append(" (JVM start-up included):");
            RunSummary nat = w.runs().get("native");
            w.runs().forEach((tool, s) -> md.append(" `").append(tool).append("` ").append(cell(s, nat)).append(';'));
            md.setLength(md.length() - 1);
            md.append(".\n");
        }
        md.append("\n## Targets\n\n| target | result |\n|---|---|\n");
        for (Target target : targets) {
            md.append("| ").append(target.text()).append(" | ").append(target.verdict(results)).append(" |\n");
        }
        return md.toString();
    }

    private static String cell(RunSummary s, RunSummary nat) {
        String bound = s.lowerBound() ? ">= " : "";
        String cell = String.format(Locale.ROOT, "%s%.3f", bound, s.medianSeconds());
        if (nat != null && nat != s) {
            cell += String.format(Locale.ROOT, " (%s%.2fx)", bound, s.medianSeconds() / nat.medianSeconds());
        }
        return cell;
    }

    /** A table's header row and alignment row: one column for the workload, one per tool. */
    private static void header(StringBuilder md, Iterable<String> tools) {
        md.append("| workload |");
        tools.forEach(t -> md.append(' ').append(t).append(" |"));
        md.append("\n|---|");
        tools.forEach(t -> md.append("---:|"));
        md.append('\n');
    }
}
