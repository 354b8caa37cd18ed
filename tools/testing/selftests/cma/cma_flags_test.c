// SPDX-License-Identifier: GPL-2.0
/*
 * process_vm_readv()/process_vm_writev() flags: PROCESS_VM_PIDFD names the
 * target by pidfd, PROCESS_VM_NOWAIT never waits for the target's memory.
 *
 * Every test of a flag first probes the kernel for it (see cma.h): on a
 * kernel that refuses the flag with EINVAL, such as mainline, the test is
 * skipped, unless CMA_REQUIRE_EXTENSIONS=1 is in the environment, which
 * makes it fail instead.  Run the suite with CMA_REQUIRE_EXTENSIONS=1 on
 * kernels that are meant to have the extensions, so that losing one
 * cannot pass as a skip.
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/process_vm.h>
#include <stdio.h>
#include <sys/wait.h>

#include "cma.h"

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif

static int sys_pidfd_open(pid_t pid)
{
	return syscall(__NR_pidfd_open, pid, 0);
}

/*
 * A peer in a new program image: this program, executed again with
 * EXEC_PEER_ENV set to the two pipe descriptors it is to serve commands
 * on, fills exec_area with REMOTE_SEED's pattern, says so, and serves.
 * The program is static or not, but the same file: exec_area has the same
 * address in both images if the program is not position independent, and
 * the test reads the address from the new image anyway.
 */
#define EXEC_PEER_ENV "CMA_FLAGS_TEST_EXEC_PEER"
#define OTHER_SEED 0x3c

static char exec_area[8192];

__attribute__((constructor)) static void exec_peer(void)
{
	const char *v = getenv(EXEC_PEER_ENV);
	unsigned long long addr = (uintptr_t)exec_area;
	int in, out;

	if (!v || sscanf(v, "%d,%d", &in, &out) != 2)
		return;
	fill_pattern(exec_area, sizeof(exec_area), REMOTE_SEED);
	if (write_full(out, &addr, sizeof(addr)))
		_exit(1);
	peer_serve(in, out);
	_exit(0);
}

FIXTURE(flags)
{
	struct cma_peer peer;
	size_t page;
	unsigned char *local;	/* two pages of ours */
	char *remote;		/* two resident pages, the peer's after fork */
	char *untouched;	/* two pages the peer never touched */
	char *cow;		/* a page still shared with us, copy-on-write */
	int pidfd;
};

FIXTURE_VARIANT(flags)
{
	bool write;
};

FIXTURE_VARIANT_ADD(flags, readv)
{
	.write = false,
};

FIXTURE_VARIANT_ADD(flags, writev)
{
	.write = true,
};

