package dev.panatrace.ptrace;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Checks the decoder against two oracles written here from their sources: the kernel's encoding of
 * the status word (kernel/exit.c, kernel/signal.c, ptrace(2)) and glibc's {@code W*} macros
 * (bits/waitstatus.h).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class WaitStatusTest {
    private static final int SIGTRAP = 5;
    private static final int SIGKILL = 9;
    private static final int SIGSEGV = 11;
    private static final int SIGSTOP = 19;
    private static final int PTRACE_EVENT_CLONE = 3;
    private static final int PTRACE_EVENT_EXEC = 4;
    private static final int PTRACE_EVENT_SECCOMP = 7;
    private static final int PTRACE_EVENT_STOP = 128;

    // The kernel's encodings. exit_group(code) reports (code & 0xff) << 8; a fatal signal reports the
    // signal number, with 0x80 added once a core was written; a stopped tracee reports
    // (exit_code << 8) | 0x7f, where exit_code is the signal plus PTRACE_EVENT_* << 8.

    private static int exitStatus(int code) {
        return code << 8;
    }

    private static int deathStatus(int signal, boolean core) {
        return signal | (core ? 0x80 : 0);
    }

    private static int stopStatus(int signal, int event) {
        return 0x7f | signal << 8 | event << 16;
    }

    // glibc's macros, transcribed from bits/waitstatus.h (including its signed-char test for
    // WIFSIGNALED) so that the decoder's own formulas are not reused as the oracle.

    private static boolean wIfExited(int status) {
        return wTermSig(status) == 0;
    }

    private static boolean wIfSignaled(int status) {
        return ((byte) ((status & 0x7f) + 1) >> 1) > 0;
    }

    private static boolean wIfStopped(int status) {
        return (status & 0xff) == 0x7f;
    }

    private static int wExitStatus(int status) {
        return (status & 0xff00) >> 8;
    }

    private static int wTermSig(int status) {
        return status & 0x7f;
    }

    private static boolean wCoreDump(int status) {
        return (status & 0x80) != 0;
    }

    private static int wStopSig(int status) {
        return wExitStatus(status);
    }

    @Test
    void everyExitCodeDecodesAsAnExit() {
        for (int code = 0; code <= 255; code++) {
            WaitStatus status = new WaitStatus(exitStatus(code));
            String what = status.toString();
            assertOnlyOneKind(status, true, false, false);
            assertEquals(code, status.exitCode(), what);
            assertEquals(0, status.event(), what);
            assertFalse(status.syscallStop(), what);
            assertEquals(status, WaitStatus.ofExit(code), what);
        }
    }

    @Test
    void everySignalDeathDecodesAsADeath() {
        for (int signal = 1; signal <= 64; signal++) {
            for (boolean core : new boolean[] {false, true}) {
                WaitStatus status = new WaitStatus(deathStatus(signal, core));
                String what = status.toString();
                assertOnlyOneKind(status, false, true, false);
                assertEquals(signal, status.termSignal(), what);
                assertEquals(core, status.coreDumped(), what);
                assertFalse(status.syscallStop(), what);
                assertEquals(status, WaitStatus.ofSignal(signal, core), what);
            }
        }
    }

    @Test
    void everyStopSignalAndEventDecodesAsAStop() {
        for (int signal = 1; signal <= 64; signal++) {
            for (int event = 0; event <= 255; event++) {
                assertStop(signal, event, false);
            }
        }
        for (int event = 0; event <= 255; event++) {
            assertStop(SIGTRAP | 0x80, event, event == 0);
        }
    }

    private static void assertStop(int signal, int event, boolean syscallStop) {
        WaitStatus status = new WaitStatus(stopStatus(signal, event));
        String what = status.toString();
        assertOnlyOneKind(status, false, false, true);
        assertEquals(signal, status.stopSignal(), what);
        assertEquals(event, status.event(), what);
        assertEquals(syscallStop, status.syscallStop(), what);
        assertEquals(status, WaitStatus.ofStop(signal, event), what);
    }

    private static void assertOnlyOneKind(WaitStatus status, boolean exited, boolean signaled, boolean stopped) {
        String what = "0x" + Integer.toHexString(status.raw());
        assertAll(what,
                () -> assertEquals(exited, status.exited(), "exited"),
                () -> assertEquals(signaled, status.signaled(), "signaled"),
                () -> assertEquals(stopped, status.stopped(), "stopped"));
    }

    @Test
    void agreesWithGlibcMacrosOnAnyWord() {
        qt().forAll(integers().all()).checkAssert(WaitStatusTest::assertAgreesWithGlibc);
        // Dense in the low 24 bits, where every status the kernel reports lives.
        qt().forAll(integers().between(0, 0xff_ffff)).checkAssert(WaitStatusTest::assertAgreesWithGlibc);
    }

    private static void assertAgreesWithGlibc(int raw) {
        WaitStatus status = new WaitStatus(raw);
        String what = "0x" + Integer.toHexString(raw);
        assertAll(what,
                () -> assertEquals(wIfExited(raw), status.exited(), "WIFEXITED"),
                () -> assertEquals(wIfSignaled(raw), status.signaled(), "WIFSIGNALED"),
                () -> assertEquals(wIfStopped(raw), status.stopped(), "WIFSTOPPED"),
                () -> assertEquals(wExitStatus(raw), status.exitCode(), "WEXITSTATUS"),
                () -> assertEquals(wTermSig(raw), status.termSignal(), "WTERMSIG"),
                () -> assertEquals(wCoreDump(raw), status.coreDumped(), "WCOREDUMP"),
                () -> assertEquals(wStopSig(raw), status.stopSignal(), "WSTOPSIG"));
    }

    @Test
    void factoriesEncodeAsTheKernelDoes() {
        qt().forAll(integers().between(0, 255)).checkAssert(code ->
                assertEquals(exitStatus(code), WaitStatus.ofExit(code).raw()));
        qt().forAll(integers().between(1, 64), booleans().all()).checkAssert((signal, core) ->
                assertEquals(deathStatus(signal, core), WaitStatus.ofSignal(signal, core).raw()));
        qt().forAll(integers().between(1, 255), integers().between(0, 255)).checkAssert((signal, event) ->
                assertEquals(stopStatus(signal, event), WaitStatus.ofStop(signal, event).raw()));
    }

    @Test
    void syscallStopIsOnlySigtrapWithTheSysgoodBitAndNoEvent() {
        qt().forAll(integers().between(0, 255), integers().between(0, 255)).checkAssert((signal, event) ->
                assertEquals(signal == (SIGTRAP | 0x80) && event == 0,
                        new WaitStatus(stopStatus(signal, event)).syscallStop(), signal + "/" + event));
        // Byte 1 of an exit status sits where a stop keeps its signal: exit(133) is no syscall stop.
        assertFalse(new WaitStatus(exitStatus(SIGTRAP | 0x80)).syscallStop());
        assertEquals(0x85, SIGTRAP | WaitStatus.SYSCALL_TRAP_BIT);
    }

    @Test
    void statusesTheKernelReports() {
        assertAll(
                // exit_group(0) and exit_group(1): do_group_exit((code & 0xff) << 8).
                () -> assertExit(0x0000, 0),
                () -> assertExit(0x0100, 1),
                // exit(255): the whole byte survives.
                () -> assertExit(0xff00, 255),
                // SIGKILL never dumps core: group_exit_code is the bare signal number.
                () -> assertDeath(0x0009, SIGKILL, false),
                // SIGSEGV with a core written: the coredump path ORs 0x80 into group_exit_code.
                () -> assertDeath(0x008b, SIGSEGV, true),
                // SIGSTOP stop without PTRACE_SEIZE: wait_task_stopped reports (19 << 8) | 0x7f.
                () -> assertStopExample(0x137f, SIGSTOP, 0, false),
                // ptrace_event(PTRACE_EVENT_CLONE) notifies with SIGTRAP | (3 << 8): (0x305 << 8) | 0x7f.
                () -> assertStopExample(0x3057f, SIGTRAP, PTRACE_EVENT_CLONE, false),
                () -> assertStopExample(0x4057f, SIGTRAP, PTRACE_EVENT_EXEC, false),
                () -> assertStopExample(0x7057f, SIGTRAP, PTRACE_EVENT_SECCOMP, false),
                // PTRACE_INTERRUPT or PTRACE_LISTEN under PTRACE_SEIZE: do_jobctl_trap notifies with
                // SIGTRAP | (PTRACE_EVENT_STOP << 8) = 0x8005, reported as 0x80057f.
                () -> assertStopExample(0x80057f, SIGTRAP, PTRACE_EVENT_STOP, false),
                // Group-stop under PTRACE_SEIZE: SIGSTOP | (PTRACE_EVENT_STOP << 8) = 0x8013 -> 0x80137f.
                () -> assertStopExample(0x80137f, SIGSTOP, PTRACE_EVENT_STOP, false),
                // Syscall stop with PTRACE_O_TRACESYSGOOD: ptrace_report_syscall notifies SIGTRAP | 0x80.
                () -> assertStopExample(0x857f, SIGTRAP | 0x80, 0, true));
    }

    @Test
    void continuedStatusIsNoneOfTheThree() {
        // __W_CONTINUED (0xffff), reported only to waiters that pass WCONTINUED: glibc's WIFEXITED,
        // WIFSIGNALED and WIFSTOPPED are all false for it.
        WaitStatus continued = new WaitStatus(0xffff);
        assertAll(
                () -> assertFalse(continued.exited()),
                () -> assertFalse(continued.signaled()),
                () -> assertFalse(continued.stopped()),
                () -> assertEquals("status(0xffff)", continued.toString()));
    }

    @Test
    void describesItselfInSignalNames() {
        assertAll(
                () -> assertEquals("exited(1)", new WaitStatus(0x0100).toString()),
                () -> assertEquals("killed(SIGKILL)", new WaitStatus(0x0009).toString()),
                () -> assertEquals("killed(SIGSEGV, core)", new WaitStatus(0x008b).toString()),
                () -> assertEquals("stopped(syscall)", new WaitStatus(0x857f).toString()),
                () -> assertEquals("stopped(SIGTRAP, event 3)", new WaitStatus(0x3057f).toString()),
                () -> assertEquals("stopped(SIGSTOP, event 128)", new WaitStatus(0x80137f).toString()));
    }

    private static void assertExit(int raw, int code) {
        WaitStatus status = new WaitStatus(raw);
        assertOnlyOneKind(status, true, false, false);
        assertEquals(code, status.exitCode());
    }

    private static void assertDeath(int raw, int signal, boolean core) {
        WaitStatus status = new WaitStatus(raw);
        assertOnlyOneKind(status, false, true, false);
        assertEquals(signal, status.termSignal());
        assertEquals(core, status.coreDumped());
    }

    private static void assertStopExample(int raw, int signal, int event, boolean syscallStop) {
        WaitStatus status = new WaitStatus(raw);
        assertOnlyOneKind(status, false, false, true);
        assertEquals(signal, status.stopSignal(), status.toString());
        assertEquals(event, status.event(), status.toString());
        assertEquals(syscallStop, status.syscallStop(), status.toString());
        assertEquals(stopStatus(signal, event), raw, "example agrees with the encoder");
    }
}
