// SPDX-License-Identifier: GPL-2.0
/*
 * cma_fuzz - process_vm_readv()/process_vm_writev() with random arguments.
 *
 * pid: ourselves, a live child, a zombie child, a reaped child, 1, 2
 * (kthreadd), 0, -1, INT_MAX, INT_MIN or a random number.  Vectors: NULL,
 * a guard page, kernel or non-canonical addresses, misaligned, flush
 * against a guard page, or good; counts 0 to UIO_MAXIOV + 1, LONG_MAX,
 * ULONG_MAX.  Elements: in a scratch buffer, running off its end into a
 * guard page, in the NULL page, at kernel and other unmapped addresses,
 * overlapping; lengths 0 to SSIZE_MAX, SIZE_MAX and other "negative"
 * ones.  flags: 0, or random bits.
 *
 * Every call must return at most the bytes asked for, or one of EINVAL,
 * EFAULT, ENOMEM, EPERM, ESRCH (never EACCES: a denial is EPERM).  Where
 * mainline's answer follows from the arguments alone it is checked
 * exactly (-l turns that off): unknown flags and too many iovecs are
 * EINVAL, an unreadable vector EFAULT, a length over SSIZE_MAX EINVAL, no
 * bytes 0 (before the pid is even looked up), a zombie or a kernel thread
 * ESRCH, an unprivileged caller against root's processes EPERM, and a
 * call whose elements are all inside scratch buffers the full count.
 *
 * The series' flags PROCESS_VM_PIDFD and PROCESS_VM_NOWAIT are tried in a
 * few calls too (with a pidfd where one is needed), and half of those add
 * PROCESS_VM_REDUCE with a random op and type field (defined or not); a
 * kernel without them says EINVAL, one with them may also say EBADF,
 * EAGAIN or EOPNOTSUPP there.  Random "unknown" bits never include the
 * series' own, so they are EINVAL on every kernel.
 *
 * The fuzzer must stay trustworthy, so nothing can write into memory it
 * cares about: a copy runs in order and stops at the first fault, so it is
 * enough that every element a call may write through starts either in a
 * scratch buffer (followed by a PROT_NONE guard page) or at an address
 * that faults.  Candidate "unmapped" addresses are reserved PROT_NONE in
 * the fuzzer (and so in the live child) or dropped if something is there.
 * Into another process (pid 1, random pids) a write only ever names the
 * NULL page or, for 64-bit programs, addresses above 2^63.
 *
 * When run as root, a second process fuzzes as nobody (uid 65534) too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "stress.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define PVM_PIDFD	(1UL << 0)	/* the series' process_vm.h */
#define PVM_NOWAIT	(1UL << 1)
#define PVM_REDUCE	(1UL << 2)
#define PVM_REDUCE_OP(op, type)	(PVM_REDUCE | (op) << 8 | (type) << 12)
/* Every bit the series gives a meaning, the op and type fields among them. */
#define PVM_KNOWN	(PVM_PIDFD | PVM_NOWAIT | PVM_REDUCE_OP(0xfUL, 0xfUL))

#define SCRATCH_PAGES	8

/* Every errno mainline can return from these calls. */
#define MAINLINE (OUTCOME(OUT_FULL) | OUTCOME(OUT_PARTIAL) | \
		  OUTCOME(OUT_EFAULT) | OUTCOME(OUT_EINVAL) | \
		  OUTCOME(OUT_ENOMEM) | OUTCOME(OUT_EPERM) | OUTCOME(OUT_ESRCH))

/* Whom a call names, and what it must then return. */
struct target {
	const char *name;
	pid_t pid;
	int pidfd;		/* for PROCESS_VM_PIDFD, or -1 */
	bool ours;		/* its scratch buffers may be written */
	int expect;		/* errno once the pid is looked up, or 0 */
};

enum { T_SELF, T_CHILD, T_ZOMBIE, T_REAPED, T_INIT, T_KTHREADD, T_ZERO,
       T_MINUS1, T_INTMAX, T_INTMIN, T_RANDOM, NR_TARGETS };

struct fuzz_stats {
	uint64_t n[2][NR_OUTCOMES];
	uint64_t calls, exact, failures;
};

