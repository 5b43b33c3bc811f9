package dev.panatrace.ptrace.paths;

import static dev.panatrace.ptrace.paths.PathGenerators.bytes;
import static dev.panatrace.ptrace.paths.PathGenerators.concat;
import static dev.panatrace.ptrace.paths.PathGenerators.show;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.lists;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LexicalResolverTest {
    private static final int PATH_MAX = 4096;

    @Test
    void resolvesLikeTheExamples() {
        String[][] cases = {
            // directory, path, resolved
            {"/proc/sys/kernel", "ostype", "/proc/sys/kernel/ostype"},
            {"/proc/sys/kernel", "../kernel/ostype", "/proc/sys/kernel/ostype"},
            {"/proc/sys/kernel", "../../sys/kernel/ostype", "/proc/sys/kernel/ostype"},
            {"/proc/sys/kernel", "../../../../../etc", "/etc"},
            {"/", "..", "/"},
            {"/a", "/b//c/./d/", "/b/c/d/"},
            {"/a", "b/.", "/a/b/"},
            {"/a", "b/..", "/a/"},
            {"/a", ".", "/a/"},
            {"/a/", "b", "/a/b"},
            {"/a", ".../b", "/a/.../b"},
            {"/a", "..b/.c", "/a/..b/.c"},
            {"/x", "///", "/"},
            {"/x", "/..", "/"},
            {"/x", "/../..//a", "/a"},
        };
        for (String[] c : cases) {
            assertEquals(c[2], text(LexicalResolver.resolve(bytes(c[0]), bytes(c[1]))), c[0] + " + " + c[1]);
        }
    }

    @Test
    void normalizeNeedsAnAbsolutePathAndResolveAnAbsoluteDirectory() {
        assertThrows(IllegalArgumentException.class, () -> LexicalResolver.normalize(bytes("a/b")));
        assertThrows(IllegalArgumentException.class, () -> LexicalResolver.normalize(new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> LexicalResolver.resolve(bytes("a"), bytes("b")));
        assertArrayEquals(bytes("/b"), LexicalResolver.resolve(bytes("relative, ignored"), bytes("/b")));
    }

    @Test
    void agreesWithJavaNioOnAsciiPaths() {
        // A reference that works differently: java.nio splits into names and drops ".." at the root.
        Gen<String> component = Generate.pick(List.of("", ".", "..", "a", "b", "...", ".a", "a.", "..a"));
        Gen<List<String>> components = lists().of(component)
                .ofSizeBetween(1, 12);
        qt().forAll(components, components).checkAssert((directoryNames, pathNames) -> {
            String directory = "/" + String.join("/", directoryNames);
            String path = String.join("/", pathNames);
            String resolved = text(LexicalResolver.resolve(bytes(directory), bytes(path)));
            String expected = Path.of(directory).resolve(path).normalize().toString();
            String last = pathNames.getLast();
            boolean namesADirectory = last.isEmpty() || last.equals(".") || last.equals("..");
            String expectedWithSlash = namesADirectory && !expected.equals("/") ? expected + "/" : expected;
            assertEquals(expectedWithSlash, resolved, directory + " + " + path);
        });
    }

    @Test
    void resultsAreAbsoluteWithoutDotsOrEmptyComponents() {
        qt().forAll(PathGenerators.paths(PATH_MAX - 1)).checkAssert(path -> {
            byte[] resolved = LexicalResolver.resolve(bytes("/base/dir"), path);
            assertTrue(LexicalResolver.isAbsolute(resolved), show(resolved));
            List<String> names = components(resolved);
            for (int i = 0; i < names.size(); i++) {
                String name = names.get(i);
                boolean trailingSlash = i == names.size() - 1 && name.isEmpty();
                assertTrue(trailingSlash || !(name.isEmpty() || name.equals(".") || name.equals("..")),
                        show(path) + " resolved to " + show(resolved));
            }
        });
    }

    @Test
    void resolvingIsIdempotent() {
        qt().forAll(PathGenerators.paths(PATH_MAX - 1), PathGenerators.normalizedPaths(64))
                .checkAssert((path, directory) -> {
                    byte[] resolved = LexicalResolver.resolve(directory, path);
                    assertArrayEquals(resolved, LexicalResolver.normalize(resolved), show(resolved));
                    assertArrayEquals(resolved, LexicalResolver.resolve(bytes("/elsewhere"), resolved), show(resolved));
                });
    }

    @Test
    void aRelativePathIsTheDirectoryJoinedWithIt() {
        Gen<byte[]> relativePaths = PathGenerators.paths(PATH_MAX - 2)
                .map(path -> LexicalResolver.isAbsolute(path) ? concat(bytes("a"), path) : path);
        qt().forAll(relativePaths, PathGenerators.normalizedPaths(64))
                .checkAssert((path, directory) -> assertArrayEquals(
                        LexicalResolver.normalize(concat(concat(directory, bytes("/")), path)),
                        LexicalResolver.resolve(directory, path), show(directory) + " + " + show(path)));
    }

    @Test
    void keepsATrailingSlashExactlyWhenThePathNamesADirectory() {
        qt().forAll(PathGenerators.paths(PATH_MAX - 1)).checkAssert(path -> {
            byte[] resolved = LexicalResolver.resolve(bytes("/base"), path);
            List<String> names = components(path);
            String last = names.getLast();
            boolean namesADirectory = last.isEmpty() || last.equals(".") || last.equals("..");
            boolean endsWithSlash = resolved[resolved.length - 1] == '/';
            assertEquals(namesADirectory || resolved.length == 1, endsWithSlash,
                    show(path) + " resolved to " + show(resolved));
        });
    }

    @Test
    void aPathAlreadyNormalIsReturnedItselfAndAnyOtherIsRebuilt() {
        Gen<byte[]> absolutePaths = PathGenerators.paths(PATH_MAX - 2)
                .map(path -> LexicalResolver.isAbsolute(path) ? path : concat(bytes("/"), path));
        qt().forAll(absolutePaths).checkAssert(path -> {
            // The same path relative to the root goes through the component-by-component rebuild.
            byte[] rebuilt = LexicalResolver.resolve(bytes("/"), Arrays.copyOfRange(path, 1, path.length));
            byte[] normalized = LexicalResolver.normalize(path);
            assertArrayEquals(rebuilt, normalized, show(path));
            assertEquals(Arrays.equals(rebuilt, path), normalized == path, show(path));
        });
        byte[] normal = bytes("/proc/sys/kernel/ostype");
        assertSame(normal, LexicalResolver.normalize(normal));
    }

    @Test
    void nonUtf8BytesPassThroughUnchanged() {
        byte[] name = {'/', 'd', (byte) 0xff, '/', (byte) 0xc3, '/', '.', '.', '/', (byte) 0xe9, 0x01, '/', '.'};
        assertArrayEquals(new byte[] {'/', 'd', (byte) 0xff, '/', (byte) 0xe9, 0x01, '/'},
                LexicalResolver.normalize(name));
    }

    /** The components of {@code path} as ISO-8859-1 text: one per byte, so bytes survive. */
    private static List<String> components(byte[] path) {
        List<String> names = new ArrayList<>(List.of(text(path).split("/", -1)));
        if (LexicalResolver.isAbsolute(path)) {
            names.removeFirst();
        }
        return names;
    }

    private static String text(byte[] path) {
        return new String(path, StandardCharsets.ISO_8859_1);
    }
}
