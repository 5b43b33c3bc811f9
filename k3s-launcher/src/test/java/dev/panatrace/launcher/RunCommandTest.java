package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panatrace.ptrace.testing.ProcessResult;
import dev.panatrace.ptrace.testing.Tracees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/k3s-launcher run}, run as a user runs it: a temporary directory bound at {@code /proc/sys},
 * with a trap file beside it that no guest path may reach.
 */
@Timeout(60)
class RunCommandTest {
    private static final String FAKE_OSTYPE = "Panatrace\n";

    @TempDir
    Path temp;

    private Path host;
    private String bind;
    private String busybox;

    @BeforeEach
    void fakeProcSys() throws IOException {
        Tracees.assumePtraceAllowed();
        busybox = Tracees.busybox().toString();
        host = Files.createDirectories(temp.resolve("sys/kernel")).getParent().toRealPath();
        Files.writeString(host.resolve("kernel/ostype"), FAKE_OSTYPE);
        Files.writeString(host.resolve("kernel/with space"), "spaced\n");
        Files.writeString(temp.resolve("version"), "TRAP\n");
        bind = host + ":/proc/sys";
    }

    @Test
    void aShellSeesTheHostFilesThroughAbsoluteRelativeAndDotDotPaths() {
        ProcessResult result = LauncherProcess.run("run", "--bind", bind, "--", busybox, "sh", "-c",
                "cd /proc/sys/kernel && cat ostype && cat ../kernel/ostype && cat ../../sys/kernel/ostype"
                        + " && cat /proc/sys/kernel/ostype && cat ./ostype");
        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(FAKE_OSTYPE.repeat(5), result.stdout());
    }

    /** proot's spelling: {@code -b HOST:GUEST}. */
    @Test
    void dashBIsBind() {
        ProcessResult result = LauncherProcess.run("run", "-b", bind, "--", busybox, "cat", "/proc/sys/kernel/ostype");
        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(FAKE_OSTYPE, result.stdout());
    }

    @Test
    void lsAndStatSeeTheHostDirectory() {
        ProcessResult result = LauncherProcess.run("run", "--bind", bind, "--", busybox, "sh", "-c",
                "ls /proc/sys/kernel; cd /proc/sys && ls kernel && stat -c %s kernel/ostype");
        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals("ostype\nwith space\nostype\nwith space\n" + FAKE_OSTYPE.length() + "\n", result.stdout());
    }

    @Test
    void dotDotLeavesTheGuestNotTheHost() throws IOException {
        String hostname = Files.readString(Path.of("/etc/hostname"));
        String version = Files.readString(Path.of("/proc/version"));
        ProcessResult result = LauncherProcess.run("run", "--bind", bind, "--", busybox, "sh", "-c",
                "cat /proc/sys/../../etc/hostname && cd /proc/sys && cat ../version && cd kernel"
                        + " && cat ../../version && ls ../.. | grep -x -e self -e sys");
        assertEquals(0, result.exitCode(), result.stderr());
        // /proc/self and /proc/sys: the listing is the guest's /, not HOST's parent (which has no "self").
        assertEquals(hostname + version + version + "self\nsys\n", result.stdout());
    }

    @Test
    void theTraceLogHasOneLinePerRewrite() throws IOException {
        Path log = temp.resolve("rewrites.log");
        ProcessResult result = LauncherProcess.run("run", "--bind", bind, "--trace-log", log.toString(), "--",
                busybox, "sh", "-c", "cat /proc/sys/kernel/ostype; cat '/proc/sys/kernel/with space';"
                        + " cat /proc/sys/kernel/absent; cat /etc/hostname >/dev/null");
        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(FAKE_OSTYPE + "spaced\n", result.stdout());
        List<String> lines = Files.readAllLines(log);
        Pattern tid = Pattern.compile("^[1-9][0-9]* ");
        for (String line : lines) {
            assertTrue(tid.matcher(line).find(), line);
        }
        List<String> opens = lines.stream().map(line -> tid.matcher(line).replaceFirst("TID "))
                .filter(line -> line.startsWith("TID openat ")).toList();
        assertEquals(List.of(
                "TID openat /proc/sys/kernel/ostype -> " + host + "/kernel/ostype = 3",
                "TID openat /proc/sys/kernel/with\\x20space -> " + host + "/kernel/with\\x20space = 3",
                "TID openat /proc/sys/kernel/absent -> " + host + "/kernel/absent = -2 ENOENT"), opens);
    }

    @Test
    void runsInSyscallModeToo() {
        ProcessResult result = LauncherProcess.run("run", "--mode", "syscall", "--bind", bind, "--",
                busybox, "sh", "-c", "cd /proc/sys/kernel && cat ostype ../kernel/ostype");
        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(FAKE_OSTYPE.repeat(2), result.stdout());
    }

