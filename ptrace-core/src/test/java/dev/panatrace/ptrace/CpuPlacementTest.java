package dev.panatrace.ptrace;

import dev.panatrace.ptrace.testing.ProcessResult;
import dev.panatrace.ptrace.testing.Tracees;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Where the engine runs a spawned command when the user chose nothing: pinned with the tracer to one CPU
 * while that pays, unpinned for good once the command's threads compete, and never seen by the program.
 * A detached program's CPUs: {@link SessionLifecycleTest}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CpuPlacementTest {
    private static final Pattern ALLOWED = Pattern.compile("Cpus_allowed_list:\\s*(\\S+)");

    @TempDir
    Path tmp;

    @BeforeAll
    static void needPtraceAndTwoCpus() {
        Tracees.assumePtraceAllowed();
        assumeTrue(Runtime.getRuntime().availableProcessors() >= 2,
                "the engine pins only where two or more CPUs are allowed; this JVM has one");
    }

    @Test
    void aSingleThreadedCommandRunsOnOneCpuButIsToldItsOwnMask() throws Exception {
        String script = "grep Cpus_allowed_list /proc/self/status; busybox nproc; busybox taskset -p $$ | busybox cut -d: -f2";
        String untraced = untraced(script);
        String traced = traced(Tracer.builder(), script);
        String pinned = allowed(traced);
        assertTrue(pinned.matches("[0-9]+"), "pinned to one CPU: " + traced);
        // nproc and taskset -p read sched_getaffinity: the untraced answers.
        assertEquals(untraced.lines().skip(1).toList(), traced.lines().skip(1).toList(), traced);
    }

    @Test
    void goFindsEveryCpuItWouldHaveHad() throws Exception {
        String go = Tracees.go("cpus").toString();
        ProcessResult untraced = Tracees.runUntraced(Duration.ofSeconds(30), List.of(go));
        Path out = tmp.resolve("out");
        try (TraceSession session = Tracer.builder().stdout(out).spawn(List.of(go))) {
            assertEquals(Optional.of(ExitStatus.exited(0)), session.waitFor());
        }
        assertEquals(untraced.stdout(), Files.readString(out));
    }

    @Test
    void threadsThatCompeteForTheCpuGetTheirCpusBack() throws Exception {
        // Two busy processes on one CPU each wait half the time: the watchdog sees it within about 60 ms.
        assertCompetitorsUnpinned("");
    }

    @Test
    void threadsThatCompeteAfterACalmSpellGetTheirCpusBackToo() throws Exception {
        // After 4 calm seconds the watchdog looks once a second; it must still see the competition start,
        // pinned until then.
        assertCompetitorsUnpinned("busybox sleep 4; grep Cpus_allowed_list /proc/self/status; ");
    }

    /** Runs {@code before}, then two busy processes for 2.5 s: afterwards both are on every CPU again. */
    private void assertCompetitorsUnpinned(String before) throws Exception {
        String script = before + "busybox yes > /dev/null & a=$!; busybox yes > /dev/null & b=$!; busybox sleep 2.5; "
                + "grep Cpus_allowed_list /proc/$a/status; grep Cpus_allowed_list /proc/self/status; kill $a $b";
        String everyCpu = allowed(untraced("grep Cpus_allowed_list /proc/self/status"));
        String traced = traced(Tracer.builder(), script);
        Matcher m = ALLOWED.matcher(traced);
        if (!before.isEmpty()) {
            assertTrue(m.find(), traced);
            assertTrue(m.group(1).matches("[0-9]+"), "pinned while calm: " + traced);
        }
        for (int line = 0; line < 2; line++) {
            assertTrue(m.find(), traced);
            assertEquals(everyCpu, m.group(1), "unpinned: " + traced);
        }
    }

    @Test
    void aThreadThatSetsItsOwnMaskKeepsItAndSeesIt() throws Exception {
        // taskset moves itself to the CPU the engine did not choose, then execs the inner shell.
        String script = "p=$(grep Cpus_allowed_list /proc/self/status | busybox cut -f2); q=0; [ \"$p\" = 0 ] && q=1; "
                + "echo $q; busybox taskset -c $q busybox sh -c 'grep Cpus_allowed_list /proc/self/status; busybox nproc'";
        String traced = traced(Tracer.builder(), script);
        List<String> lines = traced.lines().toList();
        assertEquals(3, lines.size(), traced);
        assertEquals(lines.get(0), allowed(lines.get(1)), traced);
        assertEquals("1", lines.get(2), "sched_getaffinity shows the thread's own mask: " + traced);
    }

    @Test
    void aChosenPollingTimeLeavesTheCommandOnItsCpus() throws Exception {
        String script = "grep Cpus_allowed_list /proc/self/status";
        assertEquals(allowed(untraced(script)), allowed(traced(Tracer.builder().waitSpin(Duration.ofNanos(50_000)), script)));
    }

    @Test
    void aChosenCpuPinsForTheWholeRun() throws Exception {
        String script = "busybox yes > /dev/null & a=$!; busybox yes > /dev/null & b=$!; busybox sleep 0.5; "
                + "grep Cpus_allowed_list /proc/$a/status; kill $a $b";
        assertEquals("1", allowed(traced(Tracer.builder().pinToCpu(1), script)));
    }

    private String traced(Tracer.Builder builder, String script) throws Exception {
        Path out = tmp.resolve("traced-" + System.nanoTime());
        try (TraceSession session = builder.stdout(out).spawn(List.of(Tracees.busybox().toString(), "sh", "-c", script))) {
            assertEquals(Optional.of(ExitStatus.exited(0)), session.waitFor(), () -> "script: " + script);
        }
        return Files.readString(out);
    }

    private static String untraced(String script) {
        ProcessResult result = Tracees.runUntraced(Duration.ofSeconds(30),
                List.of(Tracees.busybox().toString(), "sh", "-c", script));
        assertEquals(0, result.exitCode(), result.toString());
        return result.stdout();
    }

    private static String allowed(String output) {
        Matcher m = ALLOWED.matcher(output);
        assertTrue(m.find(), "no Cpus_allowed_list in: " + output);
        return m.group(1);
    }
}
