package dev.panatrace.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.SeriesRenderingOrder;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Writes a soak's {@code soak.json}, {@code soak.md} and {@code soak.png}. The JSON:
 * <pre>{@code
 * {"commit": "...", "machine": "...", "minutes": 60, "interval_s": 10,
 *  "load": {"containers": 4100, "failed_containers": 0, "etcd_round_trips": 20000, "failed_etcd_round_trips": 0,
 *     "samples": [{"minutes": 0.0, "containers": 0, "failed_containers": 0, "etcd_round_trips": 0,
 *                  "failed_etcd_round_trips": 0}, ...]},
 *  "launchers": {"containerd": {"jvm_flags": "...", "slopes_per_hour": {"rss_mib": 0.1, ...},
 *     "samples": [{"minutes": 0.0, "rss_mib": 61.2, "cpu_percent": 4.1, "descriptors": 9, "threads": 16,
 *                  "heap_after_gc_mib": 3.0}, ...]}, "etcd": {...}},
 *  "shutdown": {"processes": 9, "launcher_s": {"containerd": 1.2, "etcd": 0.4}, "exit_status": {...},
 *               "all_ended_s": 1.3, "left_running": []},
 *  "restart": {"last_acknowledged": 19999, "last_attempted": 20000, "served": "19999", "served_last_value": true},
 *  "failures": []}
 * }</pre>
 * A heap value is null before the launcher's first collection.
 */
final class SoakReport {
    private static final int WIDTH = 1100;
    private static final int HEIGHT = 900;
    private static final Color[] LINE_COLOURS = {new Color(0xc0, 0x30, 0x30), new Color(0x20, 0x50, 0xc0)};

    private SoakReport() {}

    static void write(SoakResults results, Path out) throws IOException {
        Files.createDirectories(out);
        Files.writeString(out.resolve("soak.json"), json(results));
        Files.writeString(out.resolve("soak.md"), markdown(results));
        writePng(results, out.resolve("soak.png"));
    }

    static String json(SoakResults r) {
        StringBuilder out = new StringBuilder();
        out.append("{\n  \"commit\": ").append(ResultsJson.string(r.commit()))
                .append(",\n  \"machine\": ").append(ResultsJson.string(r.machine()))
                .append(",\n  \"minutes\": ").append(number(r.length().toSeconds() / 60.0))
                .append(",\n  \"interval_s\": ").append(r.interval().toSeconds())
                .append(",\n  \"load\": {\"containers\": ").append(r.containers())
                .append(", \"failed_containers\": ").append(r.failedContainers())
                .append(", \"etcd_round_trips\": ").append(r.roundTrips())
                .append(", \"failed_etcd_round_trips\": ").append(r.failedRoundTrips())
                .append(",\n    \"samples\": [");
        Iterator<SoakResults.LoadCount> counts = r.progress().iterator();
        while (counts.hasNext()) {
            SoakResults.LoadCount c = counts.next();
            out.append("\n      {\"minutes\": ").append(number(c.minutes()))
                    .append(", \"containers\": ").append(c.containers())
                    .append(", \"failed_containers\": ").append(c.failedContainers())
                    .append(", \"etcd_round_trips\": ").append(c.roundTrips())
                    .append(", \"failed_etcd_round_trips\": ").append(c.failedRoundTrips())
                    .append('}').append(counts.hasNext() ? "," : "");
        }
        out.append("]},\n  \"launchers\": {");
        Iterator<Map.Entry<String, List<SoakSample>>> launchers = r.samples().entrySet().iterator();
        while (launchers.hasNext()) {
            Map.Entry<String, List<SoakSample>> launcher = launchers.next();
            String daemon = launcher.getKey();
            out.append("\n    ").append(ResultsJson.string(daemon)).append(": {\"jvm_flags\": ")
                    .append(ResultsJson.string(r.jvmFlags().get(daemon))).append(", \"slopes_per_hour\": {");
            SoakResults.Metric[] metrics = SoakResults.Metric.values();
            for (int i = 0; i < metrics.length; i++) {
                out.append(i == 0 ? "" : ", ").append(ResultsJson.string(key(metrics[i]))).append(": ")
                        .append(number(r.slopePerHour(daemon, metrics[i])));
            }
            out.append("},\n      \"samples\": [");
            Iterator<SoakSample> samples = launcher.getValue().iterator();
            while (samples.hasNext()) {
                SoakSample s = samples.next();
                out.append("\n        {\"minutes\": ").append(number(s.minutes()))
                        .append(", \"rss_mib\": ").append(number(s.rssMib()))
                        .append(", \"cpu_percent\": ").append(number(s.cpuPercent()))
                        .append(", \"descriptors\": ").append(s.descriptors())
                        .append(", \"threads\": ").append(s.threads())
                        .append(", \"heap_after_gc_mib\": ").append(s.heapAfterGcMib().map(SoakReport::number).orElse("null"))
                        .append('}').append(samples.hasNext() ? "," : "");
            }
            out.append("]}").append(launchers.hasNext() ? "," : "");
        }
        SoakResults.Shutdown shutdown = r.shutdown();
        out.append("\n  },\n  \"shutdown\": {\"processes\": ").append(shutdown.processes())
                .append(", \"launcher_s\": ").append(object(shutdown.launcherSeconds()))
                .append(", \"exit_status\": ").append(object(shutdown.exitStatus()))
                .append(", \"all_ended_s\": ").append(number(shutdown.allEndedSeconds()))
                .append(", \"left_running\": ").append(strings(shutdown.leftRunning()));
        SoakResults.Restart restart = r.restart();
        out.append("},\n  \"restart\": {\"last_acknowledged\": ").append(restart.lastAcknowledged())
                .append(", \"last_attempted\": ").append(restart.lastAttempted())
                .append(", \"served\": ").append(ResultsJson.string(restart.served()))
                .append(", \"served_last_value\": ").append(restart.servedLastValue())
                .append("},\n  \"failures\": ").append(strings(r.failures()))
                .append("\n}\n");
        return out.toString();
    }

