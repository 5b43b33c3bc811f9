package dev.panatrace.procsys;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.panatrace.ptrace.TraceMode;
import dev.panatrace.ptrace.testing.Tracees;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** 64 threads writing and reading the same served keys: every read is some write, the last write wins. */
@Timeout(120)
class ConcurrentWritesTest {
    @TempDir
    Path temp;

    @Test
    void sixtyFourThreadsReadOnlyValuesSomeThreadWrote() throws Exception {
        race("-same-length");
    }

    /**
     * Values of different lengths. MaterializedTree rewrites a file by writing the new value over the old
     * one and then truncating it, so a reader in between sees the new value followed by the rest of a
     * longer old one ("29\n666\n"): found by this test, to be fixed there.
     */
    @Test
    void valuesOfDifferentLengthsAreNeverReadTorn() throws Exception {
        race("-same-length=false");
    }

    private void race(String lengths) throws Exception {
        Tracees.assumePtraceAllowed();
        Path race = GoTracee.build("sysctlrace");
        SysctlTree tree = SysctlTree.builder()
                .profile(SysctlProfile.parse("race.conf", "kernel.panic = 10\nkernel.keys.root_maxkeys = 1000000\n"))
                .missing(Missing.ENOENT).build();
        try (ProcSysServer server = ProcSysServer.builder(tree).directory(temp).build()) {
            ServedRun run = ServedRun.of(server, temp, TraceMode.SECCOMP, Map.of(), List.of(race.toString(),
                    lengths, "-threads", "64", "-iterations", "20", "-final", "4242", "-initial", "10,1000000",
                    "/proc/sys/kernel/panic", "/proc/sys/kernel/keys/root_maxkeys"));

            assertEquals("writes=2560 reads=2560 foreign=0\n", run.stdout(), run.stderr());
            assertEquals(0, run.exitCode(), run.stderr());
            assertEquals("4242\n", tree.read("kernel.panic").orElseThrow());
            assertEquals("4242\n", tree.read("kernel.keys.root_maxkeys").orElseThrow());
            SysctlReport.KeyActivity panic = server.report().keys().stream()
                    .filter(key -> key.key().path().equals("kernel/panic")).findFirst().orElseThrow();
            assertEquals(64 * 20 + 1, panic.writes(), "every write reached the tree: " + panic);
        }
    }
}
