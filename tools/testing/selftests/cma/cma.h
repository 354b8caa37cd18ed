/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the process_vm_readv()/process_vm_writev() selftests.
 *
 * A "peer" is the process whose memory a test reads or writes: either a
 * child forked by the test, which inherits the test's mappings at the same
 * virtual addresses and then serves commands on a pair of pipes, or the
 * test process itself.  Tests check the outcome of a transfer through the
 * peer's own view of its memory (sent back through a pipe), never through
 * process_vm_readv() itself.
 *
 * Memory is filled with a pattern that depends on the address and on a
 * seed, LOCAL_SEED for memory the caller copies from or into and
 * REMOTE_SEED for memory in the peer, so the expected content of every
 * byte after a transfer can be computed from the iovecs alone.
 */

#ifndef __CMA_H
#define __CMA_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest_harness.h"

#ifndef UIO_MAXIOV
#define UIO_MAXIOV 1024
#endif

#define LOCAL_SEED 0x5a
#define REMOTE_SEED 0xa5

/* A process that never exists: PID_MAX_LIMIT is 4194304. */
#define NO_SUCH_PID INT_MAX

static inline ssize_t sys_process_vm_readv(pid_t pid,
					   const struct iovec *lvec,
					   unsigned long liovcnt,
					   const struct iovec *rvec,
					   unsigned long riovcnt,
					   unsigned long flags)
{
	return syscall(__NR_process_vm_readv, pid, lvec, liovcnt, rvec,
		       riovcnt, flags);
}

static inline ssize_t sys_process_vm_writev(pid_t pid,
					    const struct iovec *lvec,
					    unsigned long liovcnt,
					    const struct iovec *rvec,
					    unsigned long riovcnt,
					    unsigned long flags)
{
	return syscall(__NR_process_vm_writev, pid, lvec, liovcnt, rvec,
		       riovcnt, flags);
}

/* process_vm_writev() if @write, else process_vm_readv(). */
static inline ssize_t sys_process_vm(bool write, pid_t pid,
				     const struct iovec *lvec,
				     unsigned long liovcnt,
				     const struct iovec *rvec,
				     unsigned long riovcnt,
				     unsigned long flags)
{
	if (write)
		return sys_process_vm_writev(pid, lvec, liovcnt, rvec, riovcnt,
					     flags);
	return sys_process_vm_readv(pid, lvec, liovcnt, rvec, riovcnt, flags);
}

/*
 * The extensions of this series (PROCESS_VM_PIDFD, PROCESS_VM_NOWAIT,
 * PROCESS_VM_REDUCE) are probed as user space would probe them: a call
 * with empty vectors returns 0 if the kernel knows @flags and fails with
 * EINVAL if it does not.  A test of an extension the kernel refuses is
 * skipped, so that the suite runs on mainline; a kernel that lost an
 * extension by mistake then shows up as skips only.  With the environment
 * variable CMA_REQUIRE_EXTENSIONS=1 (as "make check" sets it for the
 * kernels of the series), such a test fails instead.
 */
#define CMA_REQUIRE_EXTENSIONS "CMA_REQUIRE_EXTENSIONS"

static inline bool cma_extensions_required(void)
{
	const char *v = getenv(CMA_REQUIRE_EXTENSIONS);

	return v && !strcmp(v, "1");
}

/*
 * Whether a test of the extension @what (whose flags are @flags) must stop
 * because the kernel refuses @flags with EINVAL; if extensions are
 * required, also mark the test failed.  Any other answer to the probe,
 * 0 or an error such as EOPNOTSUPP, is the test's to judge.
 */
static inline bool __cma_extension_missing(struct __test_metadata *_metadata,
					   unsigned long flags,
					   const char *what)
{
	if (syscall(__NR_process_vm_readv, 0, NULL, 0, NULL, 0, flags) == 0 ||
	    errno != EINVAL)
		return false;
	if (cma_extensions_required()) {
		TH_LOG("kernel refuses %s (flags %#lx) with EINVAL, and %s=1",
		       what, flags, CMA_REQUIRE_EXTENSIONS);
		_metadata->passed = 0;
	}
	return true;
}

/*
 * In a test, or a function it calls: if the kernel refuses @flags, end the
 * test there, as a failed ASSERT_*() does (the fixture's teardown runs),
 * skipped, or failed with CMA_REQUIRE_EXTENSIONS=1.  Not in a fixture
 * setup: a test ended there would not be torn down.
 */
static inline void cma_need_extension(struct __test_metadata *_metadata,
				      unsigned long flags, const char *what)
{
	if (!__cma_extension_missing(_metadata, flags, what))
		return;
	if (_metadata->passed)
		SKIP(longjmp(_metadata->env, 1), "kernel without %s", what);
	longjmp(_metadata->env, 1);
}

static inline size_t page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

