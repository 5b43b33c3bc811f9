package dev.panatrace.ptrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed tables are what the generator makes from this machine's kernel headers. The
 * generator runs exactly as its header comment documents, as a single-file program, so the test
 * also proves that command works.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GeneratedTablesTest {
    private static final String GENERATOR = "ptrace-core/src/build/java/GenerateTables.java";
    private static final String TABLES = "ptrace-core/src/main/java/dev/panatrace/ptrace/internal/tables";
    private static final List<String> HEADERS = List.of(
            "/usr/include/x86_64-linux-gnu/asm/unistd_64.h",
            "/usr/include/asm-generic/unistd.h",
            "/usr/include/asm-generic/errno-base.h",
            "/usr/include/asm-generic/errno.h");
    private static final List<String> GENERATED = List.of(
            "Aarch64Syscalls.java", "ErrnoNames.java", "X86_64Syscalls.java");

    @Test
    void committedTablesMatchTheGeneratorOutput(@TempDir Path out) throws IOException, InterruptedException {
        List<String> missing = HEADERS.stream().filter(h -> !Files.isRegularFile(Path.of(h))).toList();
        assumeTrue(missing.isEmpty(),
                "kernel UAPI headers absent (install the Debian package linux-libc-dev): " + missing);
        String repoProperty = System.getProperty("panatrace.repo");
        assertNotNull(repoProperty, "system property panatrace.repo (the repository root) is not set");
        Path repo = Path.of(repoProperty);

        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process generator = new ProcessBuilder(java.toString(), GENERATOR, "--out", out.toString())
                .directory(repo.toFile())
                .redirectErrorStream(true)
                .start();
        generator.getOutputStream().close();
        String output = new String(generator.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(generator.waitFor(60, TimeUnit.SECONDS), "generator did not finish");
        assertEquals(0, generator.exitValue(), "generator failed:\n" + output);

        assertEquals(GENERATED, fileNames(out), "files the generator writes");
        Path committed = repo.resolve(TABLES);
        for (String file : GENERATED) {
            Path fresh = out.resolve(file);
            Path inRepo = committed.resolve(file);
            if (Files.mismatch(fresh, inRepo) != -1L) {
                fail(TABLES + "/" + file + " is stale (" + firstDifference(fresh, inRepo) + "): run `java "
                        + GENERATOR + "` from the repository root and commit the result");
            }
        }
    }

    private static String firstDifference(Path expected, Path actual) throws IOException {
        List<String> want = Files.readAllLines(expected, StandardCharsets.UTF_8);
        List<String> have = Files.readAllLines(actual, StandardCharsets.UTF_8);
        for (int i = 0; i < Math.max(want.size(), have.size()); i++) {
            String w = i < want.size() ? want.get(i) : "<end of file>";
            String h = i < have.size() ? have.get(i) : "<end of file>";
            if (!w.equals(h)) {
                return "line " + (i + 1) + " is \"" + h + "\", the generator writes \"" + w + "\"";
            }
        }
        return "same lines, different line endings or trailing newline";
    }

    private static List<String> fileNames(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