    static String markdown(SoakResults r) {
        StringBuilder out = new StringBuilder("# panatrace soak\n\n");
        out.append("Commit `").append(r.commit()).append("`; ").append(r.machine()).append(".\n\n");
        out.append(String.format(Locale.ROOT, """
                %s minutes of load: containerd and etcd, each under `bin/k3s-launcher run --profile k3s`; a busybox \
                container run and removed with `ctr run --rm` every %.1f s after the one before, and rounds of %d \
                etcd put/get round trips (etcdctl) every %.1f s after the round before; the launchers sampled every \
                %d s.

                **%d containers, %d failed; %d etcd round trips, %d failed.**

                """, minutes(r), SoakLoad.PAUSE.toMillis() / 1000.0,
                SoakLoad.ROUND_TRIPS_PER_ROUND, SoakLoad.PAUSE.toMillis() / 1000.0, r.interval().toSeconds(),
                r.containers(), r.failedContainers(), r.roundTrips(), r.failedRoundTrips()));
        out.append("| launcher | | first | min | median | max | last | slope, 2nd half, per hour |\n")
                .append("|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (Map.Entry<String, List<SoakSample>> launcher : r.samples().entrySet()) {
            for (SoakResults.Metric metric : SoakResults.Metric.values()) {
                double[] values = launcher.getValue().stream().mapToDouble(metric.value).filter(v -> !Double.isNaN(v))
                        .toArray();
                if (values.length == 0) {
                    continue;
                }
                double[] sorted = values.clone();
                Arrays.sort(sorted);
                out.append(String.format(Locale.ROOT, "| %s | %s%s | %s | %s | %s | %s | %s | %s |\n",
                        launcher.getKey(), metric.label, metric.unit.isEmpty() ? "" : " (" + metric.unit + ")",
                        brief(values[0]), brief(sorted[0]), brief(sorted[sorted.length / 2]),
                        brief(sorted[sorted.length - 1]), brief(values[values.length - 1]),
                        brief(r.slopePerHour(launcher.getKey(), metric))));
            }
        }
        out.append("\nThe first CPU figure covers the launcher's start. JVM flags of the launchers:\n\n");
        r.jvmFlags().forEach((daemon, flags) -> out.append("- ").append(daemon).append(": `").append(flags)
                .append("`\n"));
        SoakResults.Shutdown shutdown = r.shutdown();
        out.append(String.format(Locale.ROOT, "%nShutdown under load: SIGTERM to both launchers with %d processes "
                        + "under them (containerd, its shims, runc and containers, etcd): launchers ended after %s, "
                        + "exit status %s; everything ended after %.2f s (limit %d s); left running: %s.%n",
                shutdown.processes(), seconds(shutdown.launcherSeconds()), shutdown.exitStatus(),
                shutdown.allEndedSeconds(), SoakHarness.SHUTDOWN_LIMIT.toSeconds(),
                shutdown.leftRunning().isEmpty() ? "nothing" : String.join("; ", shutdown.leftRunning())));
        SoakResults.Restart restart = r.restart();
        out.append(String.format(Locale.ROOT, "%netcd restarted under the launcher on the same data directory served "
                        + "`%s`; the last put acknowledged before the shutdown was `%d`%s.%n", restart.served(),
                restart.lastAcknowledged(), restart.lastAttempted() == restart.lastAcknowledged() ? ""
                        : " (puts up to `" + restart.lastAttempted() + "` were under way or refused at the signal)"));
        List<String> failures = r.failures();
        out.append(failures.isEmpty() ? "\n**Passed.**\n" : "\n**Failed:**\n\n- " + String.join("\n- ", failures) + "\n");
        out.append("\n![launcher resources over time](soak.png)\n");
        return out.toString();
    }

