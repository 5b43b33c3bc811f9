package dev.panatrace.bench;

import java.util.Optional;

/**
 * One look at a launcher's JVM during a soak.
 *
 * @param minutes when, since the soak began
 * @param rssMib resident set size (VmRSS)
 * @param cpuPercent CPU time (user and system, all threads) since the sample before, in percent of one CPU
 * @param descriptors open file descriptors
 * @param threads threads of the JVM
 * @param heapAfterGcMib heap in use after the latest collection, from the launcher's GC log; empty before the first
 */
record SoakSample(double minutes, double rssMib, double cpuPercent, int descriptors, int threads,
                  Optional<Double> heapAfterGcMib) {}
