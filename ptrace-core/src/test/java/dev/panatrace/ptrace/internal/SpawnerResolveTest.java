package dev.panatrace.ptrace.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.panatrace.ptrace.CommandNotExecutableException;
import dev.panatrace.ptrace.CommandNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Telling "command not found" from other spawn failures: the execvp search rules. */
@Timeout(30)
class SpawnerResolveTest {
    @TempDir
    Path temp;

    @Test
    void searchesPathEntriesInOrderSkippingWhatCannotRun() throws IOException {
        Path first = Files.createDirectories(temp.resolve("first"));
        Path second = Files.createDirectories(temp.resolve("second"));
        Path third = Files.createDirectories(temp.resolve("third"));
        Files.createDirectory(first.resolve("tool"));
        file(second.resolve("tool"), "rw-r--r--");
        Path runnable = file(third.resolve("tool"), "rwxr-xr-x");
        file(temp.resolve("fourth-tool"), "rwxr-xr-x");
        String path = first + ":" + second + ":" + third;

        assertEquals(Optional.of(runnable), resolve("tool", path, temp));
        // execvp fails with EACCES when it found the name but nothing it could run: a shell says 126.
        assertEquals("tool: Permission denied", notExecutable("tool", first + ":" + second, temp));
        assertEquals(Optional.empty(), resolve("tool", first.toString(), temp));
    }

    @Test
    void aNamedFileThatCannotRunIsNotExecutableRatherThanMissing() throws IOException {
        file(temp.resolve("data"), "rw-r--r--");
        Files.createDirectory(temp.resolve("dir"));

        assertEquals("./data: Permission denied", notExecutable("./data", "", temp));
        assertEquals("./dir: Is a directory", notExecutable("./dir", "", temp));
        assertEquals(Optional.empty(), resolve("./nothing", "", temp));
    }

    @Test
    void anEmptyOrRelativePathEntryMeansTheWorkingDirectory() throws IOException {
        Path here = file(temp.resolve("tool"), "rwxr-xr-x");
        Path sub = file(Files.createDirectories(temp.resolve("sub")).resolve("tool"), "rwxr-xr-x");

        assertEquals(Optional.of(here.normalize()), resolve("tool", "/nonexistent:", temp).map(Path::normalize));
        assertEquals(Optional.of(sub), resolve("tool", "sub", temp));
    }

    @Test
    void aNameWithASlashIsAPathAndIsNotSearched() throws IOException {
        Path tool = file(Files.createDirectories(temp.resolve("bin")).resolve("tool"), "rwxr-xr-x");

        assertEquals(Optional.of(tool), resolve("bin/tool", "/nonexistent", temp));
        assertEquals(Optional.of(tool), resolve(tool.toString(), "", Path.of("/")));
        assertEquals(Optional.empty(), resolve("./tool", temp.resolve("bin").toString(), temp));
        assertEquals(Optional.empty(), resolve("", temp.resolve("bin").toString(), temp));
    }

    /** The file found, or empty when the command is not found. */
    private static Optional<Path> resolve(String name, String path, Path directory) {
        try {
            return Optional.of(Spawner.resolve(name, Map.of("PATH", path), directory));
        } catch (CommandNotFoundException e) {
            return Optional.empty();
        }
    }

    /** The message of the failure for a file found that cannot be executed. */
    private static String notExecutable(String name, String path, Path directory) {
        return assertThrows(CommandNotExecutableException.class,
                () -> Spawner.resolve(name, Map.of("PATH", path), directory)).getMessage();
    }

    private static Path file(Path path, String permissions) throws IOException {
        Files.writeString(path, "#!/bin/sh\n");
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
        return path;
    }
}
