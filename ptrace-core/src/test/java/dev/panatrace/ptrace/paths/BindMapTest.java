package dev.panatrace.ptrace.paths;

import static dev.panatrace.ptrace.paths.PathGenerators.bytes;
import static dev.panatrace.ptrace.paths.PathGenerators.concat;
import static dev.panatrace.ptrace.paths.PathGenerators.show;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BindMapTest {
    private static final BindMap PROC_SYS = BindMap.builder()
            .bind(Path.of("/tmp/fake-sys"), Path.of("/proc/sys"))
            .build();

    @Test
    void mapsWholeComponentsOnly() {
        assertEquals("/tmp/fake-sys", toHost(PROC_SYS, "/proc/sys"));
        assertEquals("/tmp/fake-sys/", toHost(PROC_SYS, "/proc/sys/"));
        assertEquals("/tmp/fake-sys/kernel/ostype", toHost(PROC_SYS, "/proc/sys/kernel/ostype"));
        assertEquals(null, toHost(PROC_SYS, "/proc/sysrq-trigger"));
        assertEquals(null, toHost(PROC_SYS, "/proc/sy"));
        assertEquals(null, toHost(PROC_SYS, "/proc"));
        assertEquals(null, toHost(PROC_SYS, "/"));
    }

    @Test
    void theLongestGuestWinsWhateverTheOrder() {
        for (boolean longestFirst : new boolean[] {true, false}) {
            BindMap.Builder builder = BindMap.builder();
            if (longestFirst) {
                builder.bind(bytes("/h2"), bytes("/a/b"));
            }
            builder.bind(bytes("/h1"), bytes("/a"));
            if (!longestFirst) {
                builder.bind(bytes("/h2"), bytes("/a/b"));
            }
            BindMap binds = builder.build();
            assertEquals("/h2/c", toHost(binds, "/a/b/c"));
            assertEquals("/h2", toHost(binds, "/a/b"));
            assertEquals("/h1/bc", toHost(binds, "/a/bc"));
            assertEquals("/h1", toHost(binds, "/a"));
            assertEquals("/a/b/c", toGuest(binds, "/h2/c"));
            assertEquals("/a/bc", toGuest(binds, "/h1/bc"));
        }
    }

    @Test
    void rootCanBeAGuestOrAHost() {
        BindMap everything = BindMap.builder().bind(bytes("/srv/root"), bytes("/")).build();
        assertEquals("/srv/root/etc/hostname", toHost(everything, "/etc/hostname"));
        assertEquals("/srv/root/", toHost(everything, "/"));
        assertEquals("/etc", toGuest(everything, "/srv/root/etc"));
        assertEquals("/", toGuest(everything, "/srv/root"));
        assertEquals(null, toGuest(everything, "/srv/rooted"));

        BindMap hostRoot = BindMap.builder().bind(bytes("/"), bytes("/mnt/host")).build();
        assertEquals("/etc", toHost(hostRoot, "/mnt/host/etc"));
        assertEquals("/", toHost(hostRoot, "/mnt/host"));
        assertEquals("/mnt/host/etc", toGuest(hostRoot, "/etc"));
    }

    @Test
    void bindsAreNormalizedAndChecked() {
        BindMap binds = BindMap.builder().bind(bytes("/tmp//x/./y/"), bytes("/proc/sys/../sys/")).build();
        assertEquals("/tmp/x/y/kernel", toHost(binds, "/proc/sys/kernel"));
        assertThrows(IllegalArgumentException.class, () -> BindMap.builder().bind(bytes("tmp"), bytes("/g")));
        assertThrows(IllegalArgumentException.class, () -> BindMap.builder().bind(bytes("/tmp"), bytes("g")));
        assertThrows(IllegalArgumentException.class, () -> BindMap.builder().bind(Path.of("tmp"), Path.of("/g")));
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> BindMap.builder()
                .bind(bytes("/h1"), bytes("/g")).bind(bytes("/h2"), bytes("/g/")).build());
        assertEquals("GUEST /g is bound twice", twice.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BindMap.builder()
                .bind(bytes("/h"), bytes("/g1")).bind(bytes("/h/sub"), bytes("/g2")).build());
        assertThrows(IllegalArgumentException.class, () -> BindMap.builder()
                .bind(bytes("/h"), bytes("/g1")).bind(bytes("/h"), bytes("/g2")).build());
        // Siblings sharing a name prefix do not overlap.
        BindMap siblings = BindMap.builder().bind(bytes("/h"), bytes("/g1")).bind(bytes("/hh"), bytes("/g2")).build();
        assertEquals("/g2/x", toGuest(siblings, "/hh/x"));
    }

    @Test
    void bindsTakeTheExactBytesOfNonUtf8Paths() {
        byte[] host = {'/', 't', (byte) 0xff, (byte) 0xc3};
        BindMap binds = BindMap.builder().bind(host, bytes("/proc/sys")).build();
        assertArrayEquals(concat(host, bytes("/kernel")), binds.toHost(bytes("/proc/sys/kernel")).orElseThrow());
        assertEquals("BindMap[/t\\xff\\xc3:/proc/sys]", binds.toString());
    }

    @Test
    void pathsUnderAGuestMapIntoItsHostAndBack() {
        qt().forAll(PathGenerators.normalizedPaths(64), PathGenerators.normalizedPaths(64),
                        PathGenerators.normalizedPaths(4000))
                .checkAssert((guest, host, rest) -> {
                    BindMap binds = BindMap.builder().bind(host, guest).build();
                    // rest is normalized on its own, so no ".." in it can climb out of guest.
                    byte[] guestPath = LexicalResolver.normalize(concat(guest, rest));
                    byte[] hostPath = binds.toHost(guestPath).orElseThrow(
                            () -> new AssertionError(show(guestPath) + " is in " + show(guest)));
                    assertTrue(within(host, hostPath),
                            show(guestPath) + " mapped to " + show(hostPath) + ", outside " + show(host));
                    assertArrayEquals(guestPath, binds.toGuest(hostPath).orElseThrow(), show(hostPath));
                });
    }

    @Test
    void mapsExactlyThePathsWithinTheGuest() {
        // Paths that start with the guest's bytes: inside it, or siblings such as /proc/sysrq-trigger.
        qt().forAll(PathGenerators.normalizedPaths(64), PathGenerators.paths(4000))
                .checkAssert((guest, tail) -> {
                    BindMap binds = BindMap.builder().bind(bytes("/host"), guest).build();
                    byte[] path = LexicalResolver.normalize(concat(stripSlash(guest), tail));
                    Optional<byte[]> mapped = binds.toHost(path);
                    assertEquals(within(guest, path), mapped.isPresent(), show(path) + " in " + show(guest));
                    mapped.ifPresent(hostPath -> assertTrue(within(bytes("/host"), hostPath), show(hostPath)));
                });
    }

    @Test
    void eachPathMapsThroughItsLongestGuest() {
        // Two guests, one inside the other; hosts side by side so neither lies in the other.
        qt().forAll(PathGenerators.normalizedPaths(16), PathGenerators.normalizedPaths(16),
                        PathGenerators.normalizedPaths(200))
                .checkAssert((outer, innerRest, rest) -> {
                    byte[] inner = stripSlash(LexicalResolver.normalize(concat(outer, innerRest)));
                    byte[] outerGuest = stripSlash(outer);
                    BindMap.Builder builder = BindMap.builder().bind(bytes("/host/outer"), outerGuest);
                    if (!Arrays.equals(inner, outerGuest)) {
                        builder.bind(bytes("/host/inner"), inner);
                    }
                    BindMap binds = builder.build();
                    byte[] path = LexicalResolver.normalize(concat(inner, rest));
                    byte[] mapped = binds.toHost(path).orElseThrow();
                    byte[] expectedHost = Arrays.equals(inner, outerGuest) ? bytes("/host/outer") : bytes("/host/inner");
                    assertTrue(within(expectedHost, mapped), show(path) + " -> " + show(mapped));
                    assertArrayEquals(path, binds.toGuest(mapped).orElseThrow());
                });
    }

    /** Whether {@code path} is {@code directory} or below it, by whole components. */
    private static boolean within(byte[] directory, byte[] path) {
        byte[] prefix = stripSlash(directory);
        if (prefix.length == 1) {
            return true;
        }
        return path.length >= prefix.length && Arrays.equals(path, 0, prefix.length, prefix, 0, prefix.length)
                && (path.length == prefix.length || path[prefix.length] == '/');
    }

    private static byte[] stripSlash(byte[] path) {
        return path.length > 1 && path[path.length - 1] == '/' ? Arrays.copyOf(path, path.length - 1) : path;
    }

    private static String toHost(BindMap binds, String guestPath) {
        return binds.toHost(bytes(guestPath)).map(b -> new String(b, StandardCharsets.ISO_8859_1)).orElse(null);
    }

    private static String toGuest(BindMap binds, String hostPath) {
        return binds.toGuest(bytes(hostPath)).map(b -> new String(b, StandardCharsets.ISO_8859_1)).orElse(null);
    }
}
