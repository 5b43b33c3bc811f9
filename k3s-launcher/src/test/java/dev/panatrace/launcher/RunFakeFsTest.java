package dev.panatrace.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panatrace.ptrace.testing.ProcessResult;
import dev.panatrace.ptrace.testing.Tracees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/k3s-launcher run --fake-fs --fake-uname-release}, alone and with --profile and --bind. */
@Timeout(60)
class RunFakeFsTest {
    @TempDir
    Path temp;

    private String busybox;
    /** xfs, or btrfs where the root really is xfs, with its statfs magic. */
    private String shownType;
    private String shownMagic;

    @BeforeEach
    void tracees() throws IOException {
        Tracees.assumePtraceAllowed();
        busybox = Tracees.busybox().toString();
        boolean rootIsXfs = rootType().equals("xfs");
        shownType = rootIsXfs ? "btrfs" : "xfs";
        shownMagic = rootIsXfs ? "9123683e" : "58465342";
    }

    @Test
    void cadvisorSeesASupportedRootOnItsDevice() {
        String cadvisor = Tracees.go("cadvisorfs").toString();

        ProcessResult result = LauncherProcess.run("run", "--fake-fs", "/=" + shownType, "--", cadvisor);

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals("fstype=" + shownType + " device-match=true blocks>0=true\n", result.stdout());
    }

    @Test
    void combinesWithAProfileAndBinds() throws IOException {
        Path host = Files.createDirectories(temp.resolve("host")).toRealPath();
        Files.writeString(host.resolve("file"), "bound\n");

        ProcessResult result = LauncherProcess.run("run", "--profile", "k3s", "--bind", host + ":/mnt/guest",
                "--fake-fs", "/=" + shownType, "--fake-uname-release", "6.1.0-sandbox", "--", busybox, "sh", "-c",
                busybox + " cat /proc/sys/vm/overcommit_memory /mnt/guest/file; " + busybox + " stat -f -c %t /; "
                        + busybox + " stat -f -c %t /proc/sys/vm; " + busybox + " uname -r; " + busybox
                        + " grep -c ' / / .* - " + shownType + " ' /proc/self/mountinfo");

        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals("1\nbound\n" + shownMagic + "\n9fa0\n6.1.0-sandbox\n1\n", result.stdout());
    }

    @Test
    void anUnsupportedTypeIsAUsageErrorNamingTheSupportedOnes() {
        ProcessResult result = LauncherProcess.run("run", "--fake-fs", "/=9p", "--", busybox, "true");

        assertEquals(2, result.exitCode(), result.stderr());
        assertTrue(result.stderr().contains("cannot present a mount as '9p': supported types are ext4, xfs, btrfs, "
                + "overlay, tmpfs"), result.stderr());
    }

    @Test
    void aRelativePathOrAMissingTypeIsAUsageError() {
        for (String fake : List.of("mnt=xfs", "/mnt")) {
            ProcessResult result = LauncherProcess.run("run", "--fake-fs", fake, "--", busybox, "true");

            assertEquals(2, result.exitCode(), fake + ": " + result.stderr());
            assertTrue(result.stderr().contains("--fake-fs"), result.stderr());
        }
    }

    @Test
    void aPathThatDoesNotExistIsAUsageErrorAndNothingRuns() throws IOException {
        Path marker = temp.resolve("ran");

        ProcessResult result = LauncherProcess.run("run", "--fake-fs", "/nonexistent=ext4", "--", busybox, "touch",
                marker.toString());

        assertEquals(new ProcessResult(2, "", "k3s-launcher run: --fake-fs: /nonexistent does not exist, so no mount "
                + "there can be shown as ext4 (see 'k3s-launcher run --help')\n"), result);
        assertFalse(Files.exists(marker));
    }

    private static String rootType() throws IOException {
        String type = "";
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] fields = line.split(" ");
            if (fields[4].equals("/")) {
                type = fields[List.of(fields).indexOf("-") + 1];
            }
        }
        return type;
    }
}
