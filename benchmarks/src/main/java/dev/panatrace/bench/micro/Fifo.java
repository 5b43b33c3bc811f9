package dev.panatrace.bench.micro;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/** Named pipes, made with mkfifo(3) through FFM: the JDK has no call for them. */
final class Fifo {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    // Restricted: bin/bench and Surefire grant native access with --enable-native-access=ALL-UNNAMED.
    @SuppressWarnings("restricted")
    private static final MethodHandle MKFIFO = LINKER.downcallHandle(
            LINKER.defaultLookup().find("mkfifo").orElseThrow(() -> new IllegalStateException("libc has no mkfifo")),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT),
            Linker.Option.captureCallState("errno"));
    private static final int MODE_OWNER_READ_WRITE = 0600;

    private Fifo() {}

    /** Makes a FIFO at {@code path}, readable and writable by its owner only. */
    static void create(Path path) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE);
            int result = (int) MKFIFO.invokeExact(capture, arena.allocateFrom(path.toString()), MODE_OWNER_READ_WRITE);
            if (result != 0) {
                throw new IOException("mkfifo " + path + ": errno " + (int) ERRNO.get(capture, 0L));
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("mkfifo", t);
        }
    }
}
