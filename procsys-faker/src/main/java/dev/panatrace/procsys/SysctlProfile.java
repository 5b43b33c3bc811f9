package dev.panatrace.procsys;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Values for sysctl keys, in sysctl.conf(5) syntax, to build a {@link SysctlTree} from.
 *
 * <h2>Syntax</h2>
 * <pre>
 * # a comment
 * ; a comment too
 * vm.overcommit_memory = 1
 * net/ipv4/ip_forward=1
 * net.ipv4.ping_group_range = 0 2147483647
 * net.ipv6.conf.*.disable_ipv6 = 0
 * -net.ipv4.conf.all.rp_filter = 0
 * kernel.random.boot_id = ${boot_id}
 * </pre>
 * One {@code key = value} per line; whitespace around the key, the {@code =} and the value is ignored,
 * whitespace inside the value is kept. Lines whose first non-blank character is {@code #} or {@code ;}
 * are comments (a {@code #} after a value is part of the value); blank lines are ignored. A {@code *}
 * component makes a wildcard key that serves every key with any one name in its place, such as every
 * interface's {@code disable_ipv6}. A {@code -} before the key marks a line whose failure is skipped.
 * A key is a dotted sysctl name or a path, told apart as {@link SysctlKey#parse(String)} does. A later
 * line for the same key replaces the earlier value.
 *
 * <h2>Modes and validators</h2>
 * A sysctl.conf line has no mode and no type, so they come from a built-in table of kernel keys that
 * records, for each key the kernel defines and profiles are expected to set, what the kernel enforces:
 * {@code vm.overcommit_memory} and {@code vm.panic_on_oom} are integers in 0..2, {@code kernel.panic} an
 * integer, forwarding, {@code route_localnet}, {@code ip_forward}, {@code disable_ipv6} and
 * {@code bridge-nf-call-*} integers in 0..1, {@code ping_group_range} two integers,
 * {@code kernel.random.boot_id} read-only text, and so on. Every value is checked against its key's
 * validator when the profile is parsed and stored normalized (see {@link Validator}). A key the table
 * does not list is read-write text.
 *
 * <h2>Computed values</h2>
 * A value written {@code ${name}} is computed when a tree is built from the profile:
 * <ul>
 *   <li>{@code ${boot_id}}: a random UUID, drawn once per tree;
 *   <li>{@code ${nf_conntrack_max}}: max(32768 × CPUs, 131072), CPUs as
 *       {@link SysctlTree.Builder#processors(int)} says;
 *   <li>{@code ${host}}: no stored value, the host's value at read time (a passthrough key).
 * </ul>
 * Any other value of the form {@code ${...}} is an error.
 *
 * <h2>Errors</h2>
 * A line fails if it has no {@code =}, its key is malformed, its key would be both a key and a
 * directory (such as {@code net.ipv4.conf = 1}, or a key below another key), its value fails the
 * key's validator, or it names an unknown computed value. A failing line whose key starts with
 * {@code -} is skipped; any other refuses the whole profile with a {@link ProfileException}. The same
 * holds for {@link #withOverrides(List)}. Profiles are immutable, so a refused profile or override
 * changes nothing.
 *
 * <p>Built-in profiles are resources named {@code <name>.conf} beside this class; {@code k3s} serves
 * every key k3s, kubelet, kube-proxy, flannel and the CNI plugins need.
 */
public final class SysctlProfile {
    /** The name a built-in profile is loaded by: {@code k3s}. */
    public static final String K3S = "k3s";

    private static final List<String> BUILT_IN = List.of(K3S);
    private static final String OVERRIDE_SOURCE = "--sysctl";

    /**
     * One accepted line.
     *
     * @param key the key or pattern
     * @param value the normalized value, or a {@code ${name}} token for a computed value
     * @param source the file, built-in resource, or {@code --sysctl} the line comes from
     * @param line its line number, or the position of the override
     */
    public record Setting(SysctlKey key, String value, String source, int line) {}

    private final String source;
    private final List<Setting> settings;

    private SysctlProfile(String source, List<Setting> settings) {
        this.source = source;
        this.settings = List.copyOf(settings);
    }

    /**
     * Parses a profile file.
     *
     * @param file a sysctl.conf file, UTF-8
     * @return the profile
     * @throws IOException if the file cannot be read
     * @throws ProfileException if a line is bad; the message names the file as given
     */
    public static SysctlProfile load(Path file) throws IOException {
        return parse(file.toString(), Files.readString(file));
    }

    /**
     * Parses profile text.
     *
     * @param source what error messages call the text, such as a file name
     * @param text sysctl.conf lines
     * @return the profile
     * @throws ProfileException if a line is bad
     */
    public static SysctlProfile parse(String source, String text) {
        Map<String, Setting> accepted = new LinkedHashMap<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            accept(accepted, line, source, i + 1);
        }
        return new SysctlProfile(source, List.copyOf(accepted.values()));
    }

    /**
     * A built-in profile.
     *
     * @param name such as {@link #K3S}
     * @return the profile, parsed from the resource {@code <name>.conf}
     * @throws IllegalArgumentException naming the built-in profiles if there is none of that name
     */
    public static SysctlProfile builtIn(String name) {
        if (!BUILT_IN.contains(name)) {
            throw new IllegalArgumentException("no built-in profile \"" + name + "\" (built in: "
                    + String.join(", ", BUILT_IN) + ")");
        }
        String resource = name + ".conf";
        try (InputStream in = SysctlProfile.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("resource " + resource + " is missing from the procsys-faker jar");
            }
            return parse(resource, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + resource, e);
        }
    }

    /**
     * The names {@link #builtIn(String)} accepts.
     *
     * @return such as {@code [k3s]}
     */
    public static List<String> builtInNames() {
        return BUILT_IN;
    }

    /**
     * This profile with {@code --sysctl KEY=VALUE} overrides on top, each checked like a profile line.
     *
     * @param assignments such as {@code vm.panic_on_oom=1}; a leading {@code -} makes a failing one skipped
     * @return a new profile; this one is unchanged
     * @throws ProfileException for the first bad override, with source {@code --sysctl} and its position
     */
    public SysctlProfile withOverrides(List<String> assignments) {
        Map<String, Setting> accepted = new LinkedHashMap<>();
        for (Setting setting : settings) {
            accepted.put(setting.key().path(), setting);
        }
        for (int i = 0; i < assignments.size(); i++) {
            accept(accepted, assignments.get(i).strip(), OVERRIDE_SOURCE, i + 1);
        }
        return new SysctlProfile(source, List.copyOf(accepted.values()));
    }

    /**
     * The accepted lines in the order of first appearance, one per key, each with its latest value.
     *
     * @return the settings
     */
    public List<Setting> settings() {
        return settings;
    }

    /**
     * Where the profile was loaded from.
     *
     * @return the file as given or the built-in resource name, such as {@code k3s.conf}
     */
    public String source() {
        return source;
    }

    /** Adds the setting on a non-blank, non-comment line, or throws; a failing line marked {@code -} is skipped. */
    private static void accept(Map<String, Setting> accepted, String line, String source, int number) {
        boolean skipIfFailing = line.startsWith("-");
        String assignment = skipIfFailing ? line.substring(1) : line;
        try {
            Setting setting = setting(assignment, source, number, accepted);
            accepted.put(setting.key().path(), setting);
        } catch (IllegalArgumentException e) {
            if (!skipIfFailing) {
                throw new ProfileException(source, number, e.getMessage());
            }
        }
    }

    private static Setting setting(String assignment, String source, int number, Map<String, Setting> accepted) {
        int equals = assignment.indexOf('=');
        if (equals < 0) {
            throw new IllegalArgumentException("expected \"key = value\", found \"" + assignment + "\"");
        }
        String keyText = assignment.substring(0, equals).strip();
        String value = assignment.substring(equals + 1).strip();
        if (keyText.isEmpty()) {
            throw new IllegalArgumentException("no key before '='");
        }
        KeyPattern key = new KeyPattern(SysctlKey.parse(keyText));
        checkShape(key, accepted);
        Validator validator = KernelKeys.find(key).validator();
        if (ComputedValue.isToken(value)) {
            ComputedValue computed = ComputedValue.ofToken(value);
            if (computed.sample != null && validator.normalize(computed.sample) == null) {
                throw invalidValue(value, key, validator);
            }
            return new Setting(key.key, value, source, number);
        }
        String normalized = validator.normalize(value);
        if (normalized == null) {
            throw invalidValue(value, key, validator);
        }
        return new Setting(key.key, normalized, source, number);
    }

    private static IllegalArgumentException invalidValue(String value, KeyPattern key, Validator validator) {
        return new IllegalArgumentException("invalid value \"" + value + "\" for " + key.key.name()
                + ": expected " + validator.description());
    }

    /** Refuses a key that would be a directory of, or lie below, a kernel key or a key set before. */
    private static void checkShape(KeyPattern key, Map<String, Setting> accepted) {
        for (KernelKeys.Spec spec : KernelKeys.all()) {
            checkShape(key, spec.pattern());
        }
        for (Setting setting : accepted.values()) {
            checkShape(key, new KeyPattern(setting.key()));
        }
    }

    static void checkShape(KeyPattern key, KeyPattern other) {
        if (key.isAbove(other)) {
            throw new IllegalArgumentException(key.key.name() + " is a directory holding keys such as "
                    + other.key.name() + ", not a key");
        }
        if (other.isAbove(key)) {
            throw new IllegalArgumentException(key.key.name() + " would lie below the key "
                    + other.key.name() + ", which is not a directory");
        }
    }
}
