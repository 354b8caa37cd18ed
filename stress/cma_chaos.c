// SPDX-License-Identifier: GPL-2.0
/*
 * cma_chaos - process_vm_readv()/process_vm_writev() against a process
 * whose address space keeps changing under the calls, and callers killed
 * in the middle of huge transfers.
 *
 * Test 1, "calls": a target process works on a region at a fixed address:
 * it munmap()s, mremap()s away, mprotect()s (none, read-only) ranges and
 * puts them back later, madvise()s them (DONTNEED, FREE, PAGEOUT), maps
 * fresh pages over them, rewrites them, forks children that write to them
 * and exit, and after a random lifetime either exits or execs itself in a
 * mode that maps the region again, sleeps a little and exits.  The parent
 * then starts a new target.  Meanwhile caller processes copy to and from
 * the target without pause, with random iovecs around and across the
 * region.  Every call must return the full count, a partial count, or
 * EFAULT, ESRCH, EPERM or ENOMEM; anything else fails.
 *
 * Every byte of the region is at all times 0 or the pattern byte of its
 * address (the callers write only that too), so each byte a read returns
 * is checked, and the local bytes past the returned count must be as they
 * were.  A page of someone else's memory, or of freed memory, shows.
 *
 * The parent reaps a dead target only after every caller has moved on to
 * the new one, so no call can reach a recycled pid.
 *
 * Test 2, "sigkill": meanwhile the parent forks callers that start a 1 GiB
 * transfer (a 1 MiB buffer named 1024 times; or 64 MiB of untouched
 * memory 16 times, the zero page) from or to the parent or the target,
 * and SIGKILLs each after a random 0-20 ms.  Each must be gone within 5 s.
 * At the end a plain copy must still work.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "stress.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define MAX_CALLERS	16
#define MAX_OPEN	6	/* ranges away from read-write at once */
#define MAX_SPAN	8	/* pages per target operation */
#define MAX_PIECES	16	/* iovecs per side of a caller's call */
#define REGION_HINT	0x40000000UL
#define KILL_WAIT	5.0	/* seconds a killed caller may take */
#define BIG_CHUNK	(1UL << 20)
#define BIG_ZERO	(64UL << 20)

/* What a call against the target may return. */
#define ALLOWED (OUTCOME(OUT_FULL) | OUTCOME(OUT_PARTIAL) | \
		 OUTCOME(OUT_EFAULT) | OUTCOME(OUT_ESRCH) | \
		 OUTCOME(OUT_EPERM) | OUTCOME(OUT_ENOMEM))

struct caller_stats {
	uint64_t n[2][NR_OUTCOMES];
	uint64_t data_errors, bad;
	pid_t ack;		/* the target of the last finished call */
};

struct ctl {
	pid_t target;
	int stop;
	unsigned long calls;
	unsigned int execs;
	struct caller_stats caller[MAX_CALLERS];
};

static struct common_opts opt;
static unsigned int ncallers = 3, region_pages;
static char *region;		/* the target's region, by address */
static size_t region_len;
static char exe[4096];
static struct ctl *ctl;
static double deadline;

/* The byte every region address holds when it is not 0. */
static uint8_t region_byte(uintptr_t addr)
{
	return word_byte(mix64(opt.seed ^ (addr / 8)), addr % 8);
}

static void fill_region(char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = region_byte((uintptr_t)p + i);
}

/* ---- The target ---- */

enum open_kind { OPEN_UNMAPPED, OPEN_NONE, OPEN_READONLY, OPEN_MOVED };

struct open_range {
	enum open_kind kind;
	unsigned int first, n;
};

struct target {
	struct rng rng;
	struct open_range open[MAX_OPEN];
	unsigned int nopen;
	unsigned char *away;	/* per page: part of an open range */
	char *scratch;		/* where OPEN_MOVED ranges go */
};

/* The target cannot go on: exit 3, which the parent reports. */
static void target_fail(const char *what, unsigned int first, unsigned int n)
{
	note("target %d: %s of pages %u-%u: %s", getpid(), what, first,
	     first + n - 1, strerror(errno));
	exit(3);
}

static char *pg_addr(unsigned int pg)
{
	return region + (size_t)pg * page;
}

/* A random range of pages none of which is away; false if none found. */
static bool pick_range(struct target *t, unsigned int *first, unsigned int *n)
{
	for (int tries = 0; tries < 8; tries++) {
		unsigned int i;

		*n = 1 + rng_below(&t->rng, MAX_SPAN);
		*first = rng_below(&t->rng, region_pages - *n + 1);
		for (i = 0; i < *n && !t->away[*first + i]; i++)
			;
		if (i == *n)
			return true;
	}
	return false;
}

