package dev.panatrace.procsys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panatrace.ptrace.EntryAction;
import dev.panatrace.ptrace.ExitStatus;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.SyscallSet;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.TraceSession;
import dev.panatrace.ptrace.Tracer;
import dev.panatrace.ptrace.testing.ProcessResult;
import dev.panatrace.ptrace.testing.Tracees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link FilesystemDisguise} on real tracees: cAdvisor's view of "/", busybox's mount tables, statfs, uname. */
@Timeout(60)
class FilesystemDisguiseTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path temp;

    private String busybox;
    /** The type to show for "/": XFS, or btrfs where the root really is XFS. */
    private FilesystemType shown;
    private FilesystemDisguise disguise;

    @BeforeEach
    void setUp() throws IOException {
        Tracees.assumePtraceAllowed();
        busybox = Tracees.busybox().toString();
        shown = realRootType().equals("xfs") ? FilesystemType.BTRFS : FilesystemType.XFS;
        disguise = FilesystemDisguise.builder().mount("/", shown).release("5.15.0-panatrace").directory(temp).build();
    }

    @AfterEach
    void tearDown() {
        if (disguise != null) {
            disguise.close();
        }
    }

    @Test
    void cadvisorSeesTheDisguisedTypeOnTheSameDeviceWithSizes() throws Exception {
        String cadvisor = Tracees.go("cadvisorfs").toString();

        ProcessResult traced = traced(disguise, cadvisor);
        ProcessResult untraced = Tracees.runUntraced(TIMEOUT, List.of(cadvisor));

        assertEquals(0, traced.exitCode(), traced.stderr());
        assertEquals("fstype=" + shown.fsName() + " device-match=true blocks>0=true\n", traced.stdout());
        assertEquals("fstype=" + realRootType() + " device-match=true blocks>0=true\n", untraced.stdout());
    }

    @Test
    void statfsAndFstatfsReportTheMagicForAbsoluteAndRelativePaths() throws Exception {
        String cadvisor = Tracees.go("cadvisorfs").toString();
        String magic = Long.toHexString(shown.magic());

        ProcessResult go = traced(disguise, cadvisor, "-magic", "-path", "/");
        ProcessResult stat = traced(disguise, busybox, "sh", "-c",
                busybox + " stat -f -c %t /; cd /etc && " + busybox + " stat -f -c %t .; " + busybox + " stat -f -c %t /proc");

        assertEquals("statfs=" + magic + " fstatfs=" + magic + "\n", go.stdout(), go.stderr());
        assertEquals(magic + "\n" + magic + "\n" + "9fa0\n", stat.stdout(), stat.stderr());
    }

    @Test
    void mountTablesDifferOnlyInTheDisguisedLine() throws Exception {
        for (String table : List.of("/proc/self/mountinfo", "/proc/mounts", "/proc/thread-self/mounts")) {
            List<ProcessResult> reads = whileTheTableHoldsStill(table, () -> List.of(
                    Tracees.runUntraced(TIMEOUT, List.of(busybox, "cat", table)), traced(disguise, busybox, "cat", table)));
            ProcessResult untraced = reads.get(0);
            ProcessResult traced = reads.get(1);

            assertEquals(0, traced.exitCode(), traced.stderr());
            String[] real = untraced.stdout().split("\n", -1);
            String[] seen = traced.stdout().split("\n", -1);
            assertEquals(real.length, seen.length, table);
            int rewritten = 0;
            for (int i = 0; i < real.length; i++) {
                if (!real[i].equals(seen[i])) {
                    rewritten++;
                    String[] fields = seen[i].split(" ");
                    boolean mountinfo = table.endsWith("mountinfo");
                    assertEquals("/", fields[mountinfo ? 4 : 1], seen[i]);
                    assertEquals(shown.fsName(), fields[mountinfo ? fields.length - 3 : 2], seen[i]);
                    if (mountinfo) {
                        assertEquals(real[i].split(" ")[2], fields[2], "maj:min is kept");
                    }
                }
            }
            assertEquals(1, rewritten, table + ":\n" + traced.stdout());
        }
    }

    @Test
    void readsOfAnySizeAndOtherNamesOfTheTableSeeTheSameBytes() throws Exception {
        List<String> blockSizes = List.of("1", "100", "65536");
        List<ProcessResult> reads = whileTheTableHoldsStill("/proc/self/mountinfo", () -> {
            List<ProcessResult> results = new ArrayList<>();
            results.add(traced(disguise, busybox, "cat", "/proc/self/mountinfo"));
            for (String blockSize : blockSizes) {
                results.add(traced(disguise, busybox, "dd", "if=/proc/self/mountinfo", "bs=" + blockSize));
            }
            results.add(traced(disguise, busybox, "sh", "-c", "exec " + busybox + " cat /proc/$$/mountinfo"));
            results.add(traced(disguise, busybox, "cat", "/proc/thread-self/mountinfo"));
            return results;
        });

        String whole = reads.get(0).stdout();
        assertTrue(whole.contains(" - " + shown.fsName() + " "), whole);
        for (int i = 0; i < blockSizes.size(); i++) {
            ProcessResult dd = reads.get(1 + i);
            assertEquals(whole, dd.stdout(), "bs=" + blockSizes.get(i) + ": " + dd.stderr());
        }
        ProcessResult byPid = reads.get(4);
        ProcessResult byThread = reads.get(5);
        assertEquals(whole, byPid.stdout(), byPid.stderr());
        assertEquals(whole, byThread.stdout(), byThread.stderr());
        assertEquals(0, Files.list(disguise.directory()).count(), "rewritten tables are unlinked once opened");
    }

    /**
     * A thread killed inside a redirected open never reaches the exit that would unlink the rewritten
     * table: the table goes when the thread's end is reported.
     */
    @Test
    void aTableWhoseOpenNeverReturnsIsDeletedWhenItsThreadEnds() throws Exception {
        Path directory = disguise.directory();
        List<Path> opened = new CopyOnWriteArrayList<>();
        TraceHandler killInsideTheOpen = new TraceHandler() {
            @Override
            public SyscallSet syscalls() {
                return SyscallSet.of("openat");
            }

            @Override
            public EntryAction onSyscallEntry(Syscall call) {
                Path path = Path.of(new String(call.readString(1), StandardCharsets.ISO_8859_1));
                if (path.startsWith(directory)) {
                    opened.add(path);
                    // Pending at the entry stop, SIGKILL ends the thread before the open runs.
                    ProcessHandle.of(call.tracee().pid()).orElseThrow().destroyForcibly();
                }
                return EntryAction.CONTINUE;
            }
        };

        ProcessResult result = traced(HandlerChain.of(disguise, killInsideTheOpen), busybox, "cat", "/proc/self/mountinfo");

        assertEquals(128 + 9, result.exitCode(), result.stderr());
        assertEquals(1, opened.size(), "the open was redirected to a rewritten table: " + opened);
        assertEquals(List.of(), Files.list(directory).toList());
    }

    @Test
    void aNumberedTableMeansTheProcessInTheThreadsPidNamespace() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "unshare --pid needs root");
        // In its own pid namespace with its own /proc, the shell is process 1 there and something else here.
        String script = "echo $$; " + busybox + " grep -c ' / / .* - " + shown.fsName() + " ' /proc/1/mountinfo";

        ProcessResult result = traced(disguise, busybox, "unshare", "--pid", "--fork", "--mount-proc", busybox, "sh",
                "-c", script);

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals("1\n1\n", result.stdout());
    }

    @Test
    void coreutilsStatSeesWhatItSeesUntraced() throws Exception {
        // statx with AT_NO_AUTOMOUNT, which this kernel takes: the disguise must leave it as it is.
        List<String> stat = List.of("stat", "-c", "%d %i %F", "/", "/etc", "/proc");

        ProcessResult traced = traced(disguise, stat.toArray(String[]::new));
        ProcessResult untraced = Tracees.runUntraced(TIMEOUT, stat);

        assertEquals(0, untraced.exitCode(), untraced.stderr());
        assertEquals(0, traced.exitCode(), traced.stderr());
        assertEquals(untraced.stdout(), traced.stdout());
    }

    @Test
    void unameReportsTheConfiguredRelease() throws Exception {
        ProcessResult traced = traced(disguise, busybox, "uname", "-r");
        ProcessResult untraced = Tracees.runUntraced(TIMEOUT, List.of(busybox, "uname", "-r"));
        ProcessResult system = traced(disguise, busybox, "uname", "-s");

        assertEquals("5.15.0-panatrace\n", traced.stdout(), traced.stderr());
        assertNotEquals(traced.stdout(), untraced.stdout());
        assertEquals("Linux\n", system.stdout(), "other fields are kept");
    }

    @Test
    void chainedWithAProcSysServerBothAreServed() throws Exception {
        SysctlTree tree = SysctlTree.builder().profile(SysctlProfile.builtIn("k3s")).missing(Missing.ENOENT).build();
        try (ProcSysServer server = ProcSysServer.builder(tree).directory(temp).build()) {
            TraceHandler chain = HandlerChain.of(server, disguise);
            ProcessResult result = traced(chain, busybox, "sh", "-c",
                    busybox + " cat /proc/sys/vm/overcommit_memory; " + busybox + " stat -f -c %t /proc/sys/vm; "
                            + busybox + " stat -f -c %t /; " + busybox + " grep -c ' - " + shown.fsName()
                            + " ' /proc/self/mountinfo; " + busybox + " uname -r");

            assertEquals("1\n9fa0\n" + Long.toHexString(shown.magic()) + "\n1\n5.15.0-panatrace\n", result.stdout(),
                    result.stderr());
        }
    }

    /**
     * The results of {@code reads} during which the mount table did not change: programs elsewhere on the
     * machine (a container runtime, say) may mount and unmount meanwhile.
     */
    private <T> T whileTheTableHoldsStill(String table, Callable<T> reads) throws Exception {
        for (int attempt = 1; ; attempt++) {
            String before = Tracees.runUntraced(TIMEOUT, List.of(busybox, "cat", table)).stdout();
            T results = reads.call();
            if (before.equals(Tracees.runUntraced(TIMEOUT, List.of(busybox, "cat", table)).stdout())) {
                return results;
            }
            assertTrue(attempt < 10, "the mount table " + table + " changed during each of " + attempt + " attempts");
        }
    }

    /** The fstype column of the mountinfo line of "/", as this JVM sees it. */
    private static String realRootType() throws IOException {
        String type = null;
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] fields = line.split(" ");
            if (fields[4].equals("/")) {
                type = fields[List.of(fields).indexOf("-") + 1];
            }
        }
        assertNotNull(type, "no mount at / in /proc/self/mountinfo");
        return type;
    }

    private ProcessResult traced(TraceHandler handler, String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile(temp, "stdout", ".txt");
        Path err = Files.createTempFile(temp, "stderr", ".txt");
        try (TraceSession session = Tracer.builder().handler(handler).stdout(out).stderr(err).spawn(List.of(command))) {
            Optional<ExitStatus> status = session.waitFor(TIMEOUT);
            assertNotNull(status, List.of(command) + " did not end within " + TIMEOUT);
            return new ProcessResult(status.orElseThrow().shellStatus(), Files.readString(out), Files.readString(err));
        }
    }
}
