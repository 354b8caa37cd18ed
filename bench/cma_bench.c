// SPDX-License-Identifier: GPL-2.0
/*
 * cma_bench - message bandwidth between two processes: Cross Memory Attach
 * against the ways an MPI library moves data without it.
 *
 * The parent measures; a forked child is the peer.  Each message of SIZE
 * bytes is split evenly into NIOV local and NIOV remote elements (adjacent
 * slices of one buffer).  Methods:
 *
 *   memcpy     one memcpy per element inside the parent: the one-copy limit
 *   cma_read   process_vm_readv() from the peer's buffer (raw syscall)
 *   cma_write  process_vm_writev() into the peer's buffer (raw syscall)
 *   shm_2copy  the peer copies into a shared ring, the parent copies out
 *   procmem    preadv() of /proc/<peer>/mem (remote range is contiguous)
 *   pipe       the peer writev()s into a pipe, the parent readv()s it
 *
 * shm_2copy models an MPI shared-memory transport without CMA: a segment
 * mapped MAP_SHARED|MAP_ANONYMOUS before fork() holds a ring of -N slots of
 * -F bytes (default 8 x 32 KiB).  Each slot has a flag in its own cache
 * line; the sender waits for "empty" (acquire), copies a fragment in and
 * publishes "full" (release), the receiver does the reverse.  Small messages
 * take one slot (eager), large ones stream through the ring with both copies
 * overlapping (pipelined rendezvous).  Waiting spins briefly, then calls
 * sched_yield(), as MPI progress engines poll.
 *
 * CMA figures are the system call alone; MPI would add one small control
 * message per transfer (see shm_2copy at 64 B).  For shm_2copy and pipe a
 * batch starts with a command to the peer, so its wake-up is in the time,
 * spread over the batch.
 *
 * Placement matters for the two-process methods: unpinned, the scheduler
 * tends to keep the peer on the measuring CPU (the wake-up is affine), so
 * both copies of shm_2copy run on one CPU in turn.  MPI pins its ranks to
 * cores; -p 0,1 does the same.
 *
 * Timing: CLOCK_MONOTONIC.  Per point, the batch size is grown until it
 * takes a quarter of the per-repetition budget (the warm-up), then chosen
 * so a repetition takes target/reps; the figure is the median over the
 * repetitions of the time per message, with the minimum and maximum.
 * Each (method, iovecs, size) is verified once with a pattern, including
 * a guard area past the end, before it is timed.  Under QEMU TCG with
 * -icount, guest time counts instructions, so the figures are repeatable
 * (use a small -t there; the budget is guest time).
 *
 * Points whose elements would be under 64 bytes (-e) are skipped: with
 * 1024 iovecs the sweep starts at 64K, with 16 at 1K.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64	/* /proc/pid/mem offsets above 2G on 32-bit */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#if defined(__x86_64__) && defined(__ILP32__)
#define ABI "x32"
#elif defined(__x86_64__)
#define ABI "x86_64"
#elif defined(__i386__)
#define ABI "i386"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ABI "ppc64le"
#elif defined(__powerpc64__)
#define ABI "ppc64"
#elif defined(__powerpc__)
#define ABI "ppc32"
#else
#define ABI "unknown"
#endif

#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax()	__asm__ __volatile__("pause" ::: "memory")
#elif defined(__powerpc__)
#define cpu_relax()	__asm__ __volatile__("or 1,1,1\n\tor 2,2,2" ::: "memory")
#else
#define cpu_relax()	__asm__ __volatile__("" ::: "memory")
#endif

#define GUARD		4096	/* bytes checked past each message */
#define MAX_IOV		1024	/* UIO_MAXIOV */
#define MAX_REPS	64
#define MAX_NIOVS	8
#define SPINS		128	/* polls before each sched_yield() */
#define SLOT_HDR	128	/* one flag per (ppc64) cache line */

enum method { M_MEMCPY, M_CMA_READ, M_CMA_WRITE, M_SHM, M_PROCMEM, M_PIPE,
	      NR_METHODS };

static const char *const method_name[NR_METHODS] = {
	"memcpy", "cma_read", "cma_write", "shm_2copy", "procmem", "pipe",
};

/* parent -> peer commands; the peer answers each with a uint64_t */
enum { C_FILL, C_CHECK, C_SEND_SHM, C_SEND_PIPE };

