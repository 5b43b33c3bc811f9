package dev.panatrace.procsys;

import dev.panatrace.ptrace.EntryAction;
import dev.panatrace.ptrace.ErrnoException;
import dev.panatrace.ptrace.Syscall;
import dev.panatrace.ptrace.SyscallSet;
import dev.panatrace.ptrace.TraceHandler;
import dev.panatrace.ptrace.TraceeLocal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code readlink} of a descriptor link ({@code /proc/self/fd/N}, {@code /proc/thread-self/fd/N},
 * {@code /proc/PID/fd/N}, {@code /proc/PID/task/TID/fd/N}, {@code /dev/fd/N}) or of the {@code cwd} link
 * beside them, given as an absolute path, reads as the /proc/sys path when the descriptor or working
 * directory is a served file or directory.
 */
final class DescriptorLinks implements TraceHandler {
    private static final Pattern LINK = Pattern.compile("fd/[0-9]+|cwd");

    /** The link, as the tracer reaches it, and the tracee's buffer of {@code size} bytes. */
    private record Link(Path link, long buffer, long size) {}

    private final MaterializedTree files;
    private final TraceeViews views;
    private final TraceeLocal<Link> link = TraceeLocal.perSyscall();

    DescriptorLinks(MaterializedTree files, TraceeViews views) {
        this.files = files;
        this.views = views;
    }

    @Override
    public SyscallSet syscalls() {
        return SyscallSet.of("readlink", "readlinkat");
    }

    @Override
    public EntryAction onSyscallEntry(Syscall call) {
        if (!views.seesTree(call.tracee())) {
            return EntryAction.CONTINUE;
        }
        int pathIndex = call.name().equals("readlink") ? 0 : 1;
        byte[] path;
        try {
            path = call.readString(pathIndex);
        } catch (ErrnoException e) {
            return EntryAction.CONTINUE; // the kernel fails it with EFAULT
        }
        Optional<Path> processFile = path == null ? Optional.empty() : ProcPaths.processFile(call.tracee(), path, LINK);
        if (processFile.isEmpty()) {
            return EntryAction.CONTINUE;
        }
        call.tracee().set(link, new Link(processFile.get(), call.arg(pathIndex + 1), call.arg(pathIndex + 2)));
        return EntryAction.OBSERVE_EXIT;
    }

    @Override
    public void onSyscallExit(Syscall call) {
        Link read = call.tracee().get(link);
        if (call.result() <= 0) {
            return;
        }
        Optional<String> procPath;
        try {
            procPath = files.procPath(Files.readSymbolicLink(read.link()).toString());
        } catch (IOException e) {
            return; // gone since: the kernel's answer stands
        }
        if (procPath.isEmpty()) {
            return;
        }
        byte[] text = procPath.get().getBytes(StandardCharsets.US_ASCII);
        // readlink(2) truncates to bufsiz bytes and adds no NUL.
        int length = (int) Math.min(text.length, read.size());
        try {
            call.tracee().write(read.buffer(), Arrays.copyOf(text, length));
        } catch (ErrnoException e) {
            return; // unmapped meanwhile: the kernel's answer stands
        }
        call.setResult(length);
    }
}
