package dev.panatrace.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.strings;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ResultsJsonTest {
    @Test
    void everyStringSurvivesTheWriterAndAStrictReader() {
        qt().forAll(strings().allPossible().ofLengthBetween(0, 40))
                .checkAssert(s -> assertEquals(s, MiniJson.parse(ResultsJson.string(s))));
    }

    @Test
    void secondsAreWrittenToTheMicrosecond() {
        qt().forAll(doubles().between(0, 1e5))
                .checkAssert(d -> assertEquals(d, (Double) MiniJson.parse(ResultsJson.seconds(d)), 5e-7));
    }

    @Test
    void readsBackWhatItWrote() {
        Map<String, RunSummary> runs = new LinkedHashMap<>();
        runs.put("native", new RunSummary(0.05, 0.04, 0.07, 0.03, 5, false));
        runs.put("proot", new RunSummary(61.5, 61.5, 61.5, 60.25, 1, true));
        List<Results.WorkloadResult> workloads = List.of(new Results.WorkloadResult("W1", "d \"1\"", runs),
                new Results.WorkloadResult("W2", "", Map.of()));
        for (Results results : List.of(new Results("abc", "m", workloads),
                new Results("", "", Optional.of("gVisor (runsc version x)\n"), workloads))) {
            assertEquals(results, ResultsJson.read(ResultsJson.write(results)));
        }
    }

    @Test
    void refusesJsonOfAnotherShapeSayingWhere() {
        String noRuns = "{\"commit\": \"c\", \"machine\": \"m\", \"workloads\": [{\"name\": \"W1\"}]}";
        assertEquals("results JSON: W1 runs is null, not a Map",
                assertThrows(IllegalArgumentException.class, () -> ResultsJson.read(noRuns)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> ResultsJson.read("bench: W1 native run 1/3"));
    }

    @Test
    void writesTheDocumentedShape() {
        Map<String, RunSummary> runs = new LinkedHashMap<>();
        runs.put("native", new RunSummary(0.05, 0.04, 0.07, 0.03, 5, false));
        runs.put("proot", new RunSummary(61.5, 61.5, 61.5, 60.25, 1, true));
        Results results = new Results("abc", "a \"machine\"", List.of(new Results.WorkloadResult("W1", "d", runs),
                new Results.WorkloadResult("startup", "the launcher's start-up, not a workload", runs)));

        Object parsed = MiniJson.parse(ResultsJson.write(results));

        assertEquals(Map.of("commit", "abc", "machine", "a \"machine\"", "workloads", List.of(Map.of(
                "name", "W1", "description", "d", "runs", Map.of(
                        "native", Map.of("median_s", 0.05, "min_s", 0.04, "max_s", 0.07, "cpu_s", 0.03, "n", 5.0,
                                "lower_bound", false),
                        "proot", Map.of("median_s", 61.5, "min_s", 61.5, "max_s", 61.5, "cpu_s", 60.25, "n", 1.0,
                                "lower_bound", true))))), parsed);
    }
}
