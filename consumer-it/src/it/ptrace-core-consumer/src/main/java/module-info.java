module dev.panatrace.consumer {
    requires dev.panatrace.ptrace;
}
