package dev.panatrace.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panatrace.ptrace.testing.Tracees;
import dev.panatrace.terminal.StatusLine;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/bench --soak 2}, as CI runs it: two minutes of containers and etcd round trips under two launchers,
 * with no failure and no growth of the launchers' descriptors or threads, then SIGTERM under load ending
 * everything within 30 s and a restarted etcd serving the last value written.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class SoakHarnessTest {

    @TempDir
    Path out;

    @Test
    void twoMinutesUnderLoadWithoutFailureOrGrowthThenACleanShutdown() throws Exception {
        assumeRunnable();
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        SoakOptions options = new SoakOptions(Duration.ofMinutes(2), out, Duration.ofSeconds(10), "",
                RepositoryRoot.find(), false);

        SoakResults results = new SoakHarness(options,
                new StatusLine(new PrintStream(progress, true, StandardCharsets.UTF_8), false)).run();

        String report = SoakReport.markdown(results);
        assertEquals(List.of(), results.failures(), report);
        assertTrue(results.containers() >= 20 && results.roundTrips() >= 100, report);
        for (String daemon : List.of("containerd", "etcd")) {
            // Every 10 s from 0 to 120 s.
            assertEquals(13, results.samples().get(daemon).size(), report);
            assertTrue(results.samples().get(daemon).getLast().heapAfterGcMib().isPresent(),
                    daemon + "'s launcher logged no collection\n" + report);
        }
        assertEquals(13, results.progress().size(), report);
        assertEquals(results.containers(), results.progress().getLast().containers(), 3, report);
        SoakResults.Shutdown shutdown = results.shutdown();
        // containerd and etcd, the resident container and its shim, at least.
        assertTrue(shutdown.processes() >= 4, report);
        assertEquals(Map.of("containerd", 0, "etcd", 128 + 15), shutdown.exitStatus(), report);
        assertTrue(shutdown.allEndedSeconds() < SoakHarness.SHUTDOWN_LIMIT.toSeconds(), report);
        assertTrue(results.restart().servedLastValue() && results.restart().lastAcknowledged() > 0, report);

        Map<?, ?> json = assertInstanceOf(Map.class, MiniJson.parse(Files.readString(out.resolve("soak.json"))));
        assertEquals(List.of("commit", "machine", "minutes", "interval_s", "load", "launchers", "shutdown", "restart",
                "failures"), List.copyOf(json.keySet()));
        assertEquals(List.of(), json.get("failures"));
        Map<?, ?> launchers = assertInstanceOf(Map.class, json.get("launchers"));
        assertEquals(List.of("containerd", "etcd"), List.copyOf(launchers.keySet()));
        assertTrue(Files.readString(out.resolve("soak.md")).contains("**Passed.**"));
        PngFiles.assertDecodablePng(out.resolve("soak.png"));
    }

    /** Skips without root, ptrace or the daemons; under CI ({@code CI=true}) fails instead. */
    private static void assumeRunnable() {
        Tracees.assumePtraceAllowed();
        String missing = null;
        if (!"root".equals(System.getProperty("user.name"))) {
            missing = "containerd's containers need root";
        }
        for (String program : List.of("containerd", "ctr", "runc", "etcd", "etcdctl")) {
            if (missing == null && Executables.onPath(program).isEmpty()) {
                missing = program + " is not installed (Debian packages containerd, etcd-server, etcd-client)";
            }
        }
        if (missing == null && Executables.busybox().isEmpty()) {
            missing = "busybox is not installed (Debian package busybox-static)";
        }
        if (missing != null && "true".equals(System.getenv("CI"))) {
            fail("CI=true, but the soak cannot run here: " + missing);
        }
        assumeTrue(missing == null, missing);
    }
}
