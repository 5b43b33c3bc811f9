/** A virtual /proc/sys: sysctl keys, profiles in sysctl.conf syntax, and the handler that serves them. */
module dev.panatrace.procsys {
    requires transitive dev.panatrace.ptrace;
    exports dev.panatrace.procsys;
}
