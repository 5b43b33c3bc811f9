package dev.panatrace.procsys;

import java.util.Arrays;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * A value a profile cannot write down literally, written as {@code ${name}} in place of the value;
 * see {@link SysctlProfile}. It is computed when a {@link SysctlTree} is built from the profile.
 */
enum ComputedValue {
    /** A random UUID, drawn once per tree, like the kernel's boot id. */
    BOOT_ID("boot_id", "00000000-0000-0000-0000-000000000000"),
    /** max(32768 × CPUs, 131072): what kube-proxy and k3s set nf_conntrack_max to. */
    NF_CONNTRACK_MAX("nf_conntrack_max", "131072"),
    /** No stored value: the host's value shows through, read at read time. */
    HOST("host", null);

    private static final String KNOWN = Arrays.stream(values())
            .map(ComputedValue::token)
            .collect(Collectors.joining(", "));

    private final String name;
    /** A value of the kind computed, to check the key's validator at parse time; null for HOST. */
    final String sample;

    ComputedValue(String name, String sample) {
        this.name = name;
        this.sample = sample;
    }

    String token() {
        return "${" + name + "}";
    }

    /** Whether the value is written as {@code ${...}}, i.e. names a computed value. */
    static boolean isToken(String value) {
        return value.startsWith("${") && value.endsWith("}");
    }

    /**
     * The computed value a {@code ${name}} token names.
     *
     * @throws IllegalArgumentException naming the known tokens if the name is unknown
     */
    static ComputedValue ofToken(String token) {
        for (ComputedValue value : values()) {
            if (value.token().equals(token)) {
                return value;
            }
        }
        throw new IllegalArgumentException("unknown computed value " + token + " (known: " + KNOWN + ")");
    }

    /** The value for a tree on a machine with {@code processors} CPUs, or null for {@link #HOST}. */
    String compute(int processors) {
        return switch (this) {
            case BOOT_ID -> UUID.randomUUID().toString();
            case NF_CONNTRACK_MAX -> Long.toString(Math.min(Integer.MAX_VALUE, Math.max(32768L * processors, 131072L)));
            case HOST -> null;
        };
    }
}
