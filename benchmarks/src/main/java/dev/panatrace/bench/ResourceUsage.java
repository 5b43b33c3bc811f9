package dev.panatrace.bench;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * CPU time of this process and of its waited-for descendants, from getrusage(2).
 *
 * <p>RUSAGE_CHILDREN covers "all children of the calling process that have terminated and been waited
 * for", and each of those includes its own waited-for descendants (getrusage(2)), so the difference around
 * one measured run is the CPU of that run's whole process tree, however deep, once its root is reaped.
 */
final class ResourceUsage {
    private static final int RUSAGE_SELF = 0;
    private static final int RUSAGE_CHILDREN = -1;
    /** sizeof(struct rusage) on LP64: two struct timeval (tv_sec, tv_usec) and 14 longs. */
    private static final long RUSAGE_BYTES = 18 * Long.BYTES;
    // Restricted: bin/bench and Surefire grant native access with --enable-native-access=ALL-UNNAMED.
    @SuppressWarnings("restricted")
    private static final MethodHandle GETRUSAGE = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("getrusage")
                    .orElseThrow(() -> new IllegalStateException("libc has no getrusage")),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));

    private ResourceUsage() {}

    /** User plus system CPU of every thread of this JVM so far, in nanoseconds. */
    static long selfCpuNanos() {
        return cpuNanos(RUSAGE_SELF);
    }

    /** User plus system CPU of this JVM's reaped descendants so far, in nanoseconds. */
    static long childrenCpuNanos() {
        return cpuNanos(RUSAGE_CHILDREN);
    }

    private static long cpuNanos(int who) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment usage = arena.allocate(RUSAGE_BYTES, Long.BYTES);
            int result;
            try {
                result = (int) GETRUSAGE.invokeExact(who, usage);
            } catch (Throwable t) {
                throw new IllegalStateException("getrusage", t);
            }
            // Only EFAULT and EINVAL are possible, both a bug here, so errno is not worth capturing.
            if (result != 0) {
                throw new IllegalStateException("getrusage(" + who + ") returned " + result);
            }
            long userNanos = usage.get(JAVA_LONG, 0) * 1_000_000_000L + usage.get(JAVA_LONG, 8) * 1_000L;
            long systemNanos = usage.get(JAVA_LONG, 16) * 1_000_000_000L + usage.get(JAVA_LONG, 24) * 1_000L;
            return userNanos + systemNanos;
        }
    }
}
