package dev.panatrace.ptrace.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Builds every Go tracee and checks, without any tracer, that it does what traced tests expect. */
@Timeout(120)
class TraceesTest {
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path temp;

    @ParameterizedTest
    @ValueSource(strings = {"threadreader", "spawner", "execthread", "ticker", "sigself"})
    void buildsEachGoTraceeOnceAsAStaticExecutable(String name) throws IOException {
        Path executable = Tracees.go(name);

        assertEquals(Tracees.repo().resolve("target/tracees").resolve(name), executable);
        assertTrue(Files.isExecutable(executable), executable + " is not executable");
        assertEquals(executable, Tracees.go(name));
        assertFalse(hasInterpreter(executable), executable + " is dynamically linked");
    }

    @Test
    void buildsAStandardPackagesTestsOnceAsAStaticExecutableThatListsThem() throws IOException {
        Path executable = Tracees.goStandardTest("os/signal");

        assertEquals(Tracees.repo().resolve("target/go-std-tests/os_signal.test"), executable);
        assertEquals(executable, Tracees.goStandardTest("os/signal"));
        assertFalse(hasInterpreter(executable), executable + " is dynamically linked");
        ProcessResult list = Tracees.runUntraced(RUN_TIMEOUT, List.of(executable.toString(), "-test.list", "^TestSignal$"));
        // signal_test.go in every Go release since 1.0.
        assertEquals(new ProcessResult(0, "TestSignal\n", ""), list);
        assertThrows(IllegalArgumentException.class, () -> Tracees.goStandardTest("os/no-such-package"));
        assertThrows(IllegalArgumentException.class, () -> Tracees.goStandardTest("../os"));
    }

    @Test
    void threadReaderReadsEveryFileFromEveryThread() throws IOException {
        Path first = Files.writeString(temp.resolve("first"), "one\ntwo\n");
        Path second = Files.writeString(temp.resolve("second"), "2");

        ProcessResult result = run("threadreader", "-threads", "64", "-iterations", "10", "-files", first + "," + second);

        assertEquals(new ProcessResult(0, "reads=" + 64 * 10 * 2 + " failures=0 wrong=0\n", ""), result);
    }

    @Test
    void threadReaderUnescapesNewlinesInExpectedContent() throws IOException {
        Path file = Files.writeString(temp.resolve("lines"), "one\ntwo\\n\n");

        ProcessResult result = run("threadreader", "-threads", "4", "-iterations", "5",
                "-expect", file + "=one\\ntwo\\\\n\\n");

        assertEquals(new ProcessResult(0, "reads=" + 4 * 5 + " failures=0 wrong=0\n", ""), result);
    }

    @Test
    void threadReaderCountsWrongContentAndNamesTheFile() throws IOException {
        Path file = Files.writeString(temp.resolve("actual"), "real");

        ProcessResult result = run("threadreader", "-threads", "4", "-iterations", "10", "-expect", file + "=fake");

        assertEquals(1, result.exitCode());
        assertEquals("reads=40 failures=0 wrong=40\n", result.stdout());
        assertEquals(1, result.stderr().lines().count(), result.stderr());
        assertTrue(result.stderr().contains(file + ": read \"real\", want \"fake\""), result.stderr());
    }

    @Test
    void threadReaderCountsFailedReadsAndGivesTheFirstError() {
        Path missing = temp.resolve("missing");

        ProcessResult result = run("threadreader", "-threads", "3", "-iterations", "2", "-expect", missing + "=x");

        assertEquals(1, result.exitCode());
        assertEquals("reads=6 failures=6 wrong=0\n", result.stdout());
        assertTrue(result.stderr().contains("open " + missing + ": no such file or directory"), result.stderr());
    }

    @ParameterizedTest
    @ValueSource(strings = {"exec", "forkexec"})
    void spawnerRunsEveryChild(String mode) {
        ProcessResult result = run("spawner", "-n", "20", "-parallel", "4", "-mode", mode,
                Tracees.busybox().toString(), "true");

        assertEquals(new ProcessResult(0, "spawned=20 ok=20\n", ""), result);
    }

    @ParameterizedTest
    @ValueSource(strings = {"exec", "forkexec"})
    void spawnerFailsWhenChildrenFail(String mode) {
        ProcessResult result = run("spawner", "-n", "6", "-parallel", "3", "-mode", mode,
                Tracees.busybox().toString(), "false");

        assertEquals(1, result.exitCode());
        assertEquals("spawned=6 ok=0\n", result.stdout());
        assertTrue(result.stderr().startsWith("spawner: first failure:"), result.stderr());
    }

    @Test
    void execThreadBecomesBusyboxEcho() {
        assertEquals(new ProcessResult(0, "exec-from-thread-ok\n", ""), run("execthread"));
    }

    @Test
    void execThreadPassesTheRemainingArgumentsToTheProgram() {
        ProcessResult result = run("execthread", "-exec", Tracees.busybox().toString(), "printf", "%s+%s", "a", "b");

        assertEquals(new ProcessResult(0, "a+b", ""), result);
    }

    @Test
    void tickerTicksUntilItsTimeIsUpAndWritesItsPid() throws IOException {
        Path ready = temp.resolve("ready");

        ProcessResult result = run("ticker", "-threads", "4", "-seconds", "0.3", "-ready", ready.toString());

        assertEquals(0, result.exitCode(), result.stderr());
        Matcher output = Pattern.compile("ticks=(\\d+)\ndone\n").matcher(result.stdout());
        assertTrue(output.matches(), result.stdout());
        assertTrue(Long.parseLong(output.group(1)) > 0, result.stdout());
        assertTrue(Long.parseLong(Files.readString(ready).strip()) > 0);
        assertFalse(Files.exists(temp.resolve("ready.tmp")));
    }

