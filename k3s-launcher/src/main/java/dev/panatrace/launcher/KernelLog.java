package dev.panatrace.launcher;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.panatrace.ptrace.Arch;
import dev.panatrace.ptrace.SyscallTable;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * The kernel's log as {@code dmesg} reads it, with syslog(2): gVisor begins its own with
 * {@code Starting gVisor...}, where a Linux kernel begins with {@code Linux version ...}. Linux refuses it
 * without CAP_SYSLOG where {@code kernel.dmesg_restrict} is set; gVisor gives it to anyone.
 */
final class KernelLog {
    /** syslog(2): "Read all messages remaining in the ring buffer" (nondestructively). */
    private static final int SYSLOG_ACTION_READ_ALL = 3;
    /** Enough for gVisor's whole log, which is a dozen lines; on Linux the most recent messages that fit. */
    static final int READ_BYTES = 8192;

    private KernelLog() {}

    /**
     * The log, or an empty string when the kernel refuses it or native access is not granted.
     *
     * @return up to {@link #READ_BYTES} bytes of it, decoded as UTF-8
     */
    static String read() {
        try {
            return Syslog.readAll(READ_BYTES);
        } catch (LinkageError | IllegalCallerException e) {
            // No libc syscall(2), or --enable-native-access refused: no log, as where the kernel refuses it.
            return "";
        }
    }

    /** The raw call, linked on first use only: plan and doctor need it, run does not. */
    private static final class Syslog {
        /**
         * glibc's {@code long syscall(long number, ...)}, linked with the very shape and options the engine
         * links it with (fixed arguments, as LibC says why), so the JVM reuses that downcall's code instead of
         * generating more.
         */
        private static final MethodHandle SYSCALL = Linker.nativeLinker().downcallHandle(
                Linker.nativeLinker().defaultLookup().find("syscall")
                        .orElseThrow(() -> new LinkageError("libc symbol not found: syscall")),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG,
                        JAVA_LONG),
                Linker.Option.captureCallState("errno"));
        private static final long SYS_SYSLOG = SyscallTable.of(Arch.current()).numberOf("syslog");

        static String readAll(int length) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment capture = arena.allocate(Linker.Option.captureStateLayout());
                MemorySegment buffer = arena.allocate(length);
                long read = (long) SYSCALL.invokeExact(capture, SYS_SYSLOG, (long) SYSLOG_ACTION_READ_ALL,
                        buffer.address(), (long) length, 0L, 0L, 0L);
                if (read <= 0) {
                    return "";
                }
                return new String(buffer.asSlice(0, read).toArray(JAVA_BYTE),
                        StandardCharsets.UTF_8);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        }
    }
}
