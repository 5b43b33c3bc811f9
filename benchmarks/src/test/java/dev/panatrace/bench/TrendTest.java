package dev.panatrace.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class TrendTest {
    @Test
    void theSlopeOfPointsOnALineIsTheLinesSlope() {
        qt().forAll(doubles().between(-1000, 1000), doubles().between(-100, 100), integers().between(2, 400))
                .checkAssert((intercept, slope, count) -> {
                    List<Double> x = new ArrayList<>();
                    List<Double> y = new ArrayList<>();
                    for (int i = 0; i < count; i++) {
                        x.add(i / 6.0);
                        y.add(intercept + slope * i / 6.0);
                    }
                    assertEquals(slope, Trend.slope(x, y), 1e-6 * (1 + Math.abs(slope) + Math.abs(intercept)));
                });
    }

    @Test
    void aSlopeNeedsTwoDistinctXValues() {
        assertThrows(IllegalArgumentException.class, () -> Trend.slope(List.of(1.0), List.of(2.0)));
        assertThrows(IllegalArgumentException.class, () -> Trend.slope(List.of(1.0, 1.0), List.of(2.0, 3.0)));
        assertThrows(IllegalArgumentException.class, () -> Trend.slope(List.of(1.0, 2.0), List.of(2.0)));
    }
}
