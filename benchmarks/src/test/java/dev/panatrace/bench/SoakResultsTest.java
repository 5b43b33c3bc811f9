package dev.panatrace.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** When a soak counts as failed: the growth test on descriptors and threads, and the rest of the verdict. */
@Timeout(30)
class SoakResultsTest {
    /** A JVM's thread count that steps by one or two anywhere in the window (a compiler thread) is no trend. */
    @Test
    void aStepOfOneOrTwoAnywhereIsNotGrowth() {
        qt().forAll(integers().between(13, 721), integers().between(0, 1000), integers().between(-2, 2))
                .checkAssert((samples, stepAt, height) -> {
                    int step = samples / 2 + stepAt * (samples - samples / 2) / 1001;
                    SoakResults results = results(samples, i -> 16 + (i >= step ? height : 0));
                    assertEquals(List.of(), results.failures(), () -> "step of " + height + " at sample " + step
                            + " of " + samples + ": growth " + results.secondHalfGrowth("containerd",
                            SoakResults.Metric.THREADS));
                });
    }

    /** One descriptor more every ten-second sample, far less than one per container, is found. */
    @Test
    void aSlowLeakIsGrowth() {
        qt().forAll(integers().between(13, 721), integers().between(1, 50)).checkAssert((samples, perSample) -> {
            SoakResults results = results(samples, i -> 9 + i * perSample);
            List<String> failures = results.failures();
            assertEquals(2, failures.size(), failures::toString);
            assertTrue(failures.getFirst().startsWith("the containerd launcher's descriptors grew by "), failures::toString);
            assertTrue(failures.get(1).startsWith("the containerd launcher's threads grew by "), failures::toString);
        });
    }

    @Test
    void failedClientsAnUncleanShutdownAndALostValueFailTheSoak() {
        SoakResults flat = results(13, i -> 10);
        assertEquals(List.of(), flat.failures());
        SoakResults failing = new SoakResults(flat.commit(), flat.machine(), flat.length(), flat.interval(),
                flat.jvmFlags(), 100, 1, 500, 2, flat.samples(), flat.progress(), flat.shutdown(),
                new SoakResults.Restart(40, 41, "39", true), List.of("still running 30 s after SIGTERM: [7 sleep]"));
        assertEquals(List.of("still running 30 s after SIGTERM: [7 sleep]",
                "1 containers and 2 etcd round trips failed",
                "the restarted etcd served '39', not the last value written (40)"), failing.failures());
        // A put under way at the signal may have been stored without its acknowledgement arriving; the put after
        // it was then refused.
        assertTrue(new SoakResults.Restart(40, 42, "41", true).servedLastValue());
        assertTrue(new SoakResults.Restart(40, 42, "42", true).servedLastValue());
        assertFalse(new SoakResults.Restart(40, 42, "43", true).servedLastValue());
        assertFalse(new SoakResults.Restart(40, 42, "(no answer)", true).servedLastValue());
    }

    /** A passing soak of {@code samples} samples ten seconds apart whose descriptors and threads follow {@code count}. */
    private static SoakResults results(int samples, IntUnaryOperator count) {
        List<SoakSample> containerd = new ArrayList<>();
        for (int i = 0; i < samples; i++) {
            int n = count.applyAsInt(i);
            containerd.add(new SoakSample(i / 6.0, 60, 5, n, n, Optional.of(3.0)));
        }
        return new SoakResults("c0ffee", "a machine", Duration.ofSeconds(10L * (samples - 1)), Duration.ofSeconds(10),
                Map.of("containerd", "-XX:+UseSerialGC"), 100, 0, 500, 0, Map.of("containerd", containerd),
                List.of(new SoakResults.LoadCount(0, 0, 0, 0, 0)),
                new SoakResults.Shutdown(4, Map.of("containerd", 5.4), Map.of("containerd", 0), 5.5, List.of()),
                new SoakResults.Restart(40, 40, "40", true), List.of());
    }
}
