/*
 * reference-tracer: the least a ptrace path redirector has to do, as the limit the engine is measured
 * against. It makes the engine's system calls per stop and nothing else: a seccomp filter that stops at
 * the syscalls the engine's PathRedirector stops at, a blocking waitpid, PTRACE_GETREGS, process_vm_readv
 * of the path, process_vm_writev of the new path into a region it mapped in the tracee (skipped when the
 * thread's slot already holds it: at its position, or on its shelf of short strings, as the engine does),
 * PTRACE_SETREGS and PTRACE_CONT.
 *
 *   reference-tracer [--pin] [--stats FILE] --bind HOST:GUEST -- COMMAND [ARG]...
 *
 * --pin puts the tracer and, inherited, every tracee on one CPU: the first it may run on. --stats writes
 * one line of counters when the command has ended. Exit status: the command's, 128+N when signal N killed
 * it, 2 on a usage error, 125 when the trace failed. x86_64 only.
 *
 * What it leaves out, since the benchmark workloads never need it: relative paths (the engine resolves
 * them against /proc/TID/cwd), lexical normalization of `..` and `//`, openat2's RESOLVE_BENEATH, and
 * job-control stops. The region is mapped per thread at its first rewrite (the engine maps one per
 * process, a slot per thread).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef __x86_64__
#error "reference-tracer is written for x86_64"
#endif

#define PATH_BYTES 4096
/* Two PATH_MAX positions, then a shelf of short strings kept where they were written (the engine's slot). */
#define SHELF_ENTRIES 16
#define SHELF_ENTRY_BYTES 256
#define SLOT_BYTES (2 * PATH_BYTES + SHELF_ENTRIES * SHELF_ENTRY_BYTES)
#define PAGE_BYTES 4096
#define FIRST_CHUNK 256
#define MAX_THREADS 16384
#define X32_SYSCALL_BIT 0x40000000UL
#define EXIT_USAGE 2
#define EXIT_TRACE_FAILED 125

/* Where a path-taking syscall has its paths: up to two argument indexes, -1 for none (PathSyscalls). */
struct path_layout {
    long nr;
    int path[2];
    int nullable;
};

static const struct path_layout LAYOUTS[] = {
    {SYS_open, {0, -1}, 0}, {SYS_creat, {0, -1}, 0}, {SYS_stat, {0, -1}, 0}, {SYS_lstat, {0, -1}, 0},
    {SYS_access, {0, -1}, 0}, {SYS_readlink, {0, -1}, 0}, {SYS_chdir, {0, -1}, 0}, {SYS_execve, {0, -1}, 0},
    {SYS_mkdir, {0, -1}, 0}, {SYS_rmdir, {0, -1}, 0}, {SYS_unlink, {0, -1}, 0}, {SYS_truncate, {0, -1}, 0},
    {SYS_statfs, {0, -1}, 0}, {SYS_chmod, {0, -1}, 0}, {SYS_chown, {0, -1}, 0}, {SYS_lchown, {0, -1}, 0},
    {SYS_utime, {0, -1}, 0}, {SYS_utimes, {0, -1}, 0}, {SYS_mknod, {0, -1}, 0}, {SYS_getxattr, {0, -1}, 0},
    {SYS_lgetxattr, {0, -1}, 0}, {SYS_setxattr, {0, -1}, 0}, {SYS_lsetxattr, {0, -1}, 0},
    {SYS_listxattr, {0, -1}, 0}, {SYS_llistxattr, {0, -1}, 0}, {SYS_removexattr, {0, -1}, 0},
    {SYS_lremovexattr, {0, -1}, 0},
    {SYS_openat, {1, -1}, 0}, {SYS_newfstatat, {1, -1}, 0}, {SYS_statx, {1, -1}, 0}, {SYS_faccessat, {1, -1}, 0},
    {439 /* faccessat2 */, {1, -1}, 0}, {SYS_readlinkat, {1, -1}, 0}, {SYS_execveat, {1, -1}, 0},
    {SYS_mkdirat, {1, -1}, 0}, {SYS_unlinkat, {1, -1}, 0}, {SYS_fchmodat, {1, -1}, 0}, {SYS_fchownat, {1, -1}, 0},
    {SYS_mknodat, {1, -1}, 0}, {SYS_name_to_handle_at, {1, -1}, 0}, {437 /* openat2 */, {1, -1}, 0},
    {SYS_utimensat, {1, -1}, 1}, {SYS_futimesat, {1, -1}, 1}, {SYS_inotify_add_watch, {1, -1}, 0},
    {SYS_rename, {0, 1}, 0}, {SYS_link, {0, 1}, 0}, {SYS_renameat, {1, 3}, 0}, {SYS_renameat2, {1, 3}, 0},
    {SYS_linkat, {1, 3}, 0}, {SYS_symlink, {1, -1}, 0}, {SYS_symlinkat, {2, -1}, 0},
};
#define LAYOUT_COUNT (sizeof LAYOUTS / sizeof LAYOUTS[0])

