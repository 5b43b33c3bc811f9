package dev.panatrace.procsys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A virtual /proc/sys: sysctl keys with values, modes and validators, served to traced processes.
 *
 * <h2>Rules</h2>
 * A tree is built from rules, usually a {@link SysctlProfile}:
 * <pre>{@code
 * SysctlTree tree = SysctlTree.builder()
 *         .profile(SysctlProfile.builtIn("k3s").withOverrides(List.of("vm.panic_on_oom=1")))
 *         .missing(Missing.ENOENT)
 *         .build();
 * tree.read("vm.overcommit_memory");                // Optional["1\n"]
 * tree.write("/proc/sys/vm/overcommit_memory", "7"); // EINVAL
 * }</pre>
 * A rule serves one key, or, if a component is {@code *}, every key with any one name in its place
 * ({@code net/ipv6/conf/*}{@code /disable_ipv6} serves {@code net/ipv6/conf/eth0/disable_ipv6}). A
 * rule for the exact key wins over a wildcard; among wildcards, the one with a literal component
 * where the other has {@code *} earlier wins. A key matched by a wildcard gets its own stored value
 * once written; the other keys the wildcard matches keep the rule's value. A rule's value is stored,
 * or is the host's (a passthrough rule): the host's file under the host root is read at every read
 * until the key is written; writes are stored in the tree and never reach the host. A key no rule
 * serves follows the {@link Missing} policy.
 *
 * <h2>Kernel-like semantics</h2>
 * {@link #read(String)} returns the value and a newline. {@link #write(String, String)} takes what a
 * process would write to the file: the validator parses it as the kernel would (so {@code 1},
 * {@code 1\n} and {@code " 1 "} all store {@code 1}, and int vectors are stored tab-separated) and the
 * result says which errno the kernel would have returned: {@code EACCES} for a read-only key,
 * {@code EINVAL} for a refused value, which leaves the stored value unchanged.
 *
 * <h2>Threads</h2>
 * All methods may be called from any thread. {@link #lookup(String)} allocates nothing and takes no
 * lock: it is meant for a tracer thread that classifies every intercepted path. A value is one
 * immutable string published atomically, so a reader sees some complete written value, never a torn
 * one; writes are serialized by the tree's lock, which also covers updating the materialized file.
 *
 * <h2>Paths</h2>
 * Methods taking a {@code path} accept a normalized path relative to /proc/sys ({@code vm/overcommit_memory},
 * {@code ""} for the root) or absolute under it ({@code /proc/sys/vm/overcommit_memory}): no {@code .},
 * {@code ..}, doubled or trailing {@code /}. Methods taking a {@code key} also accept a dotted sysctl
 * name, told apart as {@link SysctlKey#parse(String)} does.
 */
public final class SysctlTree {
    private static final int ROOT = -1;

    /** Exact and written keys by relative path, and the same by absolute path, so lookups never build a string. */
    private final Map<String, Entry> exact = new ConcurrentHashMap<>();
    private final Map<String, Entry> exactAbsolute = new ConcurrentHashMap<>();
    /** Every directory above an entry, relative and absolute. */
    private final Set<String> directories = ConcurrentHashMap.newKeySet();
    private final Set<String> directoriesAbsolute = ConcurrentHashMap.newKeySet();
    /** Wildcard rules, most specific first. */
    private final Rule[] wildcards;
    private final Missing missing;
    private final Path hostRoot;
    private final Map<String, Activity> activity = new ConcurrentHashMap<>();
    /** Serializes writes and every change to the materialized files. */
    final ReentrantLock lock = new ReentrantLock();
    /** Guarded by {@link #lock}. */
    private MaterializedTree materialized;

    private SysctlTree(List<Rule> rules, Missing missing, Path hostRoot) {
        this.missing = missing;
        this.hostRoot = hostRoot;
        List<Rule> wildcardRules = new ArrayList<>();
        for (Rule rule : rules) {
            if (rule.pattern.wildcard) {
                wildcardRules.add(rule);
            } else {
                register(new Entry(rule.key(), rule, rule.initial));
            }
        }
        wildcardRules.sort((a, b) -> KeyPattern.MOST_SPECIFIC_FIRST.compare(a.pattern, b.pattern));
        this.wildcards = wildcardRules.toArray(Rule[]::new);
    }

    /**
     * A builder with no rules, policy {@link Missing#PASSTHROUGH}, host root {@code /proc/sys}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * What a path is in this tree. Allocates nothing; meant for every path a tracer intercepts.
     *
     * @param path a normalized path, relative to /proc/sys or absolute under it
     * @return {@link PathKind#KEY} or {@link PathKind#DIRECTORY} if served, else what the {@link Missing}
     *     policy makes of it
     * @throws IllegalArgumentException if an absolute path is not under /proc/sys
     */
    public PathKind lookup(String path) {
        int start = relativeStart(path);
        if (start == ROOT) {
            return PathKind.DIRECTORY;
        }
        boolean absolute = start > 0;
        if ((absolute ? exactAbsolute : exact).containsKey(path)) {
            return PathKind.KEY;
        }
        if ((absolute ? directoriesAbsolute : directories).contains(path)) {
            return PathKind.DIRECTORY;
        }
        if (wildcardFor(path, start) != null) {
            return PathKind.KEY;
        }
        for (Rule rule : wildcards) {
            if (rule.pattern.matchesDirectory(path, start)) {
                return PathKind.DIRECTORY;
            }
        }
        return missing == Missing.PASSTHROUGH ? PathKind.HOST : PathKind.NOT_FOUND;
    }

    /**
     * Reads a key as a process reading its file would.
     *
     * @param key a path or sysctl name
     * @return the value followed by a newline; empty if the key is not served and the policy is
     *     {@link Missing#ENOENT}, or its value is the host's and the host has no readable such key,
     *     or the key is malformed
     */
    public Optional<String> read(String key) {
        Entry entry = entry(key);
        SysctlKey parsed;
        if (entry != null) {
            parsed = entry.key;
        } else {
            try {
                parsed = SysctlKey.parse(key);
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
            entry = exact.get(parsed.path());
        }
        String value = currentValue(entry, parsed);
        if (value == null) {
            return Optional.empty();
        }
        activity(parsed).reads.incrementAndGet();
        return Optional.of(value + "\n");
    }

    /**
     * Writes a key as a process writing its file would; never throws for a bad key or value.
     *
     * @param key a path or sysctl name
     * @param text what the process writes, such as {@code "1\n"}
     * @return {@link WriteResult#OK} if stored (and the materialized file updated); otherwise the errno
     *     the kernel would have returned, the stored value unchanged
     */
    public WriteResult write(String key, String text) {
        Entry entry = entry(key);
        SysctlKey parsed;
        if (entry != null) {
            parsed = entry.key;
        } else {
            try {
                parsed = SysctlKey.parse(key);
            } catch (IllegalArgumentException e) {
                return WriteResult.ENOENT;
            }
            entry = exact.get(parsed.path());
        }
        Rule rule = entry != null ? entry.rule : wildcardFor(parsed.path(), 0);
        if (rule == null) {
            rule = missing == Missing.PASSTHROUGH ? hostRule(parsed) : null;
            if (rule == null) {
                return WriteResult.ENOENT;
            }
        }
        Activity counts = activity(parsed);
        if (rule.mode == Mode.READ_ONLY) {
            counts.refusedWrites.incrementAndGet();
            return WriteResult.EACCES;
        }
        String normalized = rule.validator.normalize(text);
        if (normalized == null) {
            counts.refusedWrites.incrementAndGet();
            return WriteResult.EINVAL;
        }
        lock.lock();
        try {
            if (materialized != null && !materialized.store(parsed, normalized)) {
                counts.refusedWrites.incrementAndGet();
                return WriteResult.EIO;
            }
            Entry current = exact.get(parsed.path());
            if (current != null) {
                current.value = normalized;
            } else {
                register(new Entry(parsed, rule, normalized));
            }
        } finally {
            lock.unlock();
        }
        counts.writes.incrementAndGet();
        return WriteResult.OK;
    }

    /**
     * Writes bytes a process passed to write(2), decoded as UTF-8; see {@link #write(String, String)}.
     *
     * @param key a path or sysctl name
     * @param data the buffer
     * @param offset where the written bytes start
     * @param length how many bytes were written
     * @return as {@link #write(String, String)}
     */
    public WriteResult write(String key, byte[] data, int offset, int length) {
        return write(key, new String(data, offset, length, StandardCharsets.UTF_8));
    }

    /**
     * The names this tree serves in a directory: keys, and directories holding keys. Names that only a
     * wildcard component would supply (interface names in {@code net/ipv6/conf}) are not listed, except
     * for keys written there; a caller listing a directory for a process may merge the host's names.
     *
     * @param directory a path
     * @return the children sorted by name; empty if the path is not a directory of this tree
     */
    public List<Child> children(String directory) {
        if (lookup(directory) != PathKind.DIRECTORY) {
            return List.of();
        }
        int start = relativeStart(directory);
        String relative = start == ROOT ? "" : directory.substring(start);
        String[] parent = relative.isEmpty() ? new String[0] : relative.split("/");
        Map<String, Boolean> names = new TreeMap<>();
        for (Entry entry : exact.values()) {
            addChild(names, entry.key.path().split("/"), parent);
        }
        for (Rule rule : wildcards) {
            addChild(names, rule.pattern.parts, parent);
        }
        List<Child> children = new ArrayList<>(names.size());
        names.forEach((name, isDirectory) -> children.add(new Child(name, isDirectory)));
        return List.copyOf(children);
    }

    private static void addChild(Map<String, Boolean> names, String[] key, String[] parent) {
        if (key.length <= parent.length) {
            return;
        }
        for (int i = 0; i < parent.length; i++) {
            if (!key[i].equals(parent[i]) && !key[i].equals(SysctlKey.WILDCARD)) {
                return;
            }
        }
        String name = key[parent.length];
        if (!name.equals(SysctlKey.WILDCARD)) {
            names.merge(name, key.length > parent.length + 1, Boolean::logicalOr);
        }
    }

    /**
     * The keys and wildcard patterns served, including keys written under a wildcard or shown through
     * from the host and then written.
     *
     * @return sorted by path
     */
    public List<SysctlKey> keys() {
        List<SysctlKey> keys = new ArrayList<>();
        exact.values().forEach(entry -> keys.add(entry.key));
        for (Rule rule : wildcards) {
            keys.add(rule.key());
        }
        keys.sort(Comparator.comparing(SysctlKey::path));
        return List.copyOf(keys);
    }

    /**
     * The policy for keys no rule serves.
     *
     * @return the policy
     */
    public Missing missing() {
        return missing;
    }

    /**
     * Keys read or written through {@link #read(String)} and {@link #write(String, String)} so far, and
     * their current values.
     *
     * @return the report
     */
    public SysctlReport report() {
        List<SysctlReport.KeyActivity> keys = new ArrayList<>();
        for (Activity counts : activity.values()) {
            String value = currentValue(exact.get(counts.key.path()), counts.key);
            keys.add(new SysctlReport.KeyActivity(counts.key, counts.reads.get(), counts.writes.get(),
                    counts.refusedWrites.get(), Optional.ofNullable(value)));
        }
        keys.sort(Comparator.comparing(activity -> activity.key().path()));
        return new SysctlReport(keys);
    }

    /**
     * Writes the tree out as files, one per served key holding its value and a newline, for a tracer
     * to redirect /proc/sys paths to; see {@link MaterializedTree}. One materialization at a time.
     *
     * @param directory a directory that does not exist (its parent must) or is empty; it is given mode
     *     0700 and deleted on {@link MaterializedTree#close()}
     * @return the materialization
     * @throws IOException if the directory is not empty or the files cannot be written
     * @throws IllegalStateException if the tree is materialized already and not closed
     */
    public MaterializedTree materialize(Path directory) throws IOException {
        lock.lock();
        try {
            if (materialized != null) {
                throw new IllegalStateException("the tree is materialized in " + materialized.root() + " already");
            }
            materialized = MaterializedTree.create(this, directory);
            return materialized;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes a key's file again with its current value, as a new file: descriptors that hold the old
     * file keep it, and nobody else sees what is written through them.
     */
    void republish(SysctlKey key) {
        lock.lock();
        try {
            String value = currentValue(key);
            if (materialized != null && value != null) {
                materialized.store(key, value);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Called under the lock by a materialization that closes. */
    void detach(MaterializedTree closing) {
        if (materialized == closing) {
            materialized = null;
        }
    }

    /** The value of a key without counting a read, or null if it has none. */
    String currentValue(SysctlKey key) {
        return currentValue(exact.get(key.path()), key);
    }

    /** The mode of the rule serving a key; read-write for a key no rule serves. */
    Mode modeOf(SysctlKey key) {
        Entry entry = exact.get(key.path());
        Rule rule = entry != null ? entry.rule : wildcardFor(key.path(), 0);
        return rule != null ? rule.mode : Mode.READ_WRITE;
    }

    /** Whether a served key shows the host's value, i.e. has a passthrough rule and was not written. */
    boolean hostBacked(String path) {
        Entry entry = entry(path);
        if (entry != null) {
            return entry.value == null;
        }
        int start = relativeStart(path);
        Rule rule = start == ROOT ? null : wildcardFor(path, start);
        return rule != null && rule.initial == null;
    }

    /**
     * Where the relative part of a path starts: 0 for a relative path, after {@code /proc/sys/} for an
     * absolute one, {@link #ROOT} for the root itself.
     */
    static int relativeStart(String path) {
        if (path.isEmpty()) {
            return ROOT;
        }
        if (path.charAt(0) != '/') {
            return 0;
        }
        int prefix = SysctlKey.PROC_SYS.length();
        if (path.startsWith(SysctlKey.PROC_SYS)) {
            if (path.length() == prefix || (path.length() == prefix + 1 && path.charAt(prefix) == '/')) {
                return ROOT;
            }
            if (path.charAt(prefix) == '/') {
                return prefix + 1;
            }
        }
        throw new IllegalArgumentException("not a path under " + SysctlKey.PROC_SYS + ": " + path);
    }

    private Entry entry(String path) {
        return !path.isEmpty() && path.charAt(0) == '/' ? exactAbsolute.get(path) : exact.get(path);
    }

    private Rule wildcardFor(String path, int start) {
        for (Rule rule : wildcards) {
            if (rule.pattern.matches(path, start)) {
                return rule;
            }
        }
        return null;
    }

    private String currentValue(Entry entry, SysctlKey key) {
        if (entry != null) {
            String value = entry.value;
            return value != null ? value : hostValue(key);
        }
        Rule rule = wildcardFor(key.path(), 0);
        if (rule != null) {
            return rule.initial != null ? rule.initial : hostValue(key);
        }
        return missing == Missing.PASSTHROUGH ? hostValue(key) : null;
    }

    /** The most a host /proc/sys file holds that we read; sysctl values are far shorter. */
    private static final int HOST_READ_SIZE = 65536;

    /** The host's value without its newline, or null if unreadable. The host is only ever read. */
    private String hostValue(SysctlKey key) {
        // One read from offset 0: /proc/sys files report size 0, and the kernel's integer handlers
        // answer a read that does not start at 0 with end of file, so a read in pieces loses digits.
        try (java.io.InputStream in = Files.newInputStream(hostRoot.resolve(key.path()))) {
            byte[] buffer = new byte[HOST_READ_SIZE];
            int n = in.read(buffer);
            String text = n <= 0 ? "" : new String(buffer, 0, n, StandardCharsets.UTF_8);
            return text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * A rule for writing a key that shows through from the host: read-only if the host's file has no
     * owner write bit (procfs enforces that even for root), null if the host has no such file.
     */
    private Rule hostRule(SysctlKey key) {
        Path file = hostRoot.resolve(key.path());
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            boolean writable = Files.getPosixFilePermissions(file).contains(PosixFilePermission.OWNER_WRITE);
            KernelKeys.Spec spec = KernelKeys.find(new KeyPattern(key));
            return new Rule(key, writable ? spec.mode() : Mode.READ_ONLY, spec.validator(), null);
        } catch (IOException e) {
            return null;
        }
    }

    /** Publishes an entry; its directories first, so a lookup never sees a key whose parent is missing. */
    private void register(Entry entry) {
        String path = entry.key.path();
        for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
            String directory = path.substring(0, slash);
            directories.add(directory);
            directoriesAbsolute.add(SysctlKey.PROC_SYS_SLASH + directory);
        }
        exact.put(path, entry);
        exactAbsolute.put(entry.key.procPath(), entry);
    }

    private Activity activity(SysctlKey key) {
        Activity counts = activity.get(key.path());
        if (counts == null) {
            Activity fresh = new Activity(key);
            counts = activity.putIfAbsent(key.path(), fresh);
            if (counts == null) {
                counts = fresh;
            }
        }
        return counts;
    }

    /**
     * A name in a directory of the tree.
     *
     * @param name the component, such as {@code overcommit_memory}
     * @param directory whether it holds keys rather than being a key
     */
    public record Child(String name, boolean directory) {}

    private static final class Activity {
        final SysctlKey key;
        final AtomicLong reads = new AtomicLong();
        final AtomicLong writes = new AtomicLong();
        final AtomicLong refusedWrites = new AtomicLong();

        Activity(SysctlKey key) {
            this.key = key;
        }
    }

    /**
     * Collects rules for a {@link SysctlTree}. A later rule for the same key or pattern replaces an
     * earlier one.
     */
    public static final class Builder {
        private final Map<String, Declared> declared = new LinkedHashMap<>();
        private Missing missing = Missing.PASSTHROUGH;
        private Path hostRoot = Path.of(SysctlKey.PROC_SYS);
        private int processors = Runtime.getRuntime().availableProcessors();

        private record Declared(SysctlKey key, Mode mode, Validator validator, String value, ComputedValue computed) {}

        private Builder() {}

        /**
         * Adds every setting of a profile, with modes and validators from the kernel key table.
         *
         * @param profile the profile
         * @return this builder
         */
        public Builder profile(SysctlProfile profile) {
            for (SysctlProfile.Setting setting : profile.settings()) {
                KernelKeys.Spec spec = KernelKeys.find(new KeyPattern(setting.key()));
                boolean computed = ComputedValue.isToken(setting.value());
                declare(new Declared(setting.key(), spec.mode(), spec.validator(),
                        computed ? null : setting.value(), computed ? ComputedValue.ofToken(setting.value()) : null));
            }
            return this;
        }

        /**
         * Adds a key or wildcard pattern with a stored value.
         *
         * @param key a path or sysctl name, possibly with {@code *} components
         * @param value the initial value, normalized by the validator
         * @param mode whether writes are allowed
         * @param validator what writes may store
         * @return this builder
         * @throws IllegalArgumentException if the key is malformed or the validator refuses the value
         */
        public Builder key(String key, String value, Mode mode, Validator validator) {
            SysctlKey parsed = SysctlKey.parse(key);
            String normalized = validator.normalize(value);
            if (normalized == null) {
                throw new IllegalArgumentException("invalid value \"" + value + "\" for " + parsed.name()
                        + ": expected " + validator.description());
            }
            return declare(new Declared(parsed, mode, Objects.requireNonNull(validator), normalized, null));
        }

        /**
         * Adds a key or wildcard pattern whose value is the host's, read at read time until written.
         *
         * @param key a path or sysctl name, possibly with {@code *} components
         * @param mode whether writes are allowed (they are stored in the tree, never on the host)
         * @param validator what writes may store
         * @return this builder
         * @throws IllegalArgumentException if the key is malformed
         */
        public Builder passthrough(String key, Mode mode, Validator validator) {
            return declare(new Declared(SysctlKey.parse(key), mode, Objects.requireNonNull(validator), null,
                    ComputedValue.HOST));
        }

        /**
         * Sets the policy for keys no rule serves.
         *
         * @param policy {@link Missing#PASSTHROUGH} (the default) or {@link Missing#ENOENT}
         * @return this builder
         */
        public Builder missing(Missing policy) {
            this.missing = Objects.requireNonNull(policy);
            return this;
        }

        /**
         * Sets where host values are read from, {@code /proc/sys} by default. Only read, never written.
         *
         * @param root a directory laid out like /proc/sys
         * @return this builder
         */
        public Builder hostRoot(Path root) {
            this.hostRoot = Objects.requireNonNull(root);
            return this;
        }

        /**
         * Sets the CPU count computed values use, the JVM's available processors by default.
         *
         * @param count at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code count < 1}
         */
        public Builder processors(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("processors must be at least 1, not " + count);
            }
            this.processors = count;
            return this;
        }

        /**
         * Builds the tree, computing {@code ${...}} values (a new boot id for every tree).
         *
         * @return the tree
         * @throws IllegalArgumentException if one key would lie below another, as a file in a file
         */
        public SysctlTree build() {
            List<Rule> rules = new ArrayList<>();
            List<KeyPattern> patterns = new ArrayList<>();
            for (Declared rule : declared.values()) {
                KeyPattern pattern = new KeyPattern(rule.key());
                for (KeyPattern other : patterns) {
                    SysctlProfile.checkShape(pattern, other);
                }
                patterns.add(pattern);
                String value = rule.computed() != null ? rule.computed().compute(processors) : rule.value();
                rules.add(new Rule(rule.key(), rule.mode(), rule.validator(), value));
            }
            return new SysctlTree(rules, missing, hostRoot);
        }

        private Builder declare(Declared rule) {
            declared.remove(rule.key().path());
            declared.put(rule.key().path(), rule);
            return this;
        }
    }
}
