// Command k3sstandin stands in for k3s in the launcher's tests, where no k3s exists.
//
//	k3sstandin server|agent [k3s flags...]
//
// It appends what it got to the file named by K3SSTANDIN_RECORD ("start", then "arg X" per argument and
// "env K=V" per environment variable, sorted), then does what a k3s node does first:
//
//   - unless the node runs no kubelet (server --disable-agent): the kubelet's /proc/sys sequence (read each
//     tunable, write it if it differs, read it back), kube-proxy's route_localnet, k3s's conntrack and
//     forwarding writes; checks that /dev/kmsg can be opened, that / is a shared mount in its mount
//     namespace, that cAdvisor could take stats of / (the fstype of its mount in mountinfo is one cAdvisor
//     takes stats from, stat's st_dev is that mount's maj:min, statfs gives a size; it prints "cadvisor root
//     TYPE MAJ:MIN"), and that every entry of K3SSTANDIN_CNI_BIN_DIR (when set) is a regular file.
//   - starts two child processes of itself (as k3s starts containerd and its shims), prints "k3s stand-in
//     up", and waits.
//
// Once up it becomes ready, after K3SSTANDIN_READY_AFTER_MS milliseconds (default 0; "never" for never):
// with a kubelet it serves the kubelet's healthz (GET /healthz answers 200 "ok") on 127.0.0.1 at the port
// of --kubelet-arg=healthz-port=N (default 10248), without one it accepts connections on 127.0.0.1 at the
// port of --https-listen-port (default 6443). A port in use is reported on stdout and left alone.
//
// On SIGTERM or SIGINT it kills its children, prints "k3s stand-in stopping", and dies of the same signal.
// A flag --standin-exit=N makes it exit with N once up, as a crashing k3s would (after
// K3SSTANDIN_EXIT_AFTER_MS milliseconds when that is set). A flag --standin-rootfs
// appends "rootfs TYPE magic HEX" to the record: the fstype of / in /proc/self/mountinfo and statfs's f_type
// of /, where cAdvisor takes them from.
//
// Like kubelet it stops at the first failure: "FAIL <what>: <error>" on stderr and exit 1. Writing the real
// /proc/sys would change the machine, so it exits 2 before any write unless PANATRACE_SYSCTL_TRACED=1 says
// that a tracer serves /proc/sys.
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const procSys = "/proc/sys/"

type tunable struct {
	key   string
	value int
}

// kubeletTunables are kubelet's setupKernelTunables, in a fixed order.
var kubeletTunables = []tunable{
	{"vm/overcommit_memory", 1},
	{"vm/panic_on_oom", 0},
	{"kernel/panic", 10},
	{"kernel/panic_on_oops", 1},
	{"kernel/keys/root_maxkeys", 1000000},
	{"kernel/keys/root_maxbytes", 25000000},
}

// k3sWrites are what k3s syssetup writes without reading first.
var k3sWrites = []tunable{
	{"net/netfilter/nf_conntrack_tcp_timeout_established", 86400},
	{"net/netfilter/nf_conntrack_tcp_timeout_close_wait", 3600},
	{"net/ipv4/conf/all/forwarding", 1},
	{"net/bridge/bridge-nf-call-iptables", 1},
}

func fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "FAIL %s: %v\n", what, err)
	os.Exit(1)
}

func get(key string) int {
	data, err := os.ReadFile(procSys + key)
	if err != nil {
		fail("read "+key, err)
	}
	value, err := strconv.Atoi(strings.Trim(string(data), " \n"))
	if err != nil {
		fail("read "+key, err)
	}
	return value
}

func set(key string, value int) {
	if err := os.WriteFile(procSys+key, []byte(strconv.Itoa(value)), 0640); err != nil {
		fail("write "+key, err)
	}
	if got := get(key); got != value {
		fail("read-back "+key, fmt.Errorf("got %d, want %d", got, value))
	}
	fmt.Printf("write %s %d\n", key, value)
}

func ensure(t tunable) {
	if get(t.key) != t.value {
		set(t.key, t.value)
	}
}

func record(args []string) {
	var b strings.Builder
	b.WriteString("start\n")
	for _, arg := range args {
		b.WriteString("arg " + arg + "\n")
	}
	env := os.Environ()
	sort.Strings(env)
	for _, kv := range env {
		b.WriteString("env " + kv + "\n")
	}
	appendRecord(b.String())
}

// appendRecord appends text to the file named by K3SSTANDIN_RECORD, if any.
func appendRecord(text string) {
	file := os.Getenv("K3SSTANDIN_RECORD")
	if file == "" {
		return
	}
	f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0600)
	if err != nil {
		fail("record", err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		fail("record", err)
	}
}

