// SPDX-License-Identifier: GPL-2.0
/*
 * process_vm_readv()/process_vm_writev() flags: PROCESS_VM_PIDFD names the
 * target by pidfd, PROCESS_VM_NOWAIT never waits for the target's memory.
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/process_vm.h>
#include <sys/wait.h>

#include "cma.h"

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif

static int sys_pidfd_open(pid_t pid)
{
	return syscall(__NR_pidfd_open, pid, 0);
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
	bool unsupported;	/* the kernel refuses the flags */
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
	self->unsupported = sys_process_vm_readv(self->pidfd, NULL, 0, NULL, 0,
						 PROCESS_VM_FLAGS_MASK) &&
			    errno == EINVAL;
}

/*
 * This harness runs a test body even after a SKIP in FIXTURE_SETUP, so
 * each test checks for itself.
 */
#define NO_FLAGS "kernel without PROCESS_VM_PIDFD/NOWAIT"

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

TEST_F(flags, flag_values_are_the_proposed_abi)
{
	ASSERT_EQ(1UL, PROCESS_VM_PIDFD);
	ASSERT_EQ(2UL, PROCESS_VM_NOWAIT);
	ASSERT_EQ(3UL, PROCESS_VM_FLAGS_MASK);
}

TEST_F(flags, pidfd_transfers_like_a_pid)
{
	if (self->unsupported)
		SKIP(return, NO_FLAGS);
	xfer(self->pidfd, self->local, 2 * self->page, self->remote,
	     2 * self->page, PROCESS_VM_PIDFD, 2 * self->page);
}

TEST_F(flags, closed_fd_fails_with_ebadf)
{
	int fd = dup(self->pidfd);

	if (self->unsupported)
		SKIP(return, NO_FLAGS);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, close(fd));
	xfer_fails(EBADF, fd, PROCESS_VM_PIDFD);
	xfer_fails(EBADF, -1, PROCESS_VM_PIDFD);
}

TEST_F(flags, fd_that_is_not_a_pidfd_fails_with_ebadf)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (self->unsupported)
		SKIP(return, NO_FLAGS);

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

	if (self->unsupported)
		SKIP(return, NO_FLAGS);

	ASSERT_EQ(0, kill(self->peer.pid, SIGKILL));
	ASSERT_EQ(0, waitid(P_PID, self->peer.pid, &info, WEXITED | WNOWAIT));
	xfer_to_dead_peer_fails(ESRCH);
}

TEST_F(flags, pidfd_of_a_reaped_process_fails_with_esrch)
{
	if (self->unsupported)
		SKIP(return, NO_FLAGS);
	ASSERT_EQ(0, kill(self->peer.pid, SIGKILL));
	ASSERT_EQ(self->peer.pid, waitpid(self->peer.pid, NULL, 0));
	self->peer.pid = 0;	/* reaped: peer_stop() must not wait */
	xfer_to_dead_peer_fails(ESRCH);
}

TEST_F(flags, pidfd_is_checked_after_the_vectors)
{
	struct iovec bad = iov(NULL, self->page);

	if (self->unsupported)
		SKIP(return, NO_FLAGS);

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

	if (self->unsupported)
		SKIP(return, NO_FLAGS);

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
	if (self->unsupported)
		SKIP(return, NO_FLAGS);
	xfer(self->peer.pid, self->local, 2 * self->page, self->remote,
	     2 * self->page, PROCESS_VM_NOWAIT, 2 * self->page);
}

TEST_F(flags, nowait_on_a_page_never_touched_fails_with_eagain)
{
	if (self->unsupported)
		SKIP(return, NO_FLAGS);
	xfer_result(self->peer.pid, self->local, self->page, self->untouched,
		    self->page, PROCESS_VM_NOWAIT, -EAGAIN);
}

TEST_F(flags, without_nowait_a_page_never_touched_is_faulted_in)
{
	unsigned char *seen, *want;
	size_t i;

	if (self->unsupported)
		SKIP(return, NO_FLAGS);
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

	if (self->unsupported)
		SKIP(return, NO_FLAGS);
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
	if (self->unsupported)
		SKIP(return, NO_FLAGS);
	ASSERT_EQ(0, peer_munmap(&self->peer, self->untouched, self->page));
	xfer_result(self->peer.pid, self->local, self->page, self->untouched,
		    self->page, PROCESS_VM_NOWAIT, -EFAULT);
}

TEST_F(flags, nowait_on_a_page_without_access_fails_with_efault)
{
	int prot = variant->write ? PROT_READ : PROT_NONE;

	if (self->unsupported)
		SKIP(return, NO_FLAGS);

	ASSERT_EQ(0, peer_mprotect(&self->peer, self->remote, self->page, prot));
	xfer(self->peer.pid, self->local, self->page, self->remote, self->page,
	     PROCESS_VM_NOWAIT, -EFAULT);
}

/*
 * An anonymous page still shared copy-on-write after fork must be copied
 * before it is written, which needs a fault; reading it needs no copy.
 */
TEST_F(flags, nowait_on_a_page_still_shared_copy_on_write_fails_only_writes)
{
	if (self->unsupported)
		SKIP(return, NO_FLAGS);
	xfer(self->peer.pid, self->local, self->page, self->cow, self->page,
	     PROCESS_VM_NOWAIT, variant->write ? -EAGAIN : (ssize_t)self->page);
}

TEST_F(flags, pidfd_and_nowait_combine)
{
	if (self->unsupported)
		SKIP(return, NO_FLAGS);
	xfer(self->pidfd, self->local, self->page, self->remote, self->page,
	     PROCESS_VM_PIDFD | PROCESS_VM_NOWAIT, self->page);
	xfer_result(self->pidfd, self->local, self->page, self->untouched,
		    self->page, PROCESS_VM_PIDFD | PROCESS_VM_NOWAIT, -EAGAIN);
}

TEST_HARNESS_MAIN
