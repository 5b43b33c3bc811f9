package dev.panatrace.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panatrace.ptrace.testing.Tracees;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class FailSyscallTest {
    @Test
    void mkdirFailsWithTheChosenErrno(@TempDir Path dir) throws Exception {
        Tracees.assumePtraceAllowed();
        Path target = dir.resolve("never");
        Path stderr = dir.resolve("mkdir.err");
        String mkdir = Tracees.busybox() + " mkdir " + target + " 2> " + stderr;

        String out = StandardOutput.of(FailSyscall::main, "mkdir", "EROFS", "/bin/sh", "-c", mkdir);

        assertEquals("failing mkdir with EROFS\nexit 1\n", out);
        assertTrue(Files.notExists(target));
        assertTrue(Files.readString(stderr).contains("Read-only file system"), Files.readString(stderr));
    }
}
