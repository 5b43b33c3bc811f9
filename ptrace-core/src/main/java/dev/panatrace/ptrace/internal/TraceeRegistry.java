package dev.panatrace.ptrace.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The threads and processes a trace follows, and those not yet followed: first stops that came before
 * the fork/clone event that names their thread. Keeps the session's set of live tids and the counts of
 * what was followed. Tracer thread only, but for the counts.
 */
final class TraceeRegistry {
    private final Map<Integer, ThreadState> threads = new HashMap<>();
    private final Map<Integer, ProcessState> processes = new HashMap<>();
    /** First stops of new tracees whose parent's fork/clone event has not been seen yet. */
    private final Map<Integer, Integer> earlyFirstStops = new HashMap<>();
    /** Tracees adopted before any event named them; an event that names one later must not adopt it again. */
    private final Set<Integer> adoptedUnnamed = new HashSet<>();
    private final Set<Integer> liveTids;
    private volatile long processCount;
    private volatile long threadCount;

    /** @param liveTids the session's view of the followed threads, kept up to date here */
    TraceeRegistry(Set<Integer> liveTids) {
        this.liveTids = liveTids;
    }

    ThreadState thread(int tid) {
        return threads.get(tid);
    }

    ProcessState process(int pid) {
        return processes.get(pid);
    }

    boolean follows(int tid) {
        return threads.containsKey(tid);
    }

    /** Whether {@code pid} is a followed process, not yet reaped: a signal to it reaches a tracee. */
    boolean followsProcess(int pid) {
        return processes.containsKey(pid);
    }

    /** Nothing followed and nothing waiting to be: the trace is over. */
    boolean isEmpty() {
        return threads.isEmpty() && earlyFirstStops.isEmpty();
    }

    boolean hasNoThreads() {
        return threads.isEmpty();
    }

    Collection<ThreadState> threadsNow() {
        return new ArrayList<>(threads.values());
    }

    Set<Integer> pids() {
        return processes.keySet();
    }

    ProcessState addProcess(int pid, AddressSpace space) {
        ProcessState process = new ProcessState(pid, space);
        processes.put(pid, process);
        processCount++;
        return process;
    }

    ThreadState addThread(int tid, ProcessState process) {
        ThreadState thread = new ThreadState(tid, process);
        threads.put(tid, thread);
        liveTids.add(tid);
        threadCount++;
        return thread;
    }

    /**
     * A non-leader thread's execve completed: it now has the leader's tid ({@code leader}), the old
     * leader vanished without an exit report, and the execing thread's syscall state moves with it.
     */
    void execHandOver(ThreadState leader, int formerTid) {
        ThreadState execing = threads.remove(formerTid);
        liveTids.remove(formerTid);
        if (execing != null) {
            leader.inSyscall = execing.inSyscall;
            leader.syscall = execing.syscall;
            leader.observeExit = execing.observeExit;
            leader.skip = execing.skip;
            leader.entryArg0 = execing.entryArg0;
            leader.locals = execing.locals;
        }
    }

    /** The thread ended or was detached. */
    void removeThread(ThreadState thread) {
        threads.remove(thread.tid);
        liveTids.remove(thread.tid);
    }

    /** The leader's exit, reported last in its group: the process is gone. */
    void removeProcess(int pid) {
        processes.remove(pid);
    }

    /** Keeps the first stop of a thread no event has named yet. */
    void holdEarlyStop(int tid, int status) {
        earlyFirstStops.put(tid, status);
    }

    /** The held first stop of {@code tid} (raw status), or null; forgotten either way. */
    Integer takeEarlyStop(int tid) {
        return earlyFirstStops.remove(tid);
    }

    /**
     * Unnamed threads whose creator is no longer followed: no event will ever name them. Each is
     * remembered as adopted unnamed, so that a late event naming it does not adopt it again.
     */
    List<Integer> orphans() {
        if (earlyFirstStops.isEmpty()) {
            return List.of(); // the usual case, at every thread's end
        }
        List<Integer> orphans = new ArrayList<>();
        for (int tid : earlyFirstStops.keySet()) {
            if (!threads.containsKey(tid) && !processes.containsKey(ProcStatus.creatorOf(tid))) {
                orphans.add(tid);
            }
        }
        adoptedUnnamed.addAll(orphans);
        return orphans;
    }

    /** Whether a fork/clone event names a thread already followed, or one adopted unnamed (once). */
    boolean alreadyAdopted(int tid) {
        return adoptedUnnamed.remove(tid) || threads.containsKey(tid);
    }

    void forgetAll() {
        liveTids.clear();
    }

    long processCount() {
        return processCount;
    }

    long threadCount() {
        return threadCount;
    }
}
