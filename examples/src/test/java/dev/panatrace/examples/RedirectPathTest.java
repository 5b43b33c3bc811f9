package dev.panatrace.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panatrace.ptrace.testing.Tracees;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class RedirectPathTest {
    @Test
    void aStaticGoBinaryReadsTheHostFileAtTheGuestPath(@TempDir Path dir) throws Exception {
        Tracees.assumePtraceAllowed();
        Path host = Files.createDirectory(dir.resolve("host")).toRealPath();
        Files.writeString(host.resolve("greeting"), "hello from host");
        Path output = dir.resolve("probe.out");
        String probe = Tracees.go("pathprobe") + " read:/panatrace-guest/greeting > " + output;

        String out = StandardOutput.of(RedirectPath::main, host.toString(), "/panatrace-guest",
                Tracees.busybox().toString(), "sh", "-c", probe);

        assertEquals("read:/panatrace-guest/greeting = ok \"hello from host\"\n", Files.readString(output));
        assertTrue(out.lines().anyMatch(line -> line.matches(
                "\\d+ openat /panatrace-guest/greeting -> " + host + "/greeting = \\d+")), out);
        assertEquals("exit 0", out.lines().toList().getLast(), out);
    }
}
