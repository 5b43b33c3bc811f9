package dev.panatrace.procsys;

import java.util.ArrayList;
import java.util.List;

/**
 * The mode and validator of kernel keys that profiles set, taken from the kernel's sysctl tables
 * (the {@code proc_handler}, {@code extra1}/{@code extra2} bounds and file mode of each key). A plain
 * sysctl.conf line has neither, so a profile takes them from here; a key not listed is read-write text.
 */
final class KernelKeys {
    /** The mode and validator of the keys a pattern matches. */
    record Spec(KeyPattern pattern, Mode mode, Validator validator) {}

    static final Spec UNLISTED = new Spec(null, Mode.READ_WRITE, Validator.text());

    private static final Validator BOOLEAN = Validator.integerRange(0, 1);
    private static final Validator NON_NEGATIVE = Validator.integerRange(0, Integer.MAX_VALUE);

    private static final List<Spec> SPECS = specs();

    private KernelKeys() {}

    private static List<Spec> specs() {
        List<Spec> specs = new ArrayList<>();
        rw(specs, "vm/overcommit_memory", Validator.integerRange(0, 2));
        rw(specs, "vm/panic_on_oom", Validator.integerRange(0, 2));
        rw(specs, "vm/max_map_count", NON_NEGATIVE);
        rw(specs, "kernel/panic", Validator.integer());
        rw(specs, "kernel/panic_on_oops", Validator.integer());
        rw(specs, "kernel/keys/root_maxkeys", NON_NEGATIVE);
        rw(specs, "kernel/keys/root_maxbytes", NON_NEGATIVE);
        // 301 is RESERVED_PIDS + 1; 4194304 is PID_MAX_LIMIT on 64-bit kernels.
        rw(specs, "kernel/pid_max", Validator.integerRange(301, 4194304));
        specs.add(new Spec(pattern("kernel/random/boot_id"), Mode.READ_ONLY, Validator.text()));
        rw(specs, "fs/inotify/max_user_instances", NON_NEGATIVE);
        rw(specs, "fs/inotify/max_user_watches", NON_NEGATIVE);
        rw(specs, "net/ipv4/conf/*/forwarding", BOOLEAN);
        rw(specs, "net/ipv4/conf/*/route_localnet", BOOLEAN);
        rw(specs, "net/ipv4/conf/*/rp_filter", Validator.integerRange(0, 2));
        rw(specs, "net/ipv4/ip_forward", BOOLEAN);
        rw(specs, "net/ipv4/ip_unprivileged_port_start", Validator.integerRange(0, 65535));
        rw(specs, "net/ipv4/ip_local_port_range", Validator.integerVector(2, 1, 65535));
        rw(specs, "net/ipv4/ping_group_range", Validator.integerVector(2, 0, Integer.MAX_VALUE));
        rw(specs, "net/ipv6/conf/*/forwarding", BOOLEAN);
        rw(specs, "net/ipv6/conf/*/disable_ipv6", BOOLEAN);
        rw(specs, "net/core/devconf_inherit_init_net", Validator.integerRange(0, 3));
        rw(specs, "net/bridge/bridge-nf-call-arptables", BOOLEAN);
        rw(specs, "net/bridge/bridge-nf-call-iptables", BOOLEAN);
        rw(specs, "net/bridge/bridge-nf-call-ip6tables", BOOLEAN);
        rw(specs, "net/netfilter/nf_conntrack_max", NON_NEGATIVE);
        rw(specs, "net/netfilter/nf_conntrack_tcp_be_liberal", BOOLEAN);
        for (String timeout : List.of("tcp_timeout_established", "tcp_timeout_close_wait", "udp_timeout",
                "udp_timeout_stream")) {
            rw(specs, "net/netfilter/nf_conntrack_" + timeout, NON_NEGATIVE);
        }
        specs.sort((a, b) -> KeyPattern.MOST_SPECIFIC_FIRST.compare(a.pattern(), b.pattern()));
        return List.copyOf(specs);
    }

    private static void rw(List<Spec> specs, String path, Validator validator) {
        specs.add(new Spec(pattern(path), Mode.READ_WRITE, validator));
    }

    private static KeyPattern pattern(String path) {
        return new KeyPattern(new SysctlKey(path));
    }

    /** The spec of a key or pattern, or {@link #UNLISTED}. */
    static Spec find(KeyPattern key) {
        for (Spec spec : SPECS) {
            if (spec.pattern().covers(key)) {
                return spec;
            }
        }
        return UNLISTED;
    }

    /** Every listed key and pattern. */
    static List<Spec> all() {
        return SPECS;
    }
}
