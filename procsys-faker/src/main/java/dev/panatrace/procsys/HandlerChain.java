package dev.panatrace.procsys;

import dev.panatrace.ptrace.EntryAction;
import dev.panatrace.ptrace.ExitStatus;
import dev.panatrace.ptrace.Stop;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.SyscallSet;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.Tracee;
import dev.panatrace.ptrace.TraceeLocal;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Several handlers as one, for a tracer that takes a single handler: e.g. a {@link ProcSysServer} and a
 * {@link FilesystemDisguise}.
 *
 * <pre>{@code
 * Tracer.builder().handler(HandlerChain.of(server, disguise)).spawn(command);
 * }</pre>
 *
 * <p>At a syscall's entry each handler that wants the syscall is asked in order and sees the
 * arguments as the handlers before it left them (a path one redirected is the path the next one
 * reads). The first that skips the syscall decides its result; later ones are not asked, and earlier
 * ones that wanted the exit do not get it. At the exit, the handlers that asked for it are called in
 * reverse order, so the first handler has the last word on the result. Other events go to every
 * handler in order; a signal passes through each handler's {@link TraceHandler#onSignal} in turn.
 *
 * <p>At most one handler may watch syscalls by descriptor range ({@link SyscallSet#withFdRange}); it
 * is asked about such a syscall whatever the descriptor, since another handler's wanted syscall
 * stops it too.
 */
public final class HandlerChain implements TraceHandler {
    private final List<TraceHandler> handlers;
    private final List<SyscallSet> wanted;
    private final SyscallSet union;
    private final List<TraceHandler> stopObservers;
    /** The handlers that asked for the exit of the thread's current syscall. */
    private final TraceeLocal<List<TraceHandler>> exits = TraceeLocal.perSyscall();

    private HandlerChain(List<TraceHandler> handlers) {
        this.handlers = List.copyOf(handlers);
        this.wanted = this.handlers.stream().map(TraceHandler::syscalls).toList();
        this.union = union(wanted);
        this.stopObservers = this.handlers.stream().filter(TraceHandler::observesStops).toList();
    }

    /**
     * The handlers, asked in this order.
     *
     * @param handlers at least one
     * @return the chain
     * @throws IllegalArgumentException with no handler, or if more than one watches a descriptor range
     */
    public static HandlerChain of(TraceHandler... handlers) {
        if (handlers.length == 0) {
            throw new IllegalArgumentException("a chain needs a handler");
        }
        return new HandlerChain(List.of(handlers));
    }

    private static SyscallSet union(List<SyscallSet> sets) {
        TreeSet<String> names = new TreeSet<>();
        SyscallSet ranged = null;
        for (SyscallSet set : sets) {
            if (set.isAll()) {
                return SyscallSet.all();
            }
            names.addAll(set.names());
            if (!set.fdRangeNames().isEmpty()) {
                if (ranged != null) {
                    throw new IllegalArgumentException("two handlers watch descriptor ranges: " + ranged + ", " + set);
                }
                ranged = set;
            }
        }
        SyscallSet always = SyscallSet.of(names);
        return ranged == null ? always
                : always.withFdRange(ranged.fdLow(), ranged.fdHigh(), ranged.fdRangeNames().toArray(String[]::new));
    }

    /** Every syscall some handler wants. */
    @Override
    public SyscallSet syscalls() {
        return union;
    }

    /** Whether any handler replaces strings. */
    @Override
    public boolean usesScratchMemory() {
        return handlers.stream().anyMatch(TraceHandler::usesScratchMemory);
    }

    /** Whether any handler observes stops. */
    @Override
    public boolean observesStops() {
        return !stopObservers.isEmpty();
    }

    /** The handlers that observe stops see it, in order. */
    @Override
    public void onStop(Stop stop) {
        stopObservers.forEach(handler -> handler.onStop(stop));
    }

    /** Asks each handler that wants the syscall, in order, until one skips it. */
    @Override
    public EntryAction onSyscallEntry(Syscall call) {
        String name = call.name();
        List<TraceHandler> observers = new ArrayList<>(handlers.size());
        for (int i = 0; i < handlers.size(); i++) {
            SyscallSet set = wanted.get(i);
            if (!set.contains(name) && !set.fdRangeNames().contains(name)) {
                continue;
            }
            EntryAction action = handlers.get(i).onSyscallEntry(call);
            if (action.skips()) {
                return action;
            }
            if (action.observesExit()) {
                observers.add(handlers.get(i));
            }
        }
        if (observers.isEmpty()) {
            return EntryAction.CONTINUE;
        }
        call.tracee().set(exits, observers);
        return EntryAction.OBSERVE_EXIT;
    }

    /** The handlers that asked for the exit, last first. */
    @Override
    public void onSyscallExit(Syscall call) {
        List<TraceHandler> observers = call.tracee().get(exits);
        if (observers == null) {
            return;
        }
        for (int i = observers.size() - 1; i >= 0; i--) {
            observers.get(i).onSyscallExit(call);
        }
    }

    /** The signal passes through every handler in order; once suppressed, it stays so. */
    @Override
    public int onSignal(Tracee tracee, int signal) {
        int delivered = signal;
        for (TraceHandler handler : handlers) {
            if (delivered == 0) {
                break;
            }
            delivered = handler.onSignal(tracee, delivered);
        }
        return delivered;
    }

    /** Every handler learns of the exec. */
    @Override
    public void onExec(Tracee tracee, int formerTid) {
        handlers.forEach(handler -> handler.onExec(tracee, formerTid));
    }

    /** Every handler learns of the new thread or process. */
    @Override
    public void onNewTracee(int parentTid, int tid, int pid) {
        handlers.forEach(handler -> handler.onNewTracee(parentTid, tid, pid));
    }

    /** Every handler learns that the thread ended. */
    @Override
    public void onExit(int tid, int pid, ExitStatus status) {
        handlers.forEach(handler -> handler.onExit(tid, pid, status));
    }
}
