package dev.panatrace.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panatrace.ptrace.testing.Gvisor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/bench --gvisor --quick} end to end: W1 to W4 under every tool inside one real gVisor sandbox,
 * then gvisor.json, gvisor.md and gvisor.png on the host. About half a minute on a quiet machine.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class GvisorHarnessQuickTest {
    private static final List<String> TOOLS = List.of("native", "engine-seccomp", "strace-seccomp", "proot");

    @TempDir
    Path out;

    @Test
    void quickRunInsideGvisorWritesEveryWorkloadUnderEveryTool() throws Exception {
        Gvisor.assumeRunnable();
        assumeTrue(Executables.busybox().isPresent(), "busybox is not installed (Debian package busybox-static)");
        for (Tool peer : List.of(Tool.STRACE_SECCOMP, Tool.PROOT)) {
            assumeTrue(peer.unavailableReason().isEmpty(), () -> peer.unavailableReason().orElseThrow());
        }
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        HarnessOptions options = HarnessOptions.parse("--gvisor", "--quick", "--out", out.toString());
        assertEquals(TOOLS, options.tools().stream().map(Tool::label).toList(), "--gvisor's default tools");

        new MacroHarness(options, new PrintStream(progress, true, StandardCharsets.UTF_8)).run();

        String log = progress.toString(StandardCharsets.UTF_8);
        Map<?, ?> json = assertInstanceOf(Map.class, MiniJson.parse(Files.readString(out.resolve("gvisor.json"))));
        assertEquals(List.of("commit", "machine", "environment", "workloads"), List.copyOf(json.keySet()));
        assertTrue(((String) json.get("machine")).startsWith("Linux "), json.get("machine").toString());
        String environment = (String) json.get("environment");
        assertTrue(environment.startsWith("gVisor (runsc version "), environment);
        // The kernel the programs saw: gVisor's own, not the host's.
        assertTrue(environment.contains("uname there: Linux ")
                && !environment.contains(System.getProperty("os.version")), environment);
        List<?> workloads = assertInstanceOf(List.class, json.get("workloads"));
        assertEquals(List.of("W1", "W2", "W3", "W4"),
                workloads.stream().map(w -> ((Map<?, ?>) w).get("name")).toList());
        for (Object element : workloads) {
            Map<?, ?> workload = assertInstanceOf(Map.class, element);
            Map<?, ?> runs = assertInstanceOf(Map.class, workload.get("runs"));
            assertEquals(TOOLS, List.copyOf(runs.keySet()), workload.get("name") + " runs");
            for (Object tool : runs.keySet()) {
                assertSane(workload.get("name") + " " + tool, assertInstanceOf(Map.class, runs.get(tool)));
            }
        }
        // Every run logged from inside: 4 workloads, each tool once to warm up and twice measured.
        assertEquals(4L * TOOLS.size() * 3, log.lines().filter(l -> l.matches("bench: W[1-4] .*")).count(), log);
        // The engine installed its seccomp filter there, rather than falling back to stopping at every syscall.
        assertTrue(log.lines().filter(l -> l.matches("bench: W[1-4] engine-seccomp .*"))
                .allMatch(l -> l.contains(" SECCOMP mode, ")), log);

        String markdown = Files.readString(out.resolve("gvisor.md"));
        assertTrue(markdown.contains("Every run inside gVisor (runsc version "), markdown);
        for (Target target : Target.gvisorTargets()) {
            assertTrue(markdown.matches("(?s).*\\| " + Pattern.quote(target.text())
                    + " \\| (met|missed) \\(.*"), target.text() + " in\n" + markdown);
        }
        PngFiles.assertDecodablePng(out.resolve("gvisor.png"));
        assertFalse(Files.exists(out.resolve("latest.json")), "a gVisor run leaves latest.* alone");
    }

    /** Times that can be real: positive, ordered, at most the time limit, n as asked, none killed. */
    private static void assertSane(String what, Map<?, ?> run) {
        double median = (Double) run.get("median_s");
        double min = (Double) run.get("min_s");
        double max = (Double) run.get("max_s");
        assertTrue(0 < min && min <= median && median <= max && max < 60, what + ": " + run);
        double cpu = (Double) run.get("cpu_s");
        assertTrue(cpu >= 0 && cpu < 60, what + ": " + run);
        assertEquals(2.0, run.get("n"), what);
        assertEquals(Boolean.FALSE, run.get("lower_bound"), what + ": nothing comes near the time limit");
    }
}
