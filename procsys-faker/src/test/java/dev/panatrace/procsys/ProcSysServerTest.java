package dev.panatrace.procsys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panatrace.ptrace.SyscallSet;
import dev.panatrace.ptrace.TraceMode;
import dev.panatrace.ptrace.paths.PathSyscalls;
import dev.panatrace.ptrace.testing.Tracees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** busybox under a {@link ProcSysServer}: what a shell, cat, ls, stat and readlink see of /proc/sys. */
@Timeout(60)
class ProcSysServerTest {
    private static final String PROFILE = """
            vm.overcommit_memory = 1
            kernel.panic = 10
            kernel.random.boot_id = 0b6c3a55-8a39-4d0e-a5a1-5c1f5f0c2d11
            net.ipv4.conf.*.forwarding = 1
            """;

    @TempDir
    Path temp;

    private String busybox;
    private ProcSysServer server;

    @BeforeEach
    void serve() throws Exception {
        Tracees.assumePtraceAllowed();
        busybox = Tracees.busybox().toString();
        server = serverFor(Missing.ENOENT);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private ProcSysServer serverFor(Missing missing) throws Exception {
        SysctlTree tree = SysctlTree.builder().profile(SysctlProfile.parse("test.conf", PROFILE)).missing(missing).build();
        return ProcSysServer.builder(tree).directory(temp).build();
    }

    private ServedRun sh(String script) throws Exception {
        return ServedRun.of(server, temp, List.of(busybox, "sh", "-c", script));
    }

    /** The server's parts together stop what the server as one handler did: its seccomp filter is unchanged. */
    @Test
    void stopsThePathSyscallsFstatfsViewChangesAndCallsOnKeyDescriptors() {
        SyscallSet wanted = server.syscalls();
        Set<String> always = new TreeSet<>(PathSyscalls.allNames());
        always.addAll(List.of("fstatfs", "unshare", "setns", "chroot", "pivot_root"));

        assertEquals(always, wanted.names());
        assertEquals(Set.of("write", "pwrite64", "writev", "pwritev", "pwritev2", "ftruncate", "dup", "dup2", "dup3",
                "fcntl"), wanted.fdRangeNames());
        assertEquals(List.of(ProcSysServer.FD_LOW, ProcSysServer.FD_HIGH), List.of(wanted.fdLow(), wanted.fdHigh()));
    }

    @Test
    void catReadsServedValuesAndLsListsServedNames() throws Exception {
        ServedRun run = sh("cat /proc/sys/vm/overcommit_memory /proc/sys/kernel/panic; ls /proc/sys; ls /proc/sys/kernel;"
                + " cd /proc/sys/net/ipv4 && cat conf/eth7/forwarding && ls");
        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals("1\n10\nkernel\nnet\nvm\npanic\nrandom\n1\nconf\n", run.stdout());
    }

    @Test
    void unservedKeysDoNotExistUnderEnoent() throws Exception {
        ServedRun run = sh("cat /proc/sys/kernel/ostype; echo status=$?; [ -e /proc/sys/kernel/ostype ] || echo absent");
        assertTrue(run.stderr().contains("No such file or directory"), run.stderr());
        assertEquals("status=1\nabsent\n", run.stdout());
    }

    @Test
    void unservedKeysShowTheHostsUnderPassthrough() throws Exception {
        server.close();
        server = serverFor(Missing.PASSTHROUGH);
        ServedRun run = sh("cat /proc/sys/kernel/ostype /proc/sys/vm/overcommit_memory");
        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals(Files.readString(Path.of("/proc/sys/kernel/ostype")) + "1\n", run.stdout());
    }

    @Test
    void aValidWriteIsStoredAndSeenByTheNextProcess() throws Exception {
        String hostBefore = hostValue("vm/overcommit_memory");
        ServedRun run = sh("sysctl -w vm.overcommit_memory=2 >/dev/null && " + busybox
                + " cat /proc/sys/vm/overcommit_memory");
        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals("2\n", run.stdout());
        assertEquals("2\n", server.tree().read("vm.overcommit_memory").orElseThrow());
        assertEquals(hostBefore, hostValue("vm/overcommit_memory"));
        SysctlReport.KeyActivity activity = server.report().keys().stream()
                .filter(key -> key.key().path().equals("vm/overcommit_memory")).findFirst().orElseThrow();
        assertEquals(1, activity.writes());
        assertTrue(activity.reads() >= 1, activity.toString());
    }

    @Test
    void anInvalidWriteFailsWithEinvalAndKeepsTheValue() throws Exception {
        ServedRun run = sh("sysctl -w vm.overcommit_memory=abc; echo status=$?;"
                + " cat /proc/sys/vm/overcommit_memory");
        assertEquals("status=1\n1\n", run.stdout());
        assertTrue(run.stderr().contains("Invalid argument"), run.stderr());
    }

    @Test
    void aShellRedirectionWritesThroughItsCopyOfTheDescriptor() throws Exception {
        ServedRun run = sh("echo 7 > /proc/sys/kernel/panic && echo 0 > /proc/sys/kernel/panic && "
                + busybox + " cat /proc/sys/kernel/panic; echo 5 > /proc/sys/kernel/panic; echo after");
        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals("0\nafter\n", run.stdout(), "each write is the key's value at once; stdout works after");
        assertEquals("5\n", server.tree().read("kernel.panic").orElseThrow());
    }

    @Test
    void copiesOfCopiesAreFollowed() throws Exception {
        // `exec 5>key` dup2s the key's descriptor to 5, and `>&5` dup2s 5 onto standard output.
        ServedRun run = sh("exec 5>/proc/sys/vm/overcommit_memory; echo abc >&5; echo status=$?; "
                + "echo 2 >&5; echo status=$?; " + busybox + " cat /proc/sys/vm/overcommit_memory");
        assertEquals("status=1\nstatus=0\n2\n", run.stdout(), run.stderr());
        assertEquals("2\n", server.tree().read("vm.overcommit_memory").orElseThrow());
    }

    /**
     * A child inherits its parent's watches with its filters: its own copy of the parent's copy is
     * validated too.
     */
    @Test
    void watchesAreInheritedByChildren() throws Exception {
        ServedRun run = sh("exec 5>/proc/sys/vm/overcommit_memory; echo 2 >&5; "
                + busybox + " sh -c 'echo abc >&5; echo child=$?; echo 0 >&5'; " + busybox + " cat /proc/sys/vm/overcommit_memory");
        assertEquals("child=1\n0\n", run.stdout(), run.stderr());
        assertTrue(run.stderr().contains("Invalid argument"), run.stderr());
    }

    /**
     * Where no seccomp filter fits any more, a copy of a key's descriptor cannot be watched: what is
     * written through it lands in a file only the server reads, and goes to the tree, validated, at the
     * next stop. So the shell's write of an invalid value succeeds (it cannot be refused in time) and is
     * dropped.
     */
    @Test
    void writesThroughACopyThatCannotBeWatchedAreTakenLateAndValidated() throws Exception {
        String fillSeccomp = Tracees.go("fillseccomp").toString();
        ServedRun run = ServedRun.of(server, temp, List.of(fillSeccomp, busybox, "sh", "-c",
                "echo 2 > /proc/sys/vm/overcommit_memory; echo status=$?; " + busybox + " cat /proc/sys/vm/overcommit_memory;"
                        + " echo abc > /proc/sys/kernel/panic; echo status=$?; " + busybox + " cat /proc/sys/kernel/panic"));
        assertEquals("status=0\n2\nstatus=0\n10\n", run.stdout(), run.stderr());
        assertFalse(run.stderr().contains("Invalid argument"), "the copies were not watched: " + run.stderr());
        assertEquals("2\n", server.tree().read("vm.overcommit_memory").orElseThrow());
    }

    @Test
    void anInvalidValueThroughAShellRedirectionFailsWithEinval() throws Exception {
        ServedRun run = sh("echo abc > /proc/sys/vm/overcommit_memory; echo status=$?; "
                + busybox + " cat /proc/sys/vm/overcommit_memory");
        assertEquals("status=1\n1\n", run.stdout());
        assertTrue(run.stderr().contains("Invalid argument"), run.stderr());
        assertEquals("1\n", server.tree().read("vm.overcommit_memory").orElseThrow());
    }

    @Test
    void hostKeysShownThroughAreNeverWritten() throws Exception {
        server.close();
        server = serverFor(Missing.PASSTHROUGH);
        String hostBefore = hostValue("kernel/ostype");
        String script = "sysctl -w kernel.ostype=Plan9 2>/dev/null; echo sysctl=$?;"
                + " echo Plan9 > /proc/sys/kernel/ostype; echo redirect=$?; cat /proc/sys/kernel/ostype";
        ServedRun run = sh(script);
        assertEquals(hostBefore, hostValue("kernel/ostype"));
        // kernel.ostype is read-only in the kernel: the tree refuses it as procfs does.
        assertTrue(run.stdout().startsWith("sysctl=1\nredirect=1\n"), run.stdout());
        assertEquals(hostBefore, run.stdout().substring("sysctl=1\nredirect=1\n".length()));
    }

    @Test
    void aReadOnlyKeyRefusesWritesWithEacces() throws Exception {
        ServedRun run = sh("echo x > /proc/sys/kernel/random/boot_id; echo status=$?; cat /proc/sys/kernel/random/boot_id");
        assertEquals("status=1\n0b6c3a55-8a39-4d0e-a5a1-5c1f5f0c2d11\n", run.stdout());
        assertTrue(run.stderr().contains("Permission denied"), run.stderr());
    }

    @Test
    void theTreesStructureCannotBeChanged() throws Exception {
        ServedRun run = sh("rm /proc/sys/kernel/panic; mkdir /proc/sys/kernel/x; mv /proc/sys/kernel/panic /proc/sys/p;"
                + " chmod 777 /proc/sys/kernel/panic; cat /proc/sys/kernel/panic");
        assertEquals("10\n", run.stdout());
        assertEquals(4, run.stderr().lines().filter(line -> line.contains("Operation not permitted")).count(),
                run.stderr());
    }

    @Test
    void statfsReportsProcfsAndReadlinkShowsTheProcSysPath() throws Exception {
        String procMagic = "9fa0\n";
        ServedRun run = sh("stat -f -c %t /proc/sys/kernel/panic; stat -f -c %t /proc/sys;"
                + " exec 3</proc/sys/kernel/panic; readlink /proc/self/fd/3; readlink /proc/$$/fd/3; cd /proc/sys/net;"
                + " readlink /proc/self/cwd");
        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals(procMagic + procMagic + "/proc/sys/kernel/panic\n/proc/sys/kernel/panic\n/proc/sys/net\n",
                run.stdout());
    }

    @Test
    void readlinkOfANumberedDescriptorMeansTheProcessInTheThreadsPidNamespace() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "unshare --pid needs root");
        // In its own pid namespace with its own /proc, the shell is process 1 there and something else here.
        ServedRun run = sh(busybox + " unshare --pid --fork --mount-proc " + busybox + " sh -c"
                + " 'exec 3</proc/sys/kernel/panic; echo $$; readlink /proc/1/fd/3'");
        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals("1\n/proc/sys/kernel/panic\n", run.stdout());
    }

    @Test
    void writesAreServedInSyscallModeToo() throws Exception {
        ServedRun run = ServedRun.of(server, temp, TraceMode.SYSCALL, Map.of(), List.of(busybox, "sh", "-c",
                "sysctl -w kernel.panic=0 >/dev/null && cat /proc/sys/kernel/panic"));
        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals("0\n", run.stdout());
    }

    /** The host's value, read as cat reads it: the kernel's integer files give EOF past offset 0. */
    static String hostValue(String key) throws Exception {
        Process cat = new ProcessBuilder("cat", "/proc/sys/" + key).redirectErrorStream(true).start();
        String value = new String(cat.getInputStream().readAllBytes());
        assertEquals(0, cat.waitFor(), value);
        assertFalse(value.isEmpty());
        return value;
    }
}
