package dev.panatrace.ptrace.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The real programs panatrace's tests trace: small static Go programs built from
 * {@code ptrace-core/src/test/go/<name>/main.go}, and busybox.
 *
 * <p>Go programs are built on first use into {@code <repo>/target/tracees/<name>} and rebuilt only
 * when their sources change, so every test JVM of a build shares one binary:
 *
 * <pre>{@code
 * Path reader = Tracees.go("threadreader");
 * ProcessResult untraced = Tracees.runUntraced(Duration.ofSeconds(10),
 *         List.of(reader.toString(), "-threads", "8", "-files", "/etc/hostname"));
 * }</pre>
 *
 * <p>This class lives in ptrace-core's test jar so other modules' tests can use it too.
 */
public final class Tracees {
    /** Debian package that provides the Go toolchain these tracees are written for. */
    private static final String GO_PACKAGE = "golang-1.19-go";

    private static final Path PREFERRED_GO = Path.of("/usr/lib/go-1.19/bin/go");
    private static final Path DEBIAN_GO_ROOTS = Path.of("/usr/lib");
    private static final Pattern DEBIAN_GO_DIR = Pattern.compile("go-(\\d+(?:\\.\\d+)*)");
    private static final Pattern TRACEE_NAME = Pattern.compile("[a-z0-9_-]+");
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(5);

    /** CAP_SYS_PTRACE's bit in a capability set, from {@code <linux/capability.h>}. */
    private static final int CAP_SYS_PTRACE = 19;

    /** A standard package's import path: lower-case words separated by slashes. */
    private static final Pattern STANDARD_PACKAGE = Pattern.compile("[a-z0-9]+(/[a-z0-9]+)*");
    /** In a go command's arguments, the file it builds. */
    private static final String OUTPUT = "<output>";

    /** Executables this JVM has already built or found fresh; guarded by the class lock. */
    private static final Map<String, Path> BUILT = new HashMap<>();
    /** {@code go env GOROOT}, once asked; guarded by the class lock. */
    private static Path goRoot;

    private Tracees() {}

    /**
     * The static executable built from {@code ptrace-core/src/test/go/<name>}, building it if its
     * sources changed since the last build. Concurrent calls, from this JVM or others, build it once.
     *
     * @param name a directory under {@code ptrace-core/src/test/go}, e.g. {@code "threadreader"}
     * @return the absolute path of the executable
     * @throws IllegalArgumentException if there is no such program
     * @throws IllegalStateException if no Go toolchain is installed or {@code go build} fails; the
     *     message holds go's output
     */
    public static synchronized Path go(String name) {
        Path built = BUILT.get(name);
        if (built != null) {
            return built;
        }
        Path repo = repo();
        Path sources = repo.resolve("ptrace-core/src/test/go");
        Path source = sources.resolve(name);
        if (!TRACEE_NAME.matcher(name).matches() || !Files.isDirectory(source)) {
            throw new IllegalArgumentException("no Go tracee '" + name + "' in " + sources);
        }
        built = buildLocked(repo.resolve("target/tracees"), name, source, true, List.of("build", "-o", OUTPUT, "."));
        BUILT.put(name, built);
        return built;
    }

    /**
     * The test binary of a package of Go's standard library, {@code go test -c IMPORT_PATH} built without
     * cgo into {@code <repo>/target/go-std-tests/}, and rebuilt only when the Go release or the package's
     * files change. Run it in {@link #goRoot()}{@code /src/IMPORT_PATH}, where its tests find their
     * {@code testdata}:
     *
     * <pre>{@code
     * Path osTests = Tracees.goStandardTest("os/exec");
     * Tracees.runUntraced(Duration.ofMinutes(2), List.of(osTests.toString(), "-test.short", "-test.v"));
     * }</pre>
     *
     * @param importPath a standard package, e.g. {@code "os/signal"}
     * @return the absolute path of the test binary
     * @throws IllegalArgumentException if the Go installation has no such package
     * @throws IllegalStateException if no Go toolchain is installed or the build fails; the message holds
     *     go's output
     */
    public static synchronized Path goStandardTest(String importPath) {
        String name = importPath.replace('/', '_') + ".test";
        Path built = BUILT.get(name);
        if (built != null) {
            return built;
        }
        Path source = goRoot().resolve("src").resolve(importPath);
        if (!STANDARD_PACKAGE.matcher(importPath).matches() || !Files.isDirectory(source)) {
            throw new IllegalArgumentException("no standard package '" + importPath + "' in " + goRoot());
        }
        built = buildLocked(repo().resolve("target/go-std-tests"), name, source, false,
                List.of("test", "-c", "-o", OUTPUT, importPath));
        BUILT.put(name, built);
        return built;
    }

