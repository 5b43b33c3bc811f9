package dev.panatrace.ptrace.internal;

import dev.panatrace.ptrace.TraceeLocal;

import java.util.IdentityHashMap;
import java.util.Map;

/** One thread's {@link TraceeLocal} values; tracer thread only. Most threads hold none or a few. */
final class TraceeLocalValues {
    private Map<TraceeLocal<?>, Object> values;
    private boolean anyPerSyscall;

    @SuppressWarnings("unchecked")
    <T> T get(TraceeLocal<T> local) {
        return values == null ? null : (T) values.get(local);
    }

    <T> void set(TraceeLocal<T> local, T value) {
        if (value == null) {
            if (values != null) {
                values.remove(local);
            }
            return;
        }
        if (values == null) {
            values = new IdentityHashMap<>(4);
        }
        values.put(local, value);
        anyPerSyscall |= local.isPerSyscall();
    }

    /** The thread's syscall is done with (or a new one begins): what was kept for it goes. */
    void syscallEnded() {
        if (anyPerSyscall) {
            values.keySet().removeIf(TraceeLocal::isPerSyscall);
            anyPerSyscall = false;
        }
    }
}
