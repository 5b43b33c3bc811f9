package dev.panatrace.launcher;

import dev.panatrace.ptrace.SyscallSet;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.TraceMode;
import dev.panatrace.ptrace.TraceSession;
import dev.panatrace.ptrace.Tracer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.IVersionProvider;

/**
 * What {@code k3s-launcher --version} prints: the launcher's version, the Java runtime running it, the
 * kernel release, and whether seccomp acceleration works here, found by tracing {@code true}.
 */
final class LauncherVersion implements IVersionProvider {
    private static final Path KERNEL_RELEASE = Path.of("/proc/sys/kernel/osrelease");

    @Override
    public String[] getVersion() {
        String version = Main.class.getPackage().getImplementationVersion();
        return new String[] {
            escape("k3s-launcher " + (version != null ? version : "(version unknown: not run from its jar)")),
            escape("Java " + Runtime.version() + " (" + System.getProperty("java.vm.vendor") + ") at "
                    + System.getProperty("java.home")),
            escape("Linux kernel " + kernelRelease()),
            escape("seccomp acceleration: " + seccompAcceleration()),
        };
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

    private static String kernelRelease() {
        try {
            return Files.readString(KERNEL_RELEASE).strip();
        } catch (IOException e) {
            return "unknown (cannot read " + KERNEL_RELEASE + ": " + e.getMessage() + ")";
        }
    }

    /** picocli formats each version line with String.format, so a literal '%' must be doubled. */
    private static String escape(String line) {
        return line.replace("%", "%%");
    }
}
