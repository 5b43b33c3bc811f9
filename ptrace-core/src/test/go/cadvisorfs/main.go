// Command cadvisorfs looks at a path's filesystem the way cAdvisor does: the fstype and maj:min of
// its mount from /proc/self/mountinfo, the device from stat, the sizes from statfs. It prints
// "fstype=<type> device-match=<bool> blocks>0=<bool>" for the path given by -path (default "/").
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strings"
	"syscall"
)

type mount struct {
	majorMinor string
	fstype     string
}

// mountOf returns the last mountinfo line whose mount point is path: the mount on top.
func mountOf(path string) (mount, error) {
	file, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return mount{}, err
	}
	defer file.Close()
	var found mount
	ok := false
	scanner := bufio.NewScanner(file)
	for scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		separator := -1
		for i, field := range fields {
			if field == "-" && i >= 6 {
				separator = i
				break
			}
		}
		if len(fields) < 10 || separator < 0 || separator+1 >= len(fields) {
			continue
		}
		if fields[4] == path {
			found = mount{majorMinor: fields[2], fstype: fields[separator+1]}
			ok = true
		}
	}
	if err := scanner.Err(); err != nil {
		return mount{}, err
	}
	if !ok {
		return mount{}, fmt.Errorf("no mount at %s", path)
	}
	return found, nil
}

func main() {
	path := flag.String("path", "/", "the mount point to look at")
	magic := flag.Bool("magic", false, "print only the f_type of statfs and of fstatfs on an open descriptor, in hex")
	flag.Parse()
	if *magic {
		printMagic(*path)
		return
	}
	m, err := mountOf(*path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(*path, &st); err != nil {
		fmt.Fprintln(os.Stderr, "stat:", err)
		os.Exit(1)
	}
	dev := uint64(st.Dev)
	major := ((dev >> 8) & 0xfff) | ((dev >> 32) &^ 0xfff)
	minor := (dev & 0xff) | ((dev >> 12) &^ 0xff)
	var fs syscall.Statfs_t
	if err := syscall.Statfs(*path, &fs); err != nil {
		fmt.Fprintln(os.Stderr, "statfs:", err)
		os.Exit(1)
	}
	fmt.Printf("fstype=%s device-match=%t blocks>0=%t\n", m.fstype,
		fmt.Sprintf("%d:%d", major, minor) == m.majorMinor, fs.Blocks > 0)
}

// printMagic prints "statfs=<hex> fstatfs=<hex>" for path.
func printMagic(path string) {
	var byPath, byFd syscall.Statfs_t
	if err := syscall.Statfs(path, &byPath); err != nil {
		fmt.Fprintln(os.Stderr, "statfs:", err)
		os.Exit(1)
	}
	file, err := os.Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer file.Close()
	if err := syscall.Fstatfs(int(file.Fd()), &byFd); err != nil {
		fmt.Fprintln(os.Stderr, "fstatfs:", err)
		os.Exit(1)
	}
	fmt.Printf("statfs=%x fstatfs=%x\n", uint64(byPath.Type), uint64(byFd.Type))
}