FIXTURE_SETUP(flags)
{
	self->page = page_size();
	ASSERT_EQ(0, alloc_bytes(&self->local, 2 * self->page));
	fill_pattern(self->local, 2 * self->page, LOCAL_SEED);
	ASSERT_EQ(0, map_pattern(&self->remote, 2 * self->page, REMOTE_SEED));
	self->untouched = mmap(NULL, 2 * self->page, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(self->untouched != MAP_FAILED);
	ASSERT_EQ(0, map_pattern(&self->cow, self->page, REMOTE_SEED));
	self->pidfd = -1;
	ASSERT_EQ(0, peer_start(&self->peer, true, NULL, NULL));
	/* The peer's own copy of @remote: resident and writable. */
	ASSERT_EQ(0, peer_fill(&self->peer, self->remote, 2 * self->page,
			       REMOTE_SEED));
	self->pidfd = sys_pidfd_open(self->peer.pid);
	ASSERT_LE(0, self->pidfd);
}

#define NEED_PIDFD() \
	cma_need_extension(_metadata, PROCESS_VM_PIDFD, "PROCESS_VM_PIDFD")
#define NEED_NOWAIT() \
	cma_need_extension(_metadata, PROCESS_VM_NOWAIT, "PROCESS_VM_NOWAIT")

FIXTURE_TEARDOWN(flags)
{
	if (self->pidfd >= 0)
		close(self->pidfd);
	peer_stop(&self->peer);
}

/*
 * One transfer between our @llen bytes at @l and the peer's @rlen bytes at
 * @r, with @flags; @target is a pid or a pidfd.  Expect @ret (bytes, or
 * minus an errno value), then check the destination holds exactly what
 * that many bytes should have brought.
 */
static void __xfer(struct __test_metadata *_metadata, struct cma_peer *peer,
		   bool write, int target, void *l, size_t llen, void *r,
		   size_t rlen, unsigned long flags, ssize_t ret)
{
	struct iovec lv = iov(l, llen), rv = iov(r, rlen);
	ssize_t n = sys_process_vm(write, target, &lv, 1, &rv, 1, flags);

	if (ret < 0) {
		ASSERT_EQ(-1, n);
		ASSERT_EQ(-ret, errno) {
			TH_LOG("errno %d (%s), expected %zd", errno,
			       strerror(errno), -ret);
		}
		ret = 0;
	} else {
		ASSERT_EQ(ret, n) {
			TH_LOG("errno %d (%s)", errno, strerror(errno));
		}
	}
	if (peer)
		check_transfer(peer, write, &lv, 1, &rv, 1, ret, 0);
}

#define xfer(target, l, llen, r, rlen, flags, ret) \
	__xfer(_metadata, &self->peer, variant->write, target, l, llen, r, \
	       rlen, flags, ret)

/* The same, checking only the call's result (the memory has no pattern). */
#define xfer_result(target, l, llen, r, rlen, flags, ret) \
	__xfer(_metadata, NULL, variant->write, target, l, llen, r, rlen, \
	       flags, ret)

/* The same, for a call that must fail before touching anything. */
#define xfer_fails(err, target, flags) \
	__xfer(_metadata, &self->peer, variant->write, target, self->local, \
	       self->page, self->remote, self->page, flags, -(err))

/*
 * A flag is known if a call with it gets past the flags check: with empty
 * vectors that call returns 0.  These are the values of the proposal on
 * the mm list; a kernel that moved a flag to another bit fails here.
 */
static ssize_t probe(bool write, unsigned long flags)
{
	return sys_process_vm(write, 0, NULL, 0, NULL, 0, flags);
}

TEST_F(flags, pidfd_is_bit_0)
{
	NEED_PIDFD();
	ASSERT_EQ(0, probe(variant->write, 1UL << 0)) {
		TH_LOG("errno %d (%s)", errno, strerror(errno));
	}
}

TEST_F(flags, nowait_is_bit_1)
{
	NEED_NOWAIT();
	ASSERT_EQ(0, probe(variant->write, 1UL << 1)) {
		TH_LOG("errno %d (%s)", errno, strerror(errno));
	}
}

/*
 * Bit 2 is PROCESS_VM_REDUCE (cma_reduce_test); bits 3 to 7 are free.  An
 * unknown bit fails the call before anything else happens, however valid
 * the rest of it is (bits from 8 up: cma_errors_test).
 */
TEST_F(flags, unknown_flag_bits_3_to_7_are_einval)
{
	unsigned int bit;

	for (bit = 3; bit <= 7; bit++) {
		EXPECT_EQ(-1, probe(variant->write, 1UL << bit)) {
			TH_LOG("bit %u accepted by the probe", bit);
		}
		EXPECT_EQ(EINVAL, errno) {
			TH_LOG("bit %u: errno %d (%s)", bit, errno,
			       strerror(errno));
		}
		xfer_fails(EINVAL, self->peer.pid, 1UL << bit);
	}
}

/* Even next to known flags. */
TEST_F(flags, unknown_flag_bits_3_to_7_are_einval_with_known_flags)
{
	unsigned int bit;

	NEED_PIDFD();
	NEED_NOWAIT();
	for (bit = 3; bit <= 7; bit++)
		xfer_fails(EINVAL, self->pidfd,
			   PROCESS_VM_PIDFD | PROCESS_VM_NOWAIT | 1UL << bit);
}

TEST_F(flags, pidfd_transfers_like_a_pid)
{
	NEED_PIDFD();
	xfer(self->pidfd, self->local, 2 * self->page, self->remote,
	     2 * self->page, PROCESS_VM_PIDFD, 2 * self->page);
}

TEST_F(flags, closed_fd_fails_with_ebadf)
{
	int fd = dup(self->pidfd);

	NEED_PIDFD();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, close(fd));
	xfer_fails(EBADF, fd, PROCESS_VM_PIDFD);
	xfer_fails(EBADF, -1, PROCESS_VM_PIDFD);
}

TEST_F(flags, fd_that_is_not_a_pidfd_fails_with_ebadf)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	NEED_PIDFD();

	ASSERT_LE(0, fd);
	xfer_fails(EBADF, fd, PROCESS_VM_PIDFD);
	close(fd);
}

