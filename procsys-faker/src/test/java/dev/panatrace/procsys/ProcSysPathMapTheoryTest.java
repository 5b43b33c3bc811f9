package dev.panatrace.procsys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.panatrace.ptrace.paths.LexicalResolver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Generated /proc/sys paths, absolute and relative to a served directory, with {@code .}, {@code ..} and
 * {@code //}: the map never leads outside the materialized tree, and where the kernel resolves the same
 * path in the real /proc/sys to a served key, the map leads to that key's file.
 */
@Timeout(60)
class ProcSysPathMapTheoryTest {
    private static final List<String> COMPONENTS = List.of("kernel", "vm", "panic", "pid_max", "overcommit_memory",
            "panic_on_oom", ".", "..", "", "sys", "proc");
    private static final List<String> DIRECTORIES = List.of("", "kernel", "vm");

    @TempDir
    Path temp;

    private SysctlTree tree;
    private MaterializedTree files;
    private ProcSysPathMap map;

    @BeforeEach
    void materialize() throws IOException {
        tree = SysctlTree.builder().profile(SysctlProfile.parse("paths.conf",
                "kernel.panic = 17\nkernel.pid_max = 99999\nvm.overcommit_memory = 2\nvm.panic_on_oom = 1\n"))
                .missing(Missing.ENOENT).build();
        files = tree.materialize(temp.resolve("tree"));
        map = new ProcSysPathMap(tree, files, null);
    }

    @AfterEach
    void close() throws IOException {
        files.close();
    }

    private static Gen<String> relativePaths() {
        // An empty first component would make the path absolute: it stands for "." there.
        return lists().of(Generate.pick(COMPONENTS)).ofSizeBetween(1, 7).map(parts -> String.join("/", parts))
                .map(path -> path.startsWith("/") || path.isEmpty() ? "." + path : path);
    }

    @Test
    void absolutePathsMapAsTheKernelResolvesThem() {
        qt().withExamples(3000).forAll(integers().between(0, DIRECTORIES.size() - 1), relativePaths())
                .checkAssert((directory, relative) -> {
                    String written = "/proc/sys/" + DIRECTORIES.get(directory) + "//" + relative;
                    check(written, LexicalResolver.normalize(bytes(written)));
                });
    }

    @Test
    void pathsRelativeToAServedDirectoryMapAsTheKernelResolvesThem() {
        qt().withExamples(3000).forAll(integers().between(0, DIRECTORIES.size() - 1), relativePaths())
                .checkAssert((directory, relative) -> {
                    // What the redirector does with a dirfd: the kernel names the materialized directory.
                    String served = files.resolve(DIRECTORIES.get(directory));
                    byte[] guestBase = map.toGuest(bytes(served)).orElseThrow();
                    assertEquals(("/proc/sys/" + DIRECTORIES.get(directory)).replaceAll("/$", ""),
                            new String(guestBase, StandardCharsets.US_ASCII));
                    check("/proc/sys/" + DIRECTORIES.get(directory) + "/" + relative,
                            LexicalResolver.resolve(guestBase, bytes(relative)));
                });
    }

    private void check(String written, byte[] guest) {
        map.begin("openat", false);
        int failure = map.failure(guest);
        Optional<byte[]> host = map.toHost(guest);
        String root = files.root().toString();
        host.ifPresent(path -> {
            String mapped = new String(LexicalResolver.normalize(path), StandardCharsets.US_ASCII);
            assertTrue(mapped.equals(root) || mapped.equals(root + "/") || mapped.startsWith(root + "/"),
                    written + " left the tree: " + mapped);
        });
        Optional<Path> kernel = kernelResolution(written);
        if (kernel.isEmpty() || !kernel.get().startsWith("/proc/sys")) {
            // Outside /proc/sys nothing is mapped; where the kernel fails (a key followed by ..) the lexical
            // reading may differ, as documented by the redirector.
            if (kernel.isPresent()) {
                assertTrue(host.isEmpty() && failure == 0, written + " is outside /proc/sys");
            }
            return;
        }
        String key = kernel.get().equals(Path.of("/proc/sys")) ? "" : Path.of("/proc/sys").relativize(kernel.get()).toString();
        PathKind kind = tree.lookup(key);
        if (kind == PathKind.NOT_FOUND) {
            assertEquals(2, failure, written + " is not served");
            return;
        }
        assertEquals(0, failure, written);
        assertEquals(files.resolve(key), new String(host.orElseThrow(), StandardCharsets.US_ASCII).replaceAll("/$", ""),
                written + " is " + key + " for the kernel");
        if (kind == PathKind.KEY) {
            try {
                assertEquals(tree.read(key).orElseThrow(), Files.readString(Path.of(files.resolve(key))));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
    }

    /** Where the kernel's lookup of the path in the real /proc/sys ends, if it succeeds. */
    private static Optional<Path> kernelResolution(String path) {
        try {
            return Optional.of(Path.of(path).toRealPath());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
