/** What the command-line programs (k3s-launcher, the benchmarks) show on a terminal: a status line. */
module dev.panatrace.terminal {
    exports dev.panatrace.terminal;
}
