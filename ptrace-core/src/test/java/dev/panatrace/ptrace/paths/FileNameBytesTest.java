package dev.panatrace.ptrace.paths;

import static dev.panatrace.ptrace.paths.PathGenerators.bytes;
import static dev.panatrace.ptrace.paths.PathGenerators.show;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FileNameBytesTest {
    @TempDir
    Path temp;

    @Test
    void escapesSpacesBackslashesControlsAndNonAscii() {
        byte[] path = {'/', 'a', ' ', 'b', '\\', '\n', (byte) 0xff, '~', '!', 0x7f};
        assertEquals("/a\\x20b\\x5c\\x0a\\xff~!\\x7f", FileNameBytes.escape(path));
    }

    @Test
    void escapedBytesCanBeRecovered() {
        qt().forAll(PathGenerators.paths(300)).checkAssert(path -> {
            String escaped = FileNameBytes.escape(path);
            assertFalse(escaped.contains(" "), escaped);
            assertArrayEquals(path, unescape(escaped), show(path));
        });
    }

    @Test
    void keepsTheExactBytesOfANonUtf8Name() throws Exception {
        // Java cannot create this name itself: a String cannot hold the byte 0xff alone.
        Process mkdir = new ProcessBuilder("/bin/sh", "-c", "mkdir \"$(printf 'd\\377\\303\\251 x')\"")
                .directory(temp.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .start();
        assertEquals(0, mkdir.waitFor(), new String(mkdir.getInputStream().readAllBytes()));
        Path created;
        try (Stream<Path> entries = Files.list(temp)) {
            created = entries.findFirst().orElseThrow();
        }
        byte[] expected = PathGenerators.concat(FileNameBytes.of(temp.toRealPath()),
                new byte[] {'/', 'd', (byte) 0xff, (byte) 0xc3, (byte) 0xa9, ' ', 'x'});
        assertArrayEquals(expected, FileNameBytes.of(created.toRealPath()), show(FileNameBytes.of(created)));
    }

    @Test
    void namesNoTrailingSlashButTheRoot() {
        assertArrayEquals(bytes("/"), FileNameBytes.of(Path.of("/")));
        assertArrayEquals(bytes("/tmp"), FileNameBytes.of(Path.of("/tmp")));
        assertArrayEquals(bytes("/no/such/100%"), FileNameBytes.of(Path.of("/no/such/100%")));
        assertThrows(IllegalArgumentException.class, () -> FileNameBytes.of(Path.of("relative")));
    }

    private static byte[] unescape(String escaped) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < escaped.length(); i++) {
            if (escaped.startsWith("\\x", i)) {
                bytes.write(Integer.parseInt(escaped.substring(i + 2, i + 4), 16));
                i += 3;
            } else {
                bytes.write(escaped.charAt(i));
            }
        }
        return bytes.toByteArray();
    }
}
