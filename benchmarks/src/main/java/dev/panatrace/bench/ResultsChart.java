package dev.panatrace.bench;

import java.awt.Color;
import java.io.IOException;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.nio.file.Path;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.category.DefaultCategoryDataset;

/** Draws {@code benchmarks/results/latest.png}: median wall times as bars on a log scale, grouped by workload. */
public final class ResultsChart {
    private static final int WIDTH = 1100;
    private static final int HEIGHT = 600;

    private ResultsChart() {}

    /** Writes the chart of the numbered workloads (W1, W2, ...) to {@code png}. */
    public static void writePng(Results results, Path png) throws IOException {
        // No display is needed, and none may exist where the benchmarks run.
        System.setProperty("java.awt.headless", "true");
        DefaultCategoryDataset medians = new DefaultCategoryDataset();
        double smallest = Double.MAX_VALUE;
        double largest = 0;
        for (Results.WorkloadResult w : results.workloads()) {
            if (!w.isWorkload()) {
                continue;
            }
            // A bar of a run killed at the time limit is a lower bound: the workload's label says whose.
            List<String> bounded = w.runs().entrySet().stream().filter(e -> e.getValue().lowerBound())
                    .map(Map.Entry::getKey).toList();
            String category = bounded.isEmpty() ? w.name()
                    : w.name() + " (" + String.join(", ", bounded) + ": >= time limit)";
            for (var run : w.runs().entrySet()) {
                medians.addValue(run.getValue().medianSeconds(), run.getKey(), category);
                smallest = Math.min(smallest, run.getValue().medianSeconds());
                largest = Math.max(largest, run.getValue().medianSeconds());
            }
        }
        JFreeChart chart = ChartFactory.createBarChart(
                "panatrace: median wall time per workload (log scale, lower is better)",
                "workload", "seconds", medians, PlotOrientation.VERTICAL, true, false, false);
        chart.setBackgroundPaint(Color.WHITE);
        results.environment().ifPresent(e -> chart.addSubtitle(new TextTitle("inside " + e)));
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.GRAY);
        LogAxis seconds = new LogAxis("seconds (log scale)");
        seconds.setSmallestValue(1e-4);
        // One labelled tick per decade, written as plain seconds (0.01, 0.1, 1) rather than powers of ten.
        seconds.setTickUnit(new NumberTickUnit(1.0));
        seconds.setNumberFormatOverride(new DecimalFormat("0.####", DecimalFormatSymbols.getInstance(Locale.ROOT)));
        seconds.setMinorTickCount(9);
        seconds.setMinorTickMarksVisible(true);
        plot.setRangeAxis(seconds);
        if (largest > 0) {
            // Bars grow from the axis' lower end: put it a decade below the smallest bar so every bar shows.
            seconds.setRange(Math.pow(10, Math.floor(Math.log10(smallest)) - 1),
                    Math.pow(10, Math.ceil(Math.log10(largest * 1.2))));
        }
        BarRenderer bars = (BarRenderer) plot.getRenderer();
        bars.setBarPainter(new StandardBarPainter());
        bars.setShadowVisible(false);
        bars.setItemMargin(0.05);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, WIDTH, HEIGHT);
    }
}