/* The kernel's MAX_RW_COUNT: INT_MAX & PAGE_MASK. */
static inline size_t max_rw_count(void)
{
	return INT_MAX & ~(page_size() - 1);
}

static inline struct iovec iov(void *base, size_t len)
{
	struct iovec v = { .iov_base = base, .iov_len = len };

	return v;
}

/*
 * The pattern: each aligned 8-byte word holds a hash of its address, so a
 * byte copied to the wrong address, or from the wrong one, shows.  The seed
 * is XORed into every byte, so two seeds differ at every single byte.
 */
static inline unsigned long long pattern_word(unsigned char seed, uintptr_t addr)
{
	unsigned long long x = (unsigned long long)(addr / 8) * 0x9e3779b97f4a7c15ULL;

	x ^= x >> 29;
	return x ^ (seed * 0x0101010101010101ULL);
}

static inline unsigned char pattern_byte(unsigned char seed, uintptr_t addr)
{
	unsigned long long w = pattern_word(seed, addr);

	return ((unsigned char *)&w)[addr % 8];
}

static inline void fill_pattern(void *buf, size_t len, unsigned char seed)
{
	unsigned char *p = buf, *end = p + len;

	for (; p < end && (uintptr_t)p % 8; p++)
		*p = pattern_byte(seed, (uintptr_t)p);
	for (; end - p >= 8; p += 8) {
		unsigned long long w = pattern_word(seed, (uintptr_t)p);

		memcpy(p, &w, 8);
	}
	for (; p < end; p++)
		*p = pattern_byte(seed, (uintptr_t)p);
}

/*
 * Point @p to a new anonymous private read-write mapping filled with @seed's
 * pattern.  Returns 0, or -1 with errno set.
 */
static inline int map_pattern(char **p, size_t len, unsigned char seed)
{
	*p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (*p == MAP_FAILED)
		return -1;
	fill_pattern(*p, len, seed);
	return 0;
}

/* Replace [addr, addr + len) with read-write pages holding @seed's pattern. */
static inline int remap_pattern(void *addr, size_t len, unsigned char seed)
{
	if (mmap(addr, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != addr)
		return -1;
	fill_pattern(addr, len, seed);
	return 0;
}

/* malloc() into @p; returns 0, or -1 with errno set. */
static inline int alloc_bytes(unsigned char **p, size_t len)
{
	*p = malloc(len);
	return *p ? 0 : -1;
}

static inline int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static inline int write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

enum peer_op {
	PEER_READ,	/* send back [addr, addr + len) */
	PEER_FILL,	/* fill [addr, addr + len) with seed arg's pattern */
	PEER_MPROTECT,	/* mprotect(addr, len, arg) */
	PEER_MUNMAP,	/* munmap(addr, len) */
	PEER_REMAP,	/* fresh read-write anonymous pages, pattern arg */
	PEER_MADVISE,	/* madvise(addr, len, arg) */
	PEER_DUMPABLE,	/* prctl(PR_SET_DUMPABLE, arg) */
};

/* Fixed-size layout, so that every ABI agrees with itself. */
struct peer_cmd {
	unsigned long long addr;
	unsigned long long len;
	unsigned int op;
	unsigned int arg;
};

struct cma_peer {
	pid_t pid;	/* whose memory the transfers target */
	int cmd;	/* commands to the child; -1 for ourselves */
	int reply;	/* and its replies */
};

/* Carry out @cmd, except PEER_READ, in the caller; 0 or an errno value. */
static inline int peer_exec(const struct peer_cmd *cmd)
{
	void *addr = (void *)(uintptr_t)cmd->addr;
	size_t len = cmd->len;
	int ret = 0;

	switch (cmd->op) {
	case PEER_FILL:
		fill_pattern(addr, len, cmd->arg);
		break;
	case PEER_MPROTECT:
		ret = mprotect(addr, len, cmd->arg);
		break;
	case PEER_MUNMAP:
		ret = munmap(addr, len);
		break;
	case PEER_REMAP:
		ret = remap_pattern(addr, len, cmd->arg);
		break;
	case PEER_MADVISE:
		ret = madvise(addr, len, cmd->arg);
		break;
	case PEER_DUMPABLE:
		ret = prctl(PR_SET_DUMPABLE, cmd->arg, 0, 0, 0);
		break;
	default:
		errno = EINVAL;
		ret = -1;
	}
	return ret ? errno : 0;
}

/* Serve commands from @in, answering on @out, until @in is closed. */
static inline void peer_serve(int in, int out)
{
	struct peer_cmd cmd;

	while (!read_full(in, &cmd, sizeof(cmd))) {
		void *addr = (void *)(uintptr_t)cmd.addr;
		int err = 0;

		if (cmd.op != PEER_READ)
			err = peer_exec(&cmd);
		if (write_full(out, &err, sizeof(err)))
			break;
		if (cmd.op == PEER_READ && write_full(out, addr, cmd.len))
			break;
	}
}

/* End a child peer; returns its wait status (0 for ourselves). */
static inline int peer_stop(struct cma_peer *peer)
{
	int status = 0;

	if (peer->cmd < 0)
		return 0;
	close(peer->cmd);
	close(peer->reply);
	peer->cmd = -1;
	peer->reply = -1;
	if (peer->pid > 0 && waitpid(peer->pid, &status, 0) != peer->pid)
		status = -1;
	return status;
}

/* Make @peer ourselves; also what a peer that was never started is. */
static inline void peer_init(struct cma_peer *peer)
{
	peer->pid = getpid();
	peer->cmd = -1;
	peer->reply = -1;
}

/*
 * Make @peer the target of the transfers: ourselves if !@child, else a new
 * child that runs @prepare (if any; nonzero means failure) and then serves
 * commands until its command pipe is closed.  Returns 0, or -1 with errno
 * set.
 */
static inline int peer_start(struct cma_peer *peer, bool child,
			     int (*prepare)(const void *arg), const void *arg)
{
	pid_t parent = getpid();
	int cmd[2], reply[2];
	int status;

	peer_init(peer);
	if (!child)
		return 0;

	if (pipe2(cmd, O_CLOEXEC))
		return -1;
	if (pipe2(reply, O_CLOEXEC)) {
		close(cmd[0]);
		close(cmd[1]);
		return -1;
	}
	peer->pid = fork();
	if (peer->pid == 0) {
		close(cmd[1]);
		close(reply[0]);
		status = prepare ? prepare(arg) : 0;
		/* Credential changes reset the parent death signal. */
		if (!status && prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0))
			status = errno;
		if (!status && getppid() != parent)
			status = ESRCH;
		if (write_full(reply[1], &status, sizeof(status)) || status)
			_exit(1);
		peer_serve(cmd[0], reply[1]);
		_exit(0);
	}
	close(cmd[0]);
	close(reply[1]);
	peer->cmd = cmd[1];
	peer->reply = reply[0];
	if (peer->pid < 0)
		status = errno;
	else if (read_full(peer->reply, &status, sizeof(status)))
		status = EPIPE;
	if (status) {
		peer_stop(peer);
		peer_init(peer);
		errno = status;
		return -1;
	}
	return 0;
}