// rootShared reads this process's mountinfo: the optional fields of "/" must hold shared:N.
func rootShared() error {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return err
	}
	defer f.Close()
	shared := false
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		if len(fields) < 7 || fields[4] != "/" {
			continue
		}
		// The last mount on / is the one processes see.
		shared = false
		for _, field := range fields[6:] {
			if field == "-" {
				break
			}
			if strings.HasPrefix(field, "shared:") {
				shared = true
			}
		}
	}
	if !shared {
		return fmt.Errorf("/ is not a shared mount")
	}
	return scanner.Err()
}

// rootMount is the fstype and maj:min of the last mount on / in this process's mountinfo (the one on top),
// split with strings.Fields as cAdvisor's mount parser splits it.
func rootMount() (string, string, error) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return "", "", err
	}
	fstype, majorMinor := "", ""
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 7 || fields[4] != "/" {
			continue
		}
		for i, field := range fields[6:] {
			if field == "-" && 6+i+1 < len(fields) {
				fstype, majorMinor = fields[6+i+1], fields[2]
				break
			}
		}
	}
	if fstype == "" {
		return "", "", fmt.Errorf("no mount at / in /proc/self/mountinfo")
	}
	return fstype, majorMinor, nil
}

// rootFs is the fstype column of the mount on / in this process's mountinfo, and statfs's f_type of /.
func rootFs() (string, int64, error) {
	fstype, _, err := rootMount()
	if err != nil {
		return "", 0, err
	}
	var stat syscall.Statfs_t
	if err := syscall.Statfs("/", &stat); err != nil {
		return "", 0, err
	}
	return fstype, int64(stat.Type), nil
}

// cadvisorTypes are the filesystems cAdvisor takes stats from (ext2, ext3 and ext4 by their prefix).
var cadvisorTypes = map[string]bool{"btrfs": true, "overlay": true, "tmpfs": true, "xfs": true, "zfs": true,
	"nfs": true, "nfs4": true}

// cadvisorRoot checks / as cAdvisor does for kubelet's root filesystem: the type of its mount, the device
// of / (stat's st_dev, as glibc splits it) against the mount's maj:min (except on btrfs, whose numbers
// cAdvisor takes from stat itself), and statfs's size (block count times fragment size).
func cadvisorRoot() (string, string, error) {
	fstype, majorMinor, err := rootMount()
	if err != nil {
		return "", "", err
	}
	if !strings.HasPrefix(fstype, "ext") && !cadvisorTypes[fstype] {
		return "", "", fmt.Errorf("/ is %s, not a type cAdvisor takes stats from", fstype)
	}
	var st syscall.Stat_t
	if err := syscall.Stat("/", &st); err != nil {
		return "", "", err
	}
	dev := uint64(st.Dev)
	device := fmt.Sprintf("%d:%d", ((dev>>8)&0xfff)|((dev>>32)&^0xfff), (dev&0xff)|((dev>>12)&^0xff))
	if fstype != "btrfs" && device != majorMinor {
		return "", "", fmt.Errorf("stat of / gives device %s, its mount in mountinfo %s", device, majorMinor)
	}
	var fs syscall.Statfs_t
	if err := syscall.Statfs("/", &fs); err != nil {
		return "", "", err
	}
	if uint64(fs.Frsize)*fs.Blocks == 0 {
		return "", "", fmt.Errorf("statfs of / gives no size (%d blocks of %d bytes)", fs.Blocks, fs.Frsize)
	}
	return fstype, majorMinor, nil
}

func cniRealFiles(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, entry := range entries {
		if !entry.Type().IsRegular() {
			return fmt.Errorf("%s/%s is not a regular file", dir, entry.Name())
		}
	}
	return nil
}

func kubelet() {
	if os.Getenv("PANATRACE_SYSCTL_TRACED") != "1" {
		fmt.Fprintln(os.Stderr, "k3sstandin: refusing to write /proc/sys without PANATRACE_SYSCTL_TRACED=1")
		os.Exit(2)
	}
	for _, t := range kubeletTunables {
		ensure(t)
	}
	ensure(tunable{"net/ipv4/conf/all/route_localnet", 1})
	for _, t := range k3sWrites {
		set(t.key, t.value)
	}
	kmsg, err := os.Open("/dev/kmsg")
	if err != nil {
		fail("open /dev/kmsg", err)
	}
	kmsg.Close()
	if err := rootShared(); err != nil {
		fail("mount propagation", err)
	}
	fstype, majorMinor, err := cadvisorRoot()
	if err != nil {
		fail("root filesystem", err)
	}
	fmt.Printf("cadvisor root %s %s\n", fstype, majorMinor)
	if dir := os.Getenv("K3SSTANDIN_CNI_BIN_DIR"); dir != "" {
		if err := cniRealFiles(dir); err != nil {
			fail("cni plugins", err)
		}
	}
}

