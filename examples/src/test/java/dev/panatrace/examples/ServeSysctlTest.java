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
class ServeSysctlTest {
    @Test
    void theTraceeReadsAKeyTheHostDoesNotHave(@TempDir Path dir) throws Exception {
        Tracees.assumePtraceAllowed();
        Path key = Path.of("/proc/sys/kernel/panatrace_greeting");
        assertTrue(Files.notExists(key));
        Path output = dir.resolve("cat.out");

        String out = StandardOutput.of(ServeSysctl::main, "kernel.panatrace_greeting", "hello",
                Tracees.busybox().toString(), "sh", "-c", "cat " + key + " > " + output);

        assertEquals("hello\n", Files.readString(output));
        assertEquals("exit 0\nkernel.panatrace_greeting reads 1 writes 0 value hello\n", out);
        assertTrue(Files.notExists(key));
    }
}