/* Have the peer carry out a command; 0, or -1 with errno set. */
static inline int peer_call(struct cma_peer *peer, enum peer_op op,
			    void *addr, size_t len, unsigned int arg,
			    void *out)
{
	struct peer_cmd cmd = {
		.addr = (uintptr_t)addr,
		.len = len,
		.op = op,
		.arg = arg,
	};
	int err = 0;

	if (peer->cmd < 0 && op == PEER_READ)
		memcpy(out, addr, len);
	else if (peer->cmd < 0)
		err = peer_exec(&cmd);
	else if (write_full(peer->cmd, &cmd, sizeof(cmd)) ||
		 read_full(peer->reply, &err, sizeof(err)) ||
		 (op == PEER_READ && !err && read_full(peer->reply, out, len)))
		err = EPIPE;
	errno = err;
	return err ? -1 : 0;
}

/* Copy the peer's view of [addr, addr + len) into @buf. */
static inline int peer_read(struct cma_peer *peer, void *addr, size_t len,
			    void *buf)
{
	return peer_call(peer, PEER_READ, addr, len, 0, buf);
}

static inline int peer_fill(struct cma_peer *peer, void *addr, size_t len,
			    unsigned char seed)
{
	return peer_call(peer, PEER_FILL, addr, len, seed, NULL);
}

static inline int peer_mprotect(struct cma_peer *peer, void *addr,
				size_t len, int prot)
{
	return peer_call(peer, PEER_MPROTECT, addr, len, prot, NULL);
}

static inline int peer_munmap(struct cma_peer *peer, void *addr, size_t len)
{
	return peer_call(peer, PEER_MUNMAP, addr, len, 0, NULL);
}

/* Fresh read-write pages at [addr, addr + len), holding @seed's pattern. */
static inline int peer_remap(struct cma_peer *peer, void *addr, size_t len,
			     unsigned char seed)
{
	return peer_call(peer, PEER_REMAP, addr, len, seed, NULL);
}

static inline int peer_madvise(struct cma_peer *peer, void *addr, size_t len,
			       int advice)
{
	return peer_call(peer, PEER_MADVISE, addr, len, advice, NULL);
}

static inline int peer_set_dumpable(struct cma_peer *peer, bool dumpable)
{
	return peer_call(peer, PEER_DUMPABLE, NULL, 0, dumpable, NULL);
}

