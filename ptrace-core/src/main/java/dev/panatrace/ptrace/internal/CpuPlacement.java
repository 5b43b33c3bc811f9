package dev.panatrace.ptrace.internal;

import dev.panatrace.ptrace.Errno;
import dev.panatrace.ptrace.ErrnoException;
import dev.panatrace.ptrace.internal.ffm.LibC;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Set;

/**
 * Where the tracer thread and a spawned command run, and so how the tracer waits for stops.
 *
 * <p>A tracer and a tracee that stops often hand over at every stop: on one CPU that is a context switch,
 * across two a wake-up of another CPU, which costs more (README, "Measurements"). So unless the user chose
 * a CPU or a polling time, the engine pins the tracer thread, and with it the command it spawns, to one
 * CPU, and blocks in waitpid. That serializes tracee threads that would run at once, so a watchdog reads
 * the tracees' run-queue waits ({@code /proc/TID/schedstat}) every 20 ms (after a calm second less and less
 * often, down to once a second); once those exceed half the elapsed time in three looks in a row, or the
 * command has more than 16 threads, the tracer gives every thread the CPUs it had back, for good (and
 * before a detach), and then polls before it blocks. A tracee
 * asking for a pinned thread's affinity is told the mask it would have had; a thread that sets its own
 * keeps it. Not pinned at all: an attached process, one allowed CPU, and kernels without schedstat (gVisor,
 * whose tasks are not the host's threads anyway). Threads a handler starts on the tracer thread while it
 * is pinned inherit its mask.
 *
 * <p>The tracer thread owns this object; the watchdog only reads the live thread ids and posts a request.
 */
final class CpuPlacement {
    private static final System.Logger LOG = System.getLogger("dev.panatrace.ptrace");
    /** Bytes of CPU mask the engine reads and writes: 8192 CPUs, more than the kernel's mask anywhere. */
    private static final int MASK_BYTES = 1024;
    /** How often the watchdog looks, and in how many looks in a row the tracees must have waited. */
    private static final long CHECK_PERIOD_MS = 20;
    private static final int CONTENDED_CHECKS = 3;
    /**
     * After this many calm looks in a row the watchdog looks half as often each time, down to once per
     * {@link #CALM_PERIOD_MS}: a daemon that stays pinned and idle for hours should cost nothing to watch
     * (an idle etcd's launcher, watching its 8 threads 50 times a second, used 4.2 % of a CPU; 0.4 % with
     * this). A look that sees waiting brings the period back to {@link #CHECK_PERIOD_MS}.
     */
    private static final int CALM_CHECKS_BEFORE_SLOWING = 50;
    private static final long CALM_PERIOD_MS = 1000;
    /** Run-queue wait per elapsed time above which the tracees are taken to compete for the CPU. */
    private static final double CONTENDED_SHARE = 0.5;
    /**
     * Above this many tracee threads the engine lets go at once, without waiting to see them compete: a node's
     * daemons (k3s, containerd) soon number more, and the processes they start inherit the mask. Below it the
     * watchdog reads every thread's waits, and a small Go program (a runtime of 5 threads or more) stays pinned
     * while its threads do not compete: W3 with 1 locked thread cost 21.0 µs per intercepted syscall with this
     * at 16, 35.7 µs at 4, which let every Go program go at once (`bin/bench --threads`, same evening).
     */
    private static final int MAX_WATCHED_THREADS = 16;
    /** Sessions of this JVM pinned to each CPU, so that two traces spread over the CPUs. */
    private static final int[] SESSIONS_ON_CPU = new int[MASK_BYTES * 8];

    private final boolean automatic;
    private final int fixedCpu;
    private final long spinNanos;
    /** The mask the tracees would have had, zero-padded to {@link #MASK_BYTES}. */
    private MemorySegment original;
    /** How many bytes of it the kernel's masks have. */
    private int maskSize;
    private int cpu = -1;
    private volatile boolean pinned;
    /** Set when the engine lets go or the trace ends: the watchdog stops. */
    private volatile boolean done;
    private Thread watchdog;

    /**
     * @param fixedCpu the CPU the user chose, or -1
     * @param spinNanos how long to poll before blocking once not pinned
     * @param automatic whether the engine may pin by itself (no CPU and no polling time chosen, not attached)
     */
    CpuPlacement(int fixedCpu, long spinNanos, boolean automatic) {
        this.fixedCpu = fixedCpu;
        this.spinNanos = spinNanos;
        this.automatic = automatic && fixedCpu < 0;
    }

    /**
     * Places the tracer thread, before it spawns anything: processes it spawns inherit its mask. When the
     * engine pins by itself, also starts the watchdog that asks {@code session}'s tracer to let go.
     */
    void start(Arena arena, LiveSession session) {
        if (fixedCpu >= 0) {
            setOwnMask(arena, fixedCpu);
            pinned = true;
            return;
        }
        if (!automatic || !Files.isReadable(Path.of("/proc/thread-self/schedstat"))) {
            return;
        }
        original = arena.allocate(MASK_BYTES, 8);
        maskSize = LibC.schedGetaffinity(0, MASK_BYTES, original);
        if (maskSize <= 0) {
            return;
        }
        MemorySegment where = arena.allocate(ValueLayout.JAVA_INT);
        int current = LibC.getcpu(where) == 0 ? where.get(ValueLayout.JAVA_INT, 0) : -1;
        int chosen = claimCpu(current);
        if (chosen < 0) {
            return;
        }
        // Started before this thread pins itself: a new thread inherits its creator's mask, and the watchdog
        // may run anywhere.
        watchdog = Thread.ofPlatform().name("panatrace-placement").daemon().start(() -> watchLoop(session));
        try {
            setOwnMask(arena, chosen);
        } catch (ErrnoException e) {
            releaseCpu(chosen);
            done = true;
            watchdog.interrupt();
            LOG.log(System.Logger.Level.DEBUG, "not pinning the trace: " + e.getMessage());
            return;
        }
        cpu = chosen;
        pinned = true;
    }

