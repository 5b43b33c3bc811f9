package dev.panatrace.ptrace;

/**
 * A handler's value for one traced thread, kept by the engine: what a {@link ThreadLocal} is to Java
 * threads. The engine drops it when the thread ends and moves it with the thread when a non-leader
 * thread's execve hands it the leader's tid, so a handler holds no tid-keyed map and no clean-up code.
 * A {@linkplain #perProcess() per-process} value is shared by all threads of a process (new threads
 * see it at once) and dropped when the process ends; a new process starts without one.
 *
 * <p>A {@linkplain #perSyscall() per-syscall} value lives from the syscall entry that sets it to that
 * syscall's exit: the engine drops it after the exit's hooks ran, or right after the entry's hooks when
 * no exit stop was asked for. This is how a handler carries what it decided at an entry to the exit it
 * asked for ({@link EntryAction#OBSERVE_EXIT}), with no stale value left when the exit never comes.
 *
 * <pre>{@code
 * private final TraceeLocal<byte[]> openedPath = TraceeLocal.perSyscall();
 *
 * public EntryAction onSyscallEntry(Syscall call) {
 *     call.tracee().set(openedPath, call.readString(1));
 *     return EntryAction.OBSERVE_EXIT;
 * }
 *
 * public void onSyscallExit(Syscall call) {
 *     byte[] path = call.tracee().get(openedPath);
 *     ...
 * }
 * }</pre>
 *
 * <p>Values are read and written on the tracer thread only, through {@link Tracee#get} and
 * {@link Tracee#set}; a key is compared by identity, so each handler instance makes its own.
 *
 * @param <T> the value's type
 */
public final class TraceeLocal<T> {
    private final boolean perSyscall;
    private final boolean perProcess;

    private TraceeLocal(boolean perSyscall, boolean perProcess) {
        this.perSyscall = perSyscall;
        this.perProcess = perProcess;
    }

    /**
     * A value that lives as long as the thread.
     *
     * @param <T> the value's type
     * @return a new key
     */
    public static <T> TraceeLocal<T> perThread() {
        return new TraceeLocal<>(false, false);
    }

    /**
     * A value that lives until the end of the syscall it was set in.
     *
     * @param <T> the value's type
     * @return a new key
     */
    public static <T> TraceeLocal<T> perSyscall() {
        return new TraceeLocal<>(true, false);
    }

    /**
     * A value shared by the threads of a process, as long as the process lives (across its execs).
     *
     * @param <T> the value's type
     * @return a new key
     */
    public static <T> TraceeLocal<T> perProcess() {
        return new TraceeLocal<>(false, true);
    }

    /** {@return whether the value belongs to the process rather than the thread} */
    public boolean isPerProcess() {
        return perProcess;
    }

    /** {@return whether the engine drops the value when the syscall it was set in ends} */
    public boolean isPerSyscall() {
        return perSyscall;
    }

    @Override
    public String toString() {
        return "TraceeLocal[per " + (perProcess ? "process" : perSyscall ? "syscall" : "thread") + "]";
    }
}
