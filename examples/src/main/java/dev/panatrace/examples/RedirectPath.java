package dev.panatrace.examples;

import dev.panatrace.ptrace.TraceSession;
import dev.panatrace.ptrace.Tracer;
import dev.panatrace.ptrace.paths.BindMap;
import dev.panatrace.ptrace.paths.PathRedirector;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Runs a command, a static Go binary too, that sees directory HOST at path GUEST:
 * {@code RedirectPath /srv/fake-etc /etc cat /etc/hostname}. Prints each rewritten path.
 */
public final class RedirectPath {
    private RedirectPath() {}

    /**
     * Runs the example.
     *
     * @param args HOST, GUEST, then the command and its arguments
     */
    public static void main(String[] args) throws Exception {
        BindMap binds = BindMap.builder().bind(Path.of(args[0]).toRealPath(), Path.of(args[1])).build();
        List<String> command = Arrays.asList(args).subList(2, args.length);
        try (TraceSession trace = Tracer.builder()
                .handler(new PathRedirector(binds, System.out::println))
                .spawn(command)) {
            System.out.println(trace.waitFor().orElseThrow());
        }
    }
}