struct cmd {
	uint32_t op;
	uint32_t niov;
	uint64_t size;
	uint64_t count;
	uint64_t seed;
	uint32_t inv;
	uint32_t pad;
};

struct slot {
	uint32_t full;
	uint32_t len;
};

static struct {
	size_t min_size, max_size, min_elem, frag, nslots;
	double target_ms;
	unsigned int reps;
	unsigned long min_iters, max_iters;
	unsigned int niov[MAX_NIOVS], nr_niov;
	unsigned int methods;
	int csv_stdout, cpu[2];
	const char *csv_file;
} opt = {
	.min_size = 64, .max_size = 64 << 20, .min_elem = 64,
	.frag = 32 << 10, .nslots = 8,
	.target_ms = 40, .reps = 7, .min_iters = 1, .max_iters = 1 << 22,
	.niov = { 1, 16, 1024 }, .nr_niov = 3,
	.methods = (1 << NR_METHODS) - 1, .cpu = { -1, -1 },
};

static pid_t peer;
static int in_peer;
static int cmd_pipe[2], reply_pipe[2], data_pipe[2], mem_fd = -1;
static char *lbuf, *rbuf;		/* rbuf: the peer's copy is "remote" */
static char *ring;			/* shared: headers, then data slots */
static size_t ring_hdr;
static unsigned long ring_pos;		/* next slot, kept by each side */
static struct iovec liov[MAX_IOV], riov[MAX_IOV];
static FILE *tab, *csv;

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "cma_bench%s: ", in_peer ? " (peer)" : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (!in_peer && peer > 0)
		kill(peer, SIGKILL);
	exit(1);
}

static double clk(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

#define now()		clk(CLOCK_MONOTONIC)
#define cpu_now()	clk(CLOCK_PROCESS_CPUTIME_ID)

/* Pattern: 32-bit word i of a message is i * golden + f(seed). */
static uint32_t seed_mix(uint64_t seed)
{
	return (uint32_t)((seed + 1) * 0x9e3779b97f4a7c15ull >> 32);
}

static void fill(char *buf, size_t size, uint64_t seed, int inv)
{
	uint32_t *w = (uint32_t *)buf, s = seed_mix(seed), x = inv ? ~0u : 0;
	size_t i;

	for (i = 0; i < size / 4; i++)
		w[i] = ((uint32_t)i * 0x9e3779b1u + s) ^ x;
}

/*
 * 0 if buf holds the pattern up to size and the inverted pattern (what
 * fill(size + GUARD, inv) left there) for GUARD bytes after; else 1 + the
 * offset of the first bad word.
 */
static size_t check(const char *buf, size_t size, uint64_t seed)
{
	const uint32_t *w = (const uint32_t *)buf;
	uint32_t s = seed_mix(seed);
	size_t i;

	for (i = 0; i < (size + GUARD) / 4; i++) {
		uint32_t want = (uint32_t)i * 0x9e3779b1u + s;

		if (i >= size / 4)
			want = ~want;
		if (w[i] != want)
			return 1 + i * 4;
	}
	return 0;
}

static void make_iov(struct iovec *iov, char *base, size_t size, unsigned int n)
{
	size_t chunk = size / n;
	unsigned int i;

	for (i = 0; i < n; i++) {
		iov[i].iov_base = base + i * chunk;
		iov[i].iov_len = chunk;
	}
	iov[n - 1].iov_len = size - chunk * (n - 1);
}

static void xread(int fd, void *p, size_t len)
{
	ssize_t r;

	while (len) {
		r = read(fd, p, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (in_peer)		/* parent gone: just leave */
				_exit(0);
			die("peer exited: %s", r ? strerror(errno) : "EOF");
		}
		p = (char *)p + r;
		len -= r;
	}
}

static void xwrite(int fd, const void *p, size_t len)
{
	if (write(fd, p, len) != (ssize_t)len)
		die("command pipe: %s", strerror(errno));
}

/* readv/writev/preadv (off >= 0) all of iov, resuming short transfers */
static void rw_full(int fd, const struct iovec *iov, int n, size_t size,
		    int wr, off_t off, const char *what)
{
	static struct iovec tmp[MAX_IOV];
	struct iovec *v = (struct iovec *)iov;
	size_t done = 0;
	ssize_t r;

	for (;;) {
		if (off >= 0)
			r = preadv(fd, v, n, off + done);
		else if (wr)
			r = writev(fd, v, n);
		else
			r = readv(fd, v, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("%s: %s", what, strerror(errno));
		if (r == 0)
			die("%s: unexpected end of file", what);
		done += r;
		if (done == size)
			return;
		if (v != tmp) {
			memcpy(tmp, v, n * sizeof(*v));
			v = tmp;
		}
		while ((size_t)r >= v->iov_len) {
			r -= v->iov_len;
			v++;
			n--;
		}
		v->iov_base = (char *)v->iov_base + r;
		v->iov_len -= r;
	}
}

static void cma(int wr, unsigned int n, size_t size)
{
	const char *name = wr ? "process_vm_writev" : "process_vm_readv";
	long ret;

	ret = syscall(wr ? __NR_process_vm_writev : __NR_process_vm_readv,
		      (long)peer, liov, (unsigned long)n, riov,
		      (unsigned long)n, 0UL);
	if (ret == (long)size)
		return;
	if (ret < 0 && errno == ENOSYS)
		die("%s: ENOSYS: this kernel has no Cross Memory Attach (CONFIG_CROSS_MEMORY_ATTACH)",
		    name);
	if (ret < 0)
		die("%s: %s", name, strerror(errno));
	die("%s: short transfer: %ld of %zu bytes", name, ret, size);
}

/* ---- shared-memory ring ---- */

static struct slot *slot_hdr(unsigned long pos)
{
	return (struct slot *)(ring + (pos % opt.nslots) * SLOT_HDR);
}

static char *slot_data(unsigned long pos)
{
	return ring + ring_hdr + (pos % opt.nslots) * opt.frag;
}

static void wait_flag(uint32_t *flag, uint32_t want)
{
	unsigned long n = 0;

	while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) != want) {
		if (++n % SPINS) {
			cpu_relax();
			continue;
		}
		sched_yield();
		if (n % (SPINS << 16) == 0 &&
		    (in_peer ? getppid() == 1 : waitpid(peer, NULL, WNOHANG) != 0))
			die("shm ring: peer gone");
	}
}

