package dev.panatrace.ptrace.internal;

import dev.panatrace.ptrace.EntryAction;
import dev.panatrace.ptrace.ExitStatus;
import dev.panatrace.ptrace.Stop;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.TraceeGoneException;
import dev.panatrace.ptrace.internal.jfr.TraceEvents;

import java.util.HashSet;
import java.util.Set;

/**
 * The loop's calls into the handler, each guarded as {@link TraceHandler} promises: a hook that throws
 * does not end the trace, its register changes and its answer are dropped, the event proceeds as by
 * default, and the failure is logged once per hook and syscall. Tracer thread only.
 */
final class HandlerCalls {
    private static final System.Logger LOG = System.getLogger("dev.panatrace.ptrace");

    private final TraceHandler handler;
    private final StopView view;
    private final boolean observesStops;
    private final Set<String> reportedFailures = new HashSet<>();

    HandlerCalls(TraceHandler handler, StopView view) {
        this.handler = handler;
        this.view = view;
        this.observesStops = handler.observesStops();
    }

    /** Whether the handler subscribed to every stop: then each wanted syscall stops at its exit too. */
    boolean observesStops() {
        return observesStops;
    }

    void stop(Stop stop) {
        if (observesStops) {
            call("onStop", () -> handler.onStop(stop));
        }
    }

    /** The syscall entry the view shows. Called directly, not through {@link #call}: this runs at most stops. */
    EntryAction entry() {
        Object event = TraceEvents.beginSyscall();
        EntryAction action;
        try {
            action = handler.onSyscallEntry(view);
        } catch (TraceeGoneException gone) {
            throw gone;
        } catch (RuntimeException | LinkageError | AssertionError e) {
            failed("onSyscallEntry", e);
            endEvent(event, true);
            view.discardChanges();
            return EntryAction.CONTINUE;
        }
        endEvent(event, true);
        return action == null ? EntryAction.CONTINUE : action;
    }

    /** The syscall exit the view shows. */
    void exit() {
        Object event = TraceEvents.beginSyscall();
        try {
            handler.onSyscallExit(view);
        } catch (TraceeGoneException gone) {
            throw gone;
        } catch (RuntimeException | LinkageError | AssertionError e) {
            failed("onSyscallExit", e);
            endEvent(event, false);
            view.discardChanges();
            return;
        }
        endEvent(event, false);
    }

    private void endEvent(Object event, boolean entry) {
        if (event != null) {
            TraceEvents.endSyscall(event, view.name(), view.tid(), entry);
        }
    }

    /** The signal to deliver instead of {@code signal} to the thread the view shows. */
    int signal(int signal) {
        int[] deliver = {signal};
        if (!call("onSignal", () -> deliver[0] = handler.onSignal(view, signal))) {
            view.discardChanges();
            return signal;
        }
        return deliver[0];
    }

    /** The thread the view shows completed an execve. */
    void exec(int formerTid) {
        if (!call("onExec", () -> handler.onExec(view, formerTid))) {
            view.discardChanges();
        }
    }

    void newTracee(int parentTid, int tid, int pid) {
        call("onNewTracee", () -> handler.onNewTracee(parentTid, tid, pid));
    }

    void ended(int tid, int pid, ExitStatus status) {
        call("onExit", () -> handler.onExit(tid, pid, status));
    }

    private boolean call(String hook, Runnable call) {
        try {
            call.run();
            return true;
        } catch (TraceeGoneException gone) {
            throw gone;
        } catch (RuntimeException | LinkageError | AssertionError e) {
            failed(hook, e);
            return false;
        }
    }

    private void failed(String hook, Throwable e) {
        String syscall = view.active() ? view.name() : "";
        TraceEvents.error(hook, syscall, e);
        if (reportedFailures.add(hook + ":" + syscall)) {
            LOG.log(System.Logger.Level.WARNING, "handler " + hook + (syscall.isEmpty() ? "" : " for " + syscall)
                    + " threw; proceeding unmodified (reported once)", e);
        }
    }
}
