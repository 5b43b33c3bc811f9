package dev.panatrace.procsys;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.panatrace.ptrace.Arch;
import dev.panatrace.ptrace.Registers;
import dev.panatrace.ptrace.Tracee;
import dev.panatrace.ptrace.TraceeLocal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Which file under /proc a path a thread passed names, as the tracer reaches it. */
@Timeout(10)
class ProcPathsTest {
    private static final Pattern LINKS = Pattern.compile("fd/[0-9]+|cwd");
    private static final Pattern TABLES = Pattern.compile("mountinfo|mounts");
    /** Thread 1235 of process 1234, as the tracer numbers them. */
    private static final Tracee THREAD = new NumberedThread(1235, 1234);

    @Test
    void selfIsTheProcessAndThreadSelfTheThread() {
        assertEquals(Optional.of(Path.of("/proc/1234/fd/3")), file("/proc/self/fd/3", LINKS));
        assertEquals(Optional.of(Path.of("/proc/1234/task/1235/cwd")), file("/proc/thread-self/cwd", LINKS));
        assertEquals(Optional.of(Path.of("/proc/1234/mountinfo")), file("/proc/self/mountinfo", TABLES));
    }

    @Test
    void numbersAreReadInTheThreadsPidNamespace() {
        assertEquals(Optional.of(Path.of("/proc/1235/root/proc/1/fd/3")), file("/proc/1/fd/3", LINKS));
        assertEquals(Optional.of(Path.of("/proc/1235/root/proc/7/task/8/mounts")), file("/proc/7/task/8/mounts", TABLES));
    }

    @Test
    void devFdAndProcMountsAreLinksIntoSelf() {
        assertEquals(Optional.of(Path.of("/proc/1234/fd/0")), file("/dev/fd/0", LINKS));
        assertEquals(Optional.of(Path.of("/proc/1234/mounts")), file("/proc/mounts", TABLES));
    }

    @Test
    void pathsAreNormalizedLexicallyAndOnlyAbsoluteOnesCount() {
        assertEquals(Optional.of(Path.of("/proc/1234/fd/3")), file("/proc//self/./fd/3", LINKS));
        assertEquals(Optional.empty(), file("proc/self/fd/3", LINKS));
        assertEquals(Optional.empty(), file("fd/3", LINKS));
    }

    @Test
    void otherFilesAreNotNamed() {
        assertEquals(Optional.empty(), file("/proc/self/fd", LINKS));
        assertEquals(Optional.empty(), file("/proc/self/fdinfo/3", LINKS));
        assertEquals(Optional.empty(), file("/proc/self/mountstats", TABLES));
        assertEquals(Optional.empty(), file("/proc/sys/kernel/panic", TABLES));
        assertEquals(Optional.empty(), file("/proc/net/mounts", TABLES));
        assertEquals(Optional.empty(), file("/dev/mounts", TABLES));
    }

    private static Optional<Path> file(String path, Pattern files) {
        return ProcPaths.processFile(THREAD, path.getBytes(StandardCharsets.US_ASCII), files);
    }

    /** A thread that has numbers and nothing else. */
    private record NumberedThread(int tid, int pid) implements Tracee {
        @Override
        public Arch arch() {
            return Arch.X86_64;
        }

        @Override
        public Registers registers() {
            throw new UnsupportedOperationException();
        }

        @Override
        public byte[] read(long address, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public byte[] readCString(long address, int maxLength) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void write(long address, byte[] bytes) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <T> T get(TraceeLocal<T> local) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <T> void set(TraceeLocal<T> local, T value) {
            throw new UnsupportedOperationException();
        }
    }
}