    /**
     * The root of the Go installation that builds the tracees ({@code go env GOROOT}), whose {@code src}
     * holds the standard library's packages and their tests.
     *
     * @throws IllegalStateException if no Go toolchain is installed
     */
    public static synchronized Path goRoot() {
        if (goRoot == null) {
            try {
                ProcessBuilder goEnv = new ProcessBuilder(goTool().toString(), "env", "GOROOT")
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .redirectError(ProcessBuilder.Redirect.DISCARD);
                // As for builds: a GOROOT meant for another installation must not answer for this go.
                goEnv.environment().remove("GOROOT");
                Process process = goEnv.start();
                String root = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                if (process.waitFor() != 0 || root.isEmpty()) {
                    throw new IllegalStateException(goTool() + " env GOROOT failed");
                }
                goRoot = Path.of(root);
            } catch (IOException e) {
                throw new UncheckedIOException("asking go for its GOROOT", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while asking go for its GOROOT", e);
            }
        }
        return goRoot;
    }

    /**
     * The busybox executable: {@code /bin/busybox}, else {@code busybox} on the PATH. Aborts the
     * calling test (as an unmet assumption) when neither exists.
     *
     * @return the absolute path of busybox
     */
    public static Path busybox() {
        Path standard = Path.of("/bin/busybox");
        if (Files.isExecutable(standard)) {
            return standard;
        }
        return onPath("busybox").orElseGet(() -> Assumptions.abort(
                "busybox is not installed; install the Debian package busybox-static"));
    }

    /**
     * Aborts the calling test, as an unmet assumption with the reason, when this process may not
     * ptrace: when Yama disables ptrace entirely ({@code kernel.yama.ptrace_scope = 3}) or when the
     * process is neither root nor holds CAP_SYS_PTRACE.
     */
    public static void assumePtraceAllowed() {
        Optional<String> reason = ptraceUnavailableReason();
        assumeTrue(reason.isEmpty(), () -> reason.orElseThrow());
    }

    private static Optional<String> ptraceUnavailableReason() {
        try {
            Path yama = Path.of("/proc/sys/kernel/yama/ptrace_scope");
            Optional<String> scope = Files.exists(yama) ? Optional.of(Files.readString(yama)) : Optional.empty();
            return ptraceUnavailableReason(scope, Files.readString(Path.of("/proc/self/status")));
        } catch (IOException e) {
            return Optional.of("cannot read ptrace permissions: " + e);
        }
    }

    /**
     * Why ptrace is unavailable, or empty when it is available.
     *
     * @param yamaScope the contents of {@code /proc/sys/kernel/yama/ptrace_scope}, empty without Yama
     * @param procSelfStatus the contents of {@code /proc/self/status}
     */
    static Optional<String> ptraceUnavailableReason(Optional<String> yamaScope, String procSelfStatus) {
        if (yamaScope.map(String::strip).filter("3"::equals).isPresent()) {
            return Optional.of("ptrace is disabled: kernel.yama.ptrace_scope is 3");
        }
        // "Uid:" lists the real, effective, saved and filesystem uids; the effective one decides.
        long effectiveUid = Long.parseLong(statusField(procSelfStatus, "Uid").split("\\s+")[1]);
        long effectiveCaps = Long.parseUnsignedLong(statusField(procSelfStatus, "CapEff"), 16);
        if (effectiveUid == 0 || (effectiveCaps & (1L << CAP_SYS_PTRACE)) != 0) {
            return Optional.empty();
        }
        return Optional.of("ptrace needs root or CAP_SYS_PTRACE; running as uid " + effectiveUid
                + " with CapEff " + Long.toHexString(effectiveCaps));
    }

    /**
     * Waits until {@code file} is not empty (a program that is no longer traced wrote it) and returns its
     * content, or what it holds at the deadline.
     */
    public static String awaitContent(Path file, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (Files.size(file) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return Files.readString(file);
    }

    /**
     * Runs a command without any tracer, for comparison with a traced run. Standard input is
     * {@code /dev/null}; output goes to temporary files, so a grandchild that keeps the output
     * open cannot block the caller.
     *
     * @param timeout how long the command may run; after that it and its descendants are killed
     *     and the calling test fails
     * @param command the program and its arguments
     * @return its exit code and output
     */
    public static ProcessResult runUntraced(Duration timeout, List<String> command) {
        return runUntraced(timeout, command, environment -> { });
    }

    /**
     * As {@link #runUntraced(Duration, List)}, with the environment changed first.
     *
     * @param environment changes the command's environment, a copy of this JVM's
     */
    public static ProcessResult runUntraced(Duration timeout, List<String> command,
                                            Consumer<Map<String, String>> environment) {
        Path stdout = null;
        Path stderr = null;
        Process process = null;
        try {
            stdout = Files.createTempFile("tracee-", ".stdout");
            stderr = Files.createTempFile("tracee-", ".stderr");
            ProcessBuilder builder = new ProcessBuilder(command);
            environment.accept(builder.environment());
            process = builder
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile())
                    .start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
                return Assertions.fail(command + " did not exit within " + timeout
                        + "\nstdout: " + Files.readString(stdout) + "\nstderr: " + Files.readString(stderr));
            }
            return new ProcessResult(process.exitValue(), Files.readString(stdout), Files.readString(stderr));
        } catch (IOException e) {
            throw new UncheckedIOException("running " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        } finally {
            if (process != null && process.isAlive()) {
                kill(process);
            }
            deleteQuietly(stdout);
            deleteQuietly(stderr);
        }
    }

    /**
     * The repository root: the system property {@code panatrace.repo} if it names the root (Surefire
     * sets it), else the nearest directory above it or above the working directory that holds both
     * {@code pom.xml} and {@code ptrace-core/}.
     *
     * @return the absolute repository root
     * @throws IllegalStateException if no such directory exists
     */
    public static Path repo() {
        String property = System.getProperty("panatrace.repo", "");
        Stream<Path> starts = property.isBlank()
                ? Stream.of(Path.of(""))
                : Stream.of(Path.of(property), Path.of(""));
        return starts.map(start -> enclosingRepo(start.toAbsolutePath().normalize()))
                .flatMap(Optional::stream)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("cannot find the panatrace repository from "
                        + "panatrace.repo='" + property + "' or " + Path.of("").toAbsolutePath()));
    }

