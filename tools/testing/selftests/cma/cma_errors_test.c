// SPDX-License-Identifier: GPL-2.0
/*
 * process_vm_readv()/process_vm_writev(): argument errors, and the order in
 * which they are found.
 *
 * The arguments are checked in this order: flags; the local vector (count,
 * array, lengths, buffers); a zero local total ends the call with 0; the
 * remote vector (count, array, lengths); a zero remote total ends the call
 * with 0; the pid; the permission to access the process; its memory.  Most
 * tests pass an error together with a pid that does not exist, to show the
 * error is found before the pid is looked up.
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/utsname.h>

#include "cma.h"

FIXTURE(errors)
{
	struct cma_peer peer;
	size_t page;
	char *local;	/* a page of ours */
	char *remote;	/* another page of ours, as the remote side */
	void *bad;	/* a PROT_NONE page, after a read-write page */
	struct iovec l;	/* the local page */
	struct iovec r;	/* the remote page */
};

FIXTURE_VARIANT(errors)
{
	bool write;
};

FIXTURE_VARIANT_ADD(errors, readv)
{
	.write = false,
};

FIXTURE_VARIANT_ADD(errors, writev)
{
	.write = true,
};

FIXTURE_SETUP(errors)
{
	char *p;

	self->page = page_size();
	ASSERT_EQ(0, map_pattern(&self->local, self->page, LOCAL_SEED));
	ASSERT_EQ(0, map_pattern(&self->remote, self->page, REMOTE_SEED));
	ASSERT_EQ(0, map_pattern(&p, 2 * self->page, LOCAL_SEED));
	self->bad = p + self->page;
	ASSERT_EQ(0, mprotect(self->bad, self->page, PROT_NONE));
	self->l = iov(self->local, self->page);
	self->r = iov(self->remote, self->page);
	ASSERT_EQ(0, peer_start(&self->peer, false, NULL, NULL));
}

FIXTURE_TEARDOWN(errors)
{
}

/* Expect the call to fail with @err, and nothing to have been copied. */
#define EXPECT_FAILURE(err, pid, lvec, lcnt, rvec, rcnt, flags) do { \
	int __err = (err); \
	errno = 0; \
	ASSERT_EQ(-1, sys_process_vm(variant->write, pid, lvec, lcnt, \
				     rvec, rcnt, flags)); \
	ASSERT_EQ(__err, errno) { \
		TH_LOG("errno %d (%s), expected %d (%s)", errno, \
		       strerror(errno), __err, strerror(__err)); \
	} \
	check_transfer(&self->peer, variant->write, &self->l, 1, \
		       &self->r, 1, 0, 0); \
} while (0)

#define EXPECT_ZERO(pid, lvec, lcnt, rvec, rcnt) do { \
	ASSERT_EQ(0, sys_process_vm(variant->write, pid, lvec, lcnt, \
				    rvec, rcnt, 0)) { \
		TH_LOG("errno %d (%s)", errno, strerror(errno)); \
	} \
	check_transfer(&self->peer, variant->write, &self->l, 1, \
		       &self->r, 1, 0, 0); \
} while (0)

/* A 32-bit process on a 64-bit kernel can name only user addresses. */
static bool compat_task(void)
{
	struct utsname u;

	return sizeof(long) < 8 && !uname(&u) && strstr(u.machine, "64");
}

/*
 * Mainline defines no flag and refuses any.  Extensions may define flags
 * in the low bits, so only flags from bit UNKNOWN_FLAGS_FROM up are
 * unknown to every kernel.
 */
#define UNKNOWN_FLAGS_FROM 8
#define UNKNOWN_FLAG (1UL << (8 * sizeof(long) - 1))

TEST_F(errors, unknown_flag_fails_with_einval)
{
	EXPECT_FAILURE(EINVAL, getpid(), &self->l, 1, &self->r, 1,
		       UNKNOWN_FLAG);
}

TEST_F(errors, every_unknown_flag_bit_is_refused)
{
	unsigned int bit;

	for (bit = UNKNOWN_FLAGS_FROM; bit < 8 * sizeof(long); bit++)
		EXPECT_FAILURE(EINVAL, getpid(), &self->l, 1, &self->r, 1,
			       1UL << bit);
}

TEST_F(errors, flags_are_checked_before_anything_else)
{
	EXPECT_FAILURE(EINVAL, NO_SUCH_PID, self->bad, 1, self->bad, 1,
		       UNKNOWN_FLAG);
}

TEST_F(errors, flags_are_checked_before_an_empty_local_vector)
{
	EXPECT_FAILURE(EINVAL, NO_SUCH_PID, NULL, 0, NULL, 0, UNKNOWN_FLAG);
}

TEST_F(errors, too_many_local_elements_fail_with_einval)
{
	static struct iovec l[UIO_MAXIOV + 1];

	EXPECT_FAILURE(EINVAL, getpid(), l, UIO_MAXIOV + 1, &self->r, 1, 0);
}

TEST_F(errors, local_count_is_checked_before_the_local_array)
{
	EXPECT_FAILURE(EINVAL, NO_SUCH_PID, self->bad, UIO_MAXIOV + 1,
		       &self->r, 1, 0);
}

