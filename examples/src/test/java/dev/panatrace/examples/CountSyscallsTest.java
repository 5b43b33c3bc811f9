package dev.panatrace.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panatrace.ptrace.testing.Tracees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class CountSyscallsTest {
    @Test
    void countsTheOpensOfThreeFiles(@TempDir Path dir) throws Exception {
        Tracees.assumePtraceAllowed();
        Path file = Files.writeString(dir.resolve("f"), "x");
        String busybox = Tracees.busybox().toString();

        String out = StandardOutput.of(CountSyscalls::main, busybox, "cat", file.toString(), file.toString(),
                file.toString());

        List<String> lines = out.lines().toList();
        assertEquals("exit 0", lines.getLast(), out);
        Map<String, Integer> counts = lines.subList(0, lines.size() - 1).stream()
                .map(line -> line.split(" "))
                .collect(Collectors.toMap(fields -> fields[0], fields -> Integer.parseInt(fields[1])));
        assertEquals(1, counts.get("exit_group"), out);
        int opens = counts.getOrDefault("open", 0) + counts.getOrDefault("openat", 0);
        assertTrue(opens >= 3, out);
        assertTrue(counts.keySet().stream().allMatch(name -> name.matches("[a-z0-9_]+")), out);
    }
}
