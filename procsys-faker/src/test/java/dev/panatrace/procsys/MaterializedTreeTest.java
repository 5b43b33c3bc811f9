package dev.panatrace.procsys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class MaterializedTreeTest {
    @TempDir
    Path temp;

    private SysctlTree k3s() throws IOException {
        Path host = Files.createDirectory(temp.resolve("host"));
        return SysctlTree.builder()
                .profile(SysctlProfile.builtIn("k3s"))
                .hostRoot(host)
                .processors(4)
                .build();
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    private static Object inode(Path path) throws IOException {
        return Files.getAttribute(path, "unix:ino");
    }

    @Test
    void writesOneFilePerServedKeyInAPrivateDirectory() throws IOException {
        SysctlTree tree = k3s();
        Path dir = temp.resolve("procsys");
        try (MaterializedTree files = tree.materialize(dir)) {
            assertEquals(dir.toRealPath(), files.root());
            assertEquals("rwx------", mode(dir));
            assertEquals("1\n", Files.readString(dir.resolve("vm/overcommit_memory")));
            assertEquals("0\t2147483647\n", Files.readString(dir.resolve("net/ipv4/ping_group_range")));
            assertEquals("131072\n", Files.readString(dir.resolve("net/netfilter/nf_conntrack_max")));
            assertEquals(tree.read("kernel/random/boot_id").orElseThrow(),
                    Files.readString(dir.resolve("kernel/random/boot_id")));
            assertEquals("0\n", Files.readString(dir.resolve("net/ipv6/conf/all/disable_ipv6")));
            assertEquals("rw-r--r--", mode(dir.resolve("vm/overcommit_memory")));
            assertEquals("r--r--r--", mode(dir.resolve("kernel/random/boot_id")));
            for (SysctlKey key : tree.keys()) {
                if (!key.isPattern()) {
                    assertEquals(tree.read(key.path()).orElseThrow(), Files.readString(dir.resolve(key.path())), key.path());
                }
            }
            try (Stream<Path> all = Files.walk(dir)) {
                long regularFiles = all.filter(Files::isRegularFile).count();
                // Every exact key, plus disable_ipv6 in all/ and default/, which only the wildcard serves.
                assertEquals(tree.keys().stream().filter(key -> !key.isPattern()).count() + 2, regularFiles);
            }
        }
        assertFalse(Files.exists(dir));
    }

    @Test
    void successfulWritesReplaceTheFileWhole() throws IOException {
        SysctlTree tree = k3s();
        Path dir = temp.resolve("procsys");
        try (MaterializedTree files = tree.materialize(dir)) {
            Path file = files.root().resolve("net/netfilter/nf_conntrack_max");
            Object inode = inode(file);
            try (var before = Files.newInputStream(file)) {
                assertEquals(WriteResult.OK, tree.write("net.netfilter.nf_conntrack_max", "2147483647"));
                assertEquals("2147483647\n", Files.readString(file));
                // A new file, renamed into place: a reader that opened the old one never sees a mix.
                assertNotEquals(inode, inode(file));
                assertEquals(tree.read("net.netfilter.nf_conntrack_max").isPresent(), true);
                assertTrue(new String(before.readAllBytes()).matches("\\d+\n"));
            }
            assertEquals(WriteResult.OK, tree.write("net.netfilter.nf_conntrack_max", "7\n"));
            assertEquals("7\n", Files.readString(file));
            assertEquals(0, Files.list(dir.resolveSibling(dir.getFileName() + ".staging")).count(),
                    "nothing left in the staging directory");
            assertEquals(WriteResult.EINVAL, tree.write("net.netfilter.nf_conntrack_max", "seven"));
            assertEquals("7\n", Files.readString(file));

            assertEquals(WriteResult.OK, tree.write("net/ipv6/conf/eth0.100/disable_ipv6", "1"));
            assertEquals("1\n", Files.readString(dir.resolve("net/ipv6/conf/eth0.100/disable_ipv6")));
            assertEquals("1\n", Files.readString(dir.resolve("net/ipv6/conf/eth0.100/forwarding")));
        }
    }

    @Test
    void resolvesPathsToFilesAndBack() throws IOException {
        SysctlTree tree = k3s();
        Path dir = temp.resolve("procsys");
        try (MaterializedTree files = tree.materialize(dir)) {
            Path real = files.root();
            String overcommit = files.resolve("/proc/sys/vm/overcommit_memory");
            assertEquals(real.resolve("vm/overcommit_memory").toString(), overcommit);
            assertEquals(overcommit, files.resolve("vm/overcommit_memory"));
            assertEquals(real.toString(), files.resolve("/proc/sys"));
            assertEquals(real.resolve("net/ipv4/conf").toString(), files.resolve("/proc/sys/net/ipv4/conf"));
            assertEquals(Optional.of("/proc/sys/vm/overcommit_memory"), files.procPath(overcommit));
            assertEquals(Optional.of("/proc/sys"), files.procPath(real.toString()));
            assertEquals(Optional.of("/proc/sys/net/ipv4/conf"), files.procPath(real.resolve("net/ipv4/conf").toString()));
            assertEquals(Optional.of(SysctlKey.ofName("vm.overcommit_memory")), files.keyOf(Path.of(overcommit)));
            assertEquals(Optional.empty(), files.keyOf(real.resolve("net/ipv4")));
            assertEquals(Optional.empty(), files.procPath("/etc/passwd"));

            // Only a wildcard serves cni0: its directory and files appear on first use.
            Path cni0 = real.resolve("net/ipv6/conf/cni0");
            assertFalse(Files.exists(cni0));
            String disable = files.resolve("/proc/sys/net/ipv6/conf/cni0/disable_ipv6");
            assertEquals(cni0.resolve("disable_ipv6").toString(), disable);
            assertEquals("0\n", Files.readString(cni0.resolve("disable_ipv6")));
            assertEquals("1\n", Files.readString(cni0.resolve("forwarding")));
            assertEquals(Optional.of("/proc/sys/net/ipv6/conf/cni0/disable_ipv6"), files.procPath(disable));
            assertEquals(real.resolve("net/ipv4/conf/eth1").toString(), files.resolve("net/ipv4/conf/eth1"));
            assertEquals(List.of("forwarding"), list(real.resolve("net/ipv4/conf/eth1")));

            assertNull(files.resolve("/proc/sys/kernel/osrelease"));
            assertEquals(PathKind.HOST, tree.lookup("/proc/sys/kernel/osrelease"));
        }
    }

    @Test
    void hostBackedKeysAreRefreshedOnResolve() throws IOException {
        Path host = Files.createDirectory(temp.resolve("host"));
        Files.createDirectories(host.resolve("vm"));
        Files.writeString(host.resolve("vm/swappiness"), "60\n");
        SysctlTree tree = SysctlTree.builder()
                .hostRoot(host)
                .passthrough("vm/swappiness", Mode.READ_WRITE, Validator.integer())
                .build();
        try (MaterializedTree files = tree.materialize(temp.resolve("procsys"))) {
            Path file = Path.of(files.resolve("/proc/sys/vm/swappiness"));
            assertEquals("60\n", Files.readString(file));
            Files.writeString(host.resolve("vm/swappiness"), "30\n");
            files.resolve("/proc/sys/vm/swappiness");
            assertEquals("30\n", Files.readString(file));
            assertEquals(WriteResult.OK, tree.write("vm/swappiness", "5"));
            Files.writeString(host.resolve("vm/swappiness"), "31\n");
            files.resolve("/proc/sys/vm/swappiness");
            assertEquals("5\n", Files.readString(file));
        }
        assertEquals("31\n", Files.readString(host.resolve("vm/swappiness")));
    }

    @Test
    void refusesANonEmptyDirectoryAndASecondMaterialization() throws IOException {
        SysctlTree tree = k3s();
        Path busy = Files.createDirectory(temp.resolve("busy"));
        Files.writeString(busy.resolve("keep"), "x");
        assertThrows(DirectoryNotEmptyException.class, () -> tree.materialize(busy));
        assertEquals("x", Files.readString(busy.resolve("keep")));

        Path empty = Files.createDirectory(temp.resolve("empty"));
        Files.setPosixFilePermissions(empty, PosixFilePermissions.fromString("rwxr-xr-x"));
        MaterializedTree files = tree.materialize(empty);
        assertEquals("rwx------", mode(empty));
        assertThrows(IllegalStateException.class, () -> tree.materialize(temp.resolve("other")));
        files.close();
        files.close();
        assertFalse(Files.exists(empty));
        assertThrows(IllegalStateException.class, () -> files.resolve("vm/overcommit_memory"));
        assertEquals(WriteResult.OK, tree.write("vm/overcommit_memory", "2"));
        try (MaterializedTree again = tree.materialize(temp.resolve("again"))) {
            assertEquals("2\n", Files.readString(again.root().resolve("vm/overcommit_memory")));
        }
        assertTrue(Files.exists(busy.resolve("keep")));
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