TEST_F(errors, huge_local_count_fails_with_einval)
{
	EXPECT_FAILURE(EINVAL, NO_SUCH_PID, &self->l, ULONG_MAX, &self->r, 1,
		       0);
}

/*
 * The local count goes through import_iovec(), whose count is an unsigned
 * int: on 64-bit, only its low 32 bits count.  The remote count is used
 * whole.
 */
TEST_F(errors, local_count_is_truncated_to_32_bits)
{
	unsigned long long count = (1ULL << 32) + 1;

	if (sizeof(long) < 8)
		SKIP(return, "unsigned long has 32 bits");
	ASSERT_EQ(self->page, sys_process_vm(variant->write, getpid(),
					     &self->l, count, &self->r, 1, 0));
	check_transfer(&self->peer, variant->write, &self->l, 1, &self->r, 1,
		       self->page, 0);
}

TEST_F(errors, remote_count_is_not_truncated)
{
	unsigned long long count = (1ULL << 32) + 1;

	if (sizeof(long) < 8)
		SKIP(return, "unsigned long has 32 bits");
	EXPECT_FAILURE(EINVAL, getpid(), &self->l, 1, &self->r, count, 0);
}

TEST_F(errors, uio_maxiov_elements_on_each_side_are_accepted)
{
	static struct iovec l[UIO_MAXIOV], r[UIO_MAXIOV];
	int i;

	for (i = 0; i < UIO_MAXIOV; i++) {
		l[i] = iov(self->local + 3 * i, 2);
		r[i] = iov(self->remote + 2 * i, 2);
	}
	transfer(&self->peer, variant->write, l, UIO_MAXIOV, r, UIO_MAXIOV,
		 2 * UIO_MAXIOV, 0);
}

TEST_F(errors, unreadable_local_iovec_array_fails_with_efault)
{
	EXPECT_FAILURE(EFAULT, NO_SUCH_PID, self->bad, 1, &self->r, 1, 0);
}

TEST_F(errors, local_iovec_array_running_into_a_bad_page_fails_with_efault)
{
	struct iovec *l = (struct iovec *)self->bad - 1;

	*l = self->l;
	EXPECT_FAILURE(EFAULT, NO_SUCH_PID, l, 2, &self->r, 1, 0);
}

TEST_F(errors, null_local_iovec_array_fails_with_efault)
{
	EXPECT_FAILURE(EFAULT, NO_SUCH_PID, NULL, 1, &self->r, 1, 0);
}

TEST_F(errors, local_length_over_ssize_max_fails_with_einval)
{
	struct iovec l[] = { self->l, iov(self->local, (size_t)SSIZE_MAX + 1) };

	EXPECT_FAILURE(EINVAL, NO_SUCH_PID, l, 2, &self->r, 1, 0);
}

TEST_F(errors, local_buffer_outside_user_space_fails_with_efault)
{
	struct iovec l[] = {
		self->l, iov((void *)-self->page, self->page),
	};

	if (compat_task())
		SKIP(return, "every address is a user address in compat mode");
	EXPECT_FAILURE(EFAULT, NO_SUCH_PID, l, 2, &self->r, 1, 0);
}

/* The same two checks when the local vector has one element only. */
TEST_F(errors, one_local_length_over_ssize_max_fails_with_einval)
{
	struct iovec l = iov(self->local, (size_t)SSIZE_MAX + 1);

	EXPECT_FAILURE(EINVAL, NO_SUCH_PID, &l, 1, &self->r, 1, 0);
}

TEST_F(errors, one_local_buffer_outside_user_space_fails_with_efault)
{
	struct iovec l = iov((void *)-self->page, self->page);

	if (compat_task())
		SKIP(return, "every address is a user address in compat mode");
	EXPECT_FAILURE(EFAULT, NO_SUCH_PID, &l, 1, &self->r, 1, 0);
}

/*
 * The whole length is checked against user space, before it is capped at
 * MAX_RW_COUNT.  Only a 64-bit address space is sure to end before it.
 */
TEST_F(errors, one_local_buffer_running_past_user_space_fails_with_efault)
{
	struct iovec l = iov(self->local, SSIZE_MAX);

	if (compat_task() || sizeof(long) < 8)
		SKIP(return, "needs a 64-bit address space");
	EXPECT_FAILURE(EFAULT, NO_SUCH_PID, &l, 1, &self->r, 1, 0);
}

TEST_F(errors, no_local_elements_return_zero_before_remote_checks)
{
	EXPECT_ZERO(NO_SUCH_PID, NULL, 0, self->bad, UIO_MAXIOV + 1);
}

TEST_F(errors, zero_local_total_returns_zero_before_remote_checks)
{
	struct iovec l[] = {
		iov(self->local, 0), iov(NULL, 0), iov(self->bad, 0),
	};

	EXPECT_ZERO(NO_SUCH_PID, l, ARRAY_SIZE(l), self->bad, UIO_MAXIOV + 1);
}

