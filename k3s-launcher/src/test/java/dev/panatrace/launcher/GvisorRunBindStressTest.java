package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.panatrace.ptrace.testing.Gvisor;
import dev.panatrace.ptrace.testing.ProcessResult;
import dev.panatrace.ptrace.testing.Tracees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * bin/stress-bind inside gVisor, on both roots: a static Go program with 64 goroutines locked to OS threads reads two
 * files under /proc/sys that {@code run --bind} redirects to a directory of the host, and every read must succeed
 * and return the redirected content. In gVisor the engine reads paths through /proc/PID/mem and writes rewritten
 * ones with PTRACE_POKEDATA, on threads that run at once.
 */
@Timeout(240)
class GvisorRunBindStressTest {
    /** 64 threads × 100 iterations × 2 files, as PathRedirectorTraceTest on the host: about 15 s in gVisor here. */
    private static final int THREADS = 64;
    private static final int ITERATIONS = 100;
    private static final String OSTYPE = "PanatraceOS\n";
    private static final String OSRELEASE = "9.9.9-redirected\n";

    @TempDir
    Path temp;

    private Path host;

    @BeforeEach
    void fakeProcSys() throws IOException {
        Gvisor.assumeRunnable();
        host = Files.createDirectories(temp.resolve("sys/kernel")).getParent().toRealPath();
        Files.writeString(host.resolve("kernel/ostype"), OSTYPE);
        Files.writeString(host.resolve("kernel/osrelease"), OSRELEASE);
    }

    @ParameterizedTest
    @EnumSource(Gvisor.Root.class)
    void sixtyFourThreadsReadOnlyTheBoundFiles(Gvisor.Root root) {
        List<String> command = List.of(LauncherProcess.script().toString(), "run", "--bind", host + ":/proc/sys", "--",
                Tracees.go("threadreader").toString(), "-threads", String.valueOf(THREADS),
                "-iterations", String.valueOf(ITERATIONS),
                "-expect", "/proc/sys/kernel/ostype=" + OSTYPE.replace("\n", "\\n"),
                "-expect", "/proc/sys/kernel/osrelease=" + OSRELEASE.replace("\n", "\\n"));

        ProcessResult result = Gvisor.run(root, Duration.ofSeconds(200), command);

        assertEquals(new ProcessResult(0, "reads=" + THREADS * ITERATIONS * 2 + " failures=0 wrong=0\n", ""), result);
    }
}
