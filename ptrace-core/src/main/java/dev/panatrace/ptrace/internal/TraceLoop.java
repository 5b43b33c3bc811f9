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
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * The trace loop: one platform thread that makes every ptrace and wait call of a trace, decodes each
 * waitpid result into a {@link Stop}, keeps per-thread state, calls the handler, and resumes.
 */
public final class TraceLoop implements TraceSession {
    private static final System.Logger LOG = System.getLogger("dev.panatrace.ptrace");

    private static final int WALL = 0x40000000;
    private static final int WNOTHREAD = 0x20000000;
    private static final int WUNTRACED = 2;
    private static final int CLONE_VM = 0x100;
    private static final int CLONE_THREAD = 0x10000;
    /** siginfo's si_code for a signal sent by tkill/tgkill. */
    private static final int SI_TKILL = -6;
    /** The signal that wakes the tracer from waitpid when another thread posts a request. */
    private static final int WAKE_SIGNAL = Signals.SIGURG;

    /**
     * A syscall number no kernel has (below the x32 bit): the filter traces it, and the installer
     * injects it once to see in which order seccomp and syscall-entry stops come. It fails with ENOSYS.
     */
    static final int PROBE_NUMBER = 0x3ffffff0;

    private static final int TRACE_OPTIONS = Ptrace.O_TRACESYSGOOD | Ptrace.O_TRACEFORK | Ptrace.O_TRACEVFORK
            | Ptrace.O_TRACECLONE | Ptrace.O_TRACEEXEC | Ptrace.O_TRACESECCOMP;

    private final TraceHandler handler;
    private final Options options;
    private final long spinNanos;
    private volatile TraceMode mode;
    private final boolean usesScratch;
    private final int mmapNumber;
    /** Whether seccomp stops come before syscall-entry stops (Linux before 4.8, and gVisor): probed. */
    private boolean seccompStopFirst;
    private final Arch arch = Arch.current();
    private final SyscallTable table = SyscallTable.of(arch);
    private final SyscallSet wanted;
    private final boolean handlerObservesStops;
    private final int execveNumber;
    private final int jvmPid = (int) ProcessHandle.current().pid();

    // Owned by the tracer thread.
    private final Map<Integer, ThreadState> threads = new HashMap<>();
    private final Map<Integer, ProcessState> processes = new HashMap<>();
    /** First stops of new tracees whose parent's fork/clone event has not been seen yet. */
    private final Map<Integer, Integer> earlyFirstStops = new HashMap<>();
    /** Tracees adopted before any event named them; an event that names one later must not adopt it again. */
    private final Set<Integer> adoptedUnnamed = new HashSet<>();
    private final Set<String> reportedHandlerFailures = new HashSet<>();
    /** Wait results taken during a syscall injection that belong to the main loop. */
    private final ArrayDeque<int[]> replay = new ArrayDeque<>();
    private SyscallInjector injector;
    private Arena arena;
    private MemorySegment statusBuffer;
    private MemorySegment word;
    private MemorySegment iovec;
    private MemorySegment regsBuffer;
    private MemorySegment siginfo;
    private volatile TraceeMemory memory;
    private StopView view;
    private int rootPid;
    /** Attached to a running process, not spawned: set before the first stop, on the tracer thread. */
    private volatile boolean attached;
    private ExitStatus rootStatus;
    private boolean detaching;

    // Shared with other threads.
    private final CompletableFuture<Integer> started = new CompletableFuture<>();
    private final CompletableFuture<Optional<ExitStatus>> finished = new CompletableFuture<>();
    private final Set<Integer> livePids = ConcurrentHashMap.newKeySet();
    private final Set<Integer> liveTids = ConcurrentHashMap.newKeySet();
    private volatile boolean detachRequested;
    private volatile long stops;
    private volatile long processCount;
    private volatile long threadCount;

    /**
     * How a trace runs. @param mode how syscalls stop @param waitSpin how long to poll before blocking
     * in waitpid @param cpu the CPU to pin the tracer and the spawned command to, or -1 @param memoryAccess
     * the first way to try for tracee memory @param injectionTimeout how long an injected syscall may run
     */
    public record Options(TraceMode mode, Duration waitSpin, int cpu, MemoryAccess memoryAccess,
                          Duration injectionTimeout) {
        Options withMode(TraceMode newMode) {
            return new Options(newMode, waitSpin, cpu, memoryAccess, injectionTimeout);
        }
    }

    private TraceLoop(TraceHandler handler, Options options) {
        this.handler = handler;
        this.options = options;
        this.mode = options.mode();
        // On one CPU a polling tracer only takes time from the tracee it waits for.
        this.spinNanos = options.cpu() >= 0 ? 0 : options.waitSpin().toNanos();
        this.usesScratch = handler.usesScratchMemory();
        this.mmapNumber = table.numberOf("mmap");
        this.wanted = handler.syscalls();
        this.handlerObservesStops = overrides(handler, "onStop", Stop.class);
        this.execveNumber = table.numberOf("execve");
    }

    /** Spawns {@code command} on a new tracer thread and returns once it is traced. */
    public static TraceSession spawn(TraceHandler handler, Options options, List<String> command,
                                     Map<String, String> env, Path cwd, Spawner.Redirects redirects) {
        Path target = Spawner.resolve(command.get(0), env, cwd);
        TraceLoop loop = new TraceLoop(handler, options);
        loop.start(() -> loop.runSpawned(target, command.subList(1, command.size()), env, cwd, redirects));
        return loop;
    }

    /** Links the native calls of a trace: posix_spawn's, needed first, then the syscall downcall. */
    public static void prepare() {
        PosixSpawn.link();
        LibC.link();
    }

    /** Attaches to {@code pid} on a new tracer thread and returns once every thread is seized. */
    public static TraceSession attach(TraceHandler handler, Options options, int pid) {
        // A filter would outlive the detach, and an untraced RET_TRACE fails the syscall: attach stops at
        // every syscall.
        TraceLoop loop = new TraceLoop(handler, options.withMode(TraceMode.SYSCALL));
        loop.start(() -> loop.runAttached(pid));
        return loop;
    }

