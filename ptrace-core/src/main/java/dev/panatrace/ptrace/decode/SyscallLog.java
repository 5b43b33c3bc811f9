package dev.panatrace.ptrace.decode;

import dev.panatrace.ptrace.EntryAction;
import dev.panatrace.ptrace.ExitStatus;
import dev.panatrace.ptrace.Signals;
import dev.panatrace.ptrace.Stop;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.SyscallSet;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.Tracee;
import java.io.IOException;
import java.io.Writer;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A handler that writes one line per syscall, as {@code strace -f} does:
 * {@code openat(AT_FDCWD, "/etc/hostname", O_RDONLY) = 3}, with {@code <unfinished ...>} and
 * {@code <... openat resumed>} when another thread's line comes between a call's entry and its exit,
 * {@code --- SIGCHLD {si_signo=SIGCHLD} ---} for a signal delivered, and {@code +++ exited with 0 +++} or
 * {@code +++ killed by SIGKILL +++} when a thread ends. Arguments and results are written by a
 * {@link SyscallDecoder}.
 *
 * <p>It can wrap the handler that does the tool's real work ({@link Builder#around}): that handler sees
 * every event first, and the line shows what the kernel saw and what the tracee got. A string argument that
 * a wrapped handler with scratch memory ({@link TraceHandler#usesScratchMemory()}, as every handler that
 * replaces strings has) rewrote is written as the kernel saw it, followed by
 * {@code /* redirected from "ORIGINAL" *\/}; a call it answered without running ends in
 * {@code (INJECTED)}, as strace marks the calls it fails on purpose.
 *
 * <pre>{@code
 * try (Writer out = Files.newBufferedWriter(Path.of("trace.log"))) {
 *     SyscallLog log = SyscallLog.builder(out).select(Set.of("openat", "read")).build();
 *     try (TraceSession trace = Tracer.builder().handler(log).spawn(List.of("cat", "/etc/hostname"))) {
 *         trace.waitFor();
 *     }
 *     log.finish();
 * }
 * }</pre>
 *
 * <p>All hooks run on the tracer thread. A write error does not disturb the tracees: the log stops and
 * {@link #finish} throws it.
 */
public final class SyscallLog implements TraceHandler {
    /** How lines name the thread they are about. */
    public enum ThreadPrefix {
        /** {@code [pid  N] } before every line while more than one thread is traced: strace's own output. */
        BRACKETED_WHEN_SEVERAL,
        /** The tid, padded to five columns, before every line: {@code strace -f -o FILE}. */
        ALWAYS
    }

    /** The column strace aligns {@code = result} at. */
    private static final int RESULT_COLUMN = 40;

    private final Writer out;
    private final boolean flushEachLine;
    private final SyscallDecoder decoder;
    private final Set<String> selected;
    private final ThreadPrefix prefix;
    private final TraceHandler inner;
    private final SyscallSet innerSet;
    private final boolean innerRewrites;

    /** Tracer thread only, as everything below. */
    private final Map<Integer, Pending> pending = new HashMap<>();
    private final Set<Integer> live = new LinkedHashSet<>();
    /** The thread whose line is written up to its entry and awaits its result, or 0. */
    private int openLine;
    private int column;
    private IOException failure;

    /** A syscall between its entry and its exit. */
    private record Pending(DecodedCall call, boolean innerWantsExit) {}

    private SyscallLog(Builder builder) {
        this.out = builder.out;
        this.flushEachLine = builder.flushEachLine;
        this.decoder = new SyscallDecoder(builder.stringLimit);
        this.selected = builder.selected;
        this.prefix = builder.prefix;
        this.inner = builder.inner;
        this.innerSet = inner == null ? null : inner.syscalls();
        this.innerRewrites = inner != null && inner.usesScratchMemory();
    }

    /**
     * {@return a builder of a log that writes to {@code out}}
     *
     * @param out where lines go; never closed by the log
     */
    public static Builder builder(Writer out) {
        return new Builder(Objects.requireNonNull(out, "out"));
    }

    /** Options of a {@link SyscallLog}. */
    public static final class Builder {
        private final Writer out;
        private boolean flushEachLine;
        private int stringLimit = SyscallDecoder.DEFAULT_STRING_LIMIT;
        private Set<String> selected;
        private ThreadPrefix prefix = ThreadPrefix.BRACKETED_WHEN_SEVERAL;
        private TraceHandler inner;

        private Builder(Writer out) {
            this.out = out;
        }

        /**
         * Logs only these syscalls (default: all); with no wrapped handler, only these stop the tracee.
         *
         * @param names syscall names
         * @return this builder
         */
        public Builder select(Set<String> names) {
            this.selected = Set.copyOf(names);
            return this;
        }

        /**
         * How many bytes of a string or buffer are shown (default {@value SyscallDecoder#DEFAULT_STRING_LIMIT}).
         *
         * @param limit strace's {@code -s}
         * @return this builder
         */
        public Builder stringLimit(int limit) {
            if (limit < 0) {
                throw new IllegalArgumentException("string limit must not be negative: " + limit);
            }
            this.stringLimit = limit;
            return this;
        }

        /**
         * How lines name their thread (default {@link ThreadPrefix#BRACKETED_WHEN_SEVERAL}).
         *
         * @param prefix the style
         * @return this builder
         */
        public Builder threadPrefix(ThreadPrefix prefix) {
            this.prefix = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        /**
         * Flushes {@code out} after each line, for a reader watching it (default: only in {@link #finish}).
         *
         * @return this builder
         */
        public Builder flushEachLine() {
            this.flushEachLine = true;
            return this;
        }

        /**
         * Wraps {@code handler}: it gets every event first, and the log shows their outcome.
         *
         * @param handler the tool's handler
         * @return this builder
         */
        public Builder around(TraceHandler handler) {
            this.inner = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /** {@return the log} */
        public SyscallLog build() {
            return new SyscallLog(this);
        }
    }

    /** The selected syscalls, plus those the wrapped handler wants. */
    @Override
    public SyscallSet syscalls() {
        SyscallSet mine = selected == null ? SyscallSet.all() : SyscallSet.of(selected);
        if (innerSet == null || mine.isAll()) {
            return mine;
        }
        if (innerSet.isAll()) {
            return innerSet;
        }
        Set<String> names = new TreeSet<>(selected);
        names.addAll(innerSet.names());
        SyscallSet union = SyscallSet.of(names);
        return innerSet.fdRangeNames().isEmpty() ? union
                : union.withFdRange(innerSet.fdLow(), innerSet.fdHigh(),
                        innerSet.fdRangeNames().toArray(String[]::new));
    }

    @Override
    public boolean usesScratchMemory() {
        return inner != null && inner.usesScratchMemory();
    }

    /** Whether the wrapped handler observes stops; the log itself needs no stop but the hooks'. */
    @Override
    public boolean observesStops() {
        return inner != null && inner.observesStops();
    }

    @Override
    public void onStop(Stop stop) {
        if (inner != null) {
            inner.onStop(stop);
        }
    }

    @Override
    public EntryAction onSyscallEntry(Syscall call) {
        String name = call.name();
        int tid = call.tracee().tid();
        boolean logged = selected == null || selected.contains(name);
        boolean innerWanted = innerSet != null && (innerSet.contains(name) || innerSet.fdRangeNames().contains(name));
        // Only a handler with scratch memory can point a string argument elsewhere: decode twice only for one.
        DecodedCall before = logged && innerWanted && innerRewrites ? decoder.entry(call) : null;
        EntryAction action = innerWanted ? inner.onSyscallEntry(call) : EntryAction.CONTINUE;
        if (!logged) {
            if (action.observesExit()) {
                pending.put(tid, new Pending(null, true));
            }
            return action;
        }
        DecodedCall entered = decoder.entry(call);
        if (before != null) {
            entered = entered.redirectedFrom(before);
        }
        startLine(tid);
        String text = entered.entryText();
        if (action.skips()) {
            // The kernel fills in nothing for a call that does not run: the entry's arguments are all there is.
            write(name + "(" + (text.endsWith(", ") ? text.substring(0, text.length() - 2) : text) + ")");
            finishLine(decoder.result(entered, action.returnValue()) + " (INJECTED)");
            return action;
        }
        write(name + "(" + text);
        openLine = tid;
        pending.put(tid, new Pending(entered, action.observesExit()));
        return EntryAction.OBSERVE_EXIT;
    }

    @Override
    public void onSyscallExit(Syscall call) {
        int tid = call.tracee().tid();
        Pending entered = pending.remove(tid);
        if (entered == null) {
            return;
        }
        if (entered.innerWantsExit()) {
            inner.onSyscallExit(call);
        }
        if (entered.call() == null) {
            return;
        }
        resumeLine(tid, entered.call());
        write(decoder.exit(entered.call(), call));
        finishLine(decoder.result(entered.call(), call.result()));
    }

    @Override
    public int onSignal(Tracee tracee, int signal) {
        int delivered = inner == null ? signal : inner.onSignal(tracee, signal);
        if (delivered != 0) {
            String name = Signals.name(delivered);
            startLine(tracee.tid());
            write("--- " + name + " {si_signo=" + name + "} ---");
            endLine();
        }
        return delivered;
    }

    /** A thread other than the leader that execs takes over the leader's tid, and its call with it. */
    @Override
    public void onExec(Tracee tracee, int formerTid) {
        Pending call = pending.remove(formerTid);
        if (call != null) {
            pending.put(tracee.tid(), call);
            if (openLine == formerTid) {
                openLine = tracee.tid();
            }
        }
        live.remove(formerTid);
        live.add(tracee.tid());
        if (inner != null) {
            inner.onExec(tracee, formerTid);
        }
    }

    @Override
    public void onNewTracee(int parentTid, int tid, int pid) {
        live.add(tid);
        if (inner != null) {
            inner.onNewTracee(parentTid, tid, pid);
        }
    }

    /** A call the thread was in never returns: strace's {@code = ?}; then how the thread ended. */
    @Override
    public void onExit(int tid, int pid, ExitStatus status) {
        Pending call = pending.remove(tid);
        if (call != null && call.call() != null) {
            resumeLine(tid, call.call());
            write(")");
            finishLine("?");
        }
        startLine(tid);
        write(status.killedBySignal()
                ? "+++ killed by " + Signals.name(status.signal()) + (status.coreDumped() ? " (core dumped)" : "") + " +++"
                : "+++ exited with " + status.code() + " +++");
        endLine();
        live.remove(tid);
        if (inner != null) {
            inner.onExit(tid, pid, status);
        }
    }

    /**
     * Ends the lines of calls still in progress with {@code <detached ...>}, as strace does when it lets go
     * of a process, and flushes. Call it once the trace has ended or been detached.
     *
     * @throws IOException the first write error, if writing failed
     */
    public void finish() throws IOException {
        if (openLine != 0) {
            write(" <detached ...>");
            endLine();
        }
        pending.clear();
        if (failure == null) {
            try {
                out.flush();
            } catch (IOException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Starts a line for {@code tid}, first ending another thread's line that awaits its result. */
    private void startLine(int tid) {
        if (openLine != 0) {
            write(" <unfinished ...>");
            endLine();
        }
        live.add(tid);
        switch (prefix) {
            case ALWAYS -> {
                String id = Integer.toString(tid);
                write(id + " ".repeat(Math.max(1, 6 - id.length())));
            }
            case BRACKETED_WHEN_SEVERAL -> {
                if (live.size() > 1) {
                    String id = Integer.toString(tid);
                    write("[pid " + " ".repeat(Math.max(0, 5 - id.length())) + id + "] ");
                }
            }
        }
    }

    /** Continues {@code tid}'s line, or starts a {@code resumed} line when another line came between. */
    private void resumeLine(int tid, DecodedCall call) {
        if (openLine == tid) {
            openLine = 0;
            return;
        }
        startLine(tid);
        write("<... " + call.name() + " resumed>");
    }

    /** {@code " = result"}, aligned as strace aligns it, and the line's end. */
    private void finishLine(String result) {
        openLine = 0;
        write(" ");
        if (column < RESULT_COLUMN) {
            write(" ".repeat(RESULT_COLUMN - column));
        }
        write("= " + result);
        endLine();
    }

    private void endLine() {
        openLine = 0;
        write("\n");
        column = 0;
        if (flushEachLine && failure == null) {
            try {
                out.flush();
            } catch (IOException e) {
                failure = e;
            }
        }
    }

    private void write(String text) {
        column += text.length();
        if (failure != null) {
            return;
        }
        try {
            out.write(text);
        } catch (IOException e) {
            failure = e;
        }
    }
}
