package dev.panatrace.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The macro harness end to end, at --quick sizes: real runs of W1 and W2, then the three result files. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MacroHarnessQuickTest {

    @TempDir
    Path out;

    @Test
    void quickRunOfW1AndW2WritesJsonMarkdownAndPng() throws Exception {
        assumeTrue(Executables.busybox().isPresent(), "busybox is not installed (Debian package busybox-static)");
        List<String> tools = new ArrayList<>(List.of("native", "engine-seccomp"));
        for (Tool peer : List.of(Tool.STRACE_SECCOMP, Tool.PROOT)) {
            peer.unavailableReason().ifPresentOrElse(
                    reason -> System.out.println("skipping peer " + peer.label() + ": " + reason),
                    () -> tools.add(peer.label()));
        }
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        HarnessOptions options = HarnessOptions.parse("--quick", "--no-startup", "--workloads", "W1,W2",
                "--tools", String.join(",", tools), "--out", out.toString());
        new MacroHarness(options, new PrintStream(progress, true, StandardCharsets.UTF_8)).run();

        Map<?, ?> json = assertInstanceOf(Map.class, MiniJson.parse(Files.readString(out.resolve("latest.json"))));
        assertEquals(List.of("commit", "machine", "workloads"), List.copyOf(json.keySet()));
        assertFalse(((String) json.get("commit")).isBlank());
        assertTrue(((String) json.get("machine")).startsWith("Linux "), json.get("machine").toString());
        List<?> workloads = assertInstanceOf(List.class, json.get("workloads"));
        assertEquals(2, workloads.size());
        for (int i = 0; i < 2; i++) {
            Map<?, ?> workload = assertInstanceOf(Map.class, workloads.get(i));
            assertEquals(List.of("name", "description", "runs"), List.copyOf(workload.keySet()));
            assertEquals(List.of("W1", "W2").get(i), workload.get("name"));
            assertFalse(((String) workload.get("description")).isBlank());
            Map<?, ?> runs = assertInstanceOf(Map.class, workload.get("runs"));
            assertEquals(tools, List.copyOf(runs.keySet()));
            for (Object tool : runs.keySet()) {
                assertRunShape(workload.get("name") + " " + tool, assertInstanceOf(Map.class, runs.get(tool)));
            }
        }
        // Every measured run is logged: 2 workloads, each tool once to warm up and twice measured.
        long logged = progress.toString(StandardCharsets.UTF_8).lines().filter(l -> l.matches("bench: W[12] .*")).count();
        assertEquals(2L * tools.size() * 3, logged, progress.toString(StandardCharsets.UTF_8));
        assertFalse(progress.toString(StandardCharsets.UTF_8).matches("(?s).*[\r\033].*"),
                "not a terminal: no status line");

        String markdown = Files.readString(out.resolve("latest.md"));
        assertTrue(markdown.contains("| W1 |") && markdown.contains("| W2 |"), markdown);
        assertTrue(markdown.contains("| W2 engine-seccomp within 1.15x native | met")
                || markdown.contains("| W2 engine-seccomp within 1.15x native | missed"), markdown);

        PngFiles.assertDecodablePng(out.resolve("latest.png"));
    }

    private static void assertRunShape(String what, Map<?, ?> run) {
        assertEquals(List.of("median_s", "min_s", "max_s", "cpu_s", "n", "lower_bound"), List.copyOf(run.keySet()), what);
        double median = (Double) run.get("median_s");
        double min = (Double) run.get("min_s");
        double max = (Double) run.get("max_s");
        assertTrue(0 < min && min <= median && median <= max, what + ": " + run);
        assertTrue((Double) run.get("cpu_s") >= 0, what + ": " + run);
        assertEquals(2.0, run.get("n"), what);
        assertEquals(Boolean.FALSE, run.get("lower_bound"), what + ": nothing comes near the time limit");
    }
}
