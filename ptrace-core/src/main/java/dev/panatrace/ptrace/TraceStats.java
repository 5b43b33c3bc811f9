package dev.panatrace.ptrace;

/**
 * Counters of a trace, as of the moment they were taken.
 *
 * @param stops every ptrace-stop the engine handled for the traced program (the spawn trampoline's excluded)
 * @param processes every process followed, the first included
 * @param threads every thread followed, each counted once
 */
public record TraceStats(long stops, long processes, long threads) {}
