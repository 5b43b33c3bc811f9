package dev.panatrace.bench;

import java.util.List;

/** The straight line through points that is closest in the least-squares sense, as a growth rate. */
final class Trend {
    private Trend() {}

    /**
     * The least-squares slope of {@code y} over {@code x}: units of y per unit of x.
     *
     * @throws IllegalArgumentException if there are fewer than two points, the lists differ in length, or all x
     *     are equal (no line is defined)
     */
    static double slope(List<Double> x, List<Double> y) {
        if (x.size() != y.size() || x.size() < 2) {
            throw new IllegalArgumentException("a slope needs two or more (x, y) pairs, got " + x.size() + " x and "
                    + y.size() + " y");
        }
        double meanX = x.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double meanY = y.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double covariance = 0;
        double variance = 0;
        for (int i = 0; i < x.size(); i++) {
            double dx = x.get(i) - meanX;
            covariance += dx * (y.get(i) - meanY);
            variance += dx * dx;
        }
        if (variance == 0) {
            throw new IllegalArgumentException("a slope needs two or more distinct x values");
        }
        return covariance / variance;
    }
}
