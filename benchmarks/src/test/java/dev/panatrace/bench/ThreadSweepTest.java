package dev.panatrace.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The {@code --threads} sweep: its options, its arithmetic and report, and a small real sweep. */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ThreadSweepTest {
    @TempDir
    Path out;

    private static RunSummary median(double seconds) {
        return new RunSummary(seconds, seconds, seconds, seconds / 2, 5, false);
    }

    @Test
    void costIsTheTimeAddedToNativePerInterceptedSyscall() {
        Map<String, RunSummary> runs = new LinkedHashMap<>();
        runs.put("native", median(0.100));
        runs.put("engine-seccomp", median(0.740));
        runs.put("reference-pinned", median(0.420));
        // 64 threads x 250 iterations: 32,000 key opens and 128 opens of /dev/zero and /dev/null.
        ThreadSweep.Point point = new ThreadSweep.Point(64, 250, ThreadSweep.intercepted(64, 250), runs);
        assertEquals(32_128, point.intercepted());
        assertEquals(0.640 / 32_128 * 1e6, point.microsecondsPerSyscall("engine-seccomp").orElseThrow(), 1e-9);
        assertEquals(0.320 / 32_128 * 1e6, point.microsecondsPerSyscall("reference-pinned").orElseThrow(), 1e-9);
        assertTrue(point.microsecondsPerSyscall("native").isEmpty());
        assertTrue(point.microsecondsPerSyscall("strace-seccomp").isEmpty());
    }

    @Test
    void reportsTableJsonAndChart() throws Exception {
        Map<String, RunSummary> one = new LinkedHashMap<>();
        one.put("native", median(0.200));
        one.put("engine-seccomp", median(0.200 + 32_002 * 30e-6));
        Map<String, RunSummary> many = new LinkedHashMap<>();
        many.put("native", median(0.100));
        many.put("engine-seccomp", median(0.100 + 32_512 * 15e-6));
        ThreadSweep sweep = new ThreadSweep("abc", "Linux test", List.of(
                new ThreadSweep.Point(1, 16_000, ThreadSweep.intercepted(1, 16_000), one),
                new ThreadSweep.Point(256, 62, ThreadSweep.intercepted(256, 62), many)));

        String markdown = sweep.markdown();
        assertTrue(markdown.contains("| threads | iterations | intercepted | engine-seccomp |\n"), markdown);
        assertTrue(markdown.contains("| 1 | 16000 | 32,002 | 30.0 |\n"), markdown);
        assertTrue(markdown.contains("| 256 | 62 | 32,256 | 15.1 |\n"), markdown);

        Map<?, ?> json = assertInstanceOf(Map.class, MiniJson.parse(sweep.json()));
        List<?> points = assertInstanceOf(List.class, json.get("points"));
        Map<?, ?> first = assertInstanceOf(Map.class, points.getFirst());
        assertEquals(List.of("threads", "iterations", "intercepted", "runs", "us_per_intercepted_syscall"),
                List.copyOf(first.keySet()));
        assertEquals(30.0, (Double) ((Map<?, ?>) first.get("us_per_intercepted_syscall")).get("engine-seccomp"), 1e-3);
        assertEquals(0.2, (Double) ((Map<?, ?>) ((Map<?, ?>) first.get("runs")).get("native")).get("median_s"), 1e-9);

        sweep.writePng(out.resolve("threads.png"));
        assertNotNull(ImageIO.read(out.resolve("threads.png").toFile()), "ImageIO decodes the PNG");
    }

    @Test
    void optionsChooseTheSweepAndItsThreadCounts() {
        HarnessOptions sweep = HarnessOptions.parse("--threads");
        assertEquals(List.of(1, 4, 16, 64, 256), sweep.threadCounts());
        assertEquals(HarnessOptions.SWEEP_TOOLS, sweep.tools());
        assertEquals(List.of(), sweep.workloads());
        assertEquals(false, sweep.startup());
        assertEquals(List.of(1, 4, 16), HarnessOptions.parse("--threads", "--quick").threadCounts());
        assertEquals(List.of(2, 8), HarnessOptions.parse("--threads", "--thread-counts", "2,8").threadCounts());
        assertEquals(List.of(), HarnessOptions.parse().threadCounts());

        assertEquals("--thread-counts wants a whole number of at least 1, got '0'", assertThrows(
                IllegalArgumentException.class, () -> HarnessOptions.parse("--threads", "--thread-counts", "4,0"))
                .getMessage());
        assertEquals("--thread-counts is for a --threads sweep", assertThrows(IllegalArgumentException.class,
                () -> HarnessOptions.parse("--thread-counts", "4")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HarnessOptions.parse("--threads", "--gvisor"))
                .getMessage().startsWith("--threads runs on the host"));
    }

    @Test
    void aSmallRealSweepWritesItsThreeFiles() throws Exception {
        List<String> tools = ReferenceTracer.unavailableReason().isEmpty()
                ? List.of("native", "engine-seccomp", "reference") : List.of("native", "engine-seccomp");
        HarnessOptions options = HarnessOptions.parse("--threads", "--quick", "--thread-counts", "1,4", "--runs", "1",
                "--warmups", "0", "--tools", String.join(",", tools), "--out", out.toString());
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        assumeTrue(Files.isExecutable(Path.of("/usr/lib/go-1.19/bin/go")) || Executables.onPath("go").isPresent(),
                "no Go toolchain (Debian package golang-1.19-go)");

        ThreadSweep sweep = new MacroHarness(options, new PrintStream(progress, true, StandardCharsets.UTF_8))
                .sweepThreads();

        assertEquals(List.of(1, 4), sweep.points().stream().map(ThreadSweep.Point::threads).toList());
        // --quick: 8 threads x 20 iterations in all, split among the threads.
        assertEquals(List.of(160, 40), sweep.points().stream().map(ThreadSweep.Point::iterations).toList());
        for (ThreadSweep.Point point : sweep.points()) {
            assertEquals(tools, List.copyOf(point.runs().keySet()));
            assertTrue(point.microsecondsPerSyscall("engine-seccomp").isPresent());
        }
        assertEquals(sweep.markdown(), Files.readString(out.resolve("threads.md")));
        assertEquals(sweep.json(), Files.readString(out.resolve("threads.json")));
        assertNotNull(ImageIO.read(out.resolve("threads.png").toFile()));
        assertTrue(progress.toString(StandardCharsets.UTF_8).contains("bench: W3 x4 engine-seccomp"),
                progress.toString(StandardCharsets.UTF_8));
    }
}
