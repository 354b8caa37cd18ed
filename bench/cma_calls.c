// SPDX-License-Identifier: GPL-2.0
/*
 * cma_calls - the cost of one process_vm_readv()/process_vm_writev() call.
 *
 * Times a run of identical calls between this process and a forked peer
 * and prints the mean time per call, one CSV line per case:
 *
 *	calls,CASE,NS_PER_CALL
 *
 * Under QEMU with -icount shift=0 the guest clock advances one nanosecond
 * per instruction, so the figure is instructions per call, the same on
 * every run of the same kernel (boot with norandmaps: the layout of the
 * address space changes the cost of every VMA lookup).  The peer touches
 * its buffers itself after fork(), so none of its pages is still shared
 * copy-on-write with us.  The other cases use order-0 pages
 * (MADV_NOHUGEPAGE); "thp" cases read or write a 2 MiB aligned buffer that
 * the peer faulted in as a transparent huge page (MADV_HUGEPAGE, where the
 * kernel has them).  "null" is getppid(), the system call floor.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#define HUGE	(2UL << 20)
#define AREA	(4UL << 20)	/* per buffer: room for 1024 x 1 KiB and a THP */
#define NIOV	1024

struct buffers {
	char *local;
	char *remote;		/* order-0 pages in the peer */
	char *thp;		/* 2 MiB aligned, in the peer */
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static char *map(size_t len, int advice)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("cma_calls: mmap");
		exit(1);
	}
	madvise(p, len, advice);	/* a kernel without THP: no matter */
	return p;
}

/* Time @reps calls moving @n elements of @len bytes each; 0 on error. */
static double time_calls(pid_t peer, int write, char *l, char *r,
			 size_t len, int n, int reps)
{
	static struct iovec lv[NIOV], rv[NIOV];
	long want = (long)len * n;
	double t;
	int i;

	for (i = 0; i < n; i++) {
		lv[i].iov_base = l + i * len;
		lv[i].iov_len = len;
		rv[i].iov_base = r + i * len;
		rv[i].iov_len = len;
	}
	t = now_ns();
	for (i = 0; i < reps; i++) {
		long got = syscall(write ? SYS_process_vm_writev :
				   SYS_process_vm_readv, peer, lv, n, rv, n, 0);

		if (got != want) {
			fprintf(stderr, "cma_calls: %s returned %ld, not %ld: %m\n",
				write ? "process_vm_writev" : "process_vm_readv",
				got, want);
			return 0;
		}
	}
	return (now_ns() - t) / reps;
}

int main(void)
{
	static const struct {
		const char *name;
		size_t len;
		int n, reps, thp;
	} cases[] = {
		{ "64B",	64,	1,    20000, 0 },
		{ "4K",		4096,	1,    20000, 0 },
		{ "64K",	65536,	1,     2000, 0 },
		{ "1024x64B",	64,	NIOV,   200, 0 },
		{ "1024x1K",	1024,	NIOV,   200, 0 },
		{ "thp64K",	65536,	1,     2000, 1 },
		{ "thp1M",	1 << 20, 1,     200, 1 },
	};
	struct buffers b;
	int ready[2], ok = 1, w;
	double t;
	pid_t peer;
	char c;
	size_t i;

	b.local = map(AREA, MADV_NOHUGEPAGE);
	memset(b.local, 1, AREA);
	b.remote = map(AREA, MADV_NOHUGEPAGE);
	b.thp = map(2 * HUGE, MADV_HUGEPAGE);
	b.thp = (char *)(((unsigned long)b.thp + HUGE - 1) & ~(HUGE - 1));
	if (pipe(ready))
		return 1;
	peer = fork();
	if (peer < 0)
		return 1;
	if (!peer) {
		memset(b.remote, 2, AREA);
		memset(b.thp, 3, HUGE);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	if (read(ready[0], &c, 1) != 1)
		return 1;

	t = now_ns();
	for (i = 0; i < 20000; i++)
		syscall(SYS_getppid);
	printf("calls,null,%.0f\n", (now_ns() - t) / 20000);
	for (w = 0; w < 2; w++)
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			t = time_calls(peer, w, b.local,
				       cases[i].thp ? b.thp : b.remote,
				       cases[i].len, cases[i].n, cases[i].reps);
			if (!t)
				ok = 0;
			printf("calls,%s %s,%.0f\n", w ? "writev" : "readv",
			       cases[i].name, t);
		}
	kill(peer, SIGKILL);
	waitpid(peer, NULL, 0);
	return ok ? 0 : 1;
}
