package dev.panatrace.ptrace.internal;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** A followed process, as the trace loop keeps it: its address space and what the handler watches in it. */
final class ProcessState {
    final int pid;
    AddressSpace space;
    /**
     * Descriptors a handler watches, by syscall name; like the filters behind them, inherited by
     * children and kept across exec.
     */
    final Map<String, Set<Integer>> watched = new HashMap<>();
    /** Still the spawn trampoline, before its exec of the target: hidden from the handler. */
    boolean trampoline;
    /** Handlers' values for this process. */
    final TraceeLocalValues locals = new TraceeLocalValues();

    ProcessState(int pid, AddressSpace space) {
        this.pid = pid;
        this.space = space;
    }

    boolean watches(int fd, String name) {
        Set<Integer> fds = watched.get(name);
        return fds != null && fds.contains(fd);
    }

    boolean watchesAll(int fd, Set<String> names) {
        return names.stream().allMatch(name -> watches(fd, name));
    }

    void watch(int fd, Set<String> names) {
        for (String name : names) {
            watched.computeIfAbsent(name, k -> new HashSet<>()).add(fd);
        }
    }
}