    @Test
    void tickerIsReadyOnlyWithAllThreadsAndStopsOnSigterm() throws Exception {
        int threads = 6;
        Path ready = temp.resolve("ready");
        Path stdout = temp.resolve("stdout");
        Process ticker = new ProcessBuilder(Tracees.go("ticker").toString(),
                        "-threads", String.valueOf(threads), "-seconds", "60", "-ready", ready.toString())
                .redirectOutput(stdout.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        try {
            awaitCondition(() -> Files.exists(ready), "ready file " + ready);

            assertEquals(ticker.pid(), Long.parseLong(Files.readString(ready).strip()));
            try (Stream<Path> tasks = Files.list(Path.of("/proc", String.valueOf(ticker.pid()), "task"))) {
                long count = tasks.count();
                assertTrue(count > threads, count + " threads, want the main one and " + threads + " more");
            }
            ticker.destroy(); // SIGTERM
            assertTrue(ticker.waitFor(10, TimeUnit.SECONDS), "ticker ignored SIGTERM");
            assertEquals(0, ticker.exitValue());
            assertEquals("terminated\n", Files.readString(stdout));
        } finally {
            ticker.destroyForcibly();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {9, 15})
    void sigselfDiesByTheSignalItSends(int signal) {
        ProcessResult result = run("sigself", "-signal", String.valueOf(signal));

        assertEquals(new ProcessResult(128 + signal, "", ""), result);
    }

    @Test
    void sigselfStopsItselfUntilContinued() throws Exception {
        Path stdout = temp.resolve("stdout");
        Process sigself = new ProcessBuilder(Tracees.go("sigself").toString())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(stdout.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        try {
            Path stat = Path.of("/proc", String.valueOf(sigself.pid()), "stat");
            awaitCondition(() -> processState(stat) == 'T', "stopped state in " + stat);
            assertEquals("", Files.readString(stdout));

            ProcessResult cont = Tracees.runUntraced(RUN_TIMEOUT,
                    List.of(Tracees.busybox().toString(), "kill", "-CONT", String.valueOf(sigself.pid())));
            assertEquals(0, cont.exitCode(), cont.stderr());

            assertTrue(sigself.waitFor(10, TimeUnit.SECONDS), "sigself did not exit after SIGCONT");
            assertEquals(0, sigself.exitValue());
            assertEquals("continued\n", Files.readString(stdout));
        } finally {
            sigself.destroyForcibly();
        }
    }

    @Test
    void runUntracedKillsACommandThatOutlivesItsTimeout() {
        long start = System.nanoTime();
        AssertionError timedOut = assertThrows(AssertionError.class,
                () -> Tracees.runUntraced(Duration.ofMillis(300), List.of(Tracees.busybox().toString(), "sleep", "30")));

        assertTrue(timedOut.getMessage().contains("did not exit within"), timedOut.getMessage());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(10)) < 0);
    }

    @Test
    void ptraceIsUnavailableWhenYamaDisablesIt() {
        Optional<String> reason = Tracees.ptraceUnavailableReason(Optional.of("3\n"), status(0, 0x1ffffffffffL));

        assertTrue(reason.orElseThrow().contains("ptrace_scope"), reason.orElseThrow());
    }

    @Test
    void ptraceNeedsRootOrCapSysPtraceBelowYamaScopeThree() {
        qt().forAll(integers().between(0, 2), integers().between(0, 70_000), longs().all())
                .check((scope, uid, capEff) -> {
                    boolean allowed = uid == 0 || (capEff & (1L << 19)) != 0;
                    Optional<String> reason =
                            Tracees.ptraceUnavailableReason(Optional.of(scope + "\n"), status(uid, capEff));
                    return reason.isEmpty() == allowed
                            && Tracees.ptraceUnavailableReason(Optional.empty(), status(uid, capEff)).equals(reason);
                });
    }

    private static ProcessResult run(String tracee, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Tracees.go(tracee).toString());
        command.addAll(List.of(args));
        return Tracees.runUntraced(RUN_TIMEOUT, command);
    }

    /** A /proc/self/status excerpt with the lines the ptrace check reads, among others. */
    private static String status(int uid, long capEff) {
        return "Name:\tjava\nUid:\t1000\t" + uid + "\t" + uid + "\t" + uid + "\nGid:\t0\t0\t0\t0\n"
                + "CapPrm:\t0000000000000000\nCapEff:\t" + String.format("%016x", capEff) + "\nSeccomp:\t0\n";
    }

    /** The state letter of /proc/PID/stat: the field after the parenthesized command name. */
    private static char processState(Path stat) {
        try {
            String line = Files.readString(stat);
            return line.charAt(line.lastIndexOf(')') + 2);
        } catch (IOException e) {
            return '?';
        }
    }

    private static void awaitCondition(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(10);
        }
    }

    /** Whether an ELF64 little-endian executable names a dynamic loader (a PT_INTERP program header). */
    private static boolean hasInterpreter(Path executable) throws IOException {
        ByteBuffer elf = ByteBuffer.wrap(Files.readAllBytes(executable)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x464c457f, elf.getInt(0), "not an ELF file");
        long programHeaders = elf.getLong(0x20);
        int entrySize = Short.toUnsignedInt(elf.getShort(0x36));
        int entries = Short.toUnsignedInt(elf.getShort(0x38));
        for (int i = 0; i < entries; i++) {
            if (elf.getInt((int) programHeaders + i * entrySize) == 3) {
                return true;
            }
        }
        return false;
    }
}
