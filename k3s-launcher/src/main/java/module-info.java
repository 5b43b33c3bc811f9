/** The k3s-launcher command line. */
module dev.panatrace.launcher {
    requires dev.panatrace.ptrace;
    requires dev.panatrace.procsys;
    requires dev.panatrace.terminal;
    // Setting the log level for -v and -q; the libraries log through System.Logger only.
    requires java.logging;
    // sun.misc.Signal: forwarding SIGINT, SIGTERM and SIGHUP to the traced command.
    requires jdk.unsupported;
}