struct cursor {
	const struct iovec *iov;
	size_t off;
};

/* copy len bytes between buf and the iovec stream at c */
static void iov_copy(struct cursor *c, char *buf, size_t len, int to_iov)
{
	while (len) {
		char *p = (char *)c->iov->iov_base + c->off;
		size_t n = c->iov->iov_len - c->off;

		if (n > len)
			n = len;
		if (to_iov)
			memcpy(p, buf, n);
		else
			memcpy(buf, p, n);
		buf += n;
		len -= n;
		c->off += n;
		if (c->off == c->iov->iov_len) {
			c->iov++;
			c->off = 0;
		}
	}
}

static void shm_send(const struct iovec *iov, size_t size)
{
	struct cursor c = { iov, 0 };
	struct slot *s;
	size_t len;

	do {
		len = size < opt.frag ? size : opt.frag;
		s = slot_hdr(ring_pos);
		wait_flag(&s->full, 0);
		iov_copy(&c, slot_data(ring_pos), len, 0);
		s->len = len;
		__atomic_store_n(&s->full, 1, __ATOMIC_RELEASE);
		ring_pos++;
		size -= len;
	} while (size);
}

static void shm_recv(const struct iovec *iov, size_t size)
{
	struct cursor c = { iov, 0 };
	struct slot *s;
	size_t len;

	do {
		len = size < opt.frag ? size : opt.frag;
		s = slot_hdr(ring_pos);
		wait_flag(&s->full, 1);
		if (s->len != len)
			die("shm ring: fragment of %u bytes, expected %zu",
			    s->len, len);
		iov_copy(&c, slot_data(ring_pos), len, 1);
		__atomic_store_n(&s->full, 0, __ATOMIC_RELEASE);
		ring_pos++;
		size -= len;
	} while (size);
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity(CPU %d): %s", cpu, strerror(errno));
}

/* ---- the peer ---- */

