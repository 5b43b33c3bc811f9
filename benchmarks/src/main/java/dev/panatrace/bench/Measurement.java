package dev.panatrace.bench;

/**
 * One timed run.
 *
 * @param wallSeconds from spawn to exit (or to the kill, for a run that hit the time limit)
 * @param cpuSeconds CPU of the run's process tree, plus this JVM's own for in-process engine runs
 * @param timedOut whether the run was killed at the time limit, so {@code wallSeconds} is a lower bound
 * @param tracerReport for an engine run, what the engine says of it (stops, mode, how it read and wrote the
 *     tracee's memory), for a reference tracer run its counters (stops, rewrites, writes), for the progress
 *     log; empty for the other tools
 */
public record Measurement(double wallSeconds, double cpuSeconds, boolean timedOut, String tracerReport) {
    /** A run of a tool that reports nothing of its own. */
    public Measurement(double wallSeconds, double cpuSeconds, boolean timedOut) {
        this(wallSeconds, cpuSeconds, timedOut, "");
    }
}
