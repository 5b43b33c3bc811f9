package dev.panatrace.ptrace;

import dev.panatrace.ptrace.testing.Tracees;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * Each {@link MemoryAccess} way, forced, reads and writes a tracee's memory byte for byte: across a page
 * boundary, at any alignment, up to an unmapped page (EFAULT, as the kernel's own), and after an exec. The
 * tracee (Go {@code memwindow}) offers two pages of known bytes followed by an unmapped page, and prints
 * the two pages after the handler's writes, so the test compares what the tracee itself sees.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TraceeMemoryTest {
    private static final int PAGE = 4096;

    @TempDir
    Path tmp;

    @BeforeAll
    static void needPtrace() {
        Tracees.assumePtraceAllowed();
    }

    @ParameterizedTest
    @EnumSource(MemoryAccess.class)
    void readsAndWritesAcrossAPageBoundaryAreByteExact(MemoryAccess way) throws Exception {
        byte[] expected = initialWindow();
        List<Throwable> failures = new ArrayList<>();
        byte[] printed = runWindow(way, failures, (tracee, base) -> {
            // Reads: across the boundary, unaligned, one byte, a whole page.
            assertArrayEquals(Arrays.copyOfRange(expected, PAGE - 13, PAGE + 37), tracee.read(base + PAGE - 13, 50));
            assertArrayEquals(Arrays.copyOfRange(expected, 5, 6), tracee.read(base + 5, 1));
            assertArrayEquals(Arrays.copyOfRange(expected, PAGE, 2 * PAGE), tracee.read(base + PAGE, PAGE));
            // Writes: a partial word on each side of the boundary, and one that ends the mapping.
            write(tracee, base, expected, PAGE - 3, "across".getBytes(StandardCharsets.US_ASCII));
            write(tracee, base, expected, 1, new byte[] {(byte) 0xff});
            write(tracee, base, expected, 2 * PAGE - 5, new byte[] {1, 2, 3, 4, 5});
            assertArrayEquals(Arrays.copyOfRange(expected, PAGE - 8, PAGE + 8), tracee.read(base + PAGE - 8, 16));
            // A C string that runs over the boundary; one too long for its maximum.
            write(tracee, base, expected, PAGE - 4, new byte[] {'a', 'b', 'c', 'd', 'e', 'f', 0});
            assertArrayEquals("abcdef".getBytes(StandardCharsets.US_ASCII), tracee.readCString(base + PAGE - 4, 100));
            assertNull(tracee.readCString(base + PAGE - 4, 3));
        });
        assertEquals(List.of(), failures);
        assertArrayEquals(expected, printed);
    }

    @ParameterizedTest
    @EnumSource(MemoryAccess.class)
    void unmappedAddressesAreEfault(MemoryAccess way) throws Exception {
        List<Throwable> failures = new ArrayList<>();
        byte[] expected = initialWindow();
        byte[] printed = runWindow(way, failures, (tracee, base) -> {
            long unmapped = base + 2 * PAGE;
            assertEquals(Errno.EFAULT, assertThrows(ErrnoException.class, () -> tracee.read(unmapped, 8)).errno());
            assertEquals(Errno.EFAULT, assertThrows(ErrnoException.class, () -> tracee.read(unmapped - 4, 8)).errno());
            assertEquals(Errno.EFAULT, assertThrows(ErrnoException.class, () -> tracee.write(unmapped, new byte[3])).errno());
            assertEquals(Errno.EFAULT, assertThrows(ErrnoException.class, () -> tracee.readCString(unmapped, 10)).errno());
            // A string whose NUL would lie past the mapping.
            byte[] noNul = new byte[4];
            Arrays.fill(noNul, (byte) 'x');
            write(tracee, base, expected, 2 * PAGE - 4, noNul);
            assertEquals(Errno.EFAULT, assertThrows(ErrnoException.class,
                    () -> tracee.readCString(unmapped - 4, 100)).errno());
        });
        assertEquals(List.of(), failures);
        assertArrayEquals(expected, printed);
    }

    /** Random writes anywhere in the two pages, then random reads, against a model of the bytes. */
    @Test
    void randomWritesAndReadsMatchAModelOfTheWindowForEveryWay() {
        qt().withExamples(6).withShrinkCycles(3)
                .forAll(longs().all(), integers().between(0, MemoryAccess.values().length - 1))
                .checkAssert((seed, wayIndex) -> {
                    try {
                        randomOperations(MemoryAccess.values()[wayIndex], new Random(seed));
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
    }

    private void randomOperations(MemoryAccess way, Random random) throws Exception {
        byte[] expected = initialWindow();
        List<Throwable> failures = new ArrayList<>();
        byte[] printed = runWindow(way, failures, (tracee, base) -> {
            for (int i = 0; i < 200; i++) {
                int offset = random.nextInt(2 * PAGE);
                int length = 1 + random.nextInt(Math.min(2 * PAGE - offset, 300));
                switch (random.nextInt(3)) {
                    case 0 -> {
                        byte[] bytes = new byte[length];
                        random.nextBytes(bytes);
                        write(tracee, base, expected, offset, bytes);
                    }
                    case 1 -> assertArrayEquals(Arrays.copyOfRange(expected, offset, offset + length),
                            tracee.read(base + offset, length), "read of " + length + " at " + offset);
                    default -> {
                        int max = random.nextInt(2 * PAGE + 100);
                        assertCString(expected, offset, max, () -> tracee.readCString(base + offset, max));
                    }
                }
            }
        });
        assertEquals(List.of(), failures);
        assertArrayEquals(expected, printed, "with " + way);
    }

    /**
     * A C string as the model has it: the bytes up to the NUL; null when more than {@code max} come first;
     * EFAULT when the window ends first.
     */
    private static void assertCString(byte[] window, int offset, int max, StringRead read) {
        String what = "string of at most " + max + " at " + offset;
        for (int i = offset; i < window.length && i <= offset + max; i++) {
            if (window[i] == 0) {
                assertArrayEquals(Arrays.copyOfRange(window, offset, i), read.execute(), what);
                return;
            }
        }
        if (offset + max < window.length) {
            assertNull(read.execute(), what);
        } else {
            assertEquals(Errno.EFAULT, assertThrows(ErrnoException.class, read::execute, what).errno());
        }
    }

    @FunctionalInterface
    private interface StringRead {
        byte[] execute();
    }

    /**
     * /proc/PID/mem is opened once per process; an exec gives the process new memory, which the old
     * descriptor cannot reach. A shell reads its exec's path, then the program it became has its symlink
     * target replaced: that needs the file opened again.
     */
    @ParameterizedTest
    @EnumSource(MemoryAccess.class)
    void aProcessThatExecsIsReadAndWrittenAfterwards(MemoryAccess way) throws Exception {
        String busybox = Tracees.busybox().toString();
        Path link = tmp.resolve("link");
        Path out = tmp.resolve("out");
        byte[] placeholder = "placeholder".getBytes(StandardCharsets.US_ASCII);
        List<String> execPaths = new ArrayList<>();
        TraceHandler handler = new TraceHandler() {
            @Override
            public SyscallSet syscalls() {
                return SyscallSet.of("execve", "symlink", "symlinkat");
            }

            @Override
            public boolean usesScratchMemory() {
                return true;
            }

            @Override
            public EntryAction onSyscallEntry(Syscall call) {
                if (call.name().equals("execve")) {
                    execPaths.add(new String(call.readString(0), StandardCharsets.UTF_8));
                } else if (Arrays.equals(call.readString(0), placeholder)) {
                    call.replaceString(0, "replaced-after-exec".getBytes(StandardCharsets.US_ASCII));
                }
                return EntryAction.CONTINUE;
            }
        };
        try (TraceSession session = Tracer.builder().handler(handler).memoryAccess(way).stdout(out)
                .spawn(List.of(busybox, "sh", "-c", "exec " + busybox + " ln -s placeholder " + link))) {
            assertEquals(Optional.of(ExitStatus.exited(0)), session.waitFor());
        }
        assertTrue(execPaths.contains(busybox), "execve paths read: " + execPaths);
        assertEquals("replaced-after-exec", Files.readSymbolicLink(link).toString());
    }

    /** Runs memwindow under {@code way}; {@code atStop} gets the tracee and the window's address. */
    private byte[] runWindow(MemoryAccess way, List<Throwable> failures, WindowAction atStop) throws Exception {
        Path out = Files.createTempFile(tmp, "window", ".hex");
        TraceHandler handler = new TraceHandler() {
            @Override
            public SyscallSet syscalls() {
                return SyscallSet.of("madvise");
            }

            @Override
            public EntryAction onSyscallEntry(Syscall call) {
                if (call.arg(1) == 2 * PAGE) {
                    try {
                        atStop.accept(call.tracee(), call.arg(0));
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                }
                return EntryAction.CONTINUE;
            }
        };
        try (TraceSession session = Tracer.builder().handler(handler).memoryAccess(way).stdout(out)
                .spawn(List.of(Tracees.go("memwindow").toString()))) {
            assertEquals(Optional.of(ExitStatus.exited(0)), session.waitFor());
            // The forced way, or where this kernel refuses it (gVisor), a later one: never an earlier one.
            assertTrue(session.memoryReads().compareTo(way) >= 0, "reads took " + session.memoryReads());
            assertTrue(session.memoryWrites().compareTo(way) >= 0, "writes took " + session.memoryWrites());
        }
        return HexFormat.of().parseHex(Files.readString(out).strip());
    }

    private static void write(Tracee tracee, long base, byte[] model, int offset, byte[] bytes) {
        tracee.write(base + offset, bytes);
        System.arraycopy(bytes, 0, model, offset, bytes.length);
    }

    private static byte[] initialWindow() {
        byte[] window = new byte[2 * PAGE];
        for (int i = 0; i < window.length; i++) {
            window[i] = (byte) (7 * i + 3);
        }
        return window;
    }

    @FunctionalInterface
    private interface WindowAction {
        void accept(Tracee tracee, long base);
    }
}
