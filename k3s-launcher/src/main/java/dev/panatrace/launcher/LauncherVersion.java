package dev.panatrace.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.IVersionProvider;

/**
 * What {@code k3s-launcher --version} prints: the launcher's version, the Java runtime running it, and
 * the kernel release, which decides what ptrace and seccomp can do.
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
        };
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
