package dev.panatrace.launcher;

import dev.panatrace.ptrace.SyscallSet;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.TraceMode;
import dev.panatrace.ptrace.TraceSession;
import dev.panatrace.ptrace.Tracer;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What {@code k3s-launcher --version} prints: the launcher's version, the Java runtime running it, the
 * kernel release, and whether seccomp acceleration works here, found by tracing {@code true}.
 */
final class LauncherVersion {
    private LauncherVersion() {}

    private static final Path KERNEL_RELEASE = Path.of("/proc/sys/kernel/osrelease");

    /** Prints the four lines. */
    static void print(PrintWriter out) {
        out.println("k3s-launcher " + version());
        out.println("Java " + Runtime.version() + " (" + System.getProperty("java.vm.vendor") + ") at "
                + System.getProperty("java.home"));
        out.println("Linux kernel " + kernelRelease());
        out.println("seccomp acceleration: " + seccompAcceleration());
    }

    /** Traces {@code true} asking for seccomp: the engine falls back to syscall stops where it cannot. */
    private static String seccompAcceleration() {
        TraceHandler oneSyscall = new TraceHandler() {
            @Override
            public SyscallSet syscalls() {
                return SyscallSet.of("exit_group");
            }
        };
        try (TraceSession trace = Tracer.builder().handler(oneSyscall).mode(TraceMode.SECCOMP)
                .spawn(List.of("true"))) {
            TraceMode mode = trace.mode();
            trace.waitFor(Duration.ofSeconds(10));
            return mode == TraceMode.SECCOMP ? "available" : "unavailable (every syscall stops)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown (interrupted)";
        } catch (RuntimeException e) {
            return "unknown (cannot trace: " + e.getMessage() + ")";
        }
    }

    /** The build's version, from the resource Maven fills in. */
    private static String version() {
        try (InputStream in = LauncherVersion.class.getResourceAsStream("version.txt")) {
            return in == null ? "(version unknown: built without Maven)" : new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "(version unknown: " + e.getMessage() + ")";
        }
    }

    private static String kernelRelease() {
        try {
            return Files.readString(KERNEL_RELEASE).strip();
        } catch (IOException e) {
            return "unknown (cannot read " + KERNEL_RELEASE + ": " + e.getMessage() + ")";
        }
    }
}
