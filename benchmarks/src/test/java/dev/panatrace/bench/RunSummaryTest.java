package dev.panatrace.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RunSummaryTest {
    @Test
    void medianHasAsManyRunsAtOrBelowItAsAtOrAboveIt() {
        qt().forAll(lists().of(doubles().between(0, 100)).ofSizeBetween(1, 12)).checkAssert(walls -> {
            RunSummary s = RunSummary.of(walls.stream().map(w -> new Measurement(w, w / 2, false)).toList());
            long below = walls.stream().filter(w -> w <= s.medianSeconds()).count();
            long above = walls.stream().filter(w -> w >= s.medianSeconds()).count();
            assertTrue(below >= (walls.size() + 1) / 2 && above >= (walls.size() + 1) / 2, walls + " -> " + s);
            assertTrue(s.minSeconds() <= s.medianSeconds() && s.medianSeconds() <= s.maxSeconds());
            assertEquals(s.medianSeconds() / 2, s.cpuSeconds(), 1e-9);
            assertEquals(walls.size(), s.n());
        });
    }

    @Test
    void evenCountsAverageTheMiddleTwo() {
        RunSummary s = RunSummary.of(List.of(new Measurement(4, 0, false), new Measurement(1, 0, false),
                new Measurement(2, 0, false), new Measurement(3, 0, false)));
        assertEquals(2.5, s.medianSeconds());
        assertEquals(1, s.minSeconds());
        assertEquals(4, s.maxSeconds());
    }

    @Test
    void oneRunAtTheTimeLimitMakesTheSummaryALowerBound() {
        assertTrue(RunSummary.of(List.of(new Measurement(1, 1, false), new Measurement(60, 1, true))).lowerBound());
    }
}
