package dev.panatrace.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * What a soak measured.
 *
 * @param commit the repository's commit
 * @param machine what it ran on, with the load average at the start
 * @param length how long the load ran
 * @param interval how often the launchers were sampled
 * @param jvmFlags each launcher's JVM flags, as its command line shows them
 * @param containers containers run; {@code failedContainers} of them failed
 * @param roundTrips etcd put/get round trips; {@code failedRoundTrips} of them failed
 * @param samples each launcher's samples, in time order, by daemon name
 * @param progress the load's counts at each sampling, in time order
 * @param shutdown how SIGTERM under load ended things
 * @param restart what a restarted etcd served
 * @param problems everything that went wrong, failures of the load included
 */
record SoakResults(String commit, String machine, Duration length, Duration interval, Map<String, String> jvmFlags,
                   long containers, long failedContainers, long roundTrips, long failedRoundTrips,
                   Map<String, List<SoakSample>> samples, List<LoadCount> progress, Shutdown shutdown, Restart restart,
                   List<String> problems) {
    /**
     * The growth over the second half of a soak that a descriptor or thread count may show, fitted by least
     * squares. A leak worth finding takes one per container or per etcd round trip, and the load makes more than
     * sixty of each a minute, so it grows by dozens within a minute. A steady JVM changes by a step now and then
     * (a compiler thread started or retired, a descriptor opened for a log): a step of one or two over the window
     * fits a growth of at most three.
     */
    static final double MOST_GROWTH = 3.5;

    /** The load's counts so far, {@code minutes} into the soak. */
    record LoadCount(double minutes, long containers, long failedContainers, long roundTrips, long failedRoundTrips) {}

    /**
     * @param processes processes under the two launchers when SIGTERM was sent (the daemons, containerd's shims
     *     and runc, the containers)
     * @param launcherSeconds each launcher's time from SIGTERM to its exit, by daemon name
     * @param exitStatus each launcher's exit status
     * @param allEndedSeconds SIGTERM to the last of {@code processes} gone (the limit when some were left)
     * @param leftRunning processes still running at the limit, with their command lines
     */
    record Shutdown(int processes, Map<String, Double> launcherSeconds, Map<String, Integer> exitStatus,
                    double allEndedSeconds, List<String> leftRunning) {}

    /**
     * @param lastAcknowledged the value of the last put etcd acknowledged before the shutdown
     * @param lastAttempted the value of the last put sent; those after the last acknowledged one may have been
     *     stored with their acknowledgement lost in the shutdown
     * @param served what the restarted etcd served for the key
     * @param ended whether the restarted etcd's launcher ended on SIGTERM
     */
    record Restart(long lastAcknowledged, long lastAttempted, String served, boolean ended) {
        /**
         * Whether etcd kept what it acknowledged: the puts count up one at a time, so the value served is the last
         * acknowledged one or one sent after it.
         */
        boolean servedLastValue() {
            try {
                long value = Long.parseLong(served);
                return value >= lastAcknowledged && value <= lastAttempted;
            } catch (NumberFormatException e) {
                return false;
            }
        }
    }

    /** A quantity sampled, with its unit and how it is read from a sample. */
    enum Metric {
        RSS("RSS", "MiB", SoakSample::rssMib),
        HEAP("heap after GC", "MiB", s -> s.heapAfterGcMib().orElse(Double.NaN)),
        CPU("CPU", "% of a CPU", SoakSample::cpuPercent),
        DESCRIPTORS("descriptors", "", SoakSample::descriptors),
        THREADS("threads", "", SoakSample::threads);

        final String label;
        final String unit;
        final ToDoubleFunction<SoakSample> value;

        Metric(String label, String unit, ToDoubleFunction<SoakSample> value) {
            this.label = label;
            this.unit = unit;
            this.value = value;
        }
    }

    /**
     * The least-squares slope of {@code metric} over the second half of {@code daemon}'s samples, per hour; NaN
     * when fewer than two of them have a value.
     */
    double slopePerHour(String daemon, Metric metric) {
        List<SoakSample> all = samples.get(daemon);
        List<Double> minutes = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        for (SoakSample sample : all.subList(all.size() / 2, all.size())) {
            double value = metric.value.applyAsDouble(sample);
            if (!Double.isNaN(value)) {
                minutes.add(sample.minutes());
                values.add(value);
            }
        }
        return minutes.size() < 2 ? Double.NaN : Trend.slope(minutes, values) * 60;
    }

    /** The growth the fitted line shows across the second half of the samples. */
    double secondHalfGrowth(String daemon, Metric metric) {
        List<SoakSample> all = samples.get(daemon);
        double span = all.getLast().minutes() - all.get(all.size() / 2).minutes();
        return slopePerHour(daemon, metric) / 60 * span;
    }

    /**
     * Everything that makes the soak a failure: failed containers or round trips, a launcher that grew in
     * descriptors or threads, an unclean shutdown, a restarted etcd without the last value.
     */
    List<String> failures() {
        List<String> failures = new ArrayList<>(problems);
        if (failedContainers > 0 || failedRoundTrips > 0) {
            failures.add(failedContainers + " containers and " + failedRoundTrips + " etcd round trips failed");
        }
        for (String daemon : samples.keySet()) {
            for (Metric metric : List.of(Metric.DESCRIPTORS, Metric.THREADS)) {
                double growth = secondHalfGrowth(daemon, metric);
                if (!(growth < MOST_GROWTH)) {
                    failures.add(String.format(Locale.ROOT, "the %s launcher's %s grew by %.1f over the second "
                            + "half (at most %.1f)", daemon, metric.label, growth, MOST_GROWTH));
                }
            }
        }
        if (!restart.servedLastValue()) {
            failures.add("the restarted etcd served '" + restart.served() + "', not the last value written ("
                    + restart.lastAcknowledged() + ")");
        }
        if (!restart.ended()) {
            failures.add("the restarted etcd's launcher did not end on SIGTERM");
        }
        return failures;
    }

    boolean passed() {
        return failures().isEmpty();
    }
}
