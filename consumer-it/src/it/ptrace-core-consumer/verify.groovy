// Checks what the consumer build left in target/: its dependency tree and the output of both runs.
def target = new File(basedir, 'target')

// ptrace-core and nothing else: no other panatrace module, no transitive dependency at all.
def tree = new File(target, 'dependencies.txt').readLines()*.trim().findAll { it }
assert tree.size() == 2
assert tree[0] == 'dev.panatrace.it:ptrace-core-consumer:jar:1'
assert tree[1] ==~ /\\- dev\.panatrace:ptrace-core:jar:[^:]+:compile/

// The traced shell's own line, then the program's; the JDK warns when native access was not granted.
def expected = [
        'module-path': ['hi', 'engine module: dev.panatrace.ptrace', 'write calls: 1', 'exit 3'],
        'class-path' : ['hi', 'engine module: null', 'write calls: 1', 'exit 3'],
]
expected.each { run, lines ->
    def output = new File(target, "${run}.txt").readLines()
    assert output.findAll { it in lines } == lines
    assert !output.any { it.contains('enable-native-access') }
}
return true