    @Test
    void cpuPinsTheCommandAndRefusesACpuTheMachineLacks() throws IOException {
        ProcessResult pinned = LauncherProcess.run("run", "--cpu", "0", "--bind", bind, "--", busybox, "sh", "-c",
                "grep Cpus_allowed_list /proc/self/status; cat /proc/sys/kernel/ostype");
        assertEquals(0, pinned.exitCode(), pinned.stderr());
        assertEquals("Cpus_allowed_list:\t0\n" + Files.readString(host.resolve("kernel/ostype")), pinned.stdout());
        ProcessResult bad = LauncherProcess.run("run", "--cpu", "4096", "--", busybox, "true");
        assertEquals(2, bad.exitCode());
        assertTrue(bad.stderr().startsWith("k3s-launcher run: --cpu: no CPU 4096"), bad.stderr());
    }

    @Test
    void withoutBindsTheCommandRunsUnchanged() {
        ProcessResult result = LauncherProcess.run("run", busybox, "sh", "-c", "echo ran; exit 7");
        assertEquals(7, result.exitCode(), result.stderr());
        assertEquals("ran\n", result.stdout());
    }

    @Test
    void exitsWith128PlusTheSignalThatKilledTheCommand() {
        ProcessResult result = LauncherProcess.run("run", "--bind", bind, busybox, "sh", "-c", "kill -TERM $$");
        assertEquals(143, result.exitCode(), result.stderr());
    }

    @Test
    void commandNotFoundExits127() {
        ProcessResult result = LauncherProcess.run("run", "--bind", bind, "--", "panatrace-no-such-command");
        assertEquals(127, result.exitCode());
        assertEquals("k3s-launcher: command not found: panatrace-no-such-command\n", result.stderr());
    }

    @Test
    void aFileThatCannotBeExecutedExits126AsInAShell() throws IOException {
        Path script = Files.writeString(temp.resolve("script"), "#!/bin/sh\necho ran\n");

        ProcessResult result = LauncherProcess.run("run", "--", script.toString());
        ProcessResult directory = LauncherProcess.run("run", "--", temp.toString());
        ProcessResult shell = LauncherProcess.run(new ProcessBuilder("sh", "-c", "\"$0\"", script.toString()), null);

        assertEquals(new ProcessResult(126, "", "k3s-launcher: " + script + ": Permission denied\n"), result);
        assertEquals(new ProcessResult(126, "", "k3s-launcher: " + temp + ": Is a directory\n"), directory);
        assertEquals(126, shell.exitCode());
        assertTrue(shell.stderr().endsWith(script + ": Permission denied\n"), shell.stderr());
    }

    @Test
    void aMissingHostIsAUsageErrorNamingIt() {
        Path missing = temp.resolve("missing");
        ProcessResult result = LauncherProcess.run("run", "--bind", missing + ":/proc/sys", "--", busybox, "true");
        assertEquals(2, result.exitCode());
        assertEquals("k3s-launcher run: --bind HOST does not exist: " + missing
                + " (see 'k3s-launcher run --help')\n", result.stderr());
    }

    @Test
    void badBindsAndModesAreUsageErrors() {
        for (List<String> args : List.of(
                List.of("--bind", host + ":proc/sys"),
                List.of("--bind", host.toString()),
                List.of("--bind", ":/proc/sys"),
                List.of("--bind", bind, "--bind", host + ":/sys"),
                List.of("--mode", "fast"))) {
            List<String> command = new ArrayList<>(List.of("run"));
            command.addAll(args);
            command.addAll(List.of("--", busybox, "true"));
            ProcessResult result = LauncherProcess.run(command.toArray(String[]::new));
            assertEquals(2, result.exitCode(), args + ": " + result.stderr());
            assertEquals(1, result.stderr().lines().count(), args + ": " + result.stderr());
            assertTrue(result.stderr().startsWith("k3s-launcher run: "), result.stderr());
        }
    }

    @Test
    void aHostGivenRelativeOrThroughASymlinkIsMadeCanonical() throws IOException {
        Path link = Files.createSymbolicLink(temp.resolve("link-to-sys"), host);
        ProcessResult result = LauncherProcess.run(LauncherProcess.builder("run", "--bind", "link-to-sys:/proc/sys",
                "--", busybox, "sh", "-c", "cd /proc/sys/kernel && cat ../../version").directory(temp.toFile()), null);
        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals(Files.readString(Path.of("/proc/version")), result.stdout(), link + " -> " + host);
    }

    @Test
    void anUnwritableTraceLogStopsTheRunBeforeItStarts() {
        Path log = temp.resolve("missing-dir/rewrites.log");
        ProcessResult result = LauncherProcess.run("run", "--bind", bind, "--trace-log", log.toString(), "--",
                busybox, "echo", "ran");
        assertEquals(ExitCodes.LAUNCHER_FAILED, result.exitCode());
        assertEquals("", result.stdout());
        assertTrue(result.stderr().startsWith("k3s-launcher: cannot write the trace log to " + log), result.stderr());
        assertFalse(Files.exists(log));
    }
}
