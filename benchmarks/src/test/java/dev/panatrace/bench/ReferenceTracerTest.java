package dev.panatrace.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The reference tracer, compiled with gcc as the harness compiles it, redirects what the engine redirects:
 * the workloads print the host directory's contents only when every open was rewritten.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ReferenceTracerTest {
    private static Path tracer;

    @TempDir
    Path scratch;

    @BeforeAll
    static void compile() throws Exception {
        ReferenceTracer.unavailableReason().ifPresent(reason -> {
            if ("true".equals(System.getenv("CI"))) {
                Assertions.fail("CI=true, but the reference tracer cannot run here: " + reason);
            }
            assumeTrue(false, reason);
        });
        tracer = ReferenceTracer.build(RepositoryRoot.find());
    }

    private record Run(int exitStatus, String stdout, String stderr, String stats) {}

    private Run run(List<String> tracerOptions, List<String> command) throws IOException, InterruptedException {
        Path host = scratch.resolve("host");
        Workloads.writeHostDirectory(host, Workloads.Keys.LINUX);
        Path stats = scratch.resolve("stats");
        List<String> line = new ArrayList<>(List.of(tracer.toString()));
        line.addAll(tracerOptions);
        line.addAll(List.of("--stats", stats.toString(), "--bind", host + ":/proc/sys", "--"));
        line.addAll(command);
        Path out = scratch.resolve("out");
        Path err = scratch.resolve("err");
        Process process = new ProcessBuilder(line).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the reference tracer ended");
        return new Run(process.exitValue(), Files.readString(out), Files.readString(err),
                Files.exists(stats) ? Files.readString(stats) : "");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void w1PrintsTheHostKeyReadThroughEveryRewrittenOpen(boolean pinned) throws Exception {
        Path busybox = Executables.busybox().orElse(null);
        assumeTrue(busybox != null, "busybox is not installed (Debian package busybox-static)");
        Workload w1 = Workloads.create(List.of("W1"), new Workloads.Sizes(300, 0, 0, 0, 0, 0), Workloads.Keys.LINUX,
                busybox, null).getFirst();

        Run run = run(pinned ? List.of("--pin") : List.of(), w1.command(Tool.REFERENCE));

        assertEquals(new Run(0, w1.expectedStdout(Tool.REFERENCE), "", run.stats()), run);
        assertEquals("PanatraceOS\n", run.stdout(), "the host directory's key, not the kernel's");
        // One rewrite per open; the slot already holds the path after the first, so one write and one mapping.
        assertTrue(run.stats().matches("stops=\\d+ seccomp_stops=\\d+ rewrites=300 writes=1 mappings=1\n"), run.stats());
    }

    @Test
    void w3ThreadsEachReadTheHostKeysThroughTheirOwnSlots() throws Exception {
        Path w3 = GoPrograms.build(RepositoryRoot.find(), "w3");
        Workload workload = Workloads.w3(w3, 16, 25, 2, Workloads.Keys.LINUX);

        Run run = run(List.of(), workload.command(Tool.REFERENCE));

        // w3 checks every key it reads against the host directory's contents and counts what differs.
        assertEquals(new Run(0, "opens=800 plain=1600 failures=0 wrong=0\n", "", run.stats()), run);
        // The two keys alternate in each thread, and each stays on its shelf: two writes per thread, one region each.
        assertTrue(run.stats().matches("stops=\\d+ seccomp_stops=\\d+ rewrites=800 writes=32 mappings=16\n"),
                run.stats());
    }

    @Test
    void pathsOutsideTheGuestDirectoryAreLeftAlone() throws Exception {
        Path busybox = Executables.busybox().orElse(null);
        assumeTrue(busybox != null, "busybox is not installed (Debian package busybox-static)");
        // /proc/sysvipc starts with "/proc/sys" but is not under it; the host directory has no such entry.
        assumeTrue(Files.isDirectory(Path.of("/proc/sysvipc")), "no /proc/sysvipc here (a kernel without SysV IPC)");
        Run run = run(List.of(), List.of(busybox.toString(), "sh", "-c",
                "test -d /proc/sysvipc && echo kept; test -e /proc/sys/kernel/ostype && echo redirected"));

        assertEquals(new Run(0, "kept\nredirected\n", "", run.stats()), run);
        assertTrue(run.stats().contains(" rewrites=1 "), run.stats());
    }

    @Test
    void badArgumentsFailWithOneLineBeforeAnythingRuns() throws Exception {
        Path marker = scratch.resolve("ran");
        Path missing = scratch.resolve("missing/stats");
        List<List<String>> badLines = List.of(
                List.of("--bind", "relative:/proc/sys", "--", "touch", marker.toString()),
                List.of("--frobnicate", "--bind", "/a:/b", "--", "touch", marker.toString()),
                List.of("--stats", missing.toString(), "--bind", "/a:/b", "--", "touch", marker.toString()));
        List<String> errors = List.of(
                "reference-tracer: --bind wants HOST:GUEST, two absolute paths, not 'relative:/proc/sys' (usage: ",
                "reference-tracer: unknown option '--frobnicate' (usage: ",
                "reference-tracer: " + missing + ": No such file or directory");
        List<Integer> statuses = List.of(2, 2, 125);
        for (int i = 0; i < badLines.size(); i++) {
            List<String> line = new ArrayList<>(List.of(tracer.toString()));
            line.addAll(badLines.get(i));
            Process process = new ProcessBuilder(line).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            assertTrue(process.waitFor(30, TimeUnit.SECONDS));
            assertEquals(statuses.get(i), process.exitValue(), output);
            assertEquals(1, output.lines().count(), output);
            assertTrue(output.startsWith(errors.get(i)), output);
        }
        assertTrue(Files.notExists(marker), "the command never ran");
    }
}
