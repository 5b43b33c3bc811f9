package dev.panatrace.procsys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The built-in profile against the key table of shared/design/k3s-sandbox-facts.md. */
@Timeout(30)
class K3sProfileTest {
    @TempDir
    Path emptyHost;

    /** The table's keys and values, except boot_id and nf_conntrack_max, which are computed. */
    private static Map<String, String> factsTable() {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("vm/overcommit_memory", "1");
        keys.put("vm/panic_on_oom", "0");
        keys.put("kernel/panic", "10");
        keys.put("kernel/panic_on_oops", "1");
        keys.put("kernel/keys/root_maxkeys", "1000000");
        keys.put("kernel/keys/root_maxbytes", "25000000");
        keys.put("kernel/pid_max", "4194304");
        keys.put("net/ipv4/conf/all/route_localnet", "1");
        keys.put("net/netfilter/nf_conntrack_tcp_timeout_established", "86400");
        keys.put("net/netfilter/nf_conntrack_tcp_timeout_close_wait", "3600");
        keys.put("net/netfilter/nf_conntrack_tcp_be_liberal", "1");
        keys.put("net/netfilter/nf_conntrack_udp_timeout", "30");
        keys.put("net/netfilter/nf_conntrack_udp_timeout_stream", "120");
        keys.put("net/ipv4/conf/all/forwarding", "1");
        keys.put("net/ipv4/conf/default/forwarding", "1");
        keys.put("net/ipv4/ip_forward", "1");
        keys.put("net/ipv4/conf/all/rp_filter", "0");
        keys.put("net/ipv4/conf/default/rp_filter", "0");
        keys.put("net/bridge/bridge-nf-call-iptables", "1");
        keys.put("net/bridge/bridge-nf-call-ip6tables", "1");
        keys.put("net/ipv6/conf/all/forwarding", "1");
        keys.put("net/ipv6/conf/default/forwarding", "1");
        keys.put("net/ipv6/conf/all/disable_ipv6", "0");
        keys.put("net/ipv6/conf/default/disable_ipv6", "0");
        keys.put("net/ipv6/conf/eth0/disable_ipv6", "0");
        keys.put("net/ipv6/conf/cni0/disable_ipv6", "0");
        keys.put("net/core/devconf_inherit_init_net", "1");
        keys.put("net/ipv4/ip_unprivileged_port_start", "0");
        keys.put("net/ipv4/ping_group_range", "0\t2147483647");
        return keys;
    }

    private SysctlTree k3s(int processors) {
        // ENOENT and an empty host: every value read comes from the profile, none from this machine.
        return SysctlTree.builder()
                .profile(SysctlProfile.builtIn(SysctlProfile.K3S))
                .missing(Missing.ENOENT)
                .hostRoot(emptyHost)
                .processors(processors)
                .build();
    }

    @Test
    void servesEveryKeyOfTheTableWithItsValue() {
        SysctlTree tree = k3s(2);
        factsTable().forEach((path, value) -> {
            assertEquals(PathKind.KEY, tree.lookup(SysctlKey.PROC_SYS_SLASH + path), path);
            assertEquals(Optional.of(value + "\n"), tree.read(path), path);
        });
    }

    @Test
    void nfConntrackMaxIsComputedFromTheCpuCount() {
        assertEquals(Optional.of("131072\n"), k3s(1).read("net.netfilter.nf_conntrack_max"));
        assertEquals(Optional.of("131072\n"), k3s(4).read("net.netfilter.nf_conntrack_max"));
        assertEquals(Optional.of("163840\n"), k3s(5).read("net.netfilter.nf_conntrack_max"));
        assertEquals(Optional.of("2097152\n"), k3s(64).read("net.netfilter.nf_conntrack_max"));
        long expected = Math.max(32768L * Runtime.getRuntime().availableProcessors(), 131072L);
        SysctlTree byDefault = SysctlTree.builder().profile(SysctlProfile.builtIn("k3s")).hostRoot(emptyHost).build();
        assertEquals(Optional.of(expected + "\n"), byDefault.read("net.netfilter.nf_conntrack_max"));
    }

    @Test
    void bootIdIsAReadOnlyUuidStablePerTree() {
        SysctlTree tree = k3s(1);
        String bootId = tree.read("kernel/random/boot_id").orElseThrow();
        assertTrue(bootId.endsWith("\n"));
        UUID.fromString(bootId.strip());
        assertEquals(Optional.of(bootId), tree.read("/proc/sys/kernel/random/boot_id"));
        assertEquals(WriteResult.EACCES, tree.write("kernel/random/boot_id", UUID.randomUUID().toString()));
        assertEquals(Optional.of(bootId), tree.read("kernel/random/boot_id"));
        assertNotEquals(Optional.of(bootId), k3s(1).read("kernel/random/boot_id"));
    }

    @Test
    void writesThatK3sMakesAreAccepted() {
        SysctlTree tree = k3s(2);
        assertEquals(WriteResult.OK, tree.write("vm/overcommit_memory", "1"));
        assertEquals(WriteResult.OK, tree.write("net/netfilter/nf_conntrack_max", "524288"));
        assertEquals(WriteResult.OK, tree.write("net/ipv4/ping_group_range", "0 2147483647"));
        assertEquals(WriteResult.OK, tree.write("net/ipv6/conf/eth0/disable_ipv6", "0\n"));
        assertEquals(WriteResult.EINVAL, tree.write("net/ipv4/ip_forward", "yes"));
        assertEquals(Optional.of("524288\n"), tree.read("net.netfilter.nf_conntrack_max"));
    }
}
