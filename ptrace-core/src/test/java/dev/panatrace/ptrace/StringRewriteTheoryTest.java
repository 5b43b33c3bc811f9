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
import java.util.ArrayList;
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

    /**
     * One thread (pathprobe's) reads keys and makes symlinks in a generated order, and the handler puts in
     * paths from a pool of 24 (16 short, on the scratch shelf of 16; 8 longer than a shelf entry) and a new
     * link path for each symlink: strings already in place are reused, others evict, and a symlink's two
     * strings must not evict each other. Every read must see its file, every link its target.
     */
    @Test
    void aThreadAlternatingBetweenManyReplacementsGetsEachOne() throws Exception {
        Path pool = Files.createDirectories(tmp.resolve("pool"));
        Path longDirectory = Files.createDirectories(pool.resolve("d".repeat(250)));
        List<byte[]> paths = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            Path file = (i % 3 == 2 ? longDirectory : pool).resolve("key" + i);
            Files.writeString(file, "value" + i);
            paths.add(file.toString().getBytes(StandardCharsets.UTF_8));
        }
        Gen<List<Integer>> operations = lists().of(integers().between(0, 2 * 24 * 24 - 1)).ofSizeBetween(1, 60);
        qt().withExamples(30).withShrinkCycles(10).forAll(operations)
                .checkAssert(ops -> readsAndLinksArrive(paths, longDirectory, ops));
    }

    /** Runs pathprobe: op {@code k < 24*24} reads key {@code k % 24}; others link key k % 24's path under a name. */
    private void readsAndLinksArrive(List<byte[]> paths, Path longDirectory, List<Integer> ops) {
        try {
            Path links = Files.createTempDirectory(tmp, "links");
            List<String> probes = new ArrayList<>();
            StringBuilder expected = new StringBuilder();
            List<Path> linkFiles = new ArrayList<>();
            for (int op : ops) {
                int key = op % 24;
                if (op < 24 * 24) {
                    probes.add("read:/panatrace-key/" + key);
                    expected.append("read:/panatrace-key/").append(key).append(" = ok \"value").append(key).append("\"\n");
                } else {
                    // Every third link lies below the long directory: its path leaves the shelf for a position.
                    int n = linkFiles.size();
                    linkFiles.add(((op / 24) % 3 == 0 ? longDirectory : links).resolve(links.getFileName() + "-" + n));
                    String probe = "symlink:/panatrace-key/" + key + ":/panatrace-link/" + n;
                    probes.add(probe);
                    expected.append(probe).append(" = ok\n");
                }
            }
            TraceHandler handler = new TraceHandler() {
                @Override
                public SyscallSet syscalls() {
                    return SyscallSet.of("openat", "symlinkat");
                }

                @Override
                public boolean usesScratchMemory() {
                    return true;
                }

                @Override
                public EntryAction onSyscallEntry(Syscall call) {
                    if (call.name().equals("openat")) {
                        replaceKey(call, 1);
                    } else {
                        replaceKey(call, 0);
                        String link = new String(call.readString(2), StandardCharsets.UTF_8);
                        if (link.startsWith("/panatrace-link/")) {
                            int n = Integer.parseInt(link.substring("/panatrace-link/".length()));
                            call.replaceString(2, linkFiles.get(n).toString().getBytes(StandardCharsets.UTF_8));
                        }
                    }
                    return EntryAction.CONTINUE;
                }

                private void replaceKey(Syscall call, int index) {
                    String path = new String(call.readString(index), StandardCharsets.UTF_8);
                    if (path.startsWith("/panatrace-key/")) {
                        call.replaceString(index, paths.get(Integer.parseInt(path.substring("/panatrace-key/".length()))));
                    }
                }
            };
            Path out = links.resolve("out");
            List<String> command = new ArrayList<>(List.of(Tracees.go("pathprobe").toString()));
            command.addAll(probes);
            try (TraceSession session = Tracer.builder().handler(handler).stdout(out).spawn(command)) {
                assertEquals(Optional.of(ExitStatus.exited(0)), session.waitFor());
            }
            assertEquals(expected.toString(), Files.readString(out), "probes " + probes);
            for (int i = 0, n = 0; i < ops.size(); i++) {
                if (ops.get(i) >= 24 * 24) {
                    Path link = linkFiles.get(n++);
                    assertArrayEquals(paths.get(ops.get(i) % 24),
                            Files.readSymbolicLink(link).toString().getBytes(StandardCharsets.UTF_8), "link " + link);
                    Files.delete(link);
                }
            }
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
