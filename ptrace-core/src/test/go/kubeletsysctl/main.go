// Command kubeletsysctl touches /proc/sys the way Kubernetes components do when they start.
//
// It is the tracee for the virtual /proc/sys: each component runs on its own OS thread, at the
// same time as the others, with the same calls the real component makes:
//
//   - kubelet (setupKernelTunables): reads each tunable with os.ReadFile and trims " \n"; writes
//     the wanted value with os.WriteFile(path, strconv.Itoa(v), 0640) if it differs; reads it back.
//   - kube-proxy: the same for net/ipv4/conf/all/route_localnet = 1.
//   - k3s (syssetup): writes the conntrack limits, forwarding and bridge-nf-call-iptables, and
//     reads each back.
//   - flannel: stats /proc/sys/net/bridge/bridge-nf-call-iptables, which must exist.
//
// Then it runs itself with -check, which re-reads every key in a new process and checks that the
// values the parent left are still there: a virtual tree must be shared by the processes it serves.
//
//	kubeletsysctl                 # under a tracer that serves /proc/sys, with PANATRACE_SYSCTL_TRACED=1
//	kubeletsysctl -only-read      # reads only: safe anywhere, reports what it would write
//	kubeletsysctl -root DIR       # the same keys as files below DIR instead of /proc/sys
//
// Every access is printed as "<component> <op> <key> <value>", op being read, write, would-write
// (with -only-read) or stat (value: the file mode); the components' lines come in the order
// kubelet, kube-proxy, k3s, flannel, then the child's as "check read ...". It ends with
// "kubelet-sysctl ok" and exit 0. Like kubelet, which exits when a tunable cannot be read or
// written, it stops at the first failure: "FAIL <what>: <error>" on stderr and exit 1.
//
// Writing the real /proc/sys would change the machine's kernel settings, so unless -only-read is
// given or -root names a directory outside /proc, it writes nothing and exits 2 unless
// PANATRACE_SYSCTL_TRACED=1 says that a tracer serves /proc/sys.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

const (
	tracedEnv            = "PANATRACE_SYSCTL_TRACED"
	routeLocalnet        = "net/ipv4/conf/all/route_localnet"
	bridgeNfCallIptables = "net/bridge/bridge-nf-call-iptables"
)

// tunable is a key below /proc/sys and the value a component wants it to hold.
type tunable struct {
	key   string
	value int
}

// kubeletTunables are kubelet's desired kernel state, in a fixed order (kubelet ranges over a map).
var kubeletTunables = []tunable{
	{"vm/overcommit_memory", 1},
	{"vm/panic_on_oom", 0},
	{"kernel/panic", 10},
	{"kernel/panic_on_oops", 1},
	{"kernel/keys/root_maxkeys", 1000000},
	{"kernel/keys/root_maxbytes", 25000000},
}

// k3sTunables are what k3s syssetup writes, with kube-proxy's default conntrack settings.
func k3sTunables(conntrackMax int) []tunable {
	return []tunable{
		{"net/netfilter/nf_conntrack_max", conntrackMax},
		{"net/netfilter/nf_conntrack_tcp_timeout_established", 86400},
		{"net/netfilter/nf_conntrack_tcp_timeout_close_wait", 3600},
		{"net/ipv4/conf/all/forwarding", 1},
		{bridgeNfCallIptables, 1},
	}
}

// failure is the first thing that went wrong in a component, printed as "FAIL <what>: <err>".
type failure struct {
	what string
	err  error
}

func (f *failure) Error() string { return "FAIL " + f.what + ": " + f.err.Error() }

// component is one program's view of /proc/sys: where the keys are, whether it may write, and the
// accesses it made.
type component struct {
	name     string
	root     string
	onlyRead bool
	lines    []string
	// left is the value each key read or written should now hold, for the -check child.
	left []tunable
}

func (c *component) log(op, key string, value any) {
	c.lines = append(c.lines, fmt.Sprintf("%s %s %s %v", c.name, op, key, value))
}

func (c *component) fail(op, key string, err error) *failure {
	return &failure{c.name + " " + op + " " + key, err}
}

// get reads a key as k8s.io/component-helpers' sysctl GetSysctl does.
func (c *component) get(key string) (int, error) {
	data, err := os.ReadFile(filepath.Join(c.root, key))
	if err != nil {
		return 0, c.fail("read", key, err)
	}
	value, err := strconv.Atoi(strings.Trim(string(data), " \n"))
	if err != nil {
		return 0, c.fail("read", key, err)
	}
	c.log("read", key, value)
	return value, nil
}

// set writes a key as SetSysctl does, and reads it back; with -only-read it only says so.
func (c *component) set(key string, value int) error {
	if c.onlyRead {
		c.log("would-write", key, value)
		return nil
	}
	if err := os.WriteFile(filepath.Join(c.root, key), []byte(strconv.Itoa(value)), 0640); err != nil {
		return c.fail("write", key, err)
	}
	c.log("write", key, value)
	got, err := c.get(key)
	if err != nil {
		return err
	}
	if got != value {
		return c.fail("read-back", key, fmt.Errorf("got %d, want %d", got, value))
	}
	return nil
}

// ensure reads a key and writes the wanted value if it differs: kubelet's and kube-proxy's pattern.
func (c *component) ensure(t tunable) error {
	value, err := c.get(t.key)
	if err != nil {
		return err
	}
	if value != t.value {
		if err := c.set(t.key, t.value); err != nil {
			return err
		}
		if !c.onlyRead {
			value = t.value
		}
	}
	c.left = append(c.left, tunable{t.key, value})
	return nil
}