    /** One panel per quantity, time in minutes along the bottom, one line per launcher. */
    static void writePng(SoakResults results, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(new NumberAxis("minutes"));
        plot.setGap(8);
        for (SoakResults.Metric metric : SoakResults.Metric.values()) {
            XYSeriesCollection lines = new XYSeriesCollection();
            results.samples().forEach((daemon, samples) -> {
                XYSeries line = new XYSeries(daemon + " launcher");
                for (SoakSample sample : samples) {
                    double value = metric.value.applyAsDouble(sample);
                    if (!Double.isNaN(value)) {
                        line.add(sample.minutes(), value);
                    }
                }
                lines.addSeries(line);
            });
            NumberAxis axis = new NumberAxis(metric.label + (metric.unit.isEmpty() ? "" : " (" + metric.unit + ")"));
            axis.setAutoRangeIncludesZero(true);
            // Each launcher keeps its colour in every panel, dashed for the second so that equal counts stay
            // visible; one legend for all panels, from the first.
            XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
            for (int series = 0; series < LINE_COLOURS.length; series++) {
                renderer.setSeriesPaint(series, LINE_COLOURS[series]);
                renderer.setSeriesStroke(series, series == 0 ? new BasicStroke(2f)
                        : new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
            }
            renderer.setDefaultSeriesVisibleInLegend(plot.getSubplots().isEmpty());
            XYPlot panel = new XYPlot(lines, null, axis, renderer);
            panel.setSeriesRenderingOrder(SeriesRenderingOrder.FORWARD);
            panel.setBackgroundPaint(Color.WHITE);
            panel.setRangeGridlinePaint(Color.LIGHT_GRAY);
            panel.setDomainGridlinePaint(Color.LIGHT_GRAY);
            plot.add(panel);
        }
        JFreeChart chart = new JFreeChart(String.format(Locale.ROOT,
                "panatrace soak: the launchers' JVMs over %s minutes of load (%d containers, %d etcd round trips)",
                minutes(results), results.containers(), results.roundTrips()),
                JFreeChart.DEFAULT_TITLE_FONT.deriveFont(14f), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, WIDTH, HEIGHT);
    }

    /** The soak's length in minutes, whole when it is. */
    private static String minutes(SoakResults results) {
        long seconds = results.length().toSeconds();
        return seconds % 60 == 0 ? Long.toString(seconds / 60) : String.format(Locale.ROOT, "%.1f", seconds / 60.0);
    }

    private static String key(SoakResults.Metric metric) {
        return switch (metric) {
            case RSS -> "rss_mib";
            case HEAP -> "heap_after_gc_mib";
            case CPU -> "cpu_percent";
            case DESCRIPTORS -> "descriptors";
            case THREADS -> "threads";
        };
    }

    /** A number with three decimals, or null for NaN (a slope with too few points). */
    private static String number(double value) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%.3f", value) : "null";
    }

    private static String brief(double value) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%.1f", value) : "–";
    }

    private static String seconds(Map<String, Double> byDaemon) {
        return byDaemon.entrySet().stream()
                .map(e -> String.format(Locale.ROOT, "%.2f s (%s)", e.getValue(), e.getKey()))
                .reduce((a, b) -> a + " and " + b).orElse("(none ended)");
    }

    private static String object(Map<String, ? extends Number> values) {
        StringBuilder out = new StringBuilder("{");
        values.forEach((key, value) -> out.append(out.length() > 1 ? ", " : "").append(ResultsJson.string(key))
                .append(": ").append(value instanceof Double d ? number(d) : value.toString()));
        return out.append('}').toString();
    }

    private static String strings(List<String> values) {
        return "[" + String.join(", ", values.stream().map(ResultsJson::string).toList()) + "]";
    }
}