    private static Optional<Path> enclosingRepo(Path start) {
        // Maven sets panatrace.repo to the directory it ran in when no .mvn directory marks the root,
        // which may be a module: walk up from there too.
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("pom.xml")) && Files.isDirectory(dir.resolve("ptrace-core"))) {
                return Optional.of(dir);
            }
        }
        return Optional.empty();
    }

    /** {@link #buildIfStale} under a file lock: Maven may run test JVMs in parallel, and the class lock covers one. */
    private static Path buildLocked(Path outputs, String name, Path source, boolean tracee, List<String> goArguments) {
        try {
            Files.createDirectories(outputs);
            // Closing the channel releases the lock.
            try (FileChannel lockFile = FileChannel.open(outputs.resolve(".build.lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                lockFile.lock();
                return buildIfStale(source, outputs, name, tracee, goArguments);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("building " + name + " from " + source, e);
        }
    }

    /**
     * Runs {@code go GO_ARGUMENTS} in {@code source}, with {@link #OUTPUT} standing for the file to build,
     * unless {@code outputs/name} was built from the same sources.
     *
     * @param tracee a tracee (its whole directory is its source, built with {@code -trimpath}), else a
     *     standard package's test (its own files and the Go release decide; paths kept as Go's tests expect)
     */
    private static Path buildIfStale(Path source, Path outputs, String name, boolean tracee, List<String> goArguments)
            throws IOException {
        Path repo = repo();
        Path executable = outputs.resolve(name);
        Path stamp = outputs.resolve(name + ".sources-sha256");
        String digest = tracee ? sourceDigest(source) : standardPackageDigest(source);
        if (Files.isExecutable(executable) && Files.exists(stamp) && Files.readString(stamp).equals(digest)) {
            return executable;
        }
        Path partial = outputs.resolve(name + ".partial");
        Path log = outputs.resolve(name + ".build.log");
        List<String> command = new ArrayList<>(List.of(goTool().toString()));
        goArguments.forEach(argument -> command.add(argument.equals(OUTPUT) ? partial.toString() : argument));
        ProcessBuilder build = new ProcessBuilder(command)
                .directory(source.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> env = build.environment();
        // A GOROOT meant for another installation would pair this go with the wrong standard library.
        env.remove("GOROOT");
        env.put("CGO_ENABLED", "0");
        env.put("GO111MODULE", "off");
        if (tracee) {
            env.put("GOFLAGS", "-trimpath");
        } else {
            env.remove("GOFLAGS");
        }
        env.put("GOCACHE", repo.resolve("target/go-cache").toString());
        env.put("GOPATH", repo.resolve("target/gopath").toString());
        env.putIfAbsent("HOME", repo.resolve("target/go-home").toString());
        Process process = build.start();
        try {
            if (!process.waitFor(BUILD_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
                throw new IllegalStateException("go " + goArguments.get(0) + " of " + name + " took longer than " + BUILD_TIMEOUT
                        + ":\n" + Files.readString(log));
            }
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building " + name, e);
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("go " + goArguments.get(0) + " of " + source + " failed with exit code "
                    + process.exitValue() + ":\n" + Files.readString(log));
        }
        Files.move(partial, executable, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.writeString(stamp, digest);
        return executable;
    }

    /** A digest of every file name and content under {@code source}, which decides whether to rebuild. */
    private static String sourceDigest(Path source) throws IOException {
        MessageDigest sha256 = sha256();
        try (Stream<Path> files = Files.walk(source)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                sha256.update(source.relativize(file).toString().getBytes(StandardCharsets.UTF_8));
                sha256.update((byte) 0);
                sha256.update(Files.readAllBytes(file));
                sha256.update((byte) 0);
            }
        }
        return HexFormat.of().formatHex(sha256.digest());
    }

    /** A digest of the Go release and the files directly in a standard package's directory. */
    private static String standardPackageDigest(Path source) throws IOException {
        MessageDigest sha256 = sha256();
        sha256.update(Files.readAllBytes(goRoot().resolve("VERSION")));
        try (Stream<Path> files = Files.list(source)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                sha256.update(file.getFileName().toString().getBytes(StandardCharsets.UTF_8));
                sha256.update((byte) 0);
                sha256.update(Files.readAllBytes(file));
                sha256.update((byte) 0);
            }
        }
        return HexFormat.of().formatHex(sha256.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides SHA-256", e);
        }
    }

    /** Debian's Go 1.19, else the newest other Debian Go, else {@code go} on the PATH. */
    private static Path goTool() throws IOException {
        if (Files.isExecutable(PREFERRED_GO)) {
            return PREFERRED_GO;
        }
        try (Stream<Path> dirs = Files.list(DEBIAN_GO_ROOTS)) {
            Optional<Path> debianGo = dirs
                    .filter(dir -> DEBIAN_GO_DIR.matcher(dir.getFileName().toString()).matches())
                    .filter(dir -> Files.isExecutable(dir.resolve("bin/go")))
                    .max(Comparator.comparing(Tracees::goVersion, Arrays::compare))
                    .map(dir -> dir.resolve("bin/go"));
            if (debianGo.isPresent()) {
                return debianGo.get();
            }
        }
        return onPath("go").orElseThrow(() -> new IllegalStateException(
                "no Go toolchain to build the test tracees; install the Debian package " + GO_PACKAGE));
    }

    private static int[] goVersion(Path debianGoDir) {
        var matcher = DEBIAN_GO_DIR.matcher(debianGoDir.getFileName().toString());
        if (!matcher.matches()) {
            throw new IllegalArgumentException(debianGoDir + " is not a Debian Go directory");
        }
        return Arrays.stream(matcher.group(1).split("\\.")).mapToInt(Integer::parseInt).toArray();
    }

    private static Optional<Path> onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "");
        return Arrays.stream(path.split(File.pathSeparator))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, program))
                .filter(Files::isExecutable)
                .findFirst()
                .map(Path::toAbsolutePath);
    }

    private static String statusField(String procSelfStatus, String field) {
        return procSelfStatus.lines()
                .filter(line -> line.startsWith(field + ":"))
                .map(line -> line.substring(field.length() + 1).strip())
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("/proc/self/status has no " + field + " line"));
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // A leftover temporary file is harmless; the result already holds its contents.
        }
    }
}