static void __attribute__((noreturn)) peer_main(void)
{
	uint64_t reply, i;
	struct cmd c;
	double c0;

	in_peer = 1;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	pin(opt.cpu[1]);
	close(cmd_pipe[1]);
	close(reply_pipe[0]);
	close(data_pipe[0]);
	memset(rbuf, 0, opt.max_size + GUARD);
	for (;;) {
		xread(cmd_pipe[0], &c, sizeof(c));
		reply = 0;
		switch (c.op) {
		case C_FILL:
			fill(rbuf, c.size, c.seed, c.inv);
			break;
		case C_CHECK:
			reply = check(rbuf, c.size, c.seed);
			break;
		case C_SEND_SHM:
		case C_SEND_PIPE:
			make_iov(riov, rbuf, c.size, c.niov);
			c0 = cpu_now();
			for (i = 0; i < c.count; i++) {
				if (c.op == C_SEND_SHM)
					shm_send(riov, c.size);
				else
					rw_full(data_pipe[1], riov, c.niov,
						c.size, 1, -1, "pipe writev");
			}
			reply = (cpu_now() - c0) * 1e9;	/* CPU ns */
			break;
		}
		xwrite(reply_pipe[1], &reply, sizeof(reply));
	}
}

static void peer_send(uint32_t op, size_t size, unsigned int niov,
		      uint64_t count, uint64_t seed, int inv)
{
	struct cmd c = {
		.op = op, .niov = niov, .size = size, .count = count,
		.seed = seed, .inv = inv,
	};

	xwrite(cmd_pipe[1], &c, sizeof(c));
}

static uint64_t peer_wait(void)
{
	uint64_t reply;

	xread(reply_pipe[0], &reply, sizeof(reply));
	return reply;
}

static uint64_t peer_cmd(uint32_t op, size_t size, uint64_t seed, int inv)
{
	peer_send(op, size, 1, 0, seed, inv);
	return peer_wait();
}

/* ---- measurement ---- */

/*
 * Time count messages: returns seconds; *cpu (if not NULL) gets the CPU
 * seconds both processes spent on them, polling included.
 */
static double batch(enum method m, size_t size, unsigned int n,
		    unsigned long count, double *cpu)
{
	double t0, c0, t, c, peer_ns = 0;
	unsigned long i;
	unsigned int j;

	c0 = cpu_now();
	t0 = now();
	switch (m) {
	case M_MEMCPY:
		for (i = 0; i < count; i++)
			for (j = 0; j < n; j++)
				memcpy(liov[j].iov_base, riov[j].iov_base,
				       liov[j].iov_len);
		break;
	case M_CMA_READ:
	case M_CMA_WRITE:
		for (i = 0; i < count; i++)
			cma(m == M_CMA_WRITE, n, size);
		break;
	case M_PROCMEM:
		for (i = 0; i < count; i++)
			rw_full(mem_fd, liov, n, size, 0,
				(off_t)(uintptr_t)rbuf, "/proc/pid/mem preadv");
		break;
	case M_SHM:
		peer_send(C_SEND_SHM, size, n, count, 0, 0);
		for (i = 0; i < count; i++)
			shm_recv(liov, size);
		break;
	case M_PIPE:
		peer_send(C_SEND_PIPE, size, n, count, 0, 0);
		for (i = 0; i < count; i++)
			rw_full(data_pipe[0], liov, n, size, 0, -1,
				"pipe readv");
		break;
	default:
		break;
	}
	t = now() - t0;
	c = cpu_now() - c0;
	if (m == M_SHM || m == M_PIPE)
		peer_ns = peer_wait();
	if (cpu)
		*cpu = c + peer_ns * 1e-9;
	return t;
}

/* one message with a pattern; the destination is pre-set to its inverse */
static void verify(enum method m, size_t size, unsigned int n, uint64_t seed)
{
	size_t bad;

	if (m == M_CMA_WRITE) {
		peer_cmd(C_FILL, size + GUARD, seed, 1);
		fill(lbuf, size, seed, 0);
		batch(m, size, n, 1, NULL);
		bad = peer_cmd(C_CHECK, size, seed, 0);
	} else {
		if (m == M_MEMCPY)
			fill(rbuf, size, seed, 0);
		else
			peer_cmd(C_FILL, size, seed, 0);
		fill(lbuf, size + GUARD, seed, 1);
		batch(m, size, n, 1, NULL);
		bad = check(lbuf, size, seed);
	}
	if (bad)
		die("%s, %u iovecs, %zu bytes: WRONG DATA at byte %zu%s",
		    method_name[m], n, size, bad - 1,
		    bad - 1 >= size ? " (past the end)" : "");
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* sorts v */
static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(v[0]), cmp_double);
	return n & 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static const char *size_str(size_t size)
{
	static char buf[32];

	if (size >= (1 << 20) && !(size & ((1 << 20) - 1)))
		snprintf(buf, sizeof(buf), "%zuM", size >> 20);
	else if (size >= 1024 && !(size & 1023))
		snprintf(buf, sizeof(buf), "%zuK", size >> 10);
	else
		snprintf(buf, sizeof(buf), "%zu", size);
	return buf;
}

