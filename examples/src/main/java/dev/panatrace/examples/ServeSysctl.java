package dev.panatrace.examples;

import dev.panatrace.procsys.Mode;
import dev.panatrace.procsys.ProcSysServer;
import dev.panatrace.procsys.SysctlTree;
import dev.panatrace.procsys.Validator;
import dev.panatrace.ptrace.TraceSession;
import dev.panatrace.ptrace.Tracer;
import java.util.Arrays;

/**
 * Runs a command that sees one more sysctl key, served from Java and writable only in its view:
 * {@code ServeSysctl kernel.greeting hello cat /proc/sys/kernel/greeting}. Prints the key's accesses.
 */
public final class ServeSysctl {
    private ServeSysctl() {}

    /**
     * Runs the example.
     *
     * @param args KEY, VALUE, then the command and its arguments
     */
    public static void main(String[] args) throws Exception {
        SysctlTree tree = SysctlTree.builder()
                .key(args[0], args[1], Mode.READ_WRITE, Validator.text())
                .build();
        try (ProcSysServer server = ProcSysServer.builder(tree).build();
             TraceSession trace = Tracer.builder().handler(server)
                     .spawn(Arrays.asList(args).subList(2, args.length))) {
            System.out.println(trace.waitFor().orElseThrow());
            server.report().keys().forEach(key -> System.out.println(key.key().name() + " reads "
                    + key.reads() + " writes " + key.writes() + " value " + key.value().orElse("")));
        }
    }
}