/*
 * What the tracer keeps per thread: whether its first stop was seen, its region, what its slot holds (a
 * length of 0: nothing known) at its two positions and on its shelf, and the shelf entry to reuse next.
 */
struct thread {
    pid_t tid;
    int seen;
    unsigned long region;
    int next_shelf_entry;
    size_t held_length[2];
    size_t shelved_length[SHELF_ENTRIES];
    char held[2][PATH_BYTES];
    char shelved[SHELF_ENTRIES][SHELF_ENTRY_BYTES];
};

static struct thread *threads;
static const char *host, *guest;
static size_t host_length, guest_length;
static unsigned long stops, seccomp_stops, rewrites, writes, mappings;

static void fail(const char *what) {
    fprintf(stderr, "reference-tracer: %s: %s\n", what, strerror(errno));
    exit(EXIT_TRACE_FAILED);
}

static struct thread *thread_of(pid_t tid) {
    for (unsigned i = (unsigned) tid % MAX_THREADS, n = 0; n < MAX_THREADS; i = (i + 1) % MAX_THREADS, n++) {
        if (threads[i].tid == tid || threads[i].tid == 0) {
            threads[i].tid = tid;
            return &threads[i];
        }
    }
    fprintf(stderr, "reference-tracer: more than %d threads\n", MAX_THREADS);
    exit(EXIT_TRACE_FAILED);
}

static unsigned long long *argument(struct user_regs_struct *regs, int index) {
    unsigned long long *registers[] = {&regs->rdi, &regs->rsi, &regs->rdx, &regs->r10, &regs->r8, &regs->r9};
    return registers[index];
}

static const struct path_layout *layout_of(long nr) {
    for (size_t i = 0; i < LAYOUT_COUNT; i++) {
        if (LAYOUTS[i].nr == nr) {
            return &LAYOUTS[i];
        }
    }
    return NULL;
}

