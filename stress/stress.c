// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the Cross Memory Attach stress and fuzz programs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "stress.h"

const char *prog = "cma";
size_t page;
unsigned int max_reports = 8;

void stress_init(const char *name)
{
	prog = name;
	page = sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);
}

void common_defaults(struct common_opts *o, double secs)
{
	o->secs = secs;
	o->max_calls = 0;
	o->seed = mix64((uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^
			(uint64_t)(now() * 1e9));
	o->verbose = 0;
}

unsigned long parse_ulong(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || !*s || *end)
		bail(0, "bad %s: '%s'", what, s);
	return v;
}

bool common_opt(struct common_opts *o, int opt, const char *arg)
{
	char *end;

	switch (opt) {
	case 't':
		o->secs = strtod(arg, &end);
		if (*end || o->secs <= 0)
			bail(0, "bad -t seconds: '%s'", arg);
		return true;
	case 'n':
		o->max_calls = parse_ulong(arg, "-n calls");
		return true;
	case 's':
		errno = 0;
		o->seed = strtoull(arg, &end, 0);
		if (errno || !*arg || *end)
			bail(0, "bad -s seed: '%s'", arg);
		return true;
	case 'v':
		o->verbose++;
		max_reports = UINT_MAX;
		return true;
	}
	return false;
}

void print_common_usage(void)
{
	fprintf(stderr,
		"  -t SECS   run for SECS seconds\n"
		"  -n CALLS  stop after CALLS system calls (0: no limit)\n"
		"  -s SEED   replay with this seed (printed by every run)\n"
		"  -v        describe every failure, not only the first 8\n");
}

void print_header(const struct common_opts *o)
{
	note("%s: seed 0x%016" PRIx64 ", %.1f s, %lu calls max, page %zu",
	     prog, o->seed, o->secs, o->max_calls, page);
}

static void vmsg(const char *prefix, int err, const char *fmt, va_list ap)
{
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (err)
		printf("%s%s: %s: %s\n", prefix, prog, buf, strerror(err));
	else
		printf("%s%s: %s\n", prefix, prog, buf);
	fflush(stdout);
}

void bail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("Bail out! ", err, fmt, ap);
	va_end(ap);
	exit(1);
}

void note(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("# %s\n", buf);
}

void tap_plan(int n)
{
	printf("1..%d\n", n);
}

void tap_result(int n, bool ok, const char *name, const char *fmt, ...)
{
	char buf[512] = "";
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(buf, sizeof(buf), fmt, ap);
		va_end(ap);
	}
	printf("%sok %d %s%s%s\n", ok ? "" : "not ", n, name,
	       *buf ? " # " : "", buf);
	fflush(stdout);
}

void tap_skip_all(int n, const char *why)
{
	for (int i = 1; i <= n; i++)
		printf("ok %d %s # SKIP %s\n", i, prog, why);
	fflush(stdout);
	exit(KSFT_SKIP);
}

ssize_t pvm_readv(pid_t pid, const struct iovec *lvec, unsigned long liovcnt,
		  const struct iovec *rvec, unsigned long riovcnt,
		  unsigned long flags)
{
	return syscall(__NR_process_vm_readv, pid, lvec, liovcnt, rvec, riovcnt,
		       flags);
}

ssize_t pvm_writev(pid_t pid, const struct iovec *lvec, unsigned long liovcnt,
		   const struct iovec *rvec, unsigned long riovcnt,
		   unsigned long flags)
{
	return syscall(__NR_process_vm_writev, pid, lvec, liovcnt, rvec,
		       riovcnt, flags);
}

ssize_t pvm(bool write, pid_t pid, const struct iovec *lvec,
	    unsigned long liovcnt, const struct iovec *rvec,
	    unsigned long riovcnt, unsigned long flags)
{
	if (write)
		return pvm_writev(pid, lvec, liovcnt, rvec, riovcnt, flags);
	return pvm_readv(pid, lvec, liovcnt, rvec, riovcnt, flags);
}

void require_cma(int tests)
{
	if (pvm_readv(getpid(), NULL, 0, NULL, 0, 0) == 0 &&
	    pvm_writev(getpid(), NULL, 0, NULL, 0, 0) == 0)
		return;
	if (errno == ENOSYS)
		tap_skip_all(tests, "process_vm_readv/writev: ENOSYS");
	bail(errno, "zero-length process_vm_readv/writev on self");
}

