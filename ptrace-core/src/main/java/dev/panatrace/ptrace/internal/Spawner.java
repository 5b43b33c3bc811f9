package dev.panatrace.ptrace.internal;

import dev.panatrace.ptrace.CommandNotExecutableException;
import dev.panatrace.ptrace.CommandNotFoundException;
import dev.panatrace.ptrace.ErrnoException;
import dev.panatrace.ptrace.internal.ffm.PosixSpawn;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starts a tracee without forking the JVM: posix_spawn of a shell trampoline that stops itself and, once
 * continued, execs the target. The tracer seizes it while it is stopped, so the target is traced from
 * its first instruction.
 */
public final class Spawner {
    private Spawner() {}

    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    private static final int O_RDONLY = 0;
    private static final int O_WRONLY = 1;
    private static final int O_CREAT = 0100;
    private static final int O_TRUNC = 01000;

    /** The trampoline script: stop, then become the target ($0 is the resolved target path). */
    static final String TRAMPOLINE = "kill -STOP $$; exec \"$0\" \"$@\"";

    /**
     * Resolves {@code command} like execvp: a name with a slash is taken as is, others are searched in
     * {@code PATH} for an executable regular file.
     *
     * @throws CommandNotFoundException when there is no such file
     * @throws CommandNotExecutableException when the named file, or the first file of that name found in
     *     PATH when none there is executable, cannot be executed, as execvp fails with EACCES
     */
    public static Path resolve(String command, Map<String, String> env, Path cwd) {
        if (command.isEmpty()) {
            throw new CommandNotFoundException(command);
        }
        if (command.contains("/")) {
            Path p = cwd.resolve(command);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
            if (Files.isDirectory(p)) {
                throw new CommandNotExecutableException(command, "Is a directory");
            }
            if (Files.exists(p)) {
                throw new CommandNotExecutableException(command, "Permission denied");
            }
            throw new CommandNotFoundException(command);
        }
        String path = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin");
        boolean foundUnexecutable = false;
        for (String dir : path.split(":", -1)) {
            Path p = cwd.resolve(dir.isEmpty() ? "." : dir).resolve(command);
            if (Files.isRegularFile(p)) {
                if (Files.isExecutable(p)) {
                    return p;
                }
                foundUnexecutable = true;
            }
        }
        if (foundUnexecutable) {
            throw new CommandNotExecutableException(command, "Permission denied");
        }
        throw new CommandNotFoundException(command);
    }

    /**
     * Spawns {@code /bin/sh -c TRAMPOLINE target args...}. Must run on the tracer thread: the child's
     * parent is the calling thread, which is the one that may wait for it with __WNOTHREAD.
     *
     * @return the child's pid
     */
    public static int spawnStopped(Path target, List<String> args, Map<String, String> env, Path cwd,
                                   Redirects redirects) {
        List<String> argv = new ArrayList<>(List.of("sh", "-c", TRAMPOLINE, target.toString()));
        argv.addAll(args);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(PosixSpawn.ATTR_SIZE, 16);
            MemorySegment actions = arena.allocate(PosixSpawn.FILE_ACTIONS_SIZE, 16);
            MemorySegment empty = arena.allocate(PosixSpawn.SIGSET_SIZE, 8);
            MemorySegment all = arena.allocate(PosixSpawn.SIGSET_SIZE, 8);
            check(PosixSpawn.attrInit(attr), "posix_spawnattr_init");
            check(PosixSpawn.fileActionsInit(actions), "posix_spawn_file_actions_init");
            try {
                // The JVM blocks some signals in its threads and ignores others; both survive exec, so the
                // tracee starts with an empty mask and default dispositions, as from a shell.
                PosixSpawn.emptySignalSet(empty);
                PosixSpawn.fillSignalSet(all);
                check(PosixSpawn.attrSetsigmask(attr, empty), "posix_spawnattr_setsigmask");
                check(PosixSpawn.attrSetsigdefault(attr, all), "posix_spawnattr_setsigdefault");
                check(PosixSpawn.attrSetflags(attr, (short) (POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)),
                        "posix_spawnattr_setflags");
                openRedirect(arena, actions, 0, redirects.stdin(), O_RDONLY);
                openRedirect(arena, actions, 1, redirects.stdout(), O_WRONLY | O_CREAT | O_TRUNC);
                openRedirect(arena, actions, 2, redirects.stderr(), O_WRONLY | O_CREAT | O_TRUNC);
                // JVM descriptors without O_CLOEXEC must not leak into the tracee: keep only 0, 1 and 2.
                check(PosixSpawn.fileActionsAddclosefrom(actions, 3), "posix_spawn_file_actions_addclosefrom_np");
                if (cwd != null) {
                    check(PosixSpawn.fileActionsAddchdir(actions, cString(arena, cwd.toString())),
                            "posix_spawn_file_actions_addchdir_np");
                }
                MemorySegment pid = arena.allocate(ValueLayout.JAVA_INT);
                int rc = PosixSpawn.spawn(pid, cString(arena, "/bin/sh"), actions, attr,
                        stringArray(arena, argv), stringArray(arena, envList(env)));
                check(rc, "posix_spawn(/bin/sh)");
                return pid.get(ValueLayout.JAVA_INT, 0);
            } finally {
                PosixSpawn.fileActionsDestroy(actions);
                PosixSpawn.attrDestroy(attr);
            }
        }
    }

    /** Files for the tracee's standard streams; null keeps the JVM's. */
    public record Redirects(Path stdin, Path stdout, Path stderr) {
        public static final Redirects INHERIT = new Redirects(null, null, null);
    }

    private static void openRedirect(Arena arena, MemorySegment actions, int fd, Path file, int flags) {
        if (file != null) {
            check(PosixSpawn.fileActionsAddopen(actions, fd, cString(arena, file.toString()), flags, 0644),
                    "posix_spawn_file_actions_addopen(" + file + ")");
        }
    }

    private static List<String> envList(Map<String, String> env) {
        List<String> list = new ArrayList<>(env.size());
        env.forEach((k, v) -> list.add(k + "=" + v));
        return list;
    }

    private static void check(int rc, String what) {
        if (rc != 0) {
            throw new ErrnoException(rc, what, 0);
        }
    }

    static MemorySegment cString(Arena arena, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        MemorySegment seg = arena.allocate(bytes.length + 1L);
        MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return seg;
    }

    private static MemorySegment stringArray(Arena arena, List<String> strings) {
        MemorySegment array = arena.allocate(ValueLayout.ADDRESS, strings.size() + 1L);
        for (int i = 0; i < strings.size(); i++) {
            array.setAtIndex(ValueLayout.ADDRESS, i, cString(arena, strings.get(i)));
        }
        array.setAtIndex(ValueLayout.ADDRESS, strings.size(), MemorySegment.NULL);
        return array;
    }
}
