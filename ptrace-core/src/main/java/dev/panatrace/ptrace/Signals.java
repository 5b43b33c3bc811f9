package dev.panatrace.ptrace;

/** Linux signal numbers (the same on x86_64 and aarch64) and their names. */
public final class Signals {
    private Signals() {}

    /** SIGHUP: hangup. */
    public static final int SIGHUP = 1;
    /** SIGINT: interrupt from the keyboard. */
    public static final int SIGINT = 2;
    /** SIGQUIT: quit from the keyboard. */
    public static final int SIGQUIT = 3;
    /** SIGTRAP: trace or breakpoint trap; ptrace reports its stops with it. */
    public static final int SIGTRAP = 5;
    /** SIGABRT: abort(3). */
    public static final int SIGABRT = 6;
    /** SIGKILL: kill; cannot be caught, blocked or ignored. */
    public static final int SIGKILL = 9;
    /** SIGSEGV: invalid memory reference. */
    public static final int SIGSEGV = 11;
    /** SIGPIPE: write to a pipe with no readers. */
    public static final int SIGPIPE = 13;
    /** SIGTERM: termination request. */
    public static final int SIGTERM = 15;
    /** SIGCHLD: a child stopped or ended. */
    public static final int SIGCHLD = 17;
    /** SIGCONT: continue if stopped. */
    public static final int SIGCONT = 18;
    /** SIGSTOP: stop; cannot be caught, blocked or ignored. */
    public static final int SIGSTOP = 19;
    /** SIGTSTP: stop typed at the terminal. */
    public static final int SIGTSTP = 20;
    /** SIGTTIN: terminal input for a background process. */
    public static final int SIGTTIN = 21;
    /** SIGTTOU: terminal output for a background process. */
    public static final int SIGTTOU = 22;
    /** SIGURG: urgent condition on a socket; the Go runtime uses it to preempt goroutines. */
    public static final int SIGURG = 23;
    /** SIGSYS: bad system call; also what SECCOMP_RET_TRAP raises. */
    public static final int SIGSYS = 31;

    private static final String[] NAMES = {
        null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
        "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",
        "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF",
        "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"
    };

    /**
     * {@return the signal's name, {@code SIGRTMIN+n} for real-time signals, or {@code SIG<n>}}
     *
     * @param signal the signal number
     */
    public static String name(int signal) {
        if (signal > 0 && signal < NAMES.length) {
            return NAMES[signal];
        }
        if (signal >= 32 && signal <= 64) {
            return "SIGRTMIN+" + (signal - 32);
        }
        return "SIG" + signal;
    }

    /**
     * {@return whether {@code signal} stops a process by default (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU)}
     *
     * @param signal the signal number
     */
    public static boolean isStopSignal(int signal) {
        return signal == SIGSTOP || signal == SIGTSTP || signal == SIGTTIN || signal == SIGTTOU;
    }
}