    private void start(Runnable body) {
        Thread thread = Thread.ofPlatform().name("panatrace-tracer").daemon(true).unstarted(() -> {
            try (Arena a = Arena.ofConfined()) {
                if (options.cpu() >= 0) {
                    pin(a, options.cpu());
                }
                allocate(a);
                try {
                    body.run();
                } finally {
                    memory.close();
                }
            } catch (Throwable t) {
                TraceEvents.error("engine", "", t);
                started.completeExceptionally(t);
                finished.completeExceptionally(t);
                if (!attached) {
                    // Spawned programs die with their trace (PTRACE_O_EXITKILL says the same). Attached ones
                    // are left running: this thread ends, and the kernel detaches and resumes its tracees.
                    killAll();
                }
            }
        });
        thread.start();
        try {
            started.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof TraceFailedException tfe ? tfe
                    : new TraceFailedException("could not start the trace: " + cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            killAll();
            throw new TraceFailedException("interrupted while starting the trace", e);
        }
    }

    /** Pins the calling thread to {@code cpu}; processes it spawns inherit the mask. */
    private static void pin(Arena a, int cpu) {
        MemorySegment mask = a.allocate(128);
        mask.set(ValueLayout.JAVA_BYTE, cpu / 8, (byte) (1 << (cpu % 8)));
        if (LibC.schedSetaffinity(0, 128, mask) != 0) {
            throw new ErrnoException(LibC.errno(), "sched_setaffinity(cpu " + cpu + ")", 0);
        }
    }

    private void allocate(Arena a) {
        arena = a;
        statusBuffer = a.allocate(ValueLayout.JAVA_INT);
        word = a.allocate(ValueLayout.JAVA_LONG);
        iovec = a.allocate(16, 8);
        regsBuffer = a.allocate(Registers.size(arch), 16);
        siginfo = a.allocate(128, 8);
        memory = new TraceeMemory(a, options.memoryAccess());
        view = new StopView(this, arch, table, memory);
        injector = new SyscallInjector(this);
    }

    // ---- starting -------------------------------------------------------------------------------

    private void runSpawned(Path target, List<String> args, Map<String, String> env, Path cwd,
                            Spawner.Redirects redirects) {
        int pid = Spawner.spawnStopped(target, args, env, cwd, redirects);
        TraceEvents.spawn(pid, target.toString());
        rootPid = pid;
        livePids.add(pid);
        liveTids.add(pid);
        WaitStatus ws = waitFor(pid, WUNTRACED);
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
        WaitStatus trapped = waitFor(pid, 0);
        if (!trapped.stopped()) {
            throw new TraceFailedException("the spawn trampoline ended while being seized: " + trapped, null);
        }
        ProcessState proc = new ProcessState(pid, new AddressSpace());
        proc.trampoline = true;
        processes.put(pid, proc);
        ThreadState root = new ThreadState(pid, proc);
        threads.put(pid, root);
        processCount = 1;
        threadCount = 1;
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
        resume(root, 0);
        // spawn() returns once the trampoline has become the command (onExec), so that pid() and a signal
        // sent right after reach the command rather than the trampoline's shell.
        loop();
    }

    private void runAttached(int pid) {
        attached = true;
        rootPid = pid;
        ProcessState proc = new ProcessState(pid, new AddressSpace());
        processes.put(pid, proc);
        livePids.add(pid);
        // Threads may be created while we seize: list again until a pass finds nothing new. Threads
        // created by already-seized threads are followed through PTRACE_O_TRACECLONE anyway.
        boolean found = true;
        while (found) {
            found = false;
            for (int tid : listTasks(pid)) {
                if (threads.containsKey(tid)) {
                    continue;
                }
                try {
                    Ptrace.seize(tid, TRACE_OPTIONS);
                } catch (TraceeGoneException gone) {
                    continue;
                } catch (ErrnoException e) {
                    if (threads.isEmpty()) {
                        throw new TraceFailedException("cannot attach to " + pid + ": " + e.getMessage(), e);
                    }
                    throw e;
                }
                ThreadState t = new ThreadState(tid, proc);
                threads.put(tid, t);
                liveTids.add(tid);
                // Seizing does not stop the thread; an interrupt stop lets us resume it with syscall tracing.
                t.awaitingFirstStop = true;
                try {
                    Ptrace.interrupt(tid);
                } catch (TraceeGoneException gone) {
                    // It exited after the seize; its exit is reported to us.
                }
                found = true;
            }
        }
        if (threads.isEmpty()) {
            throw new TraceFailedException("no such process: " + pid, null);
        }
        processCount = 1;
        threadCount = threads.size();
        started.complete(pid);
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
        while (!threads.isEmpty() || !earlyFirstStops.isEmpty()) {
            if (detachRequested && !detaching) {
                beginDetach();
            }
            if (!replay.isEmpty()) {
                int[] held = replay.poll();
                dispatchSafely(held[0], new WaitStatus(held[1]));
                continue;
            }
            int tid = waitAny();
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
            dispatchSafely(tid, new WaitStatus(statusBuffer.get(ValueLayout.JAVA_INT, 0)));
        }
        finish();
    }

    private void finish() {
        livePids.clear();
        liveTids.clear();
        started.complete(rootPid); // a trampoline whose exec failed ends without one
        finished.complete(detaching ? Optional.empty() : Optional.ofNullable(rootStatus));
    }

    private void dispatchSafely(int tid, WaitStatus ws) {
        try {
            dispatch(tid, ws);
        } catch (TraceeGoneException gone) {
            // Killed meanwhile: its exit report is still to come, or it vanished in an exec.
        }
    }

    private void dispatch(int tid, WaitStatus ws) {
        ThreadState t = threads.get(tid);
        if (t == null) {
            if (ws.stopped()) {
                // A new tracee's first stop can come before its parent's fork/clone event: keep it
                // stopped until the event names it.
                earlyFirstStops.put(tid, ws.raw());
            } else {
                earlyFirstStops.remove(tid);
            }
            return;
        }
        if (!t.process.trampoline) {
            stops++;
        }
        if (ws.exited() || ws.signaled()) {
            onThreadEnd(t, ws);
            return;
        }
        if (detaching) {
            detachStopped(t, ws);
            return;
        }
        int sig = ws.stopSignal();
        int event = ws.event();
        if (ws.syscallStop()) {
            onSyscallStop(t);
        } else if (event != 0) {
            onEvent(t, sig, event);
        } else {
            onSignal(t, sig);
        }
    }

    private void onSyscallStop(ThreadState t) {
        if (mode == TraceMode.SECCOMP && t.extraEntryStop) {
            // Seccomp stop came first (old order): this is the entry stop that follows it.
            t.extraEntryStop = false;
            resume(t, 0);
        } else if (!t.inSyscall) {
            onEntry(t, false);
        } else {
            onExit(t);
        }
    }

    /** A syscall entry: a syscall-entry stop, or a seccomp stop (which the filter raised only for wanted ones). */
    private void onEntry(ThreadState t, boolean seccomp) {
        view.begin(t, true, registersOf(t.tid));
        long nr = view.number();
        t.syscall = nr;
        t.entryArg0 = view.arg(0);
        t.inSyscall = true;
        if (t.process.trampoline) {
            if (nr != execveNumber) {
                view.end();
                finishEntry(t, false);
                return;
            }
            // The trampoline's exec of the target is the target's first syscall: show it.
            t.process.trampoline = false;
            stops++;
        }
        // A seccomp stop comes only for what the handler asked for: its set, or descriptors it watches.
        boolean wantedHere = seccomp || wanted.matches(arch, nr, view.arg(0))
                || t.process.watches((int) view.arg(0), table.name((int) nr));
        AddressSpace space = t.process.space;
        if (wantedHere && usesScratch && space.base == 0 && !space.failed) {
            if (space.mapper != null) {
                // Another thread is mapping it: this one stays stopped until that is done.
                t.waitingForScratch = seccomp;
                space.waiters.add(t);
            } else {
                // Map the scratch region first; the syscall then runs again and stops again, with scratch ready.
                space.mapper = t;
                startScratchMapping(t);
            }
            view.end();
            return;
        }
        if (handlerObservesStops) {
            observe(seccomp ? new Stop.Seccomp(t.tid, nr, 0) : new Stop.SyscallEntry(t.tid, nr));
        }
        EntryAction action = wantedHere ? callEntry() : EntryAction.CONTINUE;
        t.replaced = view.replacedArguments();
        t.observeExit = action.observesExit();
        t.skip = action.skips();
        if (t.skip) {
            t.skipResult = action.returnValue();
            view.registers().setSyscallNumber(-1);
        }
        storeRegisters(t);
        view.end();
        finishEntry(t, t.skip || t.observeExit || handlerObservesStops);
    }

    /** Resumes from an entry; in seccomp mode an exit stop is asked for only when it is needed. */
    private void finishEntry(ThreadState t, boolean exitNeeded) {
        if (mode == TraceMode.SECCOMP) {
            t.inSyscall = exitNeeded;
            // Where the seccomp stop comes first, a syscall-entry stop follows it, unless the syscall was
            // skipped: then the kernel (Linux before 4.8, gVisor) goes straight to the exit.
            t.extraEntryStop = exitNeeded && seccompStopFirst && !t.skip;
        }
        resume(t, 0);
    }

    private void onExit(ThreadState t) {
        t.inSyscall = false;
        if (t.injectedScratch) {
            finishScratchMapping(t);
            return;
        }
        if (t.skip || t.observeExit || handlerObservesStops) {
            view.begin(t, false, registersOf(t.tid));
            if (t.skip) {
                view.registers().setReturnValue(t.skipResult);
            }
            if (handlerObservesStops) {
                observe(new Stop.SyscallExit(t.tid, t.syscall, view.result()));
            }
            if (t.observeExit) {
                callExit();
            }
            storeRegisters(t);
            view.end();
            t.skip = false;
            t.observeExit = false;
        }
        resume(t, 0);
    }

    private void onSeccompStop(ThreadState t) {
        if (t.injectedScratch) {
            // Our own mmap, where the handler also wants mmap: let it run to its exit stop.
            t.inSyscall = true;
            t.extraEntryStop = seccompStopFirst;
            resume(t, 0);
            return;
        }
        int data = (int) Ptrace.eventMessage(t.tid, word);
        if (data == SeccompFilter.DATA_FOREIGN_ABI) {
            // A syscall of another ABI (x32, or an arch we do not decode): let the kernel run it unseen.
            t.inSyscall = false;
            resume(t, 0);
            return;
        }
        onEntry(t, true);
    }

    // ---- scratch memory -------------------------------------------------------------------------

    /** Turns the current entry into an mmap of the scratch region; the original syscall is re-run after. */
    private void startScratchMapping(ThreadState t) {
        Registers regs = view.registers();
        t.savedRegisters = regs.copy();
        t.injectedScratch = true;
        regs.setSyscallNumber(mmapNumber);
        regs.setArg(0, 0);
        regs.setArg(1, AddressSpace.REGION_SIZE);
        regs.setArg(2, t.process.space.executable ? AddressSpace.PROT_READ_WRITE_EXEC : AddressSpace.PROT_READ_WRITE);
        regs.setArg(3, AddressSpace.MAP_PRIVATE_ANONYMOUS_NORESERVE);
        regs.setArg(4, -1);
        regs.setArg(5, 0);
        storeRegisters(t);
        t.inSyscall = true;
        t.extraEntryStop = mode == TraceMode.SECCOMP && seccompStopFirst;
        resume(t, 0);
    }

    private void finishScratchMapping(ThreadState t) {
        t.injectedScratch = false;
        long result = registersOf(t.tid).returnValue();
        AddressSpace space = t.process.space;
        if (result < 0 && result > -4096) {
            if (space.executable && (result == -Errno.EACCES || result == -Errno.EPERM)) {
                // A policy against writable and executable memory: the next wanted syscall maps it without stubs.
                space.executable = false;
            } else {
                space.failed = true;
                LOG.log(System.Logger.Level.WARNING, "cannot map scratch memory in pid " + t.process.pid + ": "
                        + Errno.name((int) -result) + "; its string arguments stay unchanged");
            }
        } else {
            space.base = result;
        }
        space.mapper = null;
        Registers restart = t.savedRegisters;
        t.savedRegisters = null;
        rerun(t, restart);
        setRegisters(t.tid, restart);
        resume(t, 0);
        releaseScratchWaiters(space);
    }

    /**
     * Points a thread whose syscall was turned into another one back at its own syscall, which then runs
     * again and stops again: at the thread's stub, which jumps back to where the syscall was made, or at
     * the syscall instruction just before the instruction pointer when the bytes there say it is one.
     * Neither: the syscall fails with ENOSYS rather than run whatever lies there.
     */
    private void rerun(ThreadState t, Registers restart) {
        long next = restart.instructionPointer();
        long site;
        if (t.process.space.hasStubs() && SyscallInstruction.stubReturns(arch)) {
            site = stubSyscall(t);
            memory.write(t.tid, t.process.pid, t.slot.returnCell(), littleEndian(next));
        } else if (isSyscallAt(t, next - SyscallInstruction.length(arch))) {
            site = next - SyscallInstruction.length(arch);
        } else {
            LOG.log(System.Logger.Level.WARNING, "pid " + t.process.pid + ": no syscall instruction before 0x"
                    + Long.toHexString(next) + " to run " + table.name((int) restart.syscallNumber())
                    + " again; it fails with ENOSYS");
            restart.setReturnValue(-Errno.ENOSYS);
            return;
        }
        restart.setInstructionPointer(site);
        if (arch == Arch.X86_64) {
            restart.set("rax", restart.syscallNumber());
        }
    }

    /** The address of the syscall instruction in this thread's stub, written on first use. */
    private long stubSyscall(ThreadState t) {
        scratchSlot(t);
        long stub = t.slot.stubAddress();
        if (t.slot.claimStub()) {
            memory.write(t.tid, t.process.pid, stub, SyscallInstruction.stub(arch, stub, t.slot.returnCell()));
        }
        return stub + SyscallInstruction.syscallOffset(arch);
    }

    private boolean isSyscallAt(ThreadState t, long address) {
        try {
            return SyscallInstruction.matches(arch,
                    memory.read(t.tid, t.process.pid, address, SyscallInstruction.length(arch)));
        } catch (ErrnoException e) {
            if (e instanceof TraceeGoneException) {
                throw e;
            }
            return false;
        }
    }

    /**
     * A syscall instruction at which to inject a syscall into a thread stopped at {@code ip}: its stub,
     * else the instruction just before {@code ip} if it is one (a syscall-exit stop, the trampoline's
     * stop after kill), else one in the vDSO. Never an unchecked {@code ip - 2}: gVisor's systrap
     * platform patches syscall sites into jumps.
     */
    long injectionSite(ThreadState t, long ip) {
        AddressSpace space = t.process.space;
        if (space.hasStubs()) {
            return stubSyscall(t);
        }
        long before = ip - SyscallInstruction.length(arch);
        if (isSyscallAt(t, before)) {
            return before;
        }
        if (space.vdsoSyscall == 0) {
            space.vdsoSyscall = findVdsoSyscall(t);
        }
        if (space.vdsoSyscall > 0) {
            return space.vdsoSyscall;
        }
        throw new IllegalStateException("no syscall instruction to inject at in pid " + t.process.pid
                + ": none before 0x" + Long.toHexString(ip) + ", no scratch memory, none in the vDSO");
    }

    /**
     * A syscall instruction in the thread's vDSO, or -1. The vDSO is found by its address in the auxiliary
     * vector (AT_SYSINFO_EHDR), not by its name in maps: gVisor leaves it unnamed.
     */
    private long findVdsoSyscall(ThreadState t) {
        Path proc = Path.of("/proc", Integer.toString(t.process.pid));
        try {
            long start = auxvValue(Files.readAllBytes(proc.resolve("auxv")), AT_SYSINFO_EHDR);
            String prefix = Long.toHexString(start) + "-";
            for (String line : Files.readAllLines(proc.resolve("maps"))) {
                if (start != 0 && line.startsWith(prefix)) {
                    long end = Long.parseUnsignedLong(line.substring(prefix.length(), line.indexOf(' ')), 16);
                    byte[] code = memory.read(t.tid, t.process.pid, start, (int) (end - start));
                    int at = SyscallInstruction.indexIn(arch, code);
                    return at < 0 ? -1 : start + at;
                }
            }
        } catch (IOException | ErrnoException e) {
            if (e instanceof TraceeGoneException gone) {
                throw gone;
            }
            LOG.log(System.Logger.Level.DEBUG, "cannot search the vDSO of pid " + t.process.pid + ": " + e);
        }
        return -1;
    }

    private static final long AT_SYSINFO_EHDR = 33;

    /** The value of {@code type} in an auxiliary vector (pairs of native words), or 0. */
    private static long auxvValue(byte[] auxv, long type) {
        MemorySegment words = MemorySegment.ofArray(auxv);
        for (long at = 0; at + 16 <= auxv.length; at += 16) {
            if (words.get(ValueLayout.JAVA_LONG_UNALIGNED, at) == type) {
                return words.get(ValueLayout.JAVA_LONG_UNALIGNED, at + 8);
            }
        }
        return 0;
    }

    private static byte[] littleEndian(long value) {
        byte[] bytes = new byte[Long.BYTES];
        MemorySegment.ofArray(bytes).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, value);
        return bytes;
    }