static void take_range(struct target *t)
{
	struct open_range *o = &t->open[t->nopen];
	char *addr;
	size_t len;
	int ret = 0;

	if (t->nopen == MAX_OPEN || !pick_range(t, &o->first, &o->n))
		return;
	o->kind = rng_below(&t->rng, 4);
	addr = pg_addr(o->first);
	len = (size_t)o->n * page;
	switch (o->kind) {
	case OPEN_UNMAPPED:
		ret = munmap(addr, len);
		break;
	case OPEN_NONE:
		ret = mprotect(addr, len, PROT_NONE);
		break;
	case OPEN_READONLY:
		ret = mprotect(addr, len, PROT_READ);
		break;
	case OPEN_MOVED:
		/* Only within one mapping: EFAULT if it spans several. */
		if (mremap(addr, len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
			   t->scratch + (addr - region)) == MAP_FAILED) {
			if (errno == EFAULT)
				return;
			ret = -1;
		}
		break;
	}
	if (ret)
		target_fail("open", o->first, o->n);
	memset(t->away + o->first, 1, o->n);
	t->nopen++;
}

static void return_range(struct target *t)
{
	unsigned int i = rng_below(&t->rng, t->nopen);
	struct open_range *o = &t->open[i];
	char *addr = pg_addr(o->first);
	size_t len = (size_t)o->n * page;
	int ret = 0;

	if (!t->nopen)
		return;
	switch (o->kind) {
	case OPEN_UNMAPPED:
		if (mmap(addr, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != addr)
			ret = -1;
		else if (rng_chance(&t->rng, 50))
			fill_region(addr, len);
		break;
	case OPEN_NONE:
	case OPEN_READONLY:
		ret = mprotect(addr, len, PROT_READ | PROT_WRITE);
		break;
	case OPEN_MOVED:
		if (mremap(t->scratch + (addr - region), len, len,
			   MREMAP_MAYMOVE | MREMAP_FIXED, addr) != addr)
			ret = -1;
		break;
	}
	if (ret)
		target_fail("close", o->first, o->n);
	memset(t->away + o->first, 0, o->n);
	*o = t->open[--t->nopen];
}

static void advise(struct target *t, unsigned int first, unsigned int n)
{
	static const int advice[] = {
		MADV_DONTNEED,
#ifdef MADV_FREE
		MADV_FREE,
#endif
#ifdef MADV_PAGEOUT
		MADV_PAGEOUT,
#endif
	};
	int a = advice[rng_below(&t->rng, sizeof(advice) / sizeof(*advice))];

	/* FREE and PAGEOUT may be missing from the kernel's config. */
	if (madvise(pg_addr(first), (size_t)n * page, a) && a == MADV_DONTNEED)
		target_fail("madvise", first, n);
}

/* A child that writes some pages (breaking copy-on-write) and exits. */
static void fork_writer(struct target *t, unsigned int first, unsigned int n)
{
	pid_t pid = fork();

	if (pid < 0)
		return;		/* out of processes for now: fine */
	if (!pid) {
		fill_region(pg_addr(first), (size_t)n * page);
		sleep_us(rng_below(&t->rng, 2000));
		_exit(0);
	}
}

static void reap_children(bool all)
{
	while (waitpid(-1, NULL, all ? 0 : WNOHANG) > 0)
		;
}

static void exec_sleeper(struct rng *r)
{
	char arg[64], seed[32];

	snprintf(arg, sizeof(arg), "%lu:%lx:%zx",
		 (unsigned long)rng_below(r, 500),
		 (unsigned long)(uintptr_t)region, region_len);
	snprintf(seed, sizeof(seed), "0x%" PRIx64, opt.seed);
	execl(exe, exe, "-X", arg, "-s", seed, (char *)NULL);
	note("target: exec %s: %s", exe, strerror(errno));
	exit(3);
}

/* -X ms:addr:len: what the target execs; maps the region, sleeps, exits. */
static int sleeper(const char *arg)
{
	unsigned long ms, addr;
	size_t len;

	if (sscanf(arg, "%lu:%lx:%zx", &ms, &addr, &len) != 3)
		return 2;
	/* With a guard page on either side, as the targets have it. */
	region = mmap((void *)(addr - page), len + 2 * page, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (region == (void *)(addr - page) &&
	    !mprotect(region + page, len, PROT_READ | PROT_WRITE))
		fill_region(region + page, len);
	sleep_us(ms * 1000);
	return 0;
}

static void target_main(unsigned int gen)
{
	struct target t = { 0 };
	double end;

	rng_seed(&t.rng, opt.seed, 0x7a000000ULL + gen);
	if (mmap(region, region_len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != region)
		target_fail("mmap", 0, region_pages);
	fill_region(region, region_len);
	t.away = calloc(region_pages, 1);
	t.scratch = mmap(NULL, region_len, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!t.away || t.scratch == MAP_FAILED)
		target_fail("allocate", 0, region_pages);

	end = now() + 0.1 + rng_below(&t.rng, 2000) / 1000.0;
	while (now() < end) {
		unsigned int r = rng_below(&t.rng, 100), first, n;

		reap_children(false);
		if (r < 30)
			take_range(&t);
		else if (r < 60)
			return_range(&t);
		else if (!pick_range(&t, &first, &n))
			continue;
		else if (r < 75)
			advise(&t, first, n);
		else if (r < 85)
			fill_region(pg_addr(first), (size_t)n * page);
		else if (r < 90)
			fork_writer(&t, first, n);
		else if (mmap(pg_addr(first), (size_t)n * page,
			      PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
			 MAP_FAILED)
			target_fail("mmap over", first, n);
		sleep_us(rng_below(&t.rng, 300));
	}
	reap_children(true);
	if (rng_chance(&t.rng, 50)) {
		__atomic_fetch_add(&ctl->execs, 1, __ATOMIC_RELAXED);
		exec_sleeper(&t.rng);
	}
	exit(0);
}

static pid_t spawn_target(unsigned int gen)
{
	pid_t pid = fork_child();

	if (!pid)
		target_main(gen);
	return pid;
}

/* ---- The callers ---- */

struct call {
	struct iovec lv[MAX_PIECES], rv[MAX_PIECES];
	unsigned int ln, rn;
	size_t len;
};

/* Random remote pieces around and across the region; local: @buf, cut. */
static void random_call(struct rng *r, struct call *c, unsigned char *buf,
			size_t max)
{
	size_t pieces[MAX_PIECES];
	unsigned int n = 1 + rng_below(r, MAX_PIECES);

	c->len = 0;
	for (c->rn = 0; c->rn < n; c->rn++) {
		size_t len = rng_len(r, 4 * page);
		char *at = region - page + rng_below(r, region_len + 2 * page);

		if (c->len + len > max)
			break;
		c->rv[c->rn].iov_base = at;
		c->rv[c->rn].iov_len = len;
		c->len += len;
	}
	if (!c->rn) {
		c->rv[0].iov_base = region;
		c->rv[0].iov_len = c->len = 1;
		c->rn = 1;
	}
	c->ln = rng_split(r, c->len, pieces, 1 + rng_below(r, MAX_PIECES));
	for (unsigned int i = 0; i < c->ln; i++) {
		c->lv[i].iov_base = buf;
		c->lv[i].iov_len = pieces[i];
		buf += pieces[i];
	}
}

/* The remote address of byte @k of the call's remote stream. */
static uintptr_t remote_addr(const struct call *c, size_t k)
{
	unsigned int i;

	for (i = 0; k >= c->rv[i].iov_len; i++)
		k -= c->rv[i].iov_len;
	return (uintptr_t)c->rv[i].iov_base + k;
}

/*
 * After a read that returned @done bytes: each of them 0 or its address's
 * pattern byte, and every byte after them still 0xa5.
 */
static bool check_read(const struct call *c, const unsigned char *buf,
		       size_t done, unsigned int who, bool report)
{
	for (size_t k = 0; k < c->len; k++) {
		uintptr_t a = remote_addr(c, k);
		bool ok = k < done ? !buf[k] || buf[k] == region_byte(a) :
			  buf[k] == 0xa5;

		if (!ok && !report)
			return false;
		if (!ok) {
			note("caller %u: read of %zu bytes returned %zu: byte"
			     " %zu (remote %#lx, region offset %ld) is 0x%02x",
			     who, c->len, done, k, (unsigned long)a,
			     (long)(a - (uintptr_t)region), buf[k]);
			return false;
		}
	}
	return true;
}

static bool claim_call(void)
{
	return !opt.max_calls ||
	       __atomic_fetch_add(&ctl->calls, 1, __ATOMIC_RELAXED) <
	       opt.max_calls;
}

static void caller_main(unsigned int who)
{
	struct caller_stats *st = &ctl->caller[who];
	size_t max = 16 * page;
	unsigned char *buf = private_alloc(max);
	unsigned int reports = 0;
	struct rng r;
	struct call c;

	rng_seed(&r, opt.seed, 0xca000000ULL + who);
	while (!__atomic_load_n(&ctl->stop, __ATOMIC_ACQUIRE) && claim_call()) {
		pid_t pid = __atomic_load_n(&ctl->target, __ATOMIC_ACQUIRE);
		bool write = rng_chance(&r, 50);
		enum outcome out;
		ssize_t ret;
		int err;

		random_call(&r, &c, buf, max);
		if (write) {
			for (size_t k = 0; k < c.len; k++)
				buf[k] = region_byte(remote_addr(&c, k));
		} else {
			memset(buf, 0xa5, c.len);
		}
		ret = pvm(write, pid, c.lv, c.ln, c.rv, c.rn, 0);
		err = errno;
		out = outcome_of(ret, c.len, err);
		st->n[write][out]++;
		if (!(OUTCOME(out) & ALLOWED)) {
			st->bad++;
			if (reports++ < max_reports)
				note("caller %u: %s of %zu bytes returned %zd"
				     " (%s)", who, write ? "writev" : "readv",
				     c.len, ret, ret < 0 ? errno_name(err) :
				     "more than asked");
		} else if (!write && !check_read(&c, buf, ret < 0 ? 0 : ret,
						 who, reports < max_reports)) {
			st->data_errors++;
			reports++;
		}
		__atomic_store_n(&st->ack, pid, __ATOMIC_RELEASE);
	}
	exit(0);
}

/* ---- Killed callers ---- */

struct kill_stats {
	unsigned long tries, killed, finished, hung;
	double worst;
};

static char *big_src, *big_sink, *big_zero;

/* A 1 GiB transfer from or to the parent or the target, until killed. */
static void victim(struct rng *r, int fd, pid_t parent, pid_t target)
{
	static struct iovec lv[UIO_MAXIOV], rv[UIO_MAXIOV];
	char *dst = private_alloc(BIG_CHUNK);
	unsigned int kind = rng_below(r, 4), n = UIO_MAXIOV, i;
	pid_t pid = kind == 3 ? target : parent;
	bool wr = kind == 1;

	for (i = 0; i < n; i++) {
		lv[i].iov_base = dst;
		lv[i].iov_len = BIG_CHUNK;
		rv[i].iov_base = wr ? big_sink : big_src;
		rv[i].iov_len = BIG_CHUNK;
		if (kind == 2)		/* the zero page, 16 x 64 MiB */
			rv[i].iov_base = big_zero + i % 64 * BIG_CHUNK;
		if (kind == 3) {	/* the chaotic target's region */
			size_t quarter = region_len / 4;

			if (quarter > BIG_CHUNK)
				quarter = BIG_CHUNK;
			rv[i].iov_base = region + i % 4 * quarter;
			rv[i].iov_len = lv[i].iov_len = quarter;
		}
	}
	if (write(fd, "x", 1) != 1)
		_exit(2);
	pvm(wr, pid, lv, n, rv, n, 0);
	_exit(0);
}

static void kill_one(struct rng *r, struct kill_stats *ks)
{
	int fds[2], status;
	pid_t pid, parent = getpid();
	double t0, took;
	char c;

	if (pipe(fds))
		bail(errno, "pipe");
	pid = fork_child();
	if (!pid) {
		close(fds[0]);
		victim(r, fds[1], parent,
		       __atomic_load_n(&ctl->target, __ATOMIC_ACQUIRE));
	}
	close(fds[1]);
	if (read(fds[0], &c, 1) != 1)
		note("victim %d died before its call", pid);
	close(fds[0]);
	sleep_us(rng_below(r, 20000));
	kill(pid, SIGKILL);
	t0 = now();
	ks->tries++;
	if (!wait_timeout(pid, &status, KILL_WAIT)) {
		ks->hung++;
		note("victim %d still there %.0f s after SIGKILL", pid,
		     KILL_WAIT);
		waitpid(pid, &status, 0);
	}
	took = now() - t0;
	if (took > ks->worst)
		ks->worst = took;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		ks->killed++;
	else
		ks->finished++;
}

/* ---- The parent ---- */

static pid_t callers[MAX_CALLERS];
static unsigned int targets, bad_targets;

/* Has @pid ended?  It stays a zombie, for waitpid() later. */
static bool ended(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return !pid || (!waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) &&
			si.si_pid == pid);
}

static bool budget_done(void)
{
	return opt.max_calls &&
	       __atomic_load_n(&ctl->calls, __ATOMIC_RELAXED) >= opt.max_calls;
}

/* The target died: start the next, reap the old once no caller uses it. */
static bool replace_target(pid_t old)
{
	siginfo_t si;
	pid_t new;
	double limit;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, old, &si, WEXITED | WNOHANG | WNOWAIT) ||
	    si.si_pid != old)
		return true;
	if (si.si_code != CLD_EXITED || si.si_status != 0) {
		bad_targets++;
		note("target %d: %s %d", old, si.si_code == CLD_EXITED ?
		     "exit" : "signal", si.si_status);
	}
	new = spawn_target(++targets);
	__atomic_store_n(&ctl->target, new, __ATOMIC_RELEASE);
	limit = now() + 30;
	for (unsigned int i = 0; i < ncallers; i++)
		while (__atomic_load_n(&ctl->caller[i].ack, __ATOMIC_ACQUIRE) !=
		       new && !__atomic_load_n(&ctl->stop, __ATOMIC_RELAXED)) {
			if (ended(callers[i]))
				break;	/* the caller check will say why */
			if (now() > limit) {
				note("caller %u stuck in a call for 30 s", i);
				return false;
			}
			sleep_us(200);
		}
	waitpid(old, NULL, 0);
	return true;
}

static void usage(void)
{
	fprintf(stderr, "usage: %s [options]\n"
		"  -c CALLERS  caller processes (default 3, max %d)\n"
		"  -r KIB      the target's region in KiB (default 1024)\n"
		"  -k MS       a killed caller every MS ms (default 200, 0: none)\n",
		prog, MAX_CALLERS);
	print_common_usage();
	exit(2);
}

static unsigned long kill_ms = 200;
static size_t region_kib = 1024;
static const char *sleeper_arg;

static void parse(int argc, char **argv)
{
	int c;

	common_defaults(&opt, 25);
	while ((c = getopt(argc, argv, COMMON_GETOPT "c:r:k:X:")) != -1) {
		if (common_opt(&opt, c, optarg))
			continue;
		switch (c) {
		case 'c':
			ncallers = parse_ulong(optarg, "-c");
			break;
		case 'r':
			region_kib = parse_ulong(optarg, "-r");
			break;
		case 'k':
			kill_ms = parse_ulong(optarg, "-k");
			break;
		case 'X':
			sleeper_arg = optarg;
			break;
		default:
			usage();
		}
	}
	if (sleeper_arg)
		exit(sleeper(sleeper_arg));
	if (optind != argc || !ncallers || ncallers > MAX_CALLERS)
		usage();
}

static void setup(void)
{
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		bail(errno, "readlink /proc/self/exe");
	exe[n] = 0;

	region_pages = region_kib * 1024 / page;
	if (region_pages < 4 * MAX_SPAN)
		region_pages = 4 * MAX_SPAN;
	region_len = (size_t)region_pages * page;
	/*
	 * Reserve the place, with a guard page either side, so nothing else
	 * ever lands next to it; each target maps the region over this.
	 */
	region = mmap((void *)(REGION_HINT - page), region_len + 2 * page,
		      PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		      MAP_FIXED_NOREPLACE, -1, 0);
	if (region == MAP_FAILED)
		region = mmap(NULL, region_len + 2 * page, PROT_NONE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED)
		bail(errno, "mmap %zu bytes", region_len);
	region += page;

	big_src = private_alloc(BIG_CHUNK);
	memset(big_src, 0x5a, BIG_CHUNK);
	big_sink = private_alloc(BIG_CHUNK);
	memset(big_sink, 0, BIG_CHUNK);
	big_zero = mmap(NULL, BIG_ZERO, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (big_zero == MAP_FAILED)
		bail(errno, "mmap %lu bytes", BIG_ZERO);
	ctl = shared_alloc(sizeof(*ctl));
}

/* After it all: a fresh target, a full read and a full write. */
static bool sane(void)
{
	unsigned char *buf = private_alloc(region_len);
	struct iovec lv = { buf, region_len }, rv = { region, region_len };
	bool ok = true;
	int fds[2];
	pid_t pid;
	char c;

	if (pipe(fds))
		bail(errno, "pipe");
	pid = fork_child();
	if (!pid) {
		if (mmap(region, region_len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
		    region)
			_exit(1);
		fill_region(region, region_len);
		if (write(fds[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(fds[1]);
	ok = read(fds[0], &c, 1) == 1;
	close(fds[0]);
	ok = ok && pvm_readv(pid, &lv, 1, &rv, 1, 0) == (ssize_t)region_len;
	for (size_t i = 0; ok && i < region_len; i++)
		ok = buf[i] == region_byte((uintptr_t)region + i);
	if (ok && pvm_writev(pid, &lv, 1, &rv, 1, 0) != (ssize_t)region_len)
		ok = false;
	if (!ok)
		note("final read and write of a quiet process failed: %s",
		     strerror(errno));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	munmap(buf, region_len);
	return ok;
}

int main(int argc, char **argv)
{
	struct kill_stats ks = { 0 };
	uint64_t n[2][NR_OUTCOMES] = { { 0 } }, calls = 0, data_errors = 0;
	uint64_t bad = 0;
	double start, next_kill, secs;
	bool ok1 = true, ok2, hung = false;
	unsigned int i;
	struct rng r;
	int status;

	stress_init("cma_chaos");
	parse(argc, argv);
	tap_plan(2);
	require_cma(2);
	print_header(&opt);
	setup();
	note("%u callers; region of %u pages of %zu bytes at %p; a killed"
	     " caller every %lu ms", ncallers, region_pages, page, region,
	     kill_ms);

	rng_seed(&r, opt.seed, 0);
	/* The run, a killed caller's 5 s, a stuck target switch's 30 s. */
	watchdog(opt.secs, 120);
	start = now();
	deadline = start + opt.secs;
	next_kill = start;
	ctl->target = spawn_target(++targets);
	for (i = 0; i < ncallers; i++) {
		callers[i] = fork_child();
		if (!callers[i])
			caller_main(i);
	}

	while (now() < deadline && !budget_done()) {
		for (i = 0; i < ncallers; i++)
			if (ended(callers[i]) && !budget_done()) {
				waitpid(callers[i], &status, 0);
				note("caller %u ended early: %s", i,
				     status_str(status));
				callers[i] = 0;
				ok1 = false;
			}
		if (!ok1 || !replace_target(ctl->target)) {
			ok1 = false;
			break;
		}
		if (kill_ms && now() >= next_kill) {
			kill_one(&r, &ks);
			next_kill = now() + kill_ms / 1000.0;
		}
		sleep_us(2000);
	}

	__atomic_store_n(&ctl->stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < ncallers; i++) {
		if (!callers[i])
			continue;
		if (!wait_timeout(callers[i], &status, 30)) {
			note("caller %u hung (in a call) at the end", i);
			kill(callers[i], SIGKILL);
			waitpid(callers[i], &status, 0);
			hung = true;
		} else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			note("caller %u: %s", i, status_str(status));
			ok1 = false;
		}
	}
	kill(ctl->target, SIGKILL);
	waitpid(ctl->target, NULL, 0);
	secs = now() - start;

	for (i = 0; i < ncallers; i++) {
		struct caller_stats *st = &ctl->caller[i];

		for (int w = 0; w < 2; w++)
			for (int o = 0; o < NR_OUTCOMES; o++) {
				n[w][o] += st->n[w][o];
				calls += st->n[w][o];
			}
		data_errors += st->data_errors;
		bad += st->bad;
	}
	print_outcomes(n);
	note("%u targets (%u exec'd), %u ended badly; %lu callers killed (%lu killed in"
	     " time, %lu finished first, %lu hung), slowest death %.3f s",
	     targets, ctl->execs, bad_targets, ks.tries, ks.killed, ks.finished, ks.hung,
	     ks.worst);
	ok1 = ok1 && !hung && !bad_targets && !data_errors && !bad;
	ok2 = !ks.hung && sane();
	printf("%s: %" PRIu64 " calls, %" PRIu64 " data errors, %.1f s,"
	       " seed 0x%016" PRIx64 "\n", prog, calls, data_errors, secs,
	       opt.seed);
	tap_result(1, ok1, "cma_chaos calls", "%s", ok1 ? "" :
		   "bad outcome, data, target or caller (see above)");
	tap_result(2, ok2, "cma_chaos sigkill", "%s", ok2 ? "" :
		   "a killed caller hung, or the final copy failed");
	return ok1 && ok2 ? 0 : 1;
}
