package dev.panatrace.launcher;

import dev.panatrace.ptrace.ExitStatus;
import dev.panatrace.ptrace.TraceFailedException;
import dev.panatrace.ptrace.TraceSession;
import dev.panatrace.ptrace.Tracer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code trace -p PID}: attaches to a running process and all its threads, and on SIGINT, SIGTERM or SIGHUP
 * detaches and leaves it running, as {@code strace -p} does; the launcher exits 0 then. A process that ends
 * while traced ends the run as a spawned command does.
 */
final class AttachedRun {
    private static final List<String> DETACHING = List.of("INT", "TERM", "HUP");

    private AttachedRun() {}

    /**
     * @return how the run ended: the process's end, or, once detached, as if it had exited with 0; Failed when
     *     attaching or tracing failed (said on {@code err})
     */
    static TracedRun.Outcome run(Tracer.Builder tracer, int pid, PrintWriter err) throws InterruptedException {
        if (!Files.isDirectory(Path.of("/proc", Integer.toString(pid)))) {
            throw new UsageException("-p " + pid + ": no such process");
        }
        TraceSession session;
        try {
            session = tracer.attach(pid);
        } catch (TraceFailedException e) {
            err.println("k3s-launcher: cannot attach to process " + pid + ": " + e.getMessage());
            return new TracedRun.Failed(ExitCodes.LAUNCHER_FAILED);
        }
        List<Signal> taken = new ArrayList<>();
        List<SignalHandler> replaced = new ArrayList<>();
        for (String name : DETACHING) {
            Signal signal = new Signal(name);
            replaced.add(Signal.handle(signal, received -> detach(session)));
            taken.add(signal);
        }
        try (session) {
            ExitStatus status = session.waitFor().orElse(ExitStatus.exited(0));
            return new TracedRun.Ended(status, session.stats());
        } catch (TraceFailedException e) {
            err.println("k3s-launcher: tracing process " + pid + " failed: " + e.getMessage());
            return new TracedRun.Failed(ExitCodes.LAUNCHER_FAILED);
        } finally {
            for (int i = 0; i < taken.size(); i++) {
                Signal.handle(taken.get(i), replaced.get(i));
            }
        }
    }

    private static void detach(TraceSession session) {
        if (!session.isDone()) {
            session.detach();
        }
    }
}
