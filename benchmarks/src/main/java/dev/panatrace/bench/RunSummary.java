package dev.panatrace.bench;

import java.util.Arrays;
import java.util.List;

/**
 * The measured runs of one tool on one workload.
 *
 * @param medianSeconds the median wall time
 * @param minSeconds the fastest run
 * @param maxSeconds the slowest run
 * @param cpuSeconds the median CPU time
 * @param n how many runs were measured
 * @param lowerBound whether a run hit the time limit, so the real times are larger
 */
public record RunSummary(double medianSeconds, double minSeconds, double maxSeconds, double cpuSeconds, int n,
                         boolean lowerBound) {
    /**
     * Summarizes measured runs.
     *
     * @throws IllegalArgumentException if there are none
     */
    public static RunSummary of(List<Measurement> runs) {
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no runs to summarize");
        }
        double[] wall = runs.stream().mapToDouble(Measurement::wallSeconds).sorted().toArray();
        double[] cpu = runs.stream().mapToDouble(Measurement::cpuSeconds).sorted().toArray();
        return new RunSummary(median(wall), wall[0], wall[wall.length - 1], median(cpu), runs.size(),
                runs.stream().anyMatch(Measurement::timedOut));
    }

    /** The median of sorted values: the middle one, or the mean of the two middle ones. */
    static double median(double[] sorted) {
        if (sorted.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        if (!isSorted(sorted)) {
            throw new IllegalArgumentException("values must be sorted: " + Arrays.toString(sorted));
        }
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static boolean isSorted(double[] values) {
        for (int i = 1; i < values.length; i++) {
            if (values[i - 1] > values[i]) {
                return false;
            }
        }
        return true;
    }
}