const char *errno_name(int err)
{
	static __thread char buf[16];

	switch (err) {
	case EPERM:	return "EPERM";
	case ENOENT:	return "ENOENT";
	case ESRCH:	return "ESRCH";
	case EINTR:	return "EINTR";
	case EIO:	return "EIO";
	case E2BIG:	return "E2BIG";
	case EBADF:	return "EBADF";
	case EAGAIN:	return "EAGAIN";
	case ENOMEM:	return "ENOMEM";
	case EACCES:	return "EACCES";
	case EFAULT:	return "EFAULT";
	case EBUSY:	return "EBUSY";
	case EINVAL:	return "EINVAL";
	case ENOSYS:	return "ENOSYS";
	case EOVERFLOW:	return "EOVERFLOW";
	}
	snprintf(buf, sizeof(buf), "errno%d", err);
	return buf;
}

enum outcome outcome_of(ssize_t ret, size_t want, int err)
{
	if (ret >= 0)
		return (size_t)ret == want ? OUT_FULL :
		       (size_t)ret < want ? OUT_PARTIAL : OUT_OTHER;
	switch (err) {
	case EFAULT:	return OUT_EFAULT;
	case EINVAL:	return OUT_EINVAL;
	case ENOMEM:	return OUT_ENOMEM;
	case EPERM:	return OUT_EPERM;
	case ESRCH:	return OUT_ESRCH;
	case EBADF:	return OUT_EBADF;
	case EAGAIN:	return OUT_EAGAIN;
	}
	return OUT_OTHER;
}

void print_outcomes(uint64_t (*n)[NR_OUTCOMES])
{
	static const char *const names[NR_OUTCOMES] = {
		"full count", "partial count", "EFAULT", "EINVAL", "ENOMEM",
		"EPERM", "ESRCH", "EBADF", "EAGAIN", "anything else",
	};

	note("%-16s %12s %12s", "outcome", "readv", "writev");
	for (int i = 0; i < NR_OUTCOMES; i++)
		note("%-16s %12" PRIu64 " %12" PRIu64, names[i], n[0][i],
		     n[1][i]);
}

uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	r->s = mix64(seed ^ mix64(stream));
	if (!r->s)
		r->s = 1;
}

uint64_t rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

uint64_t rng_below(struct rng *r, uint64_t n)
{
	return n ? rng_next(r) % n : 0;
}

bool rng_chance(struct rng *r, unsigned int percent)
{
	return rng_below(r, 100) < percent;
}

size_t rng_len(struct rng *r, size_t max)
{
	unsigned int bits = 0;
	uint64_t lim;

	while (bits < 63 && ((uint64_t)1 << bits) < max)
		bits++;
	lim = (uint64_t)1 << rng_below(r, bits + 1);
	if (lim > max)
		lim = max;
	return 1 + rng_below(r, lim);
}

unsigned int rng_split(struct rng *r, size_t len, size_t *out,
		       unsigned int max)
{
	unsigned int n = 0;

	while (len && n < max) {
		size_t piece = n + 1 == max ? len : rng_len(r, len);

		out[n++] = piece;
		len -= piece;
	}
	return n;
}

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void sleep_us(unsigned long us)
{
	struct timespec ts = {
		.tv_sec = us / 1000000,
		.tv_nsec = (us % 1000000) * 1000,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

pid_t fork_child(void)
{
	pid_t parent = getpid(), pid = fork();

	if (pid < 0)
		bail(errno, "fork");
	if (!pid && (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent))
		_exit(1);
	return pid;
}

void watchdog(double secs, double grace)
{
	signal(SIGALRM, SIG_DFL);
	alarm((unsigned int)(secs + grace));
}

void *shared_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		bail(errno, "mmap shared %zu bytes", len);
	return p;
}

void *private_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		bail(errno, "mmap %zu bytes", len);
	return p;
}

pid_t wait_timeout(pid_t pid, int *status, double secs)
{
	double end = now() + secs;
	unsigned long us = 100;

	for (;;) {
		pid_t ret = waitpid(pid, status, WNOHANG);

		if (ret)
			return ret;
		if (now() >= end)
			return 0;
		sleep_us(us);
		if (us < 20000)
			us *= 2;
	}
}

const char *status_str(int status)
{
	static __thread char buf[32];

	if (WIFEXITED(status))
		snprintf(buf, sizeof(buf), "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, sizeof(buf), "signal %d", WTERMSIG(status));
	else
		snprintf(buf, sizeof(buf), "status 0x%x", status);
	return buf;
}
