package dev.panatrace.ptrace;

/**
 * How a traced process ended.
 *
 * @param code the exit code, when it exited
 * @param signal the killing signal, or 0 when it exited
 * @param coreDumped whether it dumped core
 */
public record ExitStatus(int code, int signal, boolean coreDumped) {
    /**
     * {@return the status of an exit with {@code code}}
     *
     * @param code the exit code
     */
    public static ExitStatus exited(int code) {
        return new ExitStatus(code, 0, false);
    }

    /**
     * {@return the status of a death by {@code signal}}
     *
     * @param signal the signal number
     * @param coreDumped whether it dumped core
     */
    public static ExitStatus killed(int signal, boolean coreDumped) {
        return new ExitStatus(0, signal, coreDumped);
    }

    /** {@return whether a signal ended it} */
    public boolean killedBySignal() {
        return signal != 0;
    }

    /** {@return the status a shell would report: the exit code, or 128 + the signal} */
    public int shellStatus() {
        return signal != 0 ? 128 + signal : code;
    }

    @Override
    public String toString() {
        return signal != 0 ? "killed by " + Signals.name(signal) + (coreDumped ? " (core dumped)" : "") : "exit " + code;
    }
}