func kubelet(c *component) error {
	for _, t := range kubeletTunables {
		if err := c.ensure(t); err != nil {
			return err
		}
	}
	return nil
}

func kubeProxy(c *component) error {
	return c.ensure(tunable{routeLocalnet, 1})
}

// k3s writes without looking first; with -only-read it reads instead, to report what it would write.
func k3s(conntrackMax int) func(c *component) error {
	return func(c *component) error {
		for _, t := range k3sTunables(conntrackMax) {
			if c.onlyRead {
				if err := c.ensure(t); err != nil {
					return err
				}
				continue
			}
			if err := c.set(t.key, t.value); err != nil {
				return err
			}
			c.left = append(c.left, t)
		}
		return nil
	}
}

// flannel refuses to start when br_netfilter's key is missing; it only stats the file.
func flannel(c *component) error {
	info, err := os.Stat(filepath.Join(c.root, bridgeNfCallIptables))
	if err != nil {
		return c.fail("stat", bridgeNfCallIptables, err)
	}
	c.log("stat", bridgeNfCallIptables, info.Mode())
	return nil
}

// runConcurrently runs each component on its own locked OS thread, all released at once, and
// returns their results in the order given.
func runConcurrently(components []*component, programs []func(*component) error) []error {
	errs := make([]error, len(components))
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(len(components))
	done.Add(len(components))
	for i := range components {
		go func(i int) {
			defer done.Done()
			// Never unlocked: the thread exits with the goroutine, as short-lived threads do.
			runtime.LockOSThread()
			ready.Done()
			<-start
			errs[i] = programs[i](components[i])
		}(i)
	}
	ready.Wait()
	close(start)
	done.Wait()
	return errs
}

// check is the child: it reads every KEY=VALUE argument's key and wants VALUE.
func check(root string, expectations []string) {
	c := &component{name: "check", root: root}
	for _, expectation := range expectations {
		key, text, found := strings.Cut(expectation, "=")
		want, err := strconv.Atoi(text)
		if !found || err != nil {
			usage("-check wants KEY=INTEGER arguments, got %q", expectation)
		}
		got, err := c.get(key)
		if err == nil && got != want {
			err = c.fail("read", key, fmt.Errorf("got %d, want %d, the value the parent process left", got, want))
		}
		flush(c.lines)
		c.lines = nil
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

// runCheck starts this program with -check and relays its verdict.
func runCheck(root string, left []tunable) error {
	self, err := os.Executable()
	if err != nil {
		return &failure{"check", err}
	}
	args := []string{"-check", "-root", root}
	for _, t := range left {
		args = append(args, t.key+"="+strconv.Itoa(t.value))
	}
	child := exec.Command(self, args...)
	var stderr bytes.Buffer
	child.Stdout = os.Stdout
	child.Stderr = &stderr
	if err := child.Run(); err != nil {
		if stderr.Len() > 0 {
			// The child's own FAIL line says what it found.
			os.Stderr.Write(stderr.Bytes())
			os.Exit(1)
		}
		return &failure{"check", err}
	}
	return nil
}

// writesHost says whether root is the real /proc/sys (or anything else under /proc).
func writesHost(root string) bool {
	path, err := filepath.Abs(root)
	if err != nil {
		return true
	}
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		path = resolved
	}
	return path == "/proc" || strings.HasPrefix(path, "/proc/")
}

func main() {
	onlyRead := flag.Bool("only-read", false, "read every key but write none; print would-write instead")
	checkMode := flag.Bool("check", false, "child mode: read each KEY=VALUE argument's key and want VALUE")
	root := flag.String("root", "/proc/sys", "the directory the keys are files in")
	conntrackMax := flag.Int("conntrack-max", defaultConntrackMax(),
		"the nf_conntrack_max k3s writes; kube-proxy's default is max(32768 × CPUs, 131072)")
	flag.Parse()

	if *checkMode {
		if flag.NArg() == 0 {
			usage("-check wants at least one KEY=VALUE argument")
		}
		check(*root, flag.Args())
		return
	}
	if flag.NArg() > 0 {
		usage("unexpected argument %q", flag.Arg(0))
	}
	if !*onlyRead && writesHost(*root) && os.Getenv(tracedEnv) != "1" {
		fmt.Fprintf(os.Stderr, "kubeletsysctl: refusing to write %s: %s=1 is not set, so no tracer is known to "+
			"serve it, and writing it would change this machine's kernel settings; run it under the tracer "+
			"with %s=1, or pass -only-read\n", *root, tracedEnv, tracedEnv)
		os.Exit(2)
	}

	names := []string{"kubelet", "kube-proxy", "k3s", "flannel"}
	programs := []func(*component) error{kubelet, kubeProxy, k3s(*conntrackMax), flannel}
	components := make([]*component, len(names))
	for i, name := range names {
		components[i] = &component{name: name, root: *root, onlyRead: *onlyRead}
	}
	errs := runConcurrently(components, programs)
	var left []tunable
	for i, c := range components {
		flush(c.lines)
		if errs[i] != nil {
			fmt.Fprintln(os.Stderr, errs[i])
			os.Exit(1)
		}
		left = append(left, c.left...)
	}
	if err := runCheck(*root, left); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("kubelet-sysctl ok")
}

func defaultConntrackMax() int {
	if perCPU := 32768 * runtime.NumCPU(); perCPU > 131072 {
		return perCPU
	}
	return 131072
}

func flush(lines []string) {
	for _, line := range lines {
		fmt.Println(line)
	}
}

func usage(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "kubeletsysctl: "+format+"\n", args...)
	os.Exit(2)
}