    /** Threads that stopped while the region was being mapped go on with their own entries. */
    private void releaseScratchWaiters(AddressSpace space) {
        List<ThreadState> waiting = new ArrayList<>(space.waiters);
        space.waiters.clear();
        for (ThreadState waiter : waiting) {
            if (threads.get(waiter.tid) == waiter) {
                try {
                    onEntry(waiter, waiter.waitingForScratch);
                } catch (TraceeGoneException gone) {
                    // Killed while it waited; its exit is still to come.
                }
            }
        }
    }

    /** The address of this thread's scratch slot, allocated on first use. */
    long scratchSlot(ThreadState t) {
        AddressSpace space = t.process.space;
        if (space.base == 0) {
            throw new IllegalStateException(space.failed ? "no scratch memory in pid " + t.process.pid
                    : "no scratch memory: the handler's usesScratchMemory() must return true");
        }
        if (t.slot == null) {
            t.slot = space.allocate();
            Arrays.fill(t.placed, null);
        }
        return t.slot.address();
    }

    private void onEvent(ThreadState t, int sig, int event) {
        if (t.process.trampoline && event == Ptrace.EVENT_STOP) {
            // The trap that follows our SIGCONT to the trampoline: ours, not the program's.
            resume(t, 0);
            return;
        }
        switch (event) {
            case Ptrace.EVENT_FORK, Ptrace.EVENT_VFORK, Ptrace.EVENT_CLONE -> onNewTracee(t, event);
            case Ptrace.EVENT_EXEC -> onExec(t);
            case Ptrace.EVENT_SECCOMP -> onSeccompStop(t);
            case Ptrace.EVENT_STOP -> {
                // Leaving the kernel for a stop means no syscall is in progress any more.
                t.inSyscall = false;
                unreplaceBeforeRestart(t);
                if (Signals.isStopSignal(sig)) {
                    observe(new Stop.GroupStop(t.tid, sig));
                    // Keep it stopped as job control wants, but hear about SIGCONT and new signals.
                    Ptrace.listen(t.tid);
                    return;
                }
                t.awaitingFirstStop = false;
                observe(new Stop.Interrupt(t.tid));
                resume(t, 0);
            }
            default -> resume(t, 0);
        }
    }