/* A dead peer cannot show its memory: check only the call's result. */
#define xfer_to_dead_peer_fails(err) \
	__xfer(_metadata, NULL, variant->write, self->pidfd, self->local, \
	       self->page, self->remote, self->page, PROCESS_VM_PIDFD, -(err))

TEST_F(flags, pidfd_of_a_zombie_fails_with_esrch)
{
	siginfo_t info;

	NEED_PIDFD();
	ASSERT_EQ(0, kill(self->peer.pid, SIGKILL));
	ASSERT_EQ(0, waitid(P_PID, self->peer.pid, &info, WEXITED | WNOWAIT));
	xfer_to_dead_peer_fails(ESRCH);
}

TEST_F(flags, pidfd_of_a_reaped_process_fails_with_esrch)
{
	NEED_PIDFD();
	ASSERT_EQ(0, kill(self->peer.pid, SIGKILL));
	ASSERT_EQ(self->peer.pid, waitpid(self->peer.pid, NULL, 0));
	self->peer.pid = 0;	/* reaped: peer_stop() must not wait */
	xfer_to_dead_peer_fails(ESRCH);
}

TEST_F(flags, pidfd_is_checked_after_the_vectors)
{
	struct iovec bad = iov(NULL, self->page);

	NEED_PIDFD();

	/* An empty local vector returns 0 before the pidfd is looked at. */
	ASSERT_EQ(0, sys_process_vm(variant->write, -1, &bad, 0, &bad, 1,
				    PROCESS_VM_PIDFD));
	/* So does an empty remote vector. */
	ASSERT_EQ(0, sys_process_vm(variant->write, -1, &bad, 1, &bad, 0,
				    PROCESS_VM_PIDFD));
}

/*
 * Permission is decided as for a pid: an unprivileged caller that holds a
 * pidfd of a process of another user still gets EPERM.
 */
