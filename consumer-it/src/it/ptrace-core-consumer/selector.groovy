// The consumer traces a program, so it runs where the unit tests' Tracees.assumePtraceAllowed() lets
// theirs run: as root or with CAP_SYS_PTRACE, and Yama's ptrace_scope not 3. Elsewhere it is skipped.
def status = new File('/proc/self/status').text
long uid = (status =~ /(?m)^Uid:\s+\d+\s+(\d+)/)[0][1] as long
long caps = Long.parseUnsignedLong((status =~ /(?m)^CapEff:\s+(\p{XDigit}+)/)[0][1], 16)
def yama = new File('/proc/sys/kernel/yama/ptrace_scope')
boolean disabled = yama.exists() && yama.text.trim() == '3'
boolean allowed = !disabled && (uid == 0 || (caps & (1L << 19)) != 0)
if (!allowed) {
    println "ptrace-core-consumer skipped: ptrace needs root or CAP_SYS_PTRACE and ptrace_scope below 3 (uid $uid)"
}
return allowed
