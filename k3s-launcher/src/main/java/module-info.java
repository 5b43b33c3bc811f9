/** The k3s-launcher command line. */
module dev.panatrace.launcher {
    requires dev.panatrace.ptrace;
    requires dev.panatrace.procsys;
    requires dev.panatrace.terminal;
    // sun.misc.Signal: forwarding SIGINT, SIGTERM and SIGHUP to the traced command.
    requires jdk.unsupported;
    // System.Logger's messages, the libraries' included, go to standard error as the launcher's own lines.
    provides java.lang.System.LoggerFinder with dev.panatrace.launcher.StderrLoggerFinder;
}
