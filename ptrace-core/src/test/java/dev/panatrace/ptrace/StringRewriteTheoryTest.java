package dev.panatrace.ptrace;

import dev.panatrace.ptrace.testing.Tracees;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.quicktheories.core.Gen;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

/**
 * Strings placed by {@link Syscall#replaceString} reach the kernel byte for byte: the tracee creates a
 * symlink whose target the handler replaces with arbitrary bytes (any but NUL, not necessarily UTF-8,
 * 1 to PATH_MAX-1 long), then reads the link back; the kernel stores a symlink target verbatim.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class StringRewriteTheoryTest {
    private static final byte[] PLACEHOLDER = "panatrace-placeholder".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    @BeforeAll
    static void needPtrace() {
        Tracees.assumePtraceAllowed();
    }

    @Test
    void arbitraryReplacementStringsArriveByteExact() {
        Gen<byte[]> strings = lists().of(integers().between(1, 255)).ofSizeBetween(1, Syscall.PATH_MAX - 1)
                .map(StringRewriteTheoryTest::toBytes);
        qt().withExamples(40).withShrinkCycles(20).forAll(strings).checkAssert(this::symlinkTargetArrivesExact);
    }

    @Test
    void boundaryLengthsArriveByteExact() {
        for (int length : new int[] {1, 255, 256, 4095}) {
            byte[] target = new byte[length];
            Arrays.fill(target, (byte) 0xff);
            target[0] = 'x';
            symlinkTargetArrivesExact(target);
        }
    }

    @Test
    void aReplacementOfPathMaxBytesIsRefused() {
        TraceHandler tooLong = handlerReplacingWith(new byte[Syscall.PATH_MAX]);
        try {
            // The handler's IllegalArgumentException leaves the syscall unchanged: the placeholder is linked.
            assertArrayEquals(withNewline(PLACEHOLDER), runLinkAndReadBack(tooLong));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private void symlinkTargetArrivesExact(byte[] target) {
        try {
            assertArrayEquals(withNewline(target), runLinkAndReadBack(handlerReplacingWith(target)),
                    "a " + target.length + "-byte target");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static TraceHandler handlerReplacingWith(byte[] target) {
        return new TraceHandler() {
            @Override
            public SyscallSet syscalls() {
                return SyscallSet.of("symlink", "symlinkat");
            }

            @Override
            public boolean usesScratchMemory() {
                return true;
            }

            @Override
            public EntryAction onSyscallEntry(Syscall call) {
                if (Arrays.equals(call.readString(0), PLACEHOLDER)) {
                    call.replaceString(0, target);
                }
                return EntryAction.CONTINUE;
            }
        };
    }

    private byte[] runLinkAndReadBack(TraceHandler handler) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "case");
        Path out = dir.resolve("out");
        String busybox = Tracees.busybox().toString();
        String link = dir.resolve("link").toString();
        try (TraceSession session = Tracer.builder().handler(handler).stdout(out).spawn(List.of(busybox, "sh", "-c",
                busybox + " ln -s " + new String(PLACEHOLDER, StandardCharsets.US_ASCII) + " " + link
                        + " && " + busybox + " readlink " + link))) {
            assertEquals(Optional.of(ExitStatus.exited(0)), session.waitFor());
        }
        return Files.readAllBytes(out);
    }

    private static byte[] withNewline(byte[] bytes) {
        byte[] line = Arrays.copyOf(bytes, bytes.length + 1);
        line[bytes.length] = '\n';
        return line;
    }

    private static byte[] toBytes(List<Integer> values) {
        byte[] bytes = new byte[values.size()];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (int) values.get(i);
        }
        return bytes;
    }
}
