package dev.panatrace.ptrace.internal;

import dev.panatrace.ptrace.ExitStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Decoding, from waitpid statuses as the kernel encodes them (wait(2), ptrace(2)): the low byte 0x7f is
 * a stop, the next byte its signal (SIGTRAP|0x80 for a syscall stop under PTRACE_O_TRACESYSGOOD), the
 * byte above it the ptrace event; else the low byte is the killing signal (|0x80: core) or 0 and the
 * next byte the exit code.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class TraceEventTest {
    private static TraceEvent plain(int status) {
        return TraceEvent.decode(status, false, false);
    }

    @Test
    void endings() {
        assertEquals(new TraceEvent.Ended(ExitStatus.exited(0)), plain(0x0000));
        assertEquals(new TraceEvent.Ended(ExitStatus.exited(3)), plain(0x0300));
        assertEquals(new TraceEvent.Ended(ExitStatus.killed(9, false)), plain(0x0009));
        assertEquals(new TraceEvent.Ended(ExitStatus.killed(11, true)), plain(0x008b));
    }

    @Test
    void aSyscallStopIsAnEntryOrAnExitByWhatCameBefore() {
        int syscallStop = 0x857f;
        assertEquals(new TraceEvent.SyscallEntry(), TraceEvent.decode(syscallStop, false, false));
        assertEquals(new TraceEvent.SyscallExit(), TraceEvent.decode(syscallStop, true, false));
        assertEquals(new TraceEvent.LateEntry(), TraceEvent.decode(syscallStop, true, true));
    }

    @Test
    void ptraceEvents() {
        assertEquals(new TraceEvent.Created(Ptrace.EVENT_FORK), plain(0x1057f));
        assertEquals(new TraceEvent.Created(Ptrace.EVENT_VFORK), plain(0x2057f));
        assertEquals(new TraceEvent.Created(Ptrace.EVENT_CLONE), plain(0x3057f));
        assertEquals(new TraceEvent.Exec(), plain(0x4057f));
        assertEquals(new TraceEvent.OtherEvent(Ptrace.EVENT_VFORK_DONE), plain(0x5057f));
        assertEquals(new TraceEvent.Seccomp(), plain(0x7057f));
    }

    @Test
    void eventStopIsAGroupStopForAStopSignalElseAnInterrupt() {
        assertEquals(new TraceEvent.GroupStop(19), plain(0x80137f)); // SIGSTOP
        assertEquals(new TraceEvent.GroupStop(20), plain(0x80147f)); // SIGTSTP
        assertEquals(new TraceEvent.Interrupt(), plain(0x80057f)); // SIGTRAP: PTRACE_INTERRUPT, seize
    }

    @Test
    void aPlainStopIsASignalToDeliver() {
        assertEquals(new TraceEvent.SignalDelivery(10), plain(0x0a7f)); // SIGUSR1
        assertEquals(new TraceEvent.SignalDelivery(19), plain(0x137f)); // SIGSTOP, before it stops the group
        assertEquals(new TraceEvent.SignalDelivery(5), plain(0x057f)); // a real SIGTRAP, not a syscall stop
    }
}