    private void onNewTracee(ThreadState parent, int event) {
        int newTid = (int) Ptrace.eventMessage(parent.tid, word);
        long flags = event == Ptrace.EVENT_CLONE ? cloneFlags(parent) : 0;
        boolean sameProcess = (flags & CLONE_THREAD) != 0;
        boolean sharesMemory = event == Ptrace.EVENT_VFORK || (flags & CLONE_VM) != 0;
        observe(switch (event) {
            case Ptrace.EVENT_FORK -> new Stop.Fork(parent.tid, newTid);
            case Ptrace.EVENT_VFORK -> new Stop.VFork(parent.tid, newTid);
            default -> new Stop.Clone(parent.tid, newTid, sameProcess);
        });
        // It may be followed already, or have been and ended: adopted before this event, its creator
        // having looked gone.
        boolean known = adoptedUnnamed.remove(newTid) || threads.containsKey(newTid);
        if (!known) {
            adopt(newTid, parent, sameProcess, sharesMemory);
        }
        resume(parent, 0);
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
            int pid = parent == null ? tgidOf(tid) : tid;
            proc = processes.get(pid);
            if (proc == null) {
                // A fork copies the scratch region with the rest of memory; CLONE_VM shares it.
                AddressSpace space = parent == null ? new AddressSpace()
                        : sharesMemory ? parent.process.space : parent.process.space.forkCopy();
                proc = new ProcessState(pid, space);
                if (parent != null) {
                    for (Map.Entry<String, Set<Integer>> watch : parent.process.watched.entrySet()) {
                        proc.watched.put(watch.getKey(), new HashSet<>(watch.getValue()));
                    }
                }
                processes.put(pid, proc);
                livePids.add(pid);
                processCount++;
            }
        }
        ThreadState t = new ThreadState(tid, proc);
        threads.put(tid, t);
        liveTids.add(tid);
        threadCount++;
        if (detaching) {
            t.awaitingFirstStop = true;
        }
        callHandler("onNewTracee", () -> handler.onNewTracee(parent == null ? 0 : parent.tid, tid, t.process.pid));
        Integer early = earlyFirstStops.remove(tid);
        if (early != null) {
            dispatch(tid, new WaitStatus(early));
        } else {
            t.awaitingFirstStop = true;
        }
    }

    /**
     * The process that created {@code tid}: for a thread its own process, else its parent; 0 when /proc
     * does not say, which no tracee is.
     */
    private static int creatorOf(int tid) {
        return ProcStatus.of(tid).map(status -> status.tgid() != 0 && status.tgid() != tid ? status.tgid()
                : status.ppid()).orElse(0);
    }

    /** The process of {@code tid}; a task already gone counts as its own process. */
    private static int tgidOf(int tid) {
        return ProcStatus.of(tid).map(ProcStatus::tgid).filter(tgid -> tgid != 0).orElse(tid);
    }

    private void onExec(ThreadState t) {
        int formerTid = (int) Ptrace.eventMessage(t.tid, word);
        if (formerTid != t.tid) {
            // A non-leader thread exec'd: it now has the leader's tid, the old leader vanished without an
            // exit report, and the execing thread's syscall state moves with it.
            ThreadState execing = threads.remove(formerTid);
            liveTids.remove(formerTid);
            if (execing != null) {
                t.inSyscall = execing.inSyscall;
                t.syscall = execing.syscall;
                t.observeExit = execing.observeExit;
                t.skip = execing.skip;
                t.entryArg0 = execing.entryArg0;
            }
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
        observe(new Stop.Exec(t.tid, formerTid));
        view.begin(t, false, null);
        callHandler("onExec", () -> handler.onExec(view, formerTid));
        view.end();
        resume(t, 0);
        if (t.tid == rootPid) {
            // Only now, running: gVisor can lose a signal sent to a tracee while it sits in a ptrace-stop.
            started.complete(rootPid);
        }
    }

    private void onSignal(ThreadState t, int sig) {
        t.inSyscall = false;
        unreplaceBeforeRestart(t);
        if (sig == WAKE_SIGNAL && isOurWakeSignal(t.tid)) {
            resume(t, 0);
            return;
        }
        if (t.process.trampoline) {
            resume(t, sig);
            return;
        }
        observe(new Stop.SignalDelivery(t.tid, sig));
        view.begin(t, false, null);
        int[] deliver = {sig};
        callHandler("onSignal", () -> deliver[0] = handler.onSignal(view, sig));
        storeRegisters(t);
        view.end();
        resume(t, deliver[0]);
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
        setRegisters(t.tid, regs);
    }

    private boolean isOurWakeSignal(int tid) {
        Ptrace.request(Ptrace.GETSIGINFO, tid, 0, siginfo.address());
        // struct siginfo: si_signo, si_errno, si_code, then (kill/tkill) si_pid at offset 16.
        return siginfo.get(ValueLayout.JAVA_INT, 8) == SI_TKILL && siginfo.get(ValueLayout.JAVA_INT, 16) == jvmPid;
    }

    private void onThreadEnd(ThreadState t, WaitStatus ws) {
        AddressSpace space = t.process.space;
        if (t.slot != null) {
            t.slot.release();
        }
        if (space.mapper == t) {
            // It died before its mmap returned: a waiting thread maps the region instead.
            space.mapper = null;
            releaseScratchWaiters(space);
        }
        threads.remove(t.tid);
        liveTids.remove(t.tid);
        ExitStatus status = ws.exited() ? ExitStatus.exited(ws.exitCode())
                : ExitStatus.killed(ws.termSignal(), ws.coreDumped());
        observe(ws.exited() ? new Stop.Exited(t.tid, ws.exitCode())
                : new Stop.Killed(t.tid, ws.termSignal(), ws.coreDumped()));
        callHandler("onExit", () -> handler.onExit(t.tid, t.process.pid, status));
        if (t.tid == t.process.pid) {
            // The leader's exit is reported last in its group: the process is gone.
            processes.remove(t.process.pid);
            livePids.remove(t.process.pid);
            memory.forget(t.process.pid);
            if (t.tid == rootPid) {
                rootStatus = status;
            }
            TraceEvents.exit(t.process.pid, status);
        }
        // A tracee whose creator died before reporting it will never be named by an event: adopt it. One
        // whose creator is still followed waits for the event, which is only late: under load the new
        // tracee's first stop and other tracees' exits can come first.
        if (!earlyFirstStops.isEmpty()) {
            for (int orphan : new ArrayList<>(earlyFirstStops.keySet())) {
                if (!threads.containsKey(orphan) && !livePids.contains(creatorOf(orphan))) {
                    adoptedUnnamed.add(orphan);
                    adopt(orphan, null, false, false);
                }
            }
        }
    }

    // ---- detaching ------------------------------------------------------------------------------

    private void beginDetach() {
        detaching = true;
        for (ThreadState t : new ArrayList<>(threads.values())) {
            if (t.process.space.waiters.remove(t)) {
                // Already stopped by us, at a syscall entry: it can go now.
                threads.remove(t.tid);
                liveTids.remove(t.tid);
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

    private void detachStopped(ThreadState t, WaitStatus ws) {
        int sig = 0;
        if (!ws.syscallStop() && ws.event() == 0) {
            sig = ws.stopSignal() == WAKE_SIGNAL && isOurWakeSignal(t.tid) ? 0 : ws.stopSignal();
        } else if (ws.event() == Ptrace.EVENT_FORK || ws.event() == Ptrace.EVENT_VFORK
                || ws.event() == Ptrace.EVENT_CLONE) {
            int newTid = (int) Ptrace.eventMessage(t.tid, word);
            if (!threads.containsKey(newTid)) {
                adopt(newTid, t, ws.event() == Ptrace.EVENT_CLONE && (cloneFlags(t) & CLONE_THREAD) != 0, false);
            }
        }
        threads.remove(t.tid);
        liveTids.remove(t.tid);
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

    void setRegisters(int tid, Registers regs) {
        regs.copyTo(regsBuffer);
        Ptrace.regset(Ptrace.SETREGSET, tid, Ptrace.NT_PRSTATUS, iovec, regsBuffer);
    }

    WaitStatus waitThread(int tid) {
        return waitFor(tid, 0);
    }

    /**
     * The next stop of {@code tid}, or null at {@code deadline} (System.nanoTime). Polls: waitpid cannot
     * time out. An injected syscall usually returns within the first microseconds of spinning.
     */
    WaitStatus waitThread(int tid, long deadline) {
        long pause = 0;
        while (true) {
            int r = LibC.waitpid(tid, statusBuffer, WALL | WNOTHREAD | WNOHANG);
            if (r == tid) {
                return new WaitStatus(statusBuffer.get(ValueLayout.JAVA_INT, 0));
            }
            if (r < 0 && LibC.errno() != Errno.EINTR) {
                throw new ErrnoException(LibC.errno(), "waitpid(" + tid + ")", tid);
            }
            long now = System.nanoTime();
            if (now - deadline >= 0) {
                return null;
            }
            // Yield for the first 100 µs, then sleep, longer each time up to 10 ms.
            pause = pause == 0 ? 1_000 : Math.min(pause * 2, 10_000_000);
            if (pause < 100_000) {
                Thread.yield();
            } else {
                LockSupport.parkNanos(Math.min(pause, deadline - now));
            }
        }
    }

    Duration injectionTimeout() {
        return options.injectionTimeout();
    }

    /** A wait result for the main loop, taken while injecting. */
    void replayLater(int tid, WaitStatus ws) {
        replay.add(new int[] {tid, ws.raw()});
    }

    /** The siginfo of the signal {@code tid} is stopped for (128 bytes). */
    byte[] signalInfo(int tid) {
        Ptrace.request(Ptrace.GETSIGINFO, tid, 0, siginfo.address());
        return siginfo.toArray(ValueLayout.JAVA_BYTE);
    }

    /** Sends a signal the engine held back; a thread that is gone meanwhile does not need it. */
    void tgkill(int pid, int tid, int signal) {
        if (LibC.tgkill(pid, tid, signal) != 0 && LibC.errno() != Errno.ESRCH) {
            LOG.log(System.Logger.Level.WARNING, "signal " + Signals.name(signal) + " for tid " + tid
                    + " was lost: tgkill failed with " + Errno.name(LibC.errno()));
        }
    }

    /** This thread's scratch slot, or 0 where there is no scratch memory. */
    long scratchSlotOrZero(ThreadState t) {
        return t.process.space.base == 0 ? 0 : scratchSlot(t);
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
            long slot = scratchSlot(t);
            // struct sock_fprog in the slot's second half, the program right after it.
            long fprog = slot + AddressSpace.SLOT_SIZE / 2;
            t.placed[1] = null;
            byte[] program = filter.bytes();
            byte[] header = new byte[16];
            MemorySegment h = MemorySegment.ofArray(header);
            h.set(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) filter.length());
            h.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, fprog + 16);
            memory.write(t.tid, t.process.pid, fprog, header);
            memory.write(t.tid, t.process.pid, fprog + 16, program);
            long r = injectAtExit(t, current, table.numberOf("seccomp"),
                    new long[] {SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, fprog});
            if (r != 0) {
                throw r < 0 && r > -4096 ? new ErrnoException((int) -r, "injected seccomp (watch fd " + fd + ")", t.tid)
                        : new ErrnoException(Errno.ESRCH, "injected seccomp: thread " + r + " could not be synchronized", t.tid);
            }
        }
        t.process.watch(fd, known);
    }

    private static final long SECCOMP_SET_MODE_FILTER = 1;
    /** Apply the filter to every thread of the process. */
    private static final long SECCOMP_FILTER_FLAG_TSYNC = 1;

    /** Runs a syscall for a handler, at a syscall-exit stop. */
    long injectAtExit(ThreadState t, Registers current, long nr, long[] args) {
        return injector.inject(t, current, injectionSite(t, current.instructionPointer()), nr, args);
    }

    // ---- registers and resuming -----------------------------------------------------------------

    Registers registersOf(int tid) {
        Ptrace.regset(Ptrace.GETREGSET, tid, Ptrace.NT_PRSTATUS, iovec, regsBuffer);
        Registers regs = Registers.zeroed(arch);
        regs.copyFrom(regsBuffer);
        return regs;
    }

    /** Writes back the view's registers if the handler or the engine changed them. */
    private void storeRegisters(ThreadState t) {
        Registers regs = view.loadedRegisters();
        if (regs == null || !view.registersChanged()) {
            return;
        }
        if (arch == Arch.AARCH64 && regs.syscallNumberChanged()) {
            // aarch64 takes a changed syscall number only through its own register set.
            word.set(ValueLayout.JAVA_INT, 0, (int) regs.syscallNumber());
            Ptrace.regset(Ptrace.SETREGSET, t.tid, Ptrace.NT_ARM_SYSTEM_CALL, iovec, word.asSlice(0, 4));
        }
        regs.copyTo(regsBuffer);
        Ptrace.regset(Ptrace.SETREGSET, t.tid, Ptrace.NT_PRSTATUS, iovec, regsBuffer);
    }

    private void resume(ThreadState t, int signal) {
        boolean stopAtSyscalls = mode == TraceMode.SYSCALL || t.inSyscall;
        Ptrace.resume(stopAtSyscalls ? Ptrace.SYSCALL : Ptrace.CONT, t.tid, signal);
    }

    private static final int WNOHANG = 1;

    /**
     * The next stop of any tracee. Polled for a while before blocking: a blocked tracer pays a wake-up,
     * often on another CPU, at every stop, which costs more than the poll when stops come close together.
     */
    private int waitAny() {
        if (spinNanos > 0 && blockingWaits == 0) {
            long deadline = System.nanoTime() + spinNanos;
            do {
                int tid = LibC.waitpid(-1, statusBuffer, WALL | WNOTHREAD | WNOHANG);
                if (tid != 0) {
                    emptySpins = 0;
                    return tid;
                }
                // sched_yield, not a pause: on a busy machine a spinning tracer would take the CPU from the
                // very tracee it waits for; on an idle one yield returns at once.
                Thread.yield();
            } while (System.nanoTime() < deadline);
            if (++emptySpins == SPINS_BEFORE_BLOCKING) {
                // Stops come further apart than the spin (a tracee that computes or sleeps; gVisor, where
                // every wait is an emulated syscall): polling only adds calls. Block for a while, then look again.
                emptySpins = 0;
                blockingWaits = BLOCKING_WAITS;
            }
        } else if (blockingWaits > 0) {
            blockingWaits--;
        }
        return LibC.waitpid(-1, statusBuffer, WALL | WNOTHREAD);
    }

    /** Spins in a row that found no stop, after which the tracer blocks at once for {@link #BLOCKING_WAITS} waits. */
    private static final int SPINS_BEFORE_BLOCKING = 8;
    private static final int BLOCKING_WAITS = 256;
    private int emptySpins;
    private int blockingWaits;

    private WaitStatus waitFor(int pid, int options) {
        while (true) {
            int r = LibC.waitpid(pid, statusBuffer, options | WALL | WNOTHREAD);
            if (r == pid) {
                return new WaitStatus(statusBuffer.get(ValueLayout.JAVA_INT, 0));
            }
            int errno = LibC.errno();
            if (r < 0 && errno != Errno.EINTR) {
                throw new ErrnoException(errno, "waitpid(" + pid + ")", pid);
            }
        }
    }

    // ---- handler calls --------------------------------------------------------------------------

    private void observe(Stop stop) {
        if (handlerObservesStops) {
            callHandler("onStop", () -> handler.onStop(stop));
        }
    }

    private EntryAction callEntry() {
        EntryAction[] action = {EntryAction.CONTINUE};
        Object event = TraceEvents.beginSyscall();
        boolean completed = callHandler("onSyscallEntry", () -> action[0] = handler.onSyscallEntry(view));
        if (event != null) {
            TraceEvents.endSyscall(event, view.name(), view.tid(), true);
        }
        if (!completed) {
            view.discardChanges();
            return EntryAction.CONTINUE;
        }
        return action[0] == null ? EntryAction.CONTINUE : action[0];
    }

    private void callExit() {
        Object event = TraceEvents.beginSyscall();
        boolean completed = callHandler("onSyscallExit", () -> handler.onSyscallExit(view));
        if (event != null) {
            TraceEvents.endSyscall(event, view.name(), view.tid(), false);
        }
        if (!completed) {
            view.discardChanges();
        }
    }

    /**
     * Runs a hook. A hook that throws does not end the trace: the event proceeds as by default, and the
     * failure is logged once per hook and syscall.
     */
    private boolean callHandler(String hook, Runnable call) {
        try {
            call.run();
            return true;
        } catch (TraceeGoneException gone) {
            throw gone;
        } catch (RuntimeException | LinkageError | AssertionError e) {
            TraceEvents.error(hook, view.active() ? view.name() : "", e);
            String key = hook + ":" + (view.active() ? view.name() : "");
            if (reportedHandlerFailures.add(key)) {
                LOG.log(System.Logger.Level.WARNING, "handler " + hook
                        + (view.active() ? " for " + view.name() : "") + " threw; proceeding unmodified "
                        + "(reported once)", e);
            }
            return false;
        }
    }

    private static boolean overrides(TraceHandler handler, String method, Class<?>... params) {
        try {
            return handler.getClass().getMethod(method, params).getDeclaringClass() != TraceHandler.class;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    // ---- TraceSession: called from any thread ---------------------------------------------------

    @Override
    public int pid() {
        return rootPid;
    }

    @Override
    public Optional<ExitStatus> waitFor() throws InterruptedException {
        try {
            return finished.get();
        } catch (ExecutionException e) {
            throw new TraceFailedException("the trace failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    @Override
    public Optional<ExitStatus> waitFor(Duration timeout) throws InterruptedException {
        try {
            return finished.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (ExecutionException e) {
            throw new TraceFailedException("the trace failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    @Override
    public boolean isDone() {
        return finished.isDone();
    }

    @Override
    public void kill() {
        killAll();
    }

    private void killAll() {
        for (int pid : livePids) {
            if (LibC.kill(pid, Signals.SIGKILL) != 0 && LibC.errno() != Errno.ESRCH) {
                LOG.log(System.Logger.Level.WARNING, "cannot kill pid " + pid + ": " + Errno.name(LibC.errno()));
            }
        }
    }

    @Override
    public void signal(int signal) {
        if (!finished.isDone() && LibC.kill(rootPid, signal) != 0 && LibC.errno() != Errno.ESRCH) {
            throw new ErrnoException(LibC.errno(), "kill(" + signal + ")", rootPid);
        }
    }

    @Override
    public void detach() {
        if (!attached && mode == TraceMode.SECCOMP) {
            throw new IllegalStateException("pid " + rootPid + " was spawned with a seccomp filter, which the kernel "
                    + "keeps: untraced, the syscalls it stops would fail with ENOSYS; spawn with TraceMode.SYSCALL "
                    + "to detach later");
        }
        detachRequested = true;
        // Wake the tracer from waitpid: a signal to one of our threads produces a stop it recognizes.
        for (int tid : liveTids) {
            int pid = tgidOf(tid);
            if (LibC.tgkill(pid, tid, WAKE_SIGNAL) == 0) {
                return;
            }
        }
    }

    @Override
    public TraceMode mode() {
        return mode;
    }

    @Override
    public MemoryAccess memoryReads() {
        TraceeMemory m = memory;
        return m == null ? options.memoryAccess() : m.reads();
    }

    @Override
    public MemoryAccess memoryWrites() {
        TraceeMemory m = memory;
        return m == null ? options.memoryAccess() : m.writes();
    }

    @Override
    public TraceStats stats() {
        return new TraceStats(stops, processCount, threadCount);
    }

    @Override
    public void close() {
        if (!finished.isDone()) {
            killAll();
        }
        boolean interrupted = false;
        while (true) {
            try {
                finished.get();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException e) {
                // Already reported to whoever waited.
                break;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- state ----------------------------------------------------------------------------------

    static final class ProcessState {
        final int pid;
        AddressSpace space;
        /**
         * Descriptors a handler watches, by syscall name; like the filters behind them, inherited by
         * children and kept across exec.
         */
        final Map<String, Set<Integer>> watched = new HashMap<>();

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
        /** Still the spawn trampoline, before its exec of the target: hidden from the handler. */
        boolean trampoline;

        ProcessState(int pid, AddressSpace space) {
            this.pid = pid;
            this.space = space;
        }
    }

    static final class ThreadState {
        final int tid;
        final ProcessState process;
        boolean inSyscall;
        long syscall = -1;
        long entryArg0;
        boolean observeExit;
        boolean skip;
        long skipResult;
        boolean awaitingFirstStop;
        /** In seccomp mode with the old stop order: a syscall-entry stop is due before the exit stop. */
        boolean extraEntryStop;
        /** This entry was turned into the scratch mmap; {@link #savedRegisters} hold the original. */
        boolean injectedScratch;
        Registers savedRegisters;
        /** Stopped at an entry until its address space's scratch region is mapped: was it a seccomp stop. */
        boolean waitingForScratch;
        /** Pairs of (argument index, original value) the handler replaced at the last entry, or null. */
        long[] replaced;
        /** The scratch slot of this thread, or null. */
        AddressSpace.Slot slot;
        /**
         * The strings this thread's slot holds at each string position, as last placed there (null:
         * unknown). A program opens the same few paths again and again; a string already in place needs
         * no write, which matters where writes take a ptrace call per word (gVisor).
         */
        final byte[][] placed = new byte[2][];

        ThreadState(int tid, ProcessState process) {
            this.tid = tid;
            this.process = process;
        }
    }
}
