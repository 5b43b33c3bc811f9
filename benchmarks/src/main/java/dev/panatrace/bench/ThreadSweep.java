package dev.panatrace.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * A {@code bin/bench --threads} sweep: W3 at several thread counts with the same number of opens in all, and
 * what each tool costs per intercepted syscall, {@code (median - native median) / intercepted}. It is
 * written as {@code threads.json}, {@code threads.md} and {@code threads.png}.
 *
 * @param commit the repository commit measured
 * @param machine the kernel, CPUs, memory, tool versions and load average at the start
 * @param points one per thread count, in the order run
 */
public record ThreadSweep(String commit, String machine, List<Point> points) {
    /** Colours that stay apart on white: JFreeChart's defaults include a pale yellow. */
    private static final Color[] LINE_COLOURS = {new Color(0xd62728), new Color(0x1f77b4), new Color(0x2ca02c),
            new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b)};

    /**
     * W3 at one thread count.
     *
     * @param threads OS threads of the Go program
     * @param iterations iterations per thread
     * @param intercepted the syscalls a redirecting tracer stops at: the two key opens per iteration and the
     *     opens of /dev/zero and /dev/null per thread (plus a handful of the Go runtime's, left out)
     * @param runs by tool label, native first when it ran
     */
    public record Point(int threads, int iterations, long intercepted, Map<String, RunSummary> runs) {
        /** Microseconds {@code tool} adds to a native run per intercepted syscall, or empty without both runs. */
        public OptionalDouble microsecondsPerSyscall(String tool) {
            RunSummary nat = runs.get("native");
            RunSummary traced = runs.get(tool);
            if (nat == null || traced == null || traced == nat) {
                return OptionalDouble.empty();
            }
            return OptionalDouble.of((traced.medianSeconds() - nat.medianSeconds()) / intercepted * 1e6);
        }
    }

    /** The syscalls W3 makes that a redirecting tracer stops at (see {@link Point#intercepted}). */
    static long intercepted(int threads, int iterations) {
        return 2L * threads * iterations + 2L * threads;
    }

    /** The tools measured, in the order of the first point that has each. */
    Set<String> tools() {
        Set<String> tools = new LinkedHashSet<>();
        points.forEach(p -> tools.addAll(p.runs().keySet()));
        return tools;
    }

    /** The JSON text: commit, machine, and per point the threads, iterations, intercepted syscalls, runs and costs. */
    String json() {
        StringBuilder out = new StringBuilder("{\n  \"commit\": ").append(ResultsJson.string(commit))
                .append(",\n  \"machine\": ").append(ResultsJson.string(machine)).append(",\n  \"points\": [");
        for (Iterator<Point> points = this.points.iterator(); points.hasNext(); ) {
            Point p = points.next();
            out.append("\n    {\"threads\": ").append(p.threads()).append(", \"iterations\": ").append(p.iterations())
                    .append(", \"intercepted\": ").append(p.intercepted()).append(", \"runs\": {");
            for (Iterator<Map.Entry<String, RunSummary>> runs = p.runs().entrySet().iterator(); runs.hasNext(); ) {
                Map.Entry<String, RunSummary> run = runs.next();
                out.append("\n      ").append(ResultsJson.string(run.getKey())).append(": ");
                ResultsJson.summary(out, run.getValue());
                out.append(runs.hasNext() ? "," : "");
            }
            out.append("}, \"us_per_intercepted_syscall\": {");
            String separator = "";
            for (String tool : p.runs().keySet()) {
                OptionalDouble cost = p.microsecondsPerSyscall(tool);
                if (cost.isPresent()) {
                    out.append(separator).append(ResultsJson.string(tool)).append(": ")
                            .append(String.format(Locale.ROOT, "%.3f", cost.getAsDouble()));
                    separator = ", ";
                }
            }
            out.append("}}").append(points.hasNext() ? "," : "");
        }
        return out.append("\n  ]\n}\n").toString();
    }

    /** The Markdown report: a table of µs per intercepted syscall by threads, and one of median seconds. */
    String markdown() {
        Set<String> tools = tools();
        List<String> traced = tools.stream().filter(t -> !t.equals("native")).toList();
        StringBuilder md = new StringBuilder("# panatrace: W3 cost per intercepted syscall against threads\n\n");
        md.append("Commit `").append(commit).append("`; ").append(machine).append(".\n\n")
                .append("W3 at each thread count makes the same number of opens in all (iterations per thread = total ")
                .append("/ threads). Cost per intercepted syscall = (median wall time under the tool - native median) ")
                .append("/ intercepted syscalls, in µs.\n\n| threads | iterations | intercepted |");
        traced.forEach(t -> md.append(' ').append(t).append(" |"));
        md.append("\n|---:|---:|---:|");
        traced.forEach(t -> md.append("---:|"));
        md.append('\n');
        for (Point p : points) {
            md.append(String.format(Locale.ROOT, "| %d | %d | %,d |", p.threads(), p.iterations(), p.intercepted()));
            for (String tool : traced) {
                OptionalDouble cost = p.microsecondsPerSyscall(tool);
                md.append(cost.isPresent() ? String.format(Locale.ROOT, " %.1f |", cost.getAsDouble()) : " — |");
            }
            md.append('\n');
        }
        md.append("\nMedian wall time in seconds (`>=`: killed at the time limit):\n\n| threads |");
        tools.forEach(t -> md.append(' ').append(t).append(" |"));
        md.append("\n|---:|");
        tools.forEach(t -> md.append("---:|"));
        md.append('\n');
        for (Point p : points) {
            md.append("| ").append(p.threads()).append(" |");
            for (String tool : tools) {
                RunSummary s = p.runs().get(tool);
                md.append(s == null ? " — |" : String.format(Locale.ROOT, " %s%.3f |", s.lowerBound() ? ">= " : "",
                        s.medianSeconds()));
            }
            md.append('\n');
        }
        return md.toString();
    }

    /** Draws cost per intercepted syscall against threads, one line per traced tool, threads on a log scale. */
    void writePng(Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYSeriesCollection lines = new XYSeriesCollection();
        for (String tool : tools()) {
            XYSeries series = new XYSeries(tool);
            for (Point p : points) {
                p.microsecondsPerSyscall(tool).ifPresent(cost -> series.add(p.threads(), cost));
            }
            if (!series.isEmpty()) {
                lines.addSeries(series);
            }
        }
        JFreeChart chart = ChartFactory.createXYLineChart(
                "panatrace W3: cost per intercepted syscall against tracee threads (lower is better)",
                "tracee threads (log scale)", "µs per intercepted syscall", lines, PlotOrientation.VERTICAL,
                true, false, false);
        chart.setBackgroundPaint(Color.WHITE);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.GRAY);
        plot.setDomainGridlinePaint(Color.GRAY);
        LogAxis threads = new LogAxis("tracee threads (log scale)");
        threads.setBase(2);
        // One tick per power of two, labelled as a plain count.
        threads.setTickUnit(new NumberTickUnit(1));
        threads.setNumberFormatOverride(new DecimalFormat("0", DecimalFormatSymbols.getInstance(Locale.ROOT)));
        plot.setDomainAxis(threads);
        NumberAxis cost = new NumberAxis("µs per intercepted syscall");
        cost.setAutoRangeIncludesZero(true);
        plot.setRangeAxis(cost);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < lines.getSeriesCount(); i++) {
            renderer.setSeriesStroke(i, new BasicStroke(2f));
            renderer.setSeriesPaint(i, LINE_COLOURS[i % LINE_COLOURS.length]);
        }
        plot.setRenderer(renderer);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 1100, 600);
    }
}