struct ctl {
	unsigned long calls;
	struct fuzz_stats st[2];	/* root, nobody */
};

static struct common_opts opt;
static bool lenient;
static struct ctl *ctl;
static struct target targets[NR_TARGETS];
static size_t scratch_len;
static char *lscratch, *rscratch;	/* read-write, guard page either side */
static struct iovec *larr, *rarr;	/* UIO_MAXIOV + 1, guard page after */
static size_t arr_len;
static uintptr_t faulting[16];		/* addresses that fault for us */
static unsigned int nfaulting;
static double deadline;
static const char *who = "root";
static bool user_4g;			/* a 32-bit program, 64-bit kernel */

/* ---- Setup ---- */

/* [guard][len bytes][guard]; returns the start of the middle. */
static char *guarded(size_t len)
{
	char *p = mmap(NULL, len + 2 * page, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		bail(errno, "mmap");
	if (mprotect(p + page, len, PROT_READ | PROT_WRITE))
		bail(errno, "mprotect");
	return p + page;
}

/*
 * Keep @addr as a faulting address if it cannot be ours (the kernel
 * refuses to map it) or we reserve its page PROT_NONE; drop it if
 * something is mapped there.
 */
static void add_faulting(uintptr_t addr)
{
	uintptr_t pg = addr & ~(uintptr_t)(page - 1);
	void *p = mmap((void *)pg, page, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED && errno == EEXIST)
		return;
	if (p != MAP_FAILED && p != (void *)pg) {
		munmap(p, page);	/* an old kernel took it as a hint */
		return;
	}
	faulting[nfaulting++] = addr;
}

static void setup_addresses(void)
{
	static const uint64_t candidates[] = {
		0xc0000000ULL, 0xfffff000ULL, 0xfffffff8ULL, 0x80000000ULL,
		0x0000800000000000ULL, 0xffff800000000000ULL,
		0xffffffff81000000ULL, 0xc000000000000000ULL,
		0x8000000000000000ULL, 0xfffffffffffff000ULL,
	};

	/* Is 3 GiB and up user space (a 64-bit kernel) or the kernel's? */
	if (sizeof(long) == 4) {
		void *p = mmap((void *)0xc0000000UL, page, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS |
			       MAP_FIXED_NOREPLACE, -1, 0);

		user_4g = p == (void *)0xc0000000UL ||
			  (p == MAP_FAILED && errno == EEXIST);
#if defined(__x86_64__) && defined(__ILP32__)
		user_4g = true;		/* x32: always a 64-bit kernel */
#endif
		if (p != MAP_FAILED)
			munmap(p, page);
	}
	for (unsigned int i = 0; i < sizeof(candidates) / sizeof(*candidates);
	     i++)
		if ((uintptr_t)candidates[i] == candidates[i])
			add_faulting(candidates[i]);
	/* The guard pages are ours and fault too. */
	faulting[nfaulting++] = (uintptr_t)lscratch - page;
	faulting[nfaulting++] = (uintptr_t)rscratch + scratch_len + 7;
}

static int pidfd_open_or_not(pid_t pid)
{
#ifdef SYS_pidfd_open
	return syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;
#endif
}

/* A kernel thread exists but has no executable. */
static bool is_kthread(pid_t pid)
{
	char path[64], buf[8];

	snprintf(path, sizeof(path), "/proc/%d", pid);
	if (access(path, F_OK))
		return false;
	strcat(path, "/exe");
	return readlink(path, buf, sizeof(buf)) < 0 && errno == ENOENT;
}

static void setup_targets(void)
{
	struct target *t = targets;
	pid_t pid;

	t[T_SELF] = (struct target){ "self", getpid(), -1, true, 0 };
	pid = fork_child();
	if (!pid) {
		for (;;)
			pause();
	}
	t[T_CHILD] = (struct target){ "live child", pid, -1, true, 0 };
	pid = fork_child();
	if (!pid)
		_exit(0);
	/* Exited but not reaped: no mm any more. */
	if (waitid(P_PID, pid, &(siginfo_t){ 0 }, WEXITED | WNOWAIT))
		bail(errno, "waitid");
	t[T_ZOMBIE] = (struct target){ "zombie", pid, -1, false, ESRCH };
	pid = fork_child();
	if (!pid)
		_exit(0);
	waitpid(pid, NULL, 0);
	/* Reaped: the number may come back as anyone; expect nothing. */
	t[T_REAPED] = (struct target){ "reaped", pid, -1, false, 0 };
	t[T_INIT] = (struct target){ "init", 1, -1, false, 0 };
	t[T_KTHREADD] = (struct target){ "pid 2", 2, -1, false,
					 is_kthread(2) ? ESRCH : 0 };
	t[T_ZERO] = (struct target){ "pid 0", 0, -1, false, ESRCH };
	t[T_MINUS1] = (struct target){ "pid -1", -1, -1, false, ESRCH };
	t[T_INTMAX] = (struct target){ "INT_MAX", INT_MAX, -1, false, ESRCH };
	t[T_INTMIN] = (struct target){ "INT_MIN", INT_MIN, -1, false, ESRCH };
	t[T_RANDOM] = (struct target){ "random pid", 0, -1, false, 0 };
}

static void setup(void)
{
	scratch_len = SCRATCH_PAGES * page;
	lscratch = guarded(scratch_len);
	rscratch = guarded(scratch_len);
	arr_len = (UIO_MAXIOV + 1) * sizeof(struct iovec);
	arr_len = (arr_len + page - 1) & ~(page - 1);
	larr = (struct iovec *)guarded(arr_len);
	rarr = (struct iovec *)guarded(arr_len);
	setup_addresses();
	ctl = shared_alloc(sizeof(*ctl));
	setup_targets();
}

/* ---- Building a call ---- */

/* access_ok() of an element: surely true, surely false, or it depends. */
enum access { ACC_OK, ACC_UNKNOWN, ACC_FAIL };

struct vec {
	struct iovec *arr;
	unsigned long cnt;
	unsigned long prefix;	/* elements the kernel can read */
	unsigned long first_neg; /* first length over SSIZE_MAX, or cnt */
	enum access access;	/* the worst of the elements' */
	bool in_scratch;	/* every non-empty element in scratch */
	bool any_len;		/* some length is not 0 */
	uint64_t sum;		/* of lengths, saturating */
};

struct fcall {
	bool write;
	struct target *t;
	pid_t pid;
	unsigned long flags;
	struct vec l, r;
};

/* Addresses another process may be written at: they fault everywhere. */
static uintptr_t foreign_fault(struct rng *r)
{
	static const uintptr_t null_page[] = { 0, 1, 8, 0xff8 };

	if (sizeof(long) == 8 && rng_chance(r, 50))
		return (uintptr_t)(0x8000000000000000ULL | rng_next(r));
	return null_page[rng_below(r, 4)];
}

static size_t random_len(struct rng *r, bool small, bool weird)
{
	static const size_t huge[] = {
		SSIZE_MAX, SIZE_MAX, (size_t)SSIZE_MAX + 1, (size_t)-4096,
		(size_t)-1 / 2 - 4096, (size_t)INT_MAX + 1,
	};
	/* Over SSIZE_MAX and other huge ones only in "weird" vectors. */
	unsigned int c = rng_below(r, weird ? 100 : 90);

	if (c < 10)
		return 0;
	if (c < 60 || (small && c < 90))
		return rng_len(r, 256);
	if (c < 80)
		return rng_len(r, scratch_len);
	if (c < 90)
		return page;
	if (c < 97)
		return huge[rng_below(r, sizeof(huge) / sizeof(*huge))];
	return rng_next(r);
}

/*
 * One element.  @dest: the call may write through it; @scratch: the
 * buffer this side has; @foreign: the other process is not ours.
 */
static void random_iov(struct rng *r, struct iovec *v, const struct iovec *prev,
		       char *scratch, bool dest, bool foreign, bool small,
		       bool weird)
{
	unsigned int c = rng_below(r, 100);
	uintptr_t base;
	size_t len = random_len(r, small, weird);

	if (dest && foreign) {
		base = c < 90 ? foreign_fault(r) : 0;
	} else if (c < 60) {
		base = (uintptr_t)scratch + rng_below(r, scratch_len);
	} else if (c < 70) {
		base = (uintptr_t)scratch + scratch_len - rng_below(r, 64);
	} else if (c < 80 && prev) {
		base = (uintptr_t)prev->iov_base;
	} else if (c < 85) {
		base = foreign_fault(r);
	} else {
		base = faulting[rng_below(r, nfaulting)];
	}
	v->iov_base = (void *)base;
	v->iov_len = len;
}

static bool inside(const struct iovec *v, const char *buf, size_t len)
{
	uintptr_t base = (uintptr_t)v->iov_base, start = (uintptr_t)buf;

	return !v->iov_len || (base >= start && base - start <= len &&
			       v->iov_len <= len - (base - start));
}

/*
 * What access_ok() says, whatever the kernel: on 64 bits a start from 2^63
 * on is never user space; an end up to 2^46 always is, and in between it
 * depends (6.1 checks the end, newer x86 only the start).  A 32-bit
 * program on a 64-bit kernel has all 4 GiB (and a length under 2 GiB
 * cannot reach the kernel); on a 32-bit kernel user space ends at 3 GiB.
 */
static enum access element_access(const struct iovec *v)
{
	uint64_t base = (uintptr_t)v->iov_base, end = base + v->iov_len;

	if (sizeof(long) == 8) {
		if (base >> 63)
			return ACC_FAIL;
		return end < base || end >> 46 ? ACC_UNKNOWN : ACC_OK;
	}
	if (user_4g || end <= 0xbfff0000ULL)
		return ACC_OK;
	return base >= 0xc0001000ULL ? ACC_FAIL : ACC_UNKNOWN;
}

static unsigned long random_count(struct rng *r)
{
	static const unsigned long odd[] = {
		UIO_MAXIOV - 1, UIO_MAXIOV, UIO_MAXIOV + 1, UIO_MAXIOV * 2,
		LONG_MAX, ULONG_MAX, (unsigned long)INT_MAX + 1,
	};
	unsigned int c = rng_below(r, 100);

	if (c < 5)
		return 0;
	if (c < 70)
		return 1 + rng_below(r, 4);
	if (c < 85)
		return 1 + rng_below(r, 64);
	if (c < 93)
		return 1 + rng_below(r, UIO_MAXIOV);
	return odd[rng_below(r, sizeof(odd) / sizeof(*odd))];
}

/*
 * Fill @v: its count, where the array is and its elements (all of them
 * that lie in the array's buffer, even when the kernel cannot read the
 * whole array, so no stale element is ever there).
 */
static void random_vec(struct rng *r, struct vec *v, struct iovec *arr,
		       char *scratch, bool dest, bool foreign)
{
	unsigned long i, fill = 0, room = arr_len / sizeof(*arr);
	unsigned int c = rng_below(r, 100);
	bool small, weird = rng_chance(r, 20);

	memset(v, 0, sizeof(*v));
	v->cnt = random_count(r);
	v->in_scratch = true;
	small = v->cnt > 16;
	if (c < 75 || !v->cnt || v->cnt >= room) {
		v->arr = arr;
		fill = v->cnt < room ? v->cnt : room;
	} else if (c < 85) {
		v->arr = arr + room - v->cnt;		/* flush with the guard */
		fill = v->cnt;
	} else if (c < 88) {
		/* Misaligned by a byte. */
		v->arr = (struct iovec *)((char *)(arr + room - v->cnt) - 1);
		fill = v->cnt;
	} else if (c < 92) {
		/* The last element is in the guard page. */
		v->arr = arr + room - v->cnt + 1;
		fill = v->cnt - 1;
	} else {
		v->arr = rng_chance(r, 30) ? NULL :
			 (struct iovec *)faulting[rng_below(r, nfaulting)];
	}
	v->prefix = fill;
	v->first_neg = v->cnt;
	for (i = 0; i < fill; i++) {
		struct iovec e, prev;
		enum access a;

		if (i)
			memcpy(&prev, &v->arr[i - 1], sizeof(prev));
		random_iov(r, &e, i ? &prev : NULL, scratch, dest, foreign,
			   small, weird);
		memcpy(&v->arr[i], &e, sizeof(e));	/* may be misaligned */
		if (e.iov_len > SSIZE_MAX && v->first_neg == v->cnt)
			v->first_neg = i;
		a = element_access(&e);
		if (a > v->access)
			v->access = a;
		v->in_scratch &= inside(&e, scratch, scratch_len);
		v->any_len |= e.iov_len != 0;
		v->sum = v->sum + e.iov_len < v->sum ? UINT64_MAX :
			 v->sum + e.iov_len;
	}
}

static void random_call(struct rng *r, struct fcall *c)
{
	unsigned int f = rng_below(r, 100);
	bool foreign;

	c->write = rng_chance(r, 50);
	c->t = &targets[rng_below(r, NR_TARGETS)];
	c->pid = c->t == &targets[T_RANDOM] ? (pid_t)rng_below(r, 65536) :
		 c->t->pid;
	c->flags = 0;
	if (f >= 90 && f < 96) {
		/* Bits no kernel knows (bit 63 or 31 on 32-bit programs). */
		c->flags = rng_next(r) & ~PVM_KNOWN;
		if (!c->flags)
			c->flags = 1UL << (sizeof(long) * 8 - 1);
	} else if (f >= 96) {
		c->flags = 1 + rng_below(r, PVM_PIDFD | PVM_NOWAIT);
		if (rng_chance(r, 50))
			c->flags |= PVM_REDUCE_OP(rng_below(r, 16),
						  rng_below(r, 16));
		if (c->flags & PVM_PIDFD && c->t->pidfd >= 0)
			c->pid = c->t->pidfd;
	}
	/* With PIDFD an unknown number may be one of our pidfds: foreign. */
	foreign = !c->t->ours;
	random_vec(r, &c->l, larr, lscratch, !c->write, false);
	random_vec(r, &c->r, rarr, rscratch, c->write, foreign);
}

/* ---- Judging it ---- */

static size_t max_rw_count(void)
{
	return INT_MAX & ~(page - 1);
}

#define UNKNOWN SSIZE_MAX	/* no prediction */

/*
 * Reading a vector in (iovec_from_user()): too long, or element by
 * element until one cannot be read or has a length over SSIZE_MAX.
 * Before 6.4 the native (not compat) path copied the whole array first,
 * so a length over SSIZE_MAX followed by an unreadable element was
 * EFAULT there, EINVAL since: either is mainline's (VEC_EITHER).
 */
#define VEC_EITHER	1
static int vec_error(const struct vec *v)
{
	if (v->cnt > UIO_MAXIOV)
		return -EINVAL;
	if (v->first_neg < v->prefix && v->prefix < v->cnt)
		return VEC_EITHER;
	if (v->first_neg < v->prefix)
		return -EINVAL;
	if (v->prefix < v->cnt)
		return -EFAULT;
	return 0;
}

/*
 * What mainline returns when the arguments alone decide it, in the order
 * it checks them: bytes, -errno, or UNKNOWN.
 */
static ssize_t predict(const struct fcall *c)
{
	uint64_t lsum = c->l.sum;
	int err;

	if (c->flags & ~PVM_KNOWN)
		return -EINVAL;
	if (c->flags)
		return UNKNOWN;		/* the series' flags */
	/* The local vector: import_iovec(), with access_ok() on each. */
	err = vec_error(&c->l);
	if (err)
		return err == VEC_EITHER ? UNKNOWN : err;
	if (c->l.access == ACC_FAIL)
		return -EFAULT;
	if (c->l.access == ACC_UNKNOWN)
		return UNKNOWN;
	if (!lsum)
		return 0;
	/* The remote one: no access_ok(), the addresses are not ours. */
	err = vec_error(&c->r);
	if (err)
		return err == VEC_EITHER ? UNKNOWN : err;
	if (!c->r.any_len)
		return 0;
	if (c->t->expect)
		return -c->t->expect;
	if (c->t->ours && c->pid == c->t->pid && c->l.in_scratch &&
	    c->r.in_scratch) {
		if (lsum > max_rw_count())
			lsum = max_rw_count();
		return lsum < c->r.sum ? lsum : c->r.sum;
	}
	return UNKNOWN;
}

/* The most bytes a call may return. */
static uint64_t most(const struct fcall *c)
{
	uint64_t m = c->l.sum > max_rw_count() ? max_rw_count() : c->l.sum;

	if (c->l.prefix < c->l.cnt || c->r.prefix < c->r.cnt)
		return 0;
	return c->r.sum < m ? c->r.sum : m;
}

static bool accepted(const struct fcall *c, ssize_t ret, int err)
{
	unsigned int ok = MAINLINE;

	if (c->flags & PVM_KNOWN && !(c->flags & ~PVM_KNOWN)) {
		ok |= OUTCOME(OUT_EBADF) | OUTCOME(OUT_EAGAIN);
		if (c->flags & PVM_REDUCE && ret < 0 && err == EOPNOTSUPP)
			return true;
	}
	if (ret >= 0)
		return (uint64_t)ret <= most(c);
	return OUTCOME(outcome_of(ret, 0, err)) & ok;
}

static void print_vec(const char *name, const struct vec *v,
		      const char *scratch)
{
	printf("#   %s %p x %lu (%lu readable, sum %" PRIu64 ", access %s%s)",
	       name, (void *)v->arr, v->cnt, v->prefix, v->sum,
	       v->access == ACC_OK ? "ok" : v->access == ACC_FAIL ? "fails" :
	       "unknown", v->in_scratch ? ", in scratch" : "");
	for (unsigned long i = 0; i < v->prefix && i < 6; i++) {
		struct iovec e;

		memcpy(&e, &v->arr[i], sizeof(e));
		if (e.iov_base >= (void *)scratch &&
		    e.iov_base <= (void *)(scratch + scratch_len))
			printf(" {scratch+%#lx, %#zx}",
			       (unsigned long)((char *)e.iov_base - scratch),
			       e.iov_len);
		else
			printf(" {%p, %#zx}", e.iov_base, e.iov_len);
	}
	printf("%s\n", v->prefix > 6 ? " ..." : "");
}

static void report(const struct fcall *c, ssize_t ret, int err,
		   const char *why)
{
	printf("# %s: %s pid %d (%s) flags %#lx returned %zd%s%s: %s\n",
	       who, c->write ? "process_vm_writev" : "process_vm_readv",
	       c->pid, c->t->name, c->flags, ret, ret < 0 ? " " : "",
	       ret < 0 ? errno_name(err) : "", why);
	print_vec("lvec", &c->l, lscratch);
	print_vec("rvec", &c->r, rscratch);
}

static bool claim_call(void)
{
	return !opt.max_calls ||
	       __atomic_fetch_add(&ctl->calls, 1, __ATOMIC_RELAXED) <
	       opt.max_calls;
}

static void fuzz(struct fuzz_stats *st, uint64_t stream)
{
	struct rng r;
	struct fcall c;

	rng_seed(&r, opt.seed, stream);
	while (now() < deadline && claim_call()) {
		ssize_t ret, want;
		int err;
		char why[96];

		random_call(&r, &c);
		ret = pvm(c.write, c.pid, c.l.arr, c.l.cnt, c.r.arr, c.r.cnt,
			  c.flags);
		err = ret < 0 ? errno : 0;
		st->calls++;
		st->n[c.write][outcome_of(ret, ret < 0 ? 0 : most(&c), err)]++;
		want = lenient ? UNKNOWN : predict(&c);
		st->exact += want != UNKNOWN;
		if (!accepted(&c, ret, err))
			snprintf(why, sizeof(why), "not a possible outcome");
		else if (want == UNKNOWN || (want < 0 && ret < 0 &&
					      err == -want) || ret == want)
			continue;
		else if (want < 0)
			snprintf(why, sizeof(why), "mainline: %s",
				 errno_name(-want));
		else
			snprintf(why, sizeof(why), "mainline: %zd", want);
		if (st->failures++ < max_reports)
			report(&c, ret, err, why);
	}
}

/* ---- Processes ---- */

/* As nobody: against root's processes EPERM, pidfds closed. */
static void nobody(void)
{
	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534))
		bail(errno, "becoming nobody");
	/* Changing credentials cleared fork_child()'s death signal. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	who = "nobody";
	for (int i = 0; i < NR_TARGETS; i++) {
		struct target *t = &targets[i];

		if (t->pidfd >= 0)
			close(t->pidfd);
		t->pidfd = -1;
		if (i == T_CHILD || (i == T_INIT && getpid() != 1))
			t->expect = EPERM;
	}
	targets[T_SELF].pid = getpid();
	fuzz(&ctl->st[1], 2);
	exit(0);
}

static void usage(void)
{
	fprintf(stderr, "usage: %s [options]\n"
		"  -l        lenient: only check for possible outcomes, not\n"
		"            mainline's exact answers\n", prog);
	print_common_usage();
	exit(2);
}

static void parse(int argc, char **argv)
{
	int c;

	common_defaults(&opt, 20);
	while ((c = getopt(argc, argv, COMMON_GETOPT "l")) != -1) {
		if (common_opt(&opt, c, optarg))
			continue;
		if (c == 'l')
			lenient = true;
		else
			usage();
	}
	if (optind != argc)
		usage();
}

int main(int argc, char **argv)
{
	uint64_t n[2][NR_OUTCOMES] = { { 0 } }, calls = 0, exact = 0, fail = 0;
	pid_t nobody_pid = 0;
	double start;
	int status;
	bool ok = true;

	stress_init("cma_fuzz");
	parse(argc, argv);
	tap_plan(1);
	require_cma(1);
	print_header(&opt);
	setup();
	watchdog(opt.secs, 120);
	start = now();
	deadline = start + opt.secs;
	note("targets: self %d, live child %d, zombie %d, reaped %d;"
	     " %u faulting addresses%s", targets[T_SELF].pid,
	     targets[T_CHILD].pid, targets[T_ZOMBIE].pid,
	     targets[T_REAPED].pid, nfaulting,
	     user_4g ? "; 32-bit on a 64-bit kernel" : "");

	if (!geteuid()) {
		nobody_pid = fork_child();
		if (!nobody_pid)
			nobody();
	}
	targets[T_SELF].pidfd = pidfd_open_or_not(getpid());
	targets[T_CHILD].pidfd = pidfd_open_or_not(targets[T_CHILD].pid);
	fuzz(&ctl->st[0], 1);

	if (nobody_pid && (wait_timeout(nobody_pid, &status, 60) != nobody_pid ||
			   !WIFEXITED(status) || WEXITSTATUS(status))) {
		note("the unprivileged fuzzer failed or hung");
		kill(nobody_pid, SIGKILL);
		ok = false;
	}
	/* The live child must have lived through it all. */
	if (waitpid(targets[T_CHILD].pid, &status, WNOHANG)) {
		note("the live child died: %s", status_str(status));
		ok = false;
	}
	kill(targets[T_CHILD].pid, SIGKILL);
	waitpid(targets[T_CHILD].pid, NULL, 0);
	waitpid(targets[T_ZOMBIE].pid, NULL, 0);

	for (int s = 0; s < 2; s++) {
		for (int w = 0; w < 2; w++)
			for (int o = 0; o < NR_OUTCOMES; o++)
				n[w][o] += ctl->st[s].n[w][o];
		calls += ctl->st[s].calls;
		exact += ctl->st[s].exact;
		fail += ctl->st[s].failures;
	}
	print_outcomes(n);
	note("%" PRIu64 " calls as root, %" PRIu64 " as nobody; %" PRIu64
	     " with mainline's answer known and checked", ctl->st[0].calls,
	     ctl->st[1].calls, exact);
	printf("%s: %" PRIu64 " calls, %" PRIu64 " bad outcomes, %.1f s,"
	       " seed 0x%016" PRIx64 "\n", prog, calls, fail, now() - start,
	       opt.seed);
	ok = ok && !fail;
	tap_result(1, ok, prog, "%s", ok ? "" : "bad outcomes (see above)");
	return ok ? 0 : 1;
}
