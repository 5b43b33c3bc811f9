package dev.panatrace.bench;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything one harness run measured.
 *
 * @param commit the repository commit measured ({@code +dirty} when the work tree had changes)
 * @param machine the kernel, CPUs, memory and tool versions
 * @param environment where the runs ran when not directly on that machine, e.g. inside a gVisor sandbox
 *     and which; empty when they ran on it
 * @param workloads the workloads in the order run
 */
public record Results(String commit, String machine, Optional<String> environment, List<WorkloadResult> workloads) {
    /** Results of runs made directly on {@code machine}. */
    public Results(String commit, String machine, List<WorkloadResult> workloads) {
        this(commit, machine, Optional.empty(), workloads);
    }

    /**
     * The runs of one workload.
     *
     * @param name the workload's short name
     * @param description what it does
     * @param runs by tool label, in the order the tools were given
     */
    public record WorkloadResult(String name, String description, Map<String, RunSummary> runs) {
        /** Whether this is one of the workloads W1..Wn, not the launcher's start-up line. */
        public boolean isWorkload() {
            return name.matches("W\\d+");
        }
    }

    /** The summary of {@code tool} on workload {@code name}, if both were run. */
    public Optional<RunSummary> summary(String name, String tool) {
        return workloads.stream()
                .filter(w -> w.name().equals(name))
                .findFirst()
                .map(w -> w.runs().get(tool));
    }
}