    /**
     * The allowed CPU with the fewest sessions of this JVM pinned to it, the current one first; -1 when
     * only one CPU is allowed (nothing to gain).
     */
    private int claimCpu(int current) {
        synchronized (SESSIONS_ON_CPU) {
            int allowed = 0;
            int best = -1;
            for (int c = 0; c < maskSize * 8; c++) {
                if ((original.get(ValueLayout.JAVA_BYTE, c / 8) & (1 << (c % 8))) == 0) {
                    continue;
                }
                allowed++;
                if (best < 0 || SESSIONS_ON_CPU[c] < SESSIONS_ON_CPU[best]
                        || (c == current && SESSIONS_ON_CPU[c] == SESSIONS_ON_CPU[best])) {
                    best = c;
                }
            }
            if (allowed < 2) {
                return -1;
            }
            SESSIONS_ON_CPU[best]++;
            return best;
        }
    }

    private static void releaseCpu(int c) {
        synchronized (SESSIONS_ON_CPU) {
            SESSIONS_ON_CPU[c]--;
        }
    }

    private static void setOwnMask(Arena arena, int c) {
        MemorySegment mask = arena.allocate(MASK_BYTES, 8);
        mask.set(ValueLayout.JAVA_BYTE, c / 8, (byte) (1 << (c % 8)));
        if (LibC.schedSetaffinity(0, MASK_BYTES, mask) != 0) {
            throw new ErrnoException(LibC.errno(), "sched_setaffinity(cpu " + c + ")", 0);
        }
    }

    /** How long the tracer polls before it blocks: not at all while pinned, where polling takes the tracee's CPU. */
    long spinNanos() {
        return pinned ? 0 : spinNanos;
    }

    /** Whether the engine pinned the trace by itself and has not let go: it then answers affinity syscalls. */
    boolean pinnedByEngine() {
        return pinned && cpu >= 0;
    }

    /** Whether the filter must stop sched_getaffinity and sched_setaffinity: the engine may pin. */
    boolean watchesAffinity() {
        return cpu >= 0;
    }

    private void watchLoop(LiveSession session) {
        long lastWait = -1;
        long lastTime = System.nanoTime();
        int contended = 0;
        int calm = 0;
        long period = CHECK_PERIOD_MS;
        while (!done) {
            try {
                Thread.sleep(period);
            } catch (InterruptedException e) {
                return;
            }
            if (!pinned) {
                continue;
            }
            Set<Integer> tids = session.liveTids;
            if (tids.size() > MAX_WATCHED_THREADS) {
                session.requestFromEngine(new LiveSession.Request.Unpin());
                return;
            }
            long wait = runQueueWait(tids);
            long now = System.nanoTime();
            // Threads that ended take their waits with them: a sum lower than before starts over.
            if (lastWait >= 0 && wait >= lastWait && wait - lastWait > CONTENDED_SHARE * (now - lastTime)) {
                if (++contended == CONTENDED_CHECKS) {
                    session.requestFromEngine(new LiveSession.Request.Unpin());
                    return;
                }
                calm = 0;
                period = CHECK_PERIOD_MS;
            } else {
                contended = 0;
                if (++calm > CALM_CHECKS_BEFORE_SLOWING) {
                    period = Math.min(CALM_PERIOD_MS, 2 * period);
                }
            }
            lastWait = wait;
            lastTime = now;
        }
    }

    /** The nanoseconds the threads have waited runnable for a CPU (schedstat's second field), summed. */
    private static long runQueueWait(Collection<Integer> tids) {
        long sum = 0;
        for (int tid : tids) {
            try {
                String[] fields = Files.readString(Path.of("/proc", Integer.toString(tid), "schedstat")).trim().split(" ");
                sum += Long.parseLong(fields[1]);
            } catch (IOException | RuntimeException e) {
                // Ended meanwhile.
            }
        }
        return sum;
    }

    /**
     * Gives the tracer thread and every tracee thread that did not set its own mask the CPUs they had
     * before. Tracer thread only, so that no thread it names can have been reaped and its tid reused.
     */
    void unpin(Collection<ThreadState> threads) {
        if (!pinnedByEngine()) {
            return;
        }
        pinned = false;
        done = true;
        for (ThreadState t : threads) {
            if (!t.ownsAffinity) {
                // Failure: it is exiting, and so runs no more.
                LibC.schedSetaffinity(t.tid, MASK_BYTES, original);
            }
        }
        if (LibC.schedSetaffinity(0, MASK_BYTES, original) != 0) {
            LOG.log(System.Logger.Level.WARNING, "the tracer thread stays on CPU " + cpu + ": sched_setaffinity: "
                    + Errno.name(LibC.errno()));
        }
        releaseCpu(cpu);
        LOG.log(System.Logger.Level.DEBUG, "tracees compete for CPU " + cpu + ": no longer pinned");
    }

    /** The affinity mask a tracee would have had untraced, the first {@code size} bytes of it. */
    byte[] untracedMask(int size) {
        byte[] mask = new byte[size];
        MemorySegment.copy(original, ValueLayout.JAVA_BYTE, 0, mask, 0, Math.min(size, maskSize));
        return mask;
    }

    /** At the end of the trace: the watchdog stops, and the CPU counts for other traces no more. */
    void finish() {
        if (pinnedByEngine()) {
            releaseCpu(cpu);
        }
        pinned = false;
        done = true;
        if (watchdog != null) {
            watchdog.interrupt();
        }
    }
}
