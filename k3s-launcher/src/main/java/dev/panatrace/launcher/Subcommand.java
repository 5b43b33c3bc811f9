package dev.panatrace.launcher;

import java.io.PrintWriter;

/** One of the launcher's commands: its syntax, bound to its own fields, and what it does. */
interface Subcommand {
    /** What the command takes; parsing it fills this object's fields. */
    CommandSyntax syntax();

    /**
     * Runs the command after its arguments were parsed.
     *
     * @return the launcher's exit status
     * @throws UsageException when the arguments are wrong in a way parsing alone cannot see
     */
    int call(PrintWriter out, PrintWriter err) throws InterruptedException;
}
