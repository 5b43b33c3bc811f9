package dev.panatrace.ptrace.internal;

import dev.panatrace.ptrace.Arch;
import dev.panatrace.ptrace.EntryAction;
import dev.panatrace.ptrace.Errno;
import dev.panatrace.ptrace.ErrnoException;
import dev.panatrace.ptrace.ExitStatus;
import dev.panatrace.ptrace.MemoryAccess;
import dev.panatrace.ptrace.Registers;
import dev.panatrace.ptrace.Signals;
import dev.panatrace.ptrace.Stop;
import dev.panatrace.ptrace.SyscallSet;
import dev.panatrace.ptrace.SyscallTable;
import dev.panatrace.ptrace.TraceFailedException;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.TraceMode;
import dev.panatrace.ptrace.TraceSession;
import dev.panatrace.ptrace.TraceStats;
import dev.panatrace.ptrace.TraceeGoneException;
import dev.panatrace.ptrace.WaitStatus;
import dev.panatrace.ptrace.internal.ffm.LibC;
import dev.panatrace.ptrace.internal.ffm.PosixSpawn;
import dev.panatrace.ptrace.internal.jfr.TraceEvents;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * The trace loop: one platform thread that makes every ptrace and wait call of a trace. Each turn waits
 * for a stop, decodes it into a {@link TraceEvent} (a pure function of the status and the thread's
 * state), acts on it, and restarts the thread once, as the action's {@link Restart} says. The loop owns
 * the followed threads and processes ({@link ThreadState}, {@link ProcessState}): adoption, exec
 * hand-over, exits, detaching. Its parts: {@link NativeIo} (native calls and buffers), {@link
 * ScratchMemory} (the engine's memory in each address space and where syscalls run),
 * {@link SyscallInjector} and {@link SeccompLoader} (syscalls and filters run in a tracee),
 * {@link HandlerCalls} (guarded calls into the handler, through the {@link StopView}), and
 * {@link LiveSession} (the session other threads hold; their requests are served between stops).
 */
public final class TraceLoop {
    private static final System.Logger LOG = System.getLogger("dev.panatrace.ptrace");

    private static final int CLONE_VM = 0x100;
    private static final int CLONE_THREAD = 0x10000;

    /**
     * A syscall number no kernel has (below the x32 bit): the filter traces it, and the installer
     * injects it once to see in which order seccomp and syscall-entry stops come. It fails with ENOSYS.
     */
    static final int PROBE_NUMBER = 0x3ffffff0;

    private static final int TRACE_OPTIONS = Ptrace.O_TRACESYSGOOD | Ptrace.O_TRACEFORK | Ptrace.O_TRACEVFORK
            | Ptrace.O_TRACECLONE | Ptrace.O_TRACEEXEC | Ptrace.O_TRACESECCOMP;

    /** Whether {@link #prepare} ran, so that a second call starts no thread. */
    private static final AtomicBoolean PREPARED = new AtomicBoolean();

    /** How long the tracer polls before blocking in waitpid when the user did not say. */
    private static final long DEFAULT_SPIN_NANOS = 50_000;

    private final TraceHandler handler;
    private final Options options;
    private final CpuPlacement placement;
    private volatile TraceMode mode;
    private final boolean usesScratch;
    private final int mmapNumber;
    /** Whether seccomp stops come before syscall-entry stops (Linux before 4.8, and gVisor): probed. */
    private boolean seccompStopFirst;
    private final Arch arch = Arch.current();
    private final SyscallTable table = SyscallTable.of(arch);
    private final SyscallSet wanted;
    private final int execveNumber;
    private final int getAffinityNumber;
    private final int setAffinityNumber;

    // Owned by the tracer thread.
    /** Wait results taken during a syscall injection that belong to the main loop. */
    private final ArrayDeque<int[]> replay = new ArrayDeque<>();
    private SyscallInjector injector;
    private NativeIo io;
    private volatile TraceeMemory memory;
    private StopView view;
    private HandlerCalls calls;
    private ScratchMemory scratch;
    private int rootPid;
    /** Attached to a running process, not spawned: set before the first stop, on the tracer thread. */
    private volatile boolean attached;
    private ExitStatus rootStatus;
    private boolean detaching;

    // Shared with other threads.
    private final LiveSession session = new LiveSession(this);
    private final TraceeRegistry tracees = new TraceeRegistry(session.liveTids);
    private volatile long stops;

    /**
     * How a trace runs. @param mode how syscalls stop @param waitSpin how long to poll before blocking
     * in waitpid, or null for the engine's choice ({@link CpuPlacement}) @param cpu the CPU to pin the
     * tracer and the spawned command to, or -1 @param memoryAccess the first way to try for tracee memory
     * @param injectionTimeout how long an injected syscall may run
     */
    public record Options(TraceMode mode, Duration waitSpin, int cpu, MemoryAccess memoryAccess,
                          Duration injectionTimeout) {
        Options withMode(TraceMode newMode) {
            return new Options(newMode, waitSpin, cpu, memoryAccess, injectionTimeout);
        }
    }

    /** @param mayPin whether the engine may pin a spawned command by itself (not an attached process) */
    private TraceLoop(TraceHandler handler, Options options, boolean mayPin) {
        this.handler = handler;
        this.options = options;
        this.mode = options.mode();
        this.placement = new CpuPlacement(options.cpu(),
                options.waitSpin() == null ? DEFAULT_SPIN_NANOS : options.waitSpin().toNanos(),
                mayPin && options.waitSpin() == null);
        this.usesScratch = handler.usesScratchMemory();
        this.mmapNumber = table.numberOf("mmap");
        this.wanted = handler.syscalls();
        this.execveNumber = table.numberOf("execve");
        this.getAffinityNumber = table.numberOf("sched_getaffinity");
        this.setAffinityNumber = table.numberOf("sched_setaffinity");
    }

    /** Spawns {@code command} on a new tracer thread and returns once it is traced. */
    public static TraceSession spawn(TraceHandler handler, Options options, List<String> command,
                                     Map<String, String> env, Path cwd, Spawner.Redirects redirects) {
        Path target = Spawner.resolve(command.get(0), env, cwd);
        TraceLoop loop = new TraceLoop(handler, options, true);
        loop.start(() -> loop.runSpawned(target, command.subList(1, command.size()), env, cwd, redirects));
        return loop.session;
    }

    /** Links the native calls of a trace: the one downcall, and the posix_spawn functions it calls first. */
    public static void prepare() {
        if (!PREPARED.compareAndSet(false, true)) {
            // Done or under way; the classes' initialization makes a caller wait for the linking it needs.
            return;
        }
        // Memory access through value layouts generates code at first use too: on another core meanwhile.
        Thread memoryAccess = Thread.ofPlatform().name("panatrace-prepare-memory").daemon().start(TraceLoop::touchMemoryAccess);
        PosixSpawn.link();
        LibC.link();
        try {
            memoryAccess.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Reads and writes a native segment with each value layout the engine uses. */
    private static void touchMemoryAccess() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(64, 8);
            segment.set(ValueLayout.JAVA_BYTE, 1, segment.get(ValueLayout.JAVA_BYTE, 0));
            segment.set(ValueLayout.JAVA_INT, 4, segment.get(ValueLayout.JAVA_INT, 0));
            segment.set(ValueLayout.JAVA_LONG, 8, segment.get(ValueLayout.JAVA_LONG, 16));
            segment.set(ValueLayout.JAVA_LONG_UNALIGNED, 17, segment.get(ValueLayout.JAVA_LONG_UNALIGNED, 25));
            segment.set(ValueLayout.JAVA_SHORT_UNALIGNED, 33, segment.get(ValueLayout.JAVA_SHORT_UNALIGNED, 35));
            segment.set(ValueLayout.ADDRESS, 40, segment.get(ValueLayout.ADDRESS, 48));
            MemorySegment.copy(segment, 0, segment, 32, 16);
            segment.asSlice(8, 8).fill((byte) 0);
        }
    }

    /** Attaches to {@code pid} on a new tracer thread and returns once every thread is seized. */
    public static TraceSession attach(TraceHandler handler, Options options, int pid) {
        // A filter would outlive the detach, and an untraced RET_TRACE fails the syscall: attach stops at
        // every syscall.
        TraceLoop loop = new TraceLoop(handler, options.withMode(TraceMode.SYSCALL), false);
        loop.start(() -> loop.runAttached(pid));
        return loop.session;
    }

    private void start(Runnable body) {
        session.tracerThread = Thread.ofPlatform().name("panatrace-tracer").daemon(true).unstarted(() -> {
            try (Arena a = Arena.ofConfined()) {
                try {
                    placement.start(a, session);
                    allocate(a);
                    body.run();
                } finally {
                    placement.finish();
                    if (memory != null) {
                        memory.close();
                    }
                }
            } catch (Throwable t) {
                TraceEvents.error("engine", "", t);
                session.started.completeExceptionally(t);
                session.finished.completeExceptionally(t);
                if (!attached) {
                    // Spawned programs die with their trace (PTRACE_O_EXITKILL says the same). Attached ones
                    // are left running: this thread ends, and the kernel detaches and resumes its tracees.
                    killAll();
                }
            }
        });
        session.tracerThread.start();
        try {
            session.started.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof TraceFailedException tfe ? tfe
                    : new TraceFailedException("could not start the trace: " + cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            session.kill();
            throw new TraceFailedException("interrupted while starting the trace", e);
        }
    }

    private void allocate(Arena a) {
        io = new NativeIo(a, arch, placement.spinNanos());
        memory = new TraceeMemory(a, options.memoryAccess());
        view = new StopView(this, arch, table, memory);
        calls = new HandlerCalls(handler, view);
        scratch = new ScratchMemory(arch, table, memory);
        injector = new SyscallInjector(this);
    }

    // ---- starting -------------------------------------------------------------------------------

    private void runSpawned(Path target, List<String> args, Map<String, String> env, Path cwd,
                            Spawner.Redirects redirects) {
        int pid = Spawner.spawnStopped(target, args, env, cwd, redirects);
        TraceEvents.spawn(pid, target.toString());
        rootPid = pid;
        session.liveTids.add(pid);
        WaitStatus ws = io.waitUntraced(pid);
        if (!ws.stopped()) {
            throw new TraceFailedException("the spawn trampoline (/bin/sh) ended before it could be traced: " + ws, null);
        }
        try {
            Ptrace.seize(pid, TRACE_OPTIONS | Ptrace.O_EXITKILL);
        } catch (ErrnoException e) {
            LibC.kill(pid, Signals.SIGKILL);
            throw new TraceFailedException("cannot trace (" + e.getMessage() + "); ptrace may be forbidden here "
                    + "(see /proc/sys/kernel/yama/ptrace_scope, or CAP_SYS_PTRACE in a container)", e);
        }
        // A seized task that was already stopped re-traps into a group-stop that ptrace reports.
        WaitStatus trapped = io.waitThread(pid);
        if (!trapped.stopped()) {
            throw new TraceFailedException("the spawn trampoline ended while being seized: " + trapped, null);
        }
        ProcessState proc = tracees.addProcess(pid, new AddressSpace());
        proc.trampoline = true;
        ThreadState root = tracees.addThread(pid, proc);
        if (mode == TraceMode.SECCOMP) {
            try {
                new SeccompInstaller(this, root).install();
            } catch (TraceeGoneException gone) {
                throw new TraceFailedException("the spawn trampoline died while its seccomp filter was installed", gone);
            } catch (ErrnoException | IllegalStateException | IllegalArgumentException e) {
                LOG.log(System.Logger.Level.WARNING, "no seccomp filter (" + e.getMessage()
                        + "); stopping at every syscall instead, which is slower");
                mode = TraceMode.SYSCALL;
            }
        }
        // Undo the trampoline's job-control stop; the SIGCONT it reports is re-injected like any signal.
        if (LibC.kill(pid, Signals.SIGCONT) != 0) {
            throw new ErrnoException(LibC.errno(), "kill(SIGCONT) of the stopped trampoline", pid);
        }
        restart(root, Restart.RESUME);
        // spawn() returns once the trampoline has become the command (onExec), so that pid() and a signal
        // sent right after reach the command rather than the trampoline's shell.
        loop();
    }

    private void runAttached(int pid) {
        attached = true;
        rootPid = pid;
        ProcessState proc = tracees.addProcess(pid, new AddressSpace());
        // Threads may be created while we seize: list again until a pass finds nothing new. Threads
        // created by already-seized threads are followed through PTRACE_O_TRACECLONE anyway.
        boolean found = true;
        while (found) {
            found = false;
            for (int tid : listTasks(pid)) {
                if (tracees.follows(tid)) {
                    continue;
                }
                try {
                    Ptrace.seize(tid, TRACE_OPTIONS);
                } catch (TraceeGoneException gone) {
                    continue;
                } catch (ErrnoException e) {
                    if (tracees.hasNoThreads()) {
                        throw new TraceFailedException("cannot attach to " + pid + ": " + e.getMessage(), e);
                    }
                    throw e;
                }
                tracees.addThread(tid, proc);
                // Seizing does not stop the thread; an interrupt stop lets us resume it with syscall tracing.
                try {
                    Ptrace.interrupt(tid);
                } catch (TraceeGoneException gone) {
                    // It exited after the seize; its exit is reported to us.
                }
                found = true;
            }
        }
        if (tracees.hasNoThreads()) {
            throw new TraceFailedException("no such process: " + pid, null);
        }
        session.started.complete(pid);
        loop();
    }

    /** The threads of {@code pid}; none when the process is gone. */
    private static List<Integer> listTasks(int pid) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Integer.toString(pid), "task"))) {
            return tasks.map(p -> Integer.parseInt(p.getFileName().toString())).sorted().toList();
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("listing the threads of pid " + pid, e);
        }
    }

    // ---- the loop -------------------------------------------------------------------------------

    private void loop() {
        while (!tracees.isEmpty()) {
            serveRequests();
            if (!replay.isEmpty()) {
                int[] held = replay.poll();
                dispatchSafely(held[0], new WaitStatus(held[1]));
                continue;
            }
            int tid = io.waitAny();
            if (tid < 0) {
                int errno = LibC.errno();
                if (errno == Errno.EINTR) {
                    continue;
                }
                if (errno == Errno.ECHILD) {
                    break;
                }
                throw new ErrnoException(errno, "waitpid", 0);
            }
            dispatchSafely(tid, io.lastStatus());
        }
        finish();
    }

    private void finish() {
        tracees.forgetAll();
        session.started.complete(rootPid); // a trampoline whose exec failed ends without one
        session.finished.complete(detaching ? Optional.empty() : Optional.ofNullable(rootStatus));
    }

    private void dispatchSafely(int tid, WaitStatus ws) {
        try {
            dispatch(tid, ws);
        } catch (TraceeGoneException gone) {
            // Killed meanwhile: its exit report is still to come, or it vanished in an exec.
        }
    }

    private void dispatch(int tid, WaitStatus ws) {
        ThreadState t = tracees.thread(tid);
        if (t == null) {
            if (ws.stopped()) {
                // A new tracee's first stop can come before its parent's fork/clone event: keep it
                // stopped until the event names it.
                tracees.holdEarlyStop(tid, ws.raw());
            } else {
                tracees.takeEarlyStop(tid);
            }
            return;
        }
        if (!t.process.trampoline) {
            stops++;
        }
        TraceEvent event = TraceEvent.decode(ws.raw(), t.inSyscall, t.lateEntryDue);
        if (event instanceof TraceEvent.Ended ended) {
            onThreadEnd(t, ended.status());
            return;
        }
        if (detaching) {
            detachStopped(t, event);
            return;
        }
        restart(t, act(t, event));
        if (event instanceof TraceEvent.Exec && t.tid == rootPid) {
            // Only now, running: gVisor can lose a signal sent to a tracee while it sits in a ptrace-stop.
            session.started.complete(rootPid);
        }
    }

    /** Acts on a stop; returns how the thread goes on, which {@link #restart} then does. */
    private Restart act(ThreadState t, TraceEvent event) {
        return switch (event) {
            case TraceEvent.SyscallEntry e -> onEntry(t, false);
            case TraceEvent.SyscallExit e -> onExit(t);
            case TraceEvent.LateEntry e -> {
                t.lateEntryDue = false;
                yield Restart.RESUME;
            }
            case TraceEvent.Seccomp e -> onSeccompStop(t);
            case TraceEvent.Created created -> onNewTracee(t, created.event());
            case TraceEvent.Exec e -> onExec(t);
            case TraceEvent.GroupStop stop -> onGroupStop(t, stop.signal());
            case TraceEvent.Interrupt e -> onInterrupt(t);
            case TraceEvent.SignalDelivery delivery -> onSignal(t, delivery.signal());
            case TraceEvent.OtherEvent e -> Restart.RESUME;
            case TraceEvent.Ended e -> throw new IllegalStateException("an ended thread has no stop to act on");
        };
    }

    /** How a thread goes on after the loop acted on its stop. */
    private sealed interface Restart {
        Restart RESUME = new Resume(0);

        /** Resumed, with {@code signal} delivered (0: none); stopping at syscalls where the mode wants. */
        record Resume(int signal) implements Restart {}

        /** Left in its job-control stop, reporting signals and SIGCONT (PTRACE_LISTEN). */
        record Listen() implements Restart {}

        /** Left stopped: the loop restarts it later (it waits for scratch memory). */
        record Hold() implements Restart {}
    }

    private void restart(ThreadState t, Restart how) {
        switch (how) {
            case Restart.Resume resume -> resume(t, resume.signal());
            case Restart.Listen listen -> Ptrace.listen(t.tid);
            case Restart.Hold hold -> { }
        }
    }

    /** A syscall entry: a syscall-entry stop, or a seccomp stop (which the filter raised only for wanted ones). */
    private Restart onEntry(ThreadState t, boolean seccomp) {
        t.locals.syscallEnded();
        view.begin(t, true, registersOf(t.tid));
        long nr = view.number();
        t.syscall = nr;
        t.entryArg0 = view.arg(0);
        t.inSyscall = true;
        if (t.process.trampoline) {
            if (nr != execveNumber) {
                view.end();
                return finishEntry(t, false);
            }
            // The trampoline's exec of the target is the target's first syscall: show it.
            t.process.trampoline = false;
            stops++;
        }
        // The engine's own: the affinity it changed, while it pins the trace.
        boolean forPlacement = placement.watchesAffinity() && (nr == getAffinityNumber || nr == setAffinityNumber);
        t.affinityCall = forPlacement && placement.pinnedByEngine();
        // A seccomp stop comes only for what the handler asked for (its set, or descriptors it watches) and
        // for the engine's own.
        boolean wantedHere = (seccomp && !forPlacement) || wanted.matches(arch, nr, view.arg(0))
                || t.process.watches((int) view.arg(0), table.name((int) nr));
        AddressSpace space = t.process.space;
        if (wantedHere && usesScratch && space.base == 0 && !space.failed) {
            if (space.mapper != null) {
                // Another thread is mapping it: this one stays stopped until that is done.
                t.waitingForScratch = seccomp;
                space.waiters.add(t);
                view.end();
                return new Restart.Hold();
            }
            // Map the scratch region first; the syscall then runs again and stops again, with scratch ready.
            space.mapper = t;
            startScratchMapping(t);
            view.end();
            return Restart.RESUME;
        }
        if (calls.observesStops()) {
            calls.stop(seccomp ? new Stop.Seccomp(t.tid, nr, 0) : new Stop.SyscallEntry(t.tid, nr));
        }
        EntryAction action = wantedHere ? calls.entry() : EntryAction.CONTINUE;
        t.replaced = view.replacedArguments();
        t.observeExit = action.observesExit();
        t.skip = action.skips();
        if (t.skip) {
            t.skipResult = action.returnValue();
            view.registers().setSyscallNumber(-1);
        }
        storeRegisters(t);
        view.end();
        boolean exitNeeded = t.skip || t.observeExit || calls.observesStops() || t.affinityCall;
        if (!exitNeeded) {
            t.locals.syscallEnded();
        }
        return finishEntry(t, exitNeeded);
    }

    /** Resumes from an entry; in seccomp mode an exit stop is asked for only when it is needed. */
    private Restart finishEntry(ThreadState t, boolean exitNeeded) {
        if (mode == TraceMode.SECCOMP) {
            t.inSyscall = exitNeeded;
            // Where the seccomp stop comes first, a syscall-entry stop follows it, unless the syscall was
            // skipped: then the kernel (Linux before 4.8, gVisor) goes straight to the exit.
            t.lateEntryDue = exitNeeded && seccompStopFirst && !t.skip;
        }
        return Restart.RESUME;
    }

    private Restart onExit(ThreadState t) {
        t.inSyscall = false;
        if (t.injectedScratch) {
            return finishScratchMapping(t);
        }
        if (t.affinityCall) {
            t.affinityCall = false;
            answerAffinity(t);
        }
        if (t.skip || t.observeExit || calls.observesStops()) {
            view.begin(t, false, registersOf(t.tid));
            if (t.skip) {
                view.registers().setReturnValue(t.skipResult);
            }
            if (calls.observesStops()) {
                calls.stop(new Stop.SyscallExit(t.tid, t.syscall, view.result()));
            }
            if (t.observeExit) {
                calls.exit();
            }
            storeRegisters(t);
            view.end();
            t.skip = false;
            t.observeExit = false;
            t.locals.syscallEnded();
        }
        return Restart.RESUME;
    }

    /**
     * While the engine pins the trace: a tracee reading the affinity of a thread whose mask the engine
     * set sees the mask it would have had untraced; a thread given its own mask keeps it from then on.
     */
    private void answerAffinity(ThreadState t) {
        Registers regs = registersOf(t.tid);
        long result = regs.returnValue();
        int targetTid = (int) t.entryArg0 == 0 ? t.tid : (int) t.entryArg0;
        ThreadState target = tracees.thread(targetTid);
        if (target == null) {
            return;
        }
        if (t.syscall == setAffinityNumber && result == 0) {
            target.ownsAffinity = true;
        } else if (t.syscall == getAffinityNumber && result > 0 && !target.ownsAffinity && placement.pinnedByEngine()) {
            memory.write(t.tid, t.process.pid, regs.arg(2), placement.untracedMask((int) result));
        }
    }

    private Restart onSeccompStop(ThreadState t) {
        if (t.injectedScratch) {
            // Our own mmap, where the handler also wants mmap: let it run to its exit stop.
            t.inSyscall = true;
            t.lateEntryDue = seccompStopFirst;
            return Restart.RESUME;
        }
        // The filter traces only subscribed syscalls of our ABI: no need to read its data.
        return onEntry(t, true);
    }

    // ---- scratch memory -------------------------------------------------------------------------

    /** Turns the current entry into an mmap of the scratch region; the original syscall is re-run after. */
    private void startScratchMapping(ThreadState t) {
        Registers regs = view.registers();
        t.savedRegisters = regs.copy();
        t.injectedScratch = true;
        ScratchMemory.requestRegion(regs, t.process.space, mmapNumber);
        storeRegisters(t);
        t.inSyscall = true;
        t.lateEntryDue = mode == TraceMode.SECCOMP && seccompStopFirst;
    }

    private Restart finishScratchMapping(ThreadState t) {
        t.injectedScratch = false;
        AddressSpace space = t.process.space;
        ScratchMemory.regionMapped(space, registersOf(t.tid).returnValue(), t.process.pid);
        Registers restart = t.savedRegisters;
        t.savedRegisters = null;
        scratch.rerun(t, restart);
        io.setRegisters(t.tid, restart);
        releaseScratchWaiters(space);
        return Restart.RESUME;
    }

    /** Threads that stopped while the region was being mapped go on with their own entries. */
    private void releaseScratchWaiters(AddressSpace space) {
        List<ThreadState> waiting = new ArrayList<>(space.waiters);
        space.waiters.clear();
        for (ThreadState waiter : waiting) {
            if (tracees.thread(waiter.tid) == waiter) {
                try {
                    restart(waiter, onEntry(waiter, waiter.waitingForScratch));
                } catch (TraceeGoneException gone) {
                    // Killed while it waited; its exit is still to come.
                }
            }
        }
    }

    // ---- job control, new tracees, exec, signals, exits ------------------------------------------

    private Restart onGroupStop(ThreadState t, int signal) {
        if (t.process.trampoline) {
            // The trap that follows our SIGCONT to the trampoline: ours, not the program's.
            return Restart.RESUME;
        }
        // Leaving the kernel for a stop means no syscall is in progress any more.
        t.inSyscall = false;
        unreplaceBeforeRestart(t);
        calls.stop(new Stop.GroupStop(t.tid, signal));
        // Keep it stopped as job control wants, but hear about SIGCONT and new signals.
        return new Restart.Listen();
    }

    private Restart onInterrupt(ThreadState t) {
        if (t.process.trampoline) {
            return Restart.RESUME;
        }
        t.inSyscall = false;
        unreplaceBeforeRestart(t);
        calls.stop(new Stop.Interrupt(t.tid));
        return Restart.RESUME;
    }

    private Restart onNewTracee(ThreadState parent, int event) {
        int newTid = (int) io.eventMessage(parent.tid);
        long flags = event == Ptrace.EVENT_CLONE ? cloneFlags(parent) : 0;
        boolean sameProcess = (flags & CLONE_THREAD) != 0;
        boolean sharesMemory = event == Ptrace.EVENT_VFORK || (flags & CLONE_VM) != 0;
        calls.stop(switch (event) {
            case Ptrace.EVENT_FORK -> new Stop.Fork(parent.tid, newTid);
            case Ptrace.EVENT_VFORK -> new Stop.VFork(parent.tid, newTid);
            default -> new Stop.Clone(parent.tid, newTid, sameProcess);
        });
        // It may be followed already, or have been and ended: adopted before this event, its creator
        // having looked gone.
        if (!tracees.alreadyAdopted(newTid)) {
            adopt(newTid, parent, sameProcess, sharesMemory);
        }
        return Restart.RESUME;
    }

    private long cloneFlags(ThreadState t) {
        Registers regs = registersOf(t.tid);
        long nr = regs.syscallNumber();
        if (table.name((int) nr).equals("clone3")) {
            byte[] args = memory.read(t.tid, t.process.pid, regs.arg(0), 8);
            return MemorySegment.ofArray(args).get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
        }
        return regs.arg(0);
    }

    /** Starts following {@code tid}, created by {@code parent} (null when its creator is unknown). */
    private void adopt(int tid, ThreadState parent, boolean sameProcess, boolean sharesMemory) {
        ProcessState proc;
        if (parent != null && sameProcess) {
            proc = parent.process;
        } else {
            int pid = parent == null ? ProcStatus.tgidOf(tid) : tid;
            proc = tracees.process(pid);
            if (proc == null) {
                // A fork copies the scratch region with the rest of memory; CLONE_VM shares it.
                AddressSpace space = parent == null ? new AddressSpace()
                        : sharesMemory ? parent.process.space : parent.process.space.forkCopy();
                proc = tracees.addProcess(pid, space);
                if (parent != null) {
                    for (Map.Entry<String, Set<Integer>> watch : parent.process.watched.entrySet()) {
                        proc.watched.put(watch.getKey(), new HashSet<>(watch.getValue()));
                    }
                }
            }
        }
        ThreadState t = tracees.addThread(tid, proc);
        // A new thread starts with its creator's mask.
        t.ownsAffinity = parent != null && parent.ownsAffinity;
        calls.newTracee(parent == null ? 0 : parent.tid, tid, t.process.pid);
        Integer early = tracees.takeEarlyStop(tid);
        if (early != null) {
            dispatch(tid, new WaitStatus(early));
        }
    }

    private Restart onExec(ThreadState t) {
        int formerTid = (int) io.eventMessage(t.tid);
        if (formerTid != t.tid) {
            tracees.execHandOver(t, formerTid);
        }
        t.process.trampoline = false;
        if (t.slot != null) {
            // A vfork child's slot is in its parent's address space, which lives on.
            t.slot.release();
            t.slot = null;
        }
        t.process.space = new AddressSpace();
        memory.forget(t.process.pid);
        t.replaced = null;
        calls.stop(new Stop.Exec(t.tid, formerTid));
        view.begin(t, false, null);
        calls.exec(formerTid);
        view.end();
        return Restart.RESUME;
    }

    private Restart onSignal(ThreadState t, int sig) {
        t.inSyscall = false;
        unreplaceBeforeRestart(t);
        if (sig == LiveSession.WAKE_SIGNAL && io.signalIsFromThisJvm(t.tid)) {
            return Restart.RESUME;
        }
        if (t.process.trampoline) {
            return new Restart.Resume(sig);
        }
        calls.stop(new Stop.SignalDelivery(t.tid, sig));
        view.begin(t, false, null);
        int deliver = calls.signal(sig);
        storeRegisters(t);
        view.end();
        return new Restart.Resume(deliver);
    }

    /**
     * A syscall whose strings we replaced was interrupted and will be restarted with the same registers,
     * after a signal handler that may replace strings in the same scratch slot. Point its arguments back
     * at the tracee's own strings: the restarted syscall stops again and is rewritten again.
     */
    private void unreplaceBeforeRestart(ThreadState t) {
        long[] replaced = t.replaced;
        if (replaced == null) {
            return;
        }
        t.replaced = null;
        Registers regs = registersOf(t.tid);
        if (!Errno.isRestart(regs.returnValue()) || regs.syscallNumber() != t.syscall) {
            return;
        }
        for (int i = 0; i < replaced.length; i += 2) {
            regs.setArg((int) replaced[i], replaced[i + 1]);
        }
        io.setRegisters(t.tid, regs);
    }

    private void onThreadEnd(ThreadState t, ExitStatus status) {
        AddressSpace space = t.process.space;
        if (t.slot != null) {
            t.slot.release();
        }
        if (space.mapper == t) {
            // It died before its mmap returned: a waiting thread maps the region instead.
            space.mapper = null;
            releaseScratchWaiters(space);
        }
        tracees.removeThread(t);
        calls.stop(status.killedBySignal() ? new Stop.Killed(t.tid, status.signal(), status.coreDumped())
                : new Stop.Exited(t.tid, status.code()));
        calls.ended(t.tid, t.process.pid, status);
        if (t.tid == t.process.pid) {
            // The leader's exit is reported last in its group: the process is gone.
            tracees.removeProcess(t.process.pid);
            memory.forget(t.process.pid);
            if (t.tid == rootPid) {
                rootStatus = status;
            }
            TraceEvents.exit(t.process.pid, status);
        }
        // A tracee whose creator died before reporting it will never be named by an event: adopt it. One
        // whose creator is still followed waits for the event, which is only late: under load the new
        // tracee's first stop and other tracees' exits can come first.
        for (int orphan : tracees.orphans()) {
            adopt(orphan, null, false, false);
        }
    }

    // ---- detaching ------------------------------------------------------------------------------

    private void beginDetach() {
        detaching = true;
        for (ThreadState t : tracees.threadsNow()) {
            if (t.process.space.waiters.remove(t)) {
                // Already stopped by us, at a syscall entry: it can go now.
                tracees.removeThread(t);
                Ptrace.detach(t.tid, 0);
                continue;
            }
            try {
                Ptrace.interrupt(t.tid);
            } catch (TraceeGoneException gone) {
                // Its exit will be reported.
            }
        }
    }

    private void detachStopped(ThreadState t, TraceEvent event) {
        int sig = 0;
        if (event instanceof TraceEvent.SignalDelivery delivery) {
            sig = delivery.signal() == LiveSession.WAKE_SIGNAL && io.signalIsFromThisJvm(t.tid) ? 0 : delivery.signal();
        } else if (event instanceof TraceEvent.Created created) {
            int newTid = (int) io.eventMessage(t.tid);
            if (!tracees.follows(newTid)) {
                adopt(newTid, t, created.event() == Ptrace.EVENT_CLONE && (cloneFlags(t) & CLONE_THREAD) != 0, false);
            }
        }
        tracees.removeThread(t);
        Ptrace.detach(t.tid, sig);
    }

    // ---- for SeccompInstaller and StopView -------------------------------------------------------

    Arch arch() {
        return arch;
    }

    SyscallTable table() {
        return table;
    }

    TraceeMemory memory() {
        return memory;
    }

    /** What the filter traces: the wanted syscalls, and the probe. */
    Set<Integer> tracedNumbers() {
        Set<Integer> traced = new TreeSet<>();
        for (String name : wanted.isAll() ? table.names() : wanted.names()) {
            table.number(name).ifPresent(traced::add);
        }

        if (placement.watchesAffinity()) {
            traced.add(getAffinityNumber);
            traced.add(setAffinityNumber);
        }
        traced.add(PROBE_NUMBER);
        return traced;
    }

    /** What the filter traces only for descriptors in the handler's range. */
    SeccompFilter.FdRule fdRule() {
        Set<Integer> numbers = new TreeSet<>();
        for (String name : wanted.fdRangeNames()) {
            table.number(name).ifPresent(numbers::add);
        }
        return numbers.isEmpty() ? new SeccompFilter.FdRule(numbers, 0, 1)
                : new SeccompFilter.FdRule(numbers, wanted.fdLow(), wanted.fdHigh());
    }

    /** What the filter always allows: the syscalls the engine injects while tracing. */
    Set<Integer> allowedNumbers() {
        return usesScratch ? Set.of(mmapNumber) : Set.of();
    }

    void seccompStopFirst(boolean first) {
        seccompStopFirst = first;
    }

    NativeIo io() {
        return io;
    }

    ScratchMemory scratch() {
        return scratch;
    }

    Duration injectionTimeout() {
        return options.injectionTimeout();
    }

    /** A wait result for the main loop, taken while injecting. */
    void replayLater(int tid, WaitStatus ws) {
        replay.add(new int[] {tid, ws.raw()});
    }

    /**
     * Watches {@code fd} in the thread's process for the named syscalls: recorded for the loop, and,
     * in seccomp mode, a filter for just that descriptor stacked onto the process's filters.
     */
    void watchDescriptor(ThreadState t, Registers current, int fd, String... names) {
        Set<Integer> numbers = new TreeSet<>();
        Set<String> known = new TreeSet<>();
        for (String name : names) {
            table.number(name).ifPresent(nr -> {
                numbers.add(nr);
                known.add(name);
            });
        }
        if (numbers.isEmpty() || t.process.watchesAll(fd, known)) {
            return;
        }
        if (mode == TraceMode.SECCOMP) {
            SeccompFilter filter = SeccompFilter.compile(arch, Set.of(), Set.of(),
                    new SeccompFilter.FdRule(numbers, fd, fd + 1));
            // At the slot's second string position, where the second replaced string would go: forgotten first,
            // should the write fail half-way.
            AddressSpace.Slot slot = scratch.slot(t);
            t.placed[1] = null;
            long fprog = SeccompLoader.place(memory, t.tid, t.process.pid, slot.positionAddress(1),
                    AddressSpace.STRING_POSITION_SIZE, filter);
            long r = injectAtExit(t, current, table.numberOf("seccomp"),
                    new long[] {SeccompLoader.SET_MODE_FILTER, SeccompLoader.FLAG_TSYNC, fprog});
            if (r != 0) {
                throw r < 0 && r > -4096 ? new ErrnoException((int) -r, "injected seccomp (watch fd " + fd + ")", t.tid)
                        : new ErrnoException(Errno.ESRCH, "injected seccomp: thread " + r + " could not be synchronized", t.tid);
            }
        }
        t.process.watch(fd, known);
    }


    /** Runs a syscall for a handler, at a syscall-exit stop. */
    long injectAtExit(ThreadState t, Registers current, long nr, long[] args) {
        return injector.inject(t, current, scratch.injectionSite(t, current.instructionPointer()), nr, args);
    }

    // ---- registers and resuming -----------------------------------------------------------------

    Registers registersOf(int tid) {
        return io.registers(tid);
    }

    /** Writes back the view's registers if the handler or the engine changed them. */
    private void storeRegisters(ThreadState t) {
        Registers regs = view.loadedRegisters();
        if (regs == null || !view.registersChanged()) {
            return;
        }
        io.storeChangedRegisters(t.tid, regs);
    }

    private void resume(ThreadState t, int signal) {
        boolean stopAtSyscalls = mode == TraceMode.SYSCALL || t.inSyscall;
        Ptrace.resume(stopAtSyscalls ? Ptrace.SYSCALL : Ptrace.CONT, t.tid, signal);
    }

    // ---- requests from other threads --------------------------------------------------------------

    /** Between stops, on the tracer thread: every pid in {@link TraceeRegistry#pids()} is a tracee's, reaped or not. */
    private void serveRequests() {
        for (LiveSession.Request request = session.nextRequest(); request != null; request = session.nextRequest()) {
            switch (request) {
                case LiveSession.Request.Kill k -> killAll();
                case LiveSession.Request.Signal s -> {
                    if (tracees.followsProcess(rootPid) && LibC.kill(rootPid, s.signal()) != 0
                            && LibC.errno() != Errno.ESRCH) {
                        LOG.log(System.Logger.Level.WARNING, "cannot send " + Signals.name(s.signal()) + " to pid "
                                + rootPid + ": " + Errno.name(LibC.errno()));
                    }
                }
                case LiveSession.Request.Detach d -> {
                    if (!detaching) {
                        // Detached programs run on: with the CPUs they had.
                        placement.unpin(tracees.threadsNow());
                        beginDetach();
                    }
                }
                case LiveSession.Request.Unpin u -> {
                    placement.unpin(tracees.threadsNow());
                    io.spin(placement.spinNanos());
                }
            }
        }
    }

    /** Tracer thread only. */
    private void killAll() {
        for (int pid : tracees.pids()) {
            if (LibC.kill(pid, Signals.SIGKILL) != 0 && LibC.errno() != Errno.ESRCH) {
                LOG.log(System.Logger.Level.WARNING, "cannot kill pid " + pid + ": " + Errno.name(LibC.errno()));
            }
        }
    }

    // ---- for the session -------------------------------------------------------------------------

    int rootPid() {
        return rootPid;
    }

    boolean attached() {
        return attached;
    }

    TraceMode mode() {
        return mode;
    }

    MemoryAccess memoryAccess(boolean reads) {
        TraceeMemory m = memory;
        return m == null ? options.memoryAccess() : reads ? m.reads() : m.writes();
    }

    TraceStats stats() {
        return new TraceStats(stops, tracees.processCount(), tracees.threadCount());
    }
}