static void measure(enum method m, size_t size, unsigned int n, uint64_t seed)
{
	double rep_s = opt.target_ms * 1e-3 / opt.reps, t[MAX_REPS], c[MAX_REPS];
	double d, med, cpu;
	unsigned long count = 1, iters;
	unsigned int r;

	make_iov(liov, lbuf, size, n);
	make_iov(riov, rbuf, size, n);
	verify(m, size, n, seed);

	/*
	 * Warm-up: one message, then grow the batch until it takes a quarter
	 * of a repetition; time that batch once more and keep the faster, so
	 * one stall cannot shrink the batches.
	 */
	batch(m, size, n, 1, NULL);
	for (;;) {
		d = batch(m, size, n, count, NULL);
		if (d >= rep_s / 4 || count >= opt.max_iters)
			break;
		count *= d < rep_s / 256 ? 16 : 4;
		if (count > opt.max_iters)
			count = opt.max_iters;
	}
	t[0] = batch(m, size, n, count, NULL);
	if (t[0] < d)
		d = t[0];
	d = d > 0 ? count * rep_s / d : opt.max_iters;
	iters = d < opt.min_iters ? opt.min_iters :
		d > opt.max_iters ? opt.max_iters : (unsigned long)d;

	for (r = 0; r < opt.reps; r++) {
		t[r] = batch(m, size, n, iters, &c[r]) / iters * 1e6;
		c[r] = c[r] / iters * 1e6;
	}
	med = median(t, opt.reps);
	cpu = median(c, opt.reps);

	fprintf(tab, "%-10s %5u %6s %12.3f %12.3f %12.3f %10.1f %12.3f %9lu\n",
		method_name[m], n, size_str(size), med, t[0],
		t[opt.reps - 1], size / med, cpu, iters);
	fflush(tab);
	if (csv)
		fprintf(csv, "%s,%u,%zu,%.4f,%.4f,%.4f,%.2f,%u,%lu,%.4f\n",
			method_name[m], n, size, med, t[0], t[opt.reps - 1],
			size / med, opt.reps, iters, cpu);
}

/* ---- setup ---- */

static size_t parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	switch (*end) {
	case 'g': case 'G':
		v <<= 10;
		/* fall through */
	case 'm': case 'M':
		v <<= 10;
		/* fall through */
	case 'k': case 'K':
		v <<= 10;
		end++;
	}
	if (end == s || *end || !v || v > (size_t)-1 / 4)
		die("bad size '%s'", s);
	return v;
}

static void parse_methods(char *s)
{
	char *tok;
	int m;

	opt.methods = 0;
	for (tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
		if (!strcmp(tok, "all")) {
			opt.methods = (1 << NR_METHODS) - 1;
			continue;
		}
		if (!strcmp(tok, "cma")) {
			opt.methods |= 1 << M_CMA_READ | 1 << M_CMA_WRITE;
			continue;
		}
		for (m = 0; m < NR_METHODS; m++)
			if (!strcmp(tok, method_name[m]))
				break;
		if (m == NR_METHODS)
			die("unknown method '%s'", tok);
		opt.methods |= 1 << m;
	}
}

static void parse_niov(char *s)
{
	char *tok;
	long v;

	opt.nr_niov = 0;
	for (tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
		v = strtol(tok, NULL, 0);
		if (v < 1 || v > MAX_IOV || opt.nr_niov == MAX_NIOVS)
			die("bad iovec count '%s' (1..%d, at most %d counts)",
			    tok, MAX_IOV, MAX_NIOVS);
		opt.niov[opt.nr_niov++] = v;
	}
}

