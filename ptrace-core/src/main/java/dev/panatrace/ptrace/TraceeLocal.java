package dev.panatrace.ptrace;

/**
 * A handler's value for one traced thread, kept by the engine: what a {@link ThreadLocal} is to Java
 * threads. The engine drops it when the thread ends and moves it with the thread when a non-leader
 * thread's execve hands it the leader's tid, so a handler holds no tid-keyed map and no clean-up code.
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

    private TraceeLocal(boolean perSyscall) {
        this.perSyscall = perSyscall;
    }

    /**
     * A value that lives as long as the thread.
     *
     * @param <T> the value's type
     * @return a new key
     */
    public static <T> TraceeLocal<T> perThread() {
        return new TraceeLocal<>(false);
    }

    /**
     * A value that lives until the end of the syscall it was set in.
     *
     * @param <T> the value's type
     * @return a new key
     */
    public static <T> TraceeLocal<T> perSyscall() {
        return new TraceeLocal<>(true);
    }

    /** {@return whether the engine drops the value when the syscall it was set in ends} */
    public boolean isPerSyscall() {
        return perSyscall;
    }

    @Override
    public String toString() {
        return perSyscall ? "TraceeLocal[per syscall]" : "TraceeLocal[per thread]";
    }
}