TEST_F(flags, pidfd_does_not_bypass_the_permission_check)
{
	pid_t caller;
	int status;

	NEED_PIDFD();

	if (geteuid())
		SKIP(return, "needs root to switch users");
	caller = fork();
	ASSERT_LE(0, caller);
	if (caller == 0) {
		struct iovec lv = iov(self->local, self->page);
		struct iovec rv = iov(self->remote, self->page);

		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(2);
		if (sys_process_vm(variant->write, self->pidfd, &lv, 1, &rv, 1,
				   PROCESS_VM_PIDFD) != -1)
			_exit(3);
		_exit(errno == EPERM ? 0 : 4);
	}
	ASSERT_EQ(caller, waitpid(caller, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
}

TEST_F(flags, nowait_moves_resident_pages)
{
	NEED_NOWAIT();
	xfer(self->peer.pid, self->local, 2 * self->page, self->remote,
	     2 * self->page, PROCESS_VM_NOWAIT, 2 * self->page);
}

TEST_F(flags, nowait_on_a_page_never_touched_fails_with_eagain)
{
	NEED_NOWAIT();
	xfer_result(self->peer.pid, self->local, self->page, self->untouched,
		    self->page, PROCESS_VM_NOWAIT, -EAGAIN);
}

TEST_F(flags, without_nowait_a_page_never_touched_is_faulted_in)
{
	unsigned char *seen, *want;
	size_t i;

	ASSERT_EQ(0, alloc_bytes(&want, self->page));
	if (variant->write)
		memcpy(want, self->local, self->page);
	else
		memset(want, 0, self->page);
	xfer_result(self->peer.pid, self->local, self->page, self->untouched,
		    self->page, 0, self->page);
	ASSERT_EQ(0, alloc_bytes(&seen, self->page));
	if (variant->write) {
		ASSERT_EQ(0, peer_read(&self->peer, self->untouched, self->page,
				       seen));
	} else {
		memcpy(seen, self->local, self->page);
	}
	for (i = 0; i < self->page && seen[i] == want[i]; i++)
		;
	EXPECT_EQ(self->page, i);
	free(seen);
	free(want);
}

TEST_F(flags, nowait_stops_at_the_first_page_not_resident)
{
	struct iovec l = iov(self->local, self->page);
	struct iovec r = iov(self->remote, self->page);

	NEED_NOWAIT();
	/* The first page is resident, the second one dropped. */
	ASSERT_EQ(0, peer_madvise(&self->peer, self->remote + self->page,
				  self->page, MADV_DONTNEED));
	xfer_result(self->peer.pid, self->local, 2 * self->page, self->remote,
		    2 * self->page, PROCESS_VM_NOWAIT, self->page);
	/* The first page moved; what the second one holds is not ours. */
	check_transfer(&self->peer, variant->write, &l, 1, &r, 1, self->page,
		       0);
}

TEST_F(flags, nowait_on_an_unmapped_page_fails_with_efault)
{
	NEED_NOWAIT();
	ASSERT_EQ(0, peer_munmap(&self->peer, self->untouched, self->page));
	xfer_result(self->peer.pid, self->local, self->page, self->untouched,
		    self->page, PROCESS_VM_NOWAIT, -EFAULT);
}

TEST_F(flags, nowait_on_a_page_without_access_fails_with_efault)
{
	int prot = variant->write ? PROT_READ : PROT_NONE;

	NEED_NOWAIT();

	ASSERT_EQ(0, peer_mprotect(&self->peer, self->remote, self->page, prot));
	xfer(self->peer.pid, self->local, self->page, self->remote, self->page,
	     PROCESS_VM_NOWAIT, -EFAULT);
}

/*
 * An anonymous page still shared copy-on-write after fork must be copied
 * before it is written, and before it is pinned even for reading (a read
 * pin makes the target unshare it, as mainline's pins do): both need a
 * fault, so both directions fail with EAGAIN.
 */
TEST_F(flags, nowait_on_a_page_still_shared_copy_on_write_fails_with_eagain)
{
	NEED_NOWAIT();
	xfer(self->peer.pid, self->local, self->page, self->cow, self->page,
	     PROCESS_VM_NOWAIT, -EAGAIN);
}

TEST_F(flags, pidfd_and_nowait_combine)
{
	NEED_PIDFD();
	NEED_NOWAIT();
	xfer(self->pidfd, self->local, self->page, self->remote, self->page,
	     PROCESS_VM_PIDFD | PROCESS_VM_NOWAIT, self->page);
	xfer_result(self->pidfd, self->local, self->page, self->untouched,
		    self->page, PROCESS_VM_PIDFD | PROCESS_VM_NOWAIT, -EAGAIN);
}

/*
 * A pidfd names a process, not a program image: after the process calls
 * execve(), the same pidfd reaches the new image's memory.  The kernel
 * looks the task up from the pidfd at every call (pidfd_get_task()) and
 * takes the task's current mm with mm_access(), whose ptrace check is
 * made for the new image (here: same user, dumpable, so allowed), as for
 * a pid.  The old image's memory is gone with it.
 */
TEST_F(flags, pidfd_reaches_the_new_image_after_execve)
{
	struct cma_peer ep = { .pid = -1, .cmd = -1, .reply = -1 };
	int cmd[2], reply[2], go[2], fd;
	unsigned long long addr;
	char env[64], *envp[] = { env, NULL };
	char *const argv[] = { "cma_flags_test", NULL };
	char c = 0;

	NEED_PIDFD();
	ASSERT_EQ(0, pipe(cmd));
	ASSERT_EQ(0, pipe(reply));
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	/* The old image has another pattern at the same place. */
	fill_pattern(exec_area, sizeof(exec_area), OTHER_SEED);
	ep.pid = fork();
	ASSERT_LE(0, ep.pid);
	if (ep.pid == 0) {
		close(cmd[1]);
		close(reply[0]);
		close(go[1]);
		snprintf(env, sizeof(env), EXEC_PEER_ENV "=%d,%d", cmd[0],
			 reply[1]);
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		/* Wait until the parent holds our pidfd. */
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		execve("/proc/self/exe", argv, envp);
		_exit(127);
	}
	close(cmd[0]);
	close(reply[1]);
	close(go[0]);
	ep.cmd = cmd[1];
	ep.reply = reply[0];
	fd = sys_pidfd_open(ep.pid);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, write(go[1], &c, 1));
	close(go[1]);
	/* The new image tells where its area is once it has filled it. */
	ASSERT_EQ(0, read_full(ep.reply, &addr, sizeof(addr)));
	__xfer(_metadata, &ep, variant->write, fd, self->local,
	       2 * self->page, (void *)(uintptr_t)addr, sizeof(exec_area),
	       PROCESS_VM_PIDFD, sizeof(exec_area));
	close(fd);
	EXPECT_EQ(0, peer_stop(&ep));
}

TEST_HARNESS_MAIN