static void __attribute__((noreturn)) usage(void)
{
	printf("usage: cma_bench [options]\n"
	       "  -m SIZE     smallest message (64); sizes go up by 4x\n"
	       "  -M SIZE     largest message (64M); K/M/G suffixes\n"
	       "  -v LIST     iovecs per call (1,16,1024)\n"
	       "  -e SIZE     skip points whose elements are < SIZE bytes (64)\n"
	       "  -k LIST     methods: memcpy,cma_read,cma_write,shm_2copy,procmem,pipe,cma,all\n"
	       "  -t MS       target time per point in ms (40); lower it under emulators\n"
	       "  -r N        repetitions per point, median reported (7)\n"
	       "  -i MIN,MAX  iterations per repetition bounds (1,%lu)\n"
	       "  -F SIZE     shm_2copy fragment size (32K)\n"
	       "  -N N        shm_2copy ring slots (8)\n"
	       "  -p CPU,CPU  pin the measuring process and the peer\n"
	       "  -c          CSV on stdout, the table on stderr\n"
	       "  --csv FILE  also write CSV to FILE\n"
	       "Without arguments, options are taken from $CMA_BENCH_ARGS if set.\n"
	       "CSV: method,iovecs,size,usec_median,usec_min,usec_max,mbps_median,reps,iters,\n"
	       "     cpu_usec_median (usec per message; mbps = 10^6 B/s at the median;\n"
	       "     cpu: both processes' CPU time per message, polling included)\n",
	       opt.max_iters);
	exit(0);
}

static void parse_args(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "csv", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *p;
	int c;

	while ((c = getopt_long(argc, argv, "m:M:v:e:k:t:r:i:F:N:p:ch",
				lopts, NULL)) != -1) {
		switch (c) {
		case 'm': opt.min_size = parse_size(optarg); break;
		case 'M': opt.max_size = parse_size(optarg); break;
		case 'v': parse_niov(optarg); break;
		case 'e': opt.min_elem = parse_size(optarg); break;
		case 'k': parse_methods(optarg); break;
		case 't': opt.target_ms = strtod(optarg, NULL); break;
		case 'r': opt.reps = strtoul(optarg, NULL, 0); break;
		case 'i':
			opt.min_iters = strtoul(optarg, &p, 0);
			if (*p == ',')
				opt.max_iters = strtoul(p + 1, NULL, 0);
			break;
		case 'F': opt.frag = parse_size(optarg); break;
		case 'N': opt.nslots = strtoul(optarg, NULL, 0); break;
		case 'p':
			if (sscanf(optarg, "%d,%d", &opt.cpu[0], &opt.cpu[1]) != 2)
				die("-p: two CPU numbers, e.g. -p 0,1");
			break;
		case 'c': opt.csv_stdout = 1; break;
		case 'C': opt.csv_file = optarg; break;
		case 'h': usage();
		default: exit(2);
		}
	}
	if (optind < argc)
		die("unexpected argument '%s' (try -h)", argv[optind]);
	if (opt.reps < 1 || opt.reps > MAX_REPS)
		die("-r: 1..%d repetitions", MAX_REPS);
	if (!(opt.target_ms > 0) || !opt.min_iters ||
	    opt.max_iters < opt.min_iters)
		die("bad -t or -i");
	if (opt.min_size < 4 || opt.min_size > opt.max_size ||
	    (opt.min_size | opt.max_size | opt.frag) & 3)
		die("sizes must be multiples of 4 with -m <= -M");
	if (!opt.nslots || opt.nslots > 4096)
		die("-N: 1..4096 slots");
}

