package dev.panatrace.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** How targets read in the results: an "at most" target as the engine's share, a "faster" one as a speed-up. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class TargetTest {
    private static RunSummary median(double seconds, boolean lowerBound) {
        return new RunSummary(seconds, seconds, seconds, seconds, 5, lowerBound);
    }

    private static Results w4(double engine, double strace, double proot, boolean prootKilled) {
        return new Results("c", "m", List.of(new Results.WorkloadResult("W4", "", Map.of(
                "engine-seccomp", median(engine, false), "strace-seccomp", median(strace, false),
                "proot", median(proot, prootKilled)))));
    }

    @Test
    void anAtMostTargetReadsAsTheEnginesShare() {
        Target target = Target.atMost("W4", "W4 at most 0.9x strace", "engine-seccomp", "strace-seccomp", 0.9);
        assertEquals("met (engine-seccomp at 0.70x strace-seccomp)", target.verdict(w4(0.14, 0.2, 1, false)));
        assertEquals("missed (engine-seccomp at 0.95x strace-seccomp)", target.verdict(w4(0.19, 0.2, 1, false)));
    }

    @Test
    void aFasterTargetReadsAsTheSpeedUp() {
        Target target = Target.fasterBy("W4", "W4 5x faster than proot", "engine-seccomp", "proot", 5.0);
        assertEquals("met (5.00x)", target.verdict(w4(0.2, 0.3, 1.0, false)));
        assertEquals("missed (4.00x)", target.verdict(w4(0.25, 0.3, 1.0, false)));
        assertEquals("unknown (proot hit the time limit): >= 4.00x", target.verdict(w4(0.25, 0.3, 1.0, true)));
        assertEquals("not measured", Target.fasterBy("W1", "W1", "engine-seccomp", "proot", 5.0)
                .verdict(w4(0.2, 0.3, 1.0, false)));
    }
}