/* Stops at every path-taking syscall, and at any of another ABI (as the engine: traced, never killed). */
static void install_filter(void) {
    struct sock_filter code[8 + LAYOUT_COUNT];
    size_t n = 0;
    code[n++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
    code[n++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
    code[n++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
    code[n++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
    code[n++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, LAYOUT_COUNT + 1, 0);
    for (size_t i = 0; i < LAYOUT_COUNT; i++) {
        code[n] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, LAYOUTS[i].nr, LAYOUT_COUNT - i, 0);
        n++;
    }
    code[n++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    code[n++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
    struct sock_fprog program = {.len = (unsigned short) n, .filter = code};
    // Like the engine: NO_NEW_PRIVS only when the kernel wants it (no CAP_SYS_ADMIN).
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) != 0) {
        if (errno != EACCES || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0
                || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) != 0) {
            fail("seccomp");
        }
    }
}

/* The NUL-terminated string at address, or -1 when unreadable or PATH_BYTES long or more. */
static long read_path(pid_t tid, unsigned long address, char *path) {
    size_t length = 0;
    while (length < PATH_BYTES) {
        unsigned long at = address + length;
        size_t want = length == 0 ? FIRST_CHUNK : PAGE_BYTES;
        size_t to_page_end = PAGE_BYTES - (at & (PAGE_BYTES - 1));
        size_t chunk = want < to_page_end ? want : to_page_end;
        if (chunk > PATH_BYTES - length) {
            chunk = PATH_BYTES - length;
        }
        struct iovec local = {path + length, chunk}, remote = {(void *) at, chunk};
        ssize_t got = process_vm_readv(tid, &local, 1, &remote, 1, 0);
        if (got <= 0) {
            return -1;
        }
        char *end = memchr(path + length, 0, (size_t) got);
        if (end != NULL) {
            return end - path;
        }
        length += (size_t) got;
    }
    return -1;
}

/*
 * Turns the syscall at this seccomp stop into an mmap of the thread's region, then sets the thread back
 * onto its syscall instruction, so the syscall runs again and stops again, now with a region to use.
 */
static void map_region(pid_t tid, struct thread *thread, const struct user_regs_struct *entry) {
    struct user_regs_struct regs = *entry;
    regs.orig_rax = SYS_mmap;
    regs.rdi = 0;
    regs.rsi = SLOT_BYTES;
    regs.rdx = PROT_READ | PROT_WRITE;
    regs.r10 = MAP_PRIVATE | MAP_ANONYMOUS;
    regs.r8 = (unsigned long) -1;
    regs.r9 = 0;
    int status;
    if (ptrace(PTRACE_SETREGS, tid, 0, &regs) != 0 || ptrace(PTRACE_SYSCALL, tid, 0, 0) != 0) {
        fail("inject mmap");
    }
    if (waitpid(tid, &status, __WALL) != tid) {
        fail("wait for mmap");
    }
    if (!WIFSTOPPED(status)) {
        return; // killed meanwhile: the main loop's next wait says nothing more of it
    }
    if (WSTOPSIG(status) != (SIGTRAP | 0x80) || ptrace(PTRACE_GETREGS, tid, 0, &regs) != 0) {
        fprintf(stderr, "reference-tracer: thread %d: unexpected stop 0x%x after an injected mmap\n", tid, status);
        exit(EXIT_TRACE_FAILED);
    }
    if ((long) regs.rax < 0) {
        errno = (int) -regs.rax;
        fail("mmap in the tracee");
    }
    thread->region = regs.rax;
    memset(thread->held_length, 0, sizeof thread->held_length);
    memset(thread->shelved_length, 0, sizeof thread->shelved_length);
    mappings++;
    regs = *entry;
    regs.rax = entry->orig_rax;
    regs.rip -= 2; // the two-byte syscall instruction
    if (ptrace(PTRACE_SETREGS, tid, 0, &regs) != 0 || ptrace(PTRACE_CONT, tid, 0, 0) != 0) {
        fail("restart after mmap");
    }
}

/* Writes the NUL-terminated path of LENGTH bytes at ADDRESS in the tracee. */
static void place(pid_t tid, unsigned long address, char *path, size_t length) {
    struct iovec local = {path, length + 1}, remote = {(void *) address, length + 1};
    if (process_vm_writev(tid, &local, 1, &remote, 1, 0) != (ssize_t) (length + 1)) {
        fail("process_vm_writev");
    }
    writes++;
}

/*
 * The address of REPLACEMENT on the thread's shelf, written there unless already on it; never entry
 * IN_USE, which holds this syscall's other path.
 */
static unsigned long shelve(pid_t tid, struct thread *thread, char *replacement, size_t length, int *in_use) {
    int entry = 0;
    while (entry < SHELF_ENTRIES && (thread->shelved_length[entry] != length
            || memcmp(thread->shelved[entry], replacement, length) != 0)) {
        entry++;
    }
    unsigned long address;
    if (entry == SHELF_ENTRIES) {
        entry = thread->next_shelf_entry == *in_use ? (*in_use + 1) % SHELF_ENTRIES : thread->next_shelf_entry;
        thread->next_shelf_entry = (entry + 1) % SHELF_ENTRIES;
        address = thread->region + 2 * PATH_BYTES + (unsigned long) entry * SHELF_ENTRY_BYTES;
        place(tid, address, replacement, length);
        memcpy(thread->shelved[entry], replacement, length + 1);
        thread->shelved_length[entry] = length;
    }
    *in_use = entry;
    return thread->region + 2 * PATH_BYTES + (unsigned long) entry * SHELF_ENTRY_BYTES;
}

/* Rewrites the paths in GUEST; returns 0 when it resumed the thread itself (after mapping its region). */
static int redirect(pid_t tid, struct thread *thread) {
    struct user_regs_struct regs;
    if (ptrace(PTRACE_GETREGS, tid, 0, &regs) != 0) {
        if (errno != ESRCH) {
            fail("PTRACE_GETREGS");
        }
        return 0; // killed meanwhile
    }
    const struct path_layout *layout = layout_of((long) regs.orig_rax);
    if (layout == NULL) {
        return 1;
    }
    int changed = 0;
    int shelf_entry_in_use = -1;
    for (int p = 0; p < 2 && layout->path[p] >= 0; p++) {
        unsigned long long *pointer = argument(&regs, layout->path[p]);
        char path[PATH_BYTES];
        if (layout->nullable && *pointer == 0) {
            continue;
        }
        long length = read_path(tid, *pointer, path);
        if (length <= 0 || strncmp(path, guest, guest_length) != 0
                || (path[guest_length] != '/' && path[guest_length] != 0)) {
            continue;
        }
        size_t new_length = host_length + (size_t) length - guest_length;
        if (new_length >= PATH_BYTES) {
            regs.orig_rax = (unsigned long) -1;
            regs.rax = (unsigned long) -ENAMETOOLONG;
            changed = 1;
            break;
        }
        if (thread->region == 0) {
            map_region(tid, thread, &regs);
            return 0;
        }
        char replacement[PATH_BYTES];
        memcpy(replacement, host, host_length);
        memcpy(replacement + host_length, path + guest_length, (size_t) length - guest_length + 1);
        unsigned long address;
        if (new_length < SHELF_ENTRY_BYTES) {
            address = shelve(tid, thread, replacement, new_length, &shelf_entry_in_use);
        } else {
            address = thread->region + (unsigned long) p * PATH_BYTES;
            if (thread->held_length[p] != new_length || memcmp(thread->held[p], replacement, new_length) != 0) {
                place(tid, address, replacement, new_length);
                memcpy(thread->held[p], replacement, new_length + 1);
                thread->held_length[p] = new_length;
            }
        }
        *pointer = address;
        changed = 1;
        rewrites++;
    }
    if (changed && ptrace(PTRACE_SETREGS, tid, 0, &regs) != 0 && errno != ESRCH) {
        fail("PTRACE_SETREGS");
    }
    return 1;
}

static void usage(const char *problem) {
    fprintf(stderr, "reference-tracer: %s (usage: reference-tracer [--pin] [--stats FILE] --bind HOST:GUEST "
            "-- COMMAND [ARG]...)\n", problem);
    exit(EXIT_USAGE);
}

int main(int argc, char **argv) {
    const char *stats_file = NULL;
    int pin = 0;
    int i = 1;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--pin") == 0) {
            pin = 1;
            continue;
        }
        int valued = strcmp(argv[i], "--stats") == 0 || strcmp(argv[i], "--bind") == 0;
        if (valued && i + 1 >= argc) {
            char problem[256];
            snprintf(problem, sizeof problem, "%s needs a value", argv[i]);
            usage(problem);
        }
        if (strcmp(argv[i], "--stats") == 0) {
            stats_file = argv[++i];
        } else if (strcmp(argv[i], "--bind") == 0) {
            char *colon = strchr(argv[++i], ':');
            if (colon == NULL || colon[1] != '/' || argv[i][0] != '/') {
                char problem[256];
                snprintf(problem, sizeof problem, "--bind wants HOST:GUEST, two absolute paths, not '%.200s'", argv[i]);
                usage(problem);
            }
            *colon = 0;
            host = argv[i];
            guest = colon + 1;
        } else {
            char problem[256];
            snprintf(problem, sizeof problem, "unknown option '%.200s'", argv[i]);
            usage(problem);
        }
    }
    if (host == NULL || i + 1 >= argc) {
        usage("--bind and a command after -- are required");
    }
    host_length = strlen(host);
    guest_length = strlen(guest);
    while (guest_length > 1 && guest[guest_length - 1] == '/') {
        guest_length--;
    }
    // Opened before the command starts, so that a bad FILE is said at once; close-on-exec ("e").
    FILE *stats = stats_file == NULL ? NULL : fopen(stats_file, "we");
    if (stats_file != NULL && stats == NULL) {
        fail(stats_file);
    }
    threads = calloc(MAX_THREADS, sizeof *threads);
    if (threads == NULL) {
        fail("calloc");
    }
    if (pin) {
        cpu_set_t allowed, one;
        if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) {
            fail("sched_getaffinity");
        }
        int cpu = 0;
        while (!CPU_ISSET(cpu, &allowed)) {
            cpu++;
        }
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        if (sched_setaffinity(0, sizeof one, &one) != 0) {
            fail("sched_setaffinity");
        }
    }

    pid_t child = fork();
    if (child < 0) {
        fail("fork");
    }
    if (child == 0) {
        if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0 || raise(SIGSTOP) != 0) {
            fail("PTRACE_TRACEME");
        }
        install_filter();
        execvp(argv[i + 1], argv + i + 1);
        fprintf(stderr, "reference-tracer: %s: %s\n", argv[i + 1], strerror(errno));
        _exit(127);
    }
    int status;
    if (waitpid(child, &status, 0) != child || !WIFSTOPPED(status)) {
        fail("wait for the command's first stop");
    }
    thread_of(child)->seen = 1;
    long options = PTRACE_O_EXITKILL | PTRACE_O_TRACESECCOMP | PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE
            | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC;
    if (ptrace(PTRACE_SETOPTIONS, child, 0, options) != 0 || ptrace(PTRACE_CONT, child, 0, 0) != 0) {
        fail("PTRACE_SETOPTIONS");
    }

    int exit_status = EXIT_TRACE_FAILED;
    for (;;) {
        pid_t tid = waitpid(-1, &status, __WALL);
        if (tid < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == ECHILD) {
                break;
            }
            fail("waitpid");
        }
        stops++;
        struct thread *thread = thread_of(tid);
        if (WIFEXITED(status) || WIFSIGNALED(status)) {
            if (tid == child) {
                exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            memset(thread, 0, offsetof(struct thread, held));
            thread->tid = tid;
            continue;
        }
        int signal = WSTOPSIG(status);
        int event = status >> 16;
        int deliver = 0;
        if (event == PTRACE_EVENT_SECCOMP) {
            seccomp_stops++;
            if (!redirect(tid, thread)) {
                continue;
            }
        } else if (event == PTRACE_EVENT_EXEC) {
            unsigned long former = 0;
            ptrace(PTRACE_GETEVENTMSG, tid, 0, &former);
            thread->region = 0;
            if ((pid_t) former != tid) {
                thread_of((pid_t) former)->region = 0;
            }
        } else if (event != 0) {
            // fork, vfork, clone: the new tracee reports its own first stop.
        } else if (signal == SIGSTOP && !thread->seen) {
            // A new tracee's first stop: PTRACE_O_TRACECLONE and friends start it with SIGSTOP.
        } else if (signal != (SIGTRAP | 0x80)) {
            deliver = signal;
        }
        thread->seen = 1;
        if (ptrace(PTRACE_CONT, tid, 0, deliver) != 0 && errno != ESRCH) {
            fail("PTRACE_CONT");
        }
    }
    if (stats != NULL) {
        fprintf(stats, "stops=%lu seccomp_stops=%lu rewrites=%lu writes=%lu mappings=%lu\n", stops, seccomp_stops,
                rewrites, writes, mappings);
        fclose(stats);
    }
    return exit_status;
}