TEST_F(errors, too_many_remote_elements_fail_with_einval)
{
	static struct iovec r[UIO_MAXIOV + 1];

	EXPECT_FAILURE(EINVAL, getpid(), &self->l, 1, r, UIO_MAXIOV + 1, 0);
}

TEST_F(errors, remote_count_is_checked_before_the_remote_array)
{
	EXPECT_FAILURE(EINVAL, NO_SUCH_PID, &self->l, 1, self->bad,
		       UIO_MAXIOV + 1, 0);
}

TEST_F(errors, unreadable_remote_iovec_array_fails_with_efault)
{
	EXPECT_FAILURE(EFAULT, NO_SUCH_PID, &self->l, 1, self->bad, 1, 0);
}

TEST_F(errors, remote_iovec_array_running_into_a_bad_page_fails_with_efault)
{
	struct iovec *r = (struct iovec *)self->bad - 1;

	*r = self->r;
	EXPECT_FAILURE(EFAULT, NO_SUCH_PID, &self->l, 1, r, 2, 0);
}

TEST_F(errors, remote_length_over_ssize_max_fails_with_einval)
{
	struct iovec r[] = {
		self->r, iov(self->remote, (size_t)SSIZE_MAX + 1),
	};

	EXPECT_FAILURE(EINVAL, NO_SUCH_PID, &self->l, 1, r, 2, 0);
}

/* Only single lengths are checked: the remote total is not limited. */
TEST_F(errors, remote_total_over_ssize_max_is_not_an_error)
{
	struct iovec r[] = {
		iov(self->remote, SSIZE_MAX), iov(self->remote, SSIZE_MAX),
	};

	ASSERT_EQ(self->page, sys_process_vm(variant->write, getpid(),
					     &self->l, 1, r, 2, 0));
	check_transfer(&self->peer, variant->write, &self->l, 1, &self->r, 1,
		       self->page, 0);
}

TEST_F(errors, local_einval_precedes_remote_efault)
{
	struct iovec l = iov(self->local, (size_t)SSIZE_MAX + 1);

	EXPECT_FAILURE(EINVAL, NO_SUCH_PID, &l, 1, self->bad, 1, 0);
}

TEST_F(errors, local_efault_precedes_remote_einval)
{
	struct iovec r = iov(self->remote, (size_t)SSIZE_MAX + 1);

	EXPECT_FAILURE(EFAULT, NO_SUCH_PID, self->bad, 1, &r, 1, 0);
}

TEST_F(errors, no_remote_elements_return_zero_before_the_pid_lookup)
{
	EXPECT_ZERO(NO_SUCH_PID, &self->l, 1, NULL, 0);
}

TEST_F(errors, zero_remote_total_returns_zero_before_the_pid_lookup)
{
	struct iovec r[] = {
		iov(self->remote, 0), iov(NULL, 0), iov(self->bad, 0),
	};

	EXPECT_ZERO(NO_SUCH_PID, &self->l, 1, r, ARRAY_SIZE(r));
}

TEST_F(errors, nonexistent_pid_fails_with_esrch)
{
	EXPECT_FAILURE(ESRCH, NO_SUCH_PID, &self->l, 1, &self->r, 1, 0);
}

TEST_F(errors, negative_pid_fails_with_esrch)
{
	EXPECT_FAILURE(ESRCH, -1, &self->l, 1, &self->r, 1, 0);
}

TEST_F(errors, pid_zero_fails_with_esrch)
{
	EXPECT_FAILURE(ESRCH, 0, &self->l, 1, &self->r, 1, 0);
}

TEST_F(errors, reaped_child_fails_with_esrch)
{
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	EXPECT_FAILURE(ESRCH, pid, &self->l, 1, &self->r, 1, 0);
}

TEST_F(errors, zombie_child_fails_with_esrch)
{
	siginfo_t info;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(0);
	/* Wait for the exit, but leave the zombie in place. */
	ASSERT_EQ(0, waitid(P_PID, pid, &info, WEXITED | WNOWAIT));
	EXPECT_FAILURE(ESRCH, pid, &self->l, 1, &self->r, 1, 0);
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
}

/* Kernel threads have no mm. */
TEST_F(errors, kernel_thread_fails_with_esrch)
{
	char comm[16] = "";
	int fd = open("/proc/2/comm", O_RDONLY);

	if (fd >= 0) {
		if (read(fd, comm, sizeof(comm) - 1) < 0)
			comm[0] = '\0';
		close(fd);
	}
	if (strcmp(comm, "kthreadd\n"))
		SKIP(return, "pid 2 is not kthreadd (not in the initial pid namespace?)");
	EXPECT_FAILURE(ESRCH, 2, &self->l, 1, &self->r, 1, 0);
}

TEST_F(errors, null_remote_address_fails_with_efault)
{
	struct iovec r = iov(NULL, self->page);

	EXPECT_FAILURE(EFAULT, getpid(), &self->l, 1, &r, 1, 0);
}

TEST_F(errors, remote_address_outside_user_space_fails_with_efault)
{
	struct iovec r = iov((void *)-self->page, self->page);

	EXPECT_FAILURE(EFAULT, getpid(), &self->l, 1, &r, 1, 0);
}

TEST_HARNESS_MAIN