static void setup(void)
{
	size_t len = opt.max_size + GUARD, psz = sysconf(_SC_PAGESIZE);
	char path[64];

	lbuf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	rbuf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ring_hdr = (opt.nslots * SLOT_HDR + psz - 1) / psz * psz;
	ring = mmap(NULL, ring_hdr + opt.nslots * opt.frag,
		    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (lbuf == MAP_FAILED || rbuf == MAP_FAILED || ring == MAP_FAILED)
		die("mmap %zu bytes: %s (try a smaller -M)", len,
		    strerror(errno));
	if (pipe(cmd_pipe) || pipe(reply_pipe) || pipe(data_pipe))
		die("pipe: %s", strerror(errno));
	signal(SIGPIPE, SIG_IGN);

	/* buffers untouched until now: each side faults in its own pages */
	fflush(NULL);
	peer = fork();
	if (peer < 0)
		die("fork: %s", strerror(errno));
	if (!peer)
		peer_main();
	close(cmd_pipe[0]);
	close(reply_pipe[1]);
	close(data_pipe[1]);
	pin(opt.cpu[0]);
	memset(lbuf, 0, len);
	memset(rbuf, 0, len);
	peer_cmd(C_FILL, 0, 0, 0);	/* the peer is ready */

	if (opt.methods & 1 << M_PROCMEM) {
		snprintf(path, sizeof(path), "/proc/%d/mem", (int)peer);
		mem_fd = open(path, O_RDONLY);
		if (mem_fd < 0)
			die("%s: %s", path, strerror(errno));
	}
}

/*
 * With no arguments, the options come from $CMA_BENCH_ARGS if it is set:
 * the test guests' init runs programs without arguments, and the kernel
 * passes CMA_BENCH_ARGS="..." from its command line to init's environment.
 */
static void env_args(int *argc, char ***argv)
{
	static char *args[64];
	char *s = getenv("CMA_BENCH_ARGS"), *tok;
	int n = 1;

	if (*argc != 1 || !s)
		return;
	args[0] = (*argv)[0];
	for (tok = strtok(s, " "); tok; tok = strtok(NULL, " ")) {
		if (n == 63)
			die("CMA_BENCH_ARGS: too many arguments");
		args[n++] = tok;
	}
	*argc = n;
	*argv = args;
}

int main(int argc, char **argv)
{
	struct utsname u;
	uint64_t seed = 0;
	unsigned int i, m;
	size_t size;
	int status;

	env_args(&argc, &argv);
	parse_args(argc, argv);
	tab = opt.csv_stdout ? stderr : stdout;
	if (opt.csv_stdout)	/* whole lines, with the table on one pipe */
		setvbuf(stdout, NULL, _IOLBF, 0);
	if (opt.csv_file) {
		csv = fopen(opt.csv_file, "w");
		if (!csv)
			die("%s: %s", opt.csv_file, strerror(errno));
	} else if (opt.csv_stdout) {
		csv = stdout;
	}
	setup();

	uname(&u);
	fprintf(tab, "# cma_bench: %s %s %s, ABI %s, %ld CPUs, page %ld\n",
		u.sysname, u.release, u.machine, ABI,
		sysconf(_SC_NPROCESSORS_ONLN), sysconf(_SC_PAGESIZE));
	fprintf(tab, "# shm_2copy ring %zu x %s; pipe capacity %d; %g ms/point, %u reps, iterations %lu..%lu; elements >= %zu B\n",
		opt.nslots, size_str(opt.frag),
		fcntl(data_pipe[0], F_GETPIPE_SZ), opt.target_ms, opt.reps,
		opt.min_iters, opt.max_iters, opt.min_elem);
	fprintf(tab, "# usec per message: median, min, max over reps; MB/s = 10^6 B/s at the median;\n"
		"# cpu_us: CPU time per message of both processes (median), polling included\n");
	fprintf(tab, "%-10s %5s %6s %12s %12s %12s %10s %12s %9s\n",
		"method", "iov", "size", "usec_med", "usec_min", "usec_max",
		"MB/s", "cpu_us", "iters");
	if (csv)
		fprintf(csv, "method,iovecs,size,usec_median,usec_min,usec_max,mbps_median,reps,iters,cpu_usec_median\n");

	for (i = 0; i < opt.nr_niov; i++) {
		for (size = opt.min_size; size <= opt.max_size; size *= 4) {
			if (size < opt.niov[i] ||
			    size / opt.niov[i] < opt.min_elem)
				continue;
			for (m = 0; m < NR_METHODS; m++)
				if (opt.methods & 1 << m)
					measure(m, size, opt.niov[i], ++seed);
			fputc('\n', tab);
		}
	}

	if (csv && fclose(csv))
		die("writing CSV: %s", strerror(errno));
	close(cmd_pipe[1]);		/* the peer exits on EOF */
	if (waitpid(peer, &status, 0) != peer || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		die("peer did not exit cleanly");
	return 0;
}