// flagValues are the values of a k3s flag, as --flag=VALUE or --flag VALUE, in order.
func flagValues(args []string, flag string) []string {
	var values []string
	for i, arg := range args {
		if strings.HasPrefix(arg, flag+"=") {
			values = append(values, strings.TrimPrefix(arg, flag+"="))
		} else if arg == flag && i+1 < len(args) {
			values = append(values, args[i+1])
		}
	}
	return values
}

// readyPort is the port that tells the node ready: the kubelet's healthz port (k3s passes each
// --kubelet-arg to kubelet as --KEY=VALUE, leading dashes optional, the last one winning), or the API
// server's --https-listen-port.
func readyPort(args []string, runsKubelet bool) string {
	if !runsKubelet {
		port := "6443"
		for _, value := range flagValues(args, "--https-listen-port") {
			port = value
		}
		return port
	}
	port := "10248"
	for _, value := range flagValues(args, "--kubelet-arg") {
		if key, v, found := strings.Cut(strings.TrimLeft(value, "-"), "="); found && key == "healthz-port" {
			port = v
		}
	}
	return port
}

// becomeReady listens on 127.0.0.1:port after K3SSTANDIN_READY_AFTER_MS: the kubelet's healthz, or a
// bare API server port that accepts and closes.
func becomeReady(port string, healthz bool) {
	after := os.Getenv("K3SSTANDIN_READY_AFTER_MS")
	if after == "never" {
		return
	}
	if after != "" {
		ms, err := strconv.Atoi(after)
		if err != nil {
			fail("K3SSTANDIN_READY_AFTER_MS", err)
		}
		time.Sleep(time.Duration(ms) * time.Millisecond)
	}
	listener, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		fmt.Printf("k3s stand-in not ready: %v\n", err)
		return
	}
	fmt.Printf("k3s stand-in ready on 127.0.0.1:%s\n", port)
	for {
		conn, err := listener.Accept()
		if err != nil {
			return
		}
		go func() {
			defer conn.Close()
			if !healthz {
				return
			}
			conn.SetDeadline(time.Now().Add(5 * time.Second))
			request, err := bufio.NewReader(conn).ReadString('\n')
			if err != nil {
				return
			}
			if fields := strings.Fields(request); len(fields) >= 2 && fields[0] == "GET" && fields[1] == "/healthz" {
				fmt.Fprint(conn, "HTTP/1.0 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\n\r\nok")
			} else {
				fmt.Fprint(conn, "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")
			}
		}()
	}
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "-child" {
		signal.Ignore(syscall.SIGHUP)
		select {}
	}
	if len(os.Args) < 2 || (os.Args[1] != "server" && os.Args[1] != "agent") {
		fmt.Fprintln(os.Stderr, "usage: k3sstandin server|agent [flags...]")
		os.Exit(2)
	}
	args := os.Args[1:]
	record(args)
	exitCode := -1
	runsKubelet := true
	for _, arg := range args {
		if arg == "--disable-agent" {
			runsKubelet = false
		}
		if arg == "--standin-rootfs" {
			fstype, magic, err := rootFs()
			if err != nil {
				fail("root filesystem", err)
			}
			appendRecord(fmt.Sprintf("rootfs %s magic %x\n", fstype, magic))
		}
		if strings.HasPrefix(arg, "--standin-exit=") {
			code, err := strconv.Atoi(strings.TrimPrefix(arg, "--standin-exit="))
			if err != nil {
				fail("--standin-exit", err)
			}
			exitCode = code
		}
	}
	if runsKubelet {
		kubelet()
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	self, err := os.Executable()
	if err != nil {
		fail("executable", err)
	}
	var children []*exec.Cmd
	for i := 0; i < 2; i++ {
		child := exec.Command(self, "-child")
		if err := child.Start(); err != nil {
			fail("start child", err)
		}
		children = append(children, child)
	}
	fmt.Println("k3s stand-in up")
	go becomeReady(readyPort(args, runsKubelet), runsKubelet)
	if exitCode >= 0 {
		if after := os.Getenv("K3SSTANDIN_EXIT_AFTER_MS"); after != "" {
			ms, err := strconv.Atoi(after)
			if err != nil {
				fail("K3SSTANDIN_EXIT_AFTER_MS", err)
			}
			time.Sleep(time.Duration(ms) * time.Millisecond)
		}
		for _, child := range children {
			child.Process.Kill()
			child.Wait()
		}
		os.Exit(exitCode)
	}
	got := (<-stop).(syscall.Signal)
	for _, child := range children {
		child.Process.Kill()
		child.Wait()
	}
	fmt.Println("k3s stand-in stopping")
	signal.Reset(got)
	syscall.Kill(os.Getpid(), got)
	select {}
}