/*
 * Check the destination of a transfer of @copied bytes between @lvec in the
 * caller and @rvec in @peer: the first @copied bytes of the source stream
 * (LOCAL_SEED pattern for a write, REMOTE_SEED for a read) must have landed
 * at the matching addresses of the destination stream, in order, and every
 * other destination byte from @margin before the lowest destination element
 * to @margin after the highest must still hold its original pattern.
 * Elements with a NULL base (zero-length ones) do not extend that range.
 * The whole range must be accessible in the destination.
 */
static inline void __check_transfer(struct __test_metadata *_metadata,
				    struct cma_peer *peer, bool write,
				    const struct iovec *lvec,
				    unsigned long liovcnt,
				    const struct iovec *rvec,
				    unsigned long riovcnt,
				    size_t copied, size_t margin)
{
	const struct iovec *dvec = write ? rvec : lvec;
	const struct iovec *svec = write ? lvec : rvec;
	unsigned long dcnt = write ? riovcnt : liovcnt;
	unsigned long scnt = write ? liovcnt : riovcnt;
	unsigned char dseed = write ? REMOTE_SEED : LOCAL_SEED;
	unsigned char sseed = write ? LOCAL_SEED : REMOTE_SEED;
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	unsigned long si = 0, di = 0;
	size_t soff = 0, doff = 0, done = 0, len, i;
	unsigned char *expected, *actual;

	for (i = 0; i < dcnt; i++) {
		uintptr_t base = (uintptr_t)dvec[i].iov_base;

		if (!base)
			continue;
		if (base < lo)
			lo = base;
		if (base + dvec[i].iov_len > hi)
			hi = base + dvec[i].iov_len;
	}
	if (lo > hi)
		return;
	lo -= margin;
	hi += margin;
	len = hi - lo;

	ASSERT_EQ(0, alloc_bytes(&expected, len));
	for (i = 0; i < len; i++)
		expected[i] = pattern_byte(dseed, lo + i);

	while (done < copied) {
		size_t n;

		while (si < scnt && soff == svec[si].iov_len) {
			si++;
			soff = 0;
		}
		while (di < dcnt && doff == dvec[di].iov_len) {
			di++;
			doff = 0;
		}
		ASSERT_LT(si, scnt);
		ASSERT_LT(di, dcnt);
		n = copied - done;
		if (n > svec[si].iov_len - soff)
			n = svec[si].iov_len - soff;
		if (n > dvec[di].iov_len - doff)
			n = dvec[di].iov_len - doff;
		for (i = 0; i < n; i++) {
			uintptr_t s = (uintptr_t)svec[si].iov_base + soff + i;
			uintptr_t d = (uintptr_t)dvec[di].iov_base + doff + i;

			expected[d - lo] = pattern_byte(sseed, s);
		}
		soff += n;
		doff += n;
		done += n;
	}

	if (write) {
		ASSERT_EQ(0, alloc_bytes(&actual, len));
		ASSERT_EQ(0, peer_read(peer, (void *)lo, len, actual));
	} else {
		actual = (unsigned char *)lo;
	}
	for (i = 0; i < len && actual[i] == expected[i]; i++)
		;
	EXPECT_EQ(len, i) {
		TH_LOG("destination byte at %p is 0x%02x, expected 0x%02x",
		       (void *)(lo + i), actual[i], expected[i]);
	}
	if (write)
		free(actual);
	free(expected);
}

/*
 * Transfer between @lvec and @rvec in @peer, check that the call returned
 * @ret (a byte count, or minus an errno value), then check the destination
 * as __check_transfer() does.
 */
static inline void __transfer(struct __test_metadata *_metadata,
			      struct cma_peer *peer, bool write,
			      const struct iovec *lvec, unsigned long liovcnt,
			      const struct iovec *rvec, unsigned long riovcnt,
			      ssize_t ret, size_t margin)
{
	ssize_t n = sys_process_vm(write, peer->pid, lvec, liovcnt, rvec,
				   riovcnt, 0);

	if (ret < 0) {
		ASSERT_EQ(-1, n);
		ASSERT_EQ(-ret, errno);
		ret = 0;
	} else {
		ASSERT_EQ(ret, n) {
			TH_LOG("errno %d (%s)", errno, strerror(errno));
		}
	}
	__check_transfer(_metadata, peer, write, lvec, liovcnt, rvec, riovcnt,
			 ret, margin);
}

#define transfer(peer, write, lvec, lcnt, rvec, rcnt, ret, margin) \
	__transfer(_metadata, peer, write, lvec, lcnt, rvec, rcnt, ret, margin)

#define check_transfer(peer, write, lvec, lcnt, rvec, rcnt, copied, margin) \
	__check_transfer(_metadata, peer, write, lvec, lcnt, rvec, rcnt, \
			 copied, margin)

#endif /* __CMA_H */
