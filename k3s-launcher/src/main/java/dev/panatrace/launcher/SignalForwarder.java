package dev.panatrace.launcher;

import dev.panatrace.ptrace.TraceSession;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Passes SIGINT, SIGTERM and SIGHUP sent to the launcher on to the traced command instead of letting
 * them shut the JVM down, so the command decides how to end and the launcher reports how it did.
 *
 * <p>Install it before spawning: a signal that arrives before {@link #forwardTo} is held and sent as
 * soon as the session exists. Closing it restores the JVM's handlers.
 */
final class SignalForwarder implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SignalForwarder.class.getPackageName());
    private static final List<String> FORWARDED = List.of("INT", "TERM", "HUP");

    private final Map<Signal, SignalHandler> replaced = new LinkedHashMap<>();
    private final List<Integer> held = new ArrayList<>();
    private TraceSession session;

    private SignalForwarder() {}

    /** Takes over the forwarded signals from the JVM. */
    static SignalForwarder install() {
        SignalForwarder forwarder = new SignalForwarder();
        for (String name : FORWARDED) {
            Signal signal = new Signal(name);
            try {
                forwarder.replaced.put(signal, Signal.handle(signal, forwarder::receive));
            } catch (IllegalArgumentException e) {
                // The JVM keeps the signal (e.g. under -Xrs); then it ends the JVM, whose shutdown kills the tracee.
                LOG.log(Level.WARNING, "cannot forward SIG" + name + " to the traced command: " + e.getMessage());
            }
        }
        return forwarder;
    }

    /** Sends held signals, and every later one, to {@code target}. */
    synchronized void forwardTo(TraceSession target) {
        session = target;
        for (int signal : held) {
            send(signal);
        }
        held.clear();
    }

    /** Runs on a JVM signal-dispatch thread. */
    private synchronized void receive(Signal signal) {
        if (session == null) {
            held.add(signal.getNumber());
        } else {
            send(signal.getNumber());
        }
    }

    private void send(int signal) {
        LOG.log(Level.DEBUG, "forwarding signal {0} to pid {1}", signal, session.pid());
        session.signal(signal);
    }

    @Override
    public void close() {
        replaced.forEach(Signal::handle);
    }
}
