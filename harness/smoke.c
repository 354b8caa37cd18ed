// SPDX-License-Identifier: GPL-2.0
/*
 * Smoke test: do process_vm_readv() and process_vm_writev() move data, to
 * and from ourselves and a forked child?  TAP output; exit status 1 if
 * anything failed.  ENOSYS is a failure, not a skip: these syscalls are
 * what the kernel under test is for.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define SIZE 10000	/* spans pages, and several iovecs below */

static char remote[SIZE], local[SIZE];
static int failed, test;

static ssize_t sys_process_vm_readv(pid_t pid, const struct iovec *lvec,
				    unsigned long liovcnt, const struct iovec *rvec,
				    unsigned long riovcnt, unsigned long flags)
{
	return syscall(__NR_process_vm_readv, pid, lvec, liovcnt, rvec, riovcnt, flags);
}

static ssize_t sys_process_vm_writev(pid_t pid, const struct iovec *lvec,
				     unsigned long liovcnt, const struct iovec *rvec,
				     unsigned long riovcnt, unsigned long flags)
{
	return syscall(__NR_process_vm_writev, pid, lvec, liovcnt, rvec, riovcnt, flags);
}

static void fill(char *buf, char seed)
{
	for (int i = 0; i < SIZE; i++)
		buf[i] = seed + i % 251;
}

static void result(int ok, const char *name, ssize_t ret)
{
	test++;
	if (ok) {
		printf("ok %d %s\n", test, name);
		return;
	}
	failed = 1;
	if (ret < 0)
		printf("not ok %d %s # returned -1, errno %d (%s)\n",
		       test, name, errno, strerror(errno));
	else
		printf("not ok %d %s # returned %zd, or wrong data\n", test, name, ret);
}

/*
 * Move SIZE bytes between local[] and pid's remote[], local side as one
 * iovec, remote side as three uneven ones.
 */
static ssize_t transfer(pid_t pid, int write)
{
	struct iovec l = { local, SIZE };
	struct iovec r[3] = {
		{ remote, 1 },
		{ remote + 1, 4095 },
		{ remote + 4096, SIZE - 4096 },
	};

	return write ? sys_process_vm_writev(pid, &l, 1, r, 3, 0)
		     : sys_process_vm_readv(pid, &l, 1, r, 3, 0);
}

int main(void)
{
	int go[2], done[2], status;
	ssize_t ret;
	pid_t pid;
	char c;

	printf("TAP version 13\n1..7\n");
	fflush(stdout);

	fill(remote, 'a');
	memset(local, 0, SIZE);
	ret = transfer(getpid(), 0);
	result(ret == SIZE && !memcmp(local, remote, SIZE), "readv_from_self", ret);

	fill(local, 'b');
	ret = transfer(getpid(), 1);
	result(ret == SIZE && !memcmp(local, remote, SIZE), "writev_to_self", ret);

	/*
	 * glibc's own wrappers, built against its (mainline) headers: a
	 * binary made for mainline must run unchanged here.
	 */
	{
		struct iovec l = { local, SIZE }, r = { remote, SIZE };

		fill(remote, 'e');
		memset(local, 0, SIZE);
		ret = process_vm_readv(getpid(), &l, 1, &r, 1, 0);
		result(ret == SIZE && !memcmp(local, remote, SIZE),
		       "libc_process_vm_readv_from_self", ret);
		fill(local, 'f');
		ret = process_vm_writev(getpid(), &l, 1, &r, 1, 0);
		result(ret == SIZE && !memcmp(local, remote, SIZE),
		       "libc_process_vm_writev_to_self", ret);
	}

	/* The child changes its copy of remote[] after fork: ours stays 'b'. */
	if (pipe(go) || pipe(done))
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		fill(remote, 'c');
		if (write(go[1], "x", 1) != 1 || read(done[0], &c, 1) != 1)
			_exit(2);
		fill(local, 'd');
		_exit(memcmp(local, remote, SIZE) ? 1 : 0);
	}
	if (read(go[0], &c, 1) != 1)
		return 1;

	memset(local, 0, SIZE);
	ret = transfer(pid, 0);
	fill(remote, 'c');	/* what the child holds */
	result(ret == SIZE && !memcmp(local, remote, SIZE), "readv_from_child", ret);

	fill(local, 'd');
	ret = transfer(pid, 1);
	result(ret == SIZE, "writev_to_child", ret);

	if (write(done[1], "x", 1) != 1 || waitpid(pid, &status, 0) != pid)
		return 1;
	errno = 0;
	result(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "child_sees_written_data", 0);

	return failed;
}
