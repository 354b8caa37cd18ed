// SPDX-License-Identifier: GPL-2.0
/*
 * Demo for `make run`: a parent reads a message out of its child's memory
 * with process_vm_readv(), writes a reply into it with process_vm_writev(),
 * and the child prints what it finds.  No ptrace, no shared memory: the
 * child only tells the parent where its buffers are.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

struct where {
	void *message, *reply;
	size_t size;
};

int main(void)
{
	char message[64] = "", reply[64] = "";
	char got[64] = "", answer[64] = "hello child, your parent wrote this";
	int to_parent[2], to_child[2], status;
	struct where w;
	struct iovec local, remote;
	ssize_t n;
	pid_t pid;

	if (pipe(to_parent) || pipe(to_child))
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		snprintf(message, sizeof(message), "hello parent, I am child %d", getpid());
		w = (struct where){ message, reply, sizeof(reply) };
		printf("child:  my message at %p: \"%s\"\n", (void *)message, message);
		printf("child:  my reply buffer at %p is empty\n", (void *)reply);
		fflush(stdout);
		if (write(to_parent[1], &w, sizeof(w)) != sizeof(w) ||
		    read(to_child[0], &w, 1) != 1)
			_exit(1);
		printf("child:  my reply buffer now says: \"%s\"\n", reply);
		fflush(stdout);
		_exit(reply[0] ? 0 : 1);
	}

	if (read(to_parent[0], &w, sizeof(w)) != sizeof(w))
		return 1;

	local = (struct iovec){ got, sizeof(got) };
	remote = (struct iovec){ w.message, sizeof(got) };
	n = syscall(__NR_process_vm_readv, pid, &local, 1, &remote, 1, 0);
	if (n < 0) {
		printf("parent: process_vm_readv: %s\n", strerror(errno));
		return 1;
	}
	printf("parent: process_vm_readv read %zd bytes from child %d at %p: \"%s\"\n",
	       n, pid, w.message, got);

	local = (struct iovec){ answer, strlen(answer) + 1 };
	remote = (struct iovec){ w.reply, w.size };
	n = syscall(__NR_process_vm_writev, pid, &local, 1, &remote, 1, 0);
	if (n < 0) {
		printf("parent: process_vm_writev: %s\n", strerror(errno));
		return 1;
	}
	printf("parent: process_vm_writev wrote %zd bytes into child %d at %p\n",
	       n, pid, w.reply);
	fflush(stdout);

	if (write(to_child[1], "x", 1) != 1 || waitpid(pid, &status, 0) != pid)
		return 1;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		printf("demo: FAILED, the child did not see the reply\n");
		return 1;
	}
	printf("demo: one process read and wrote another's memory\n");
	return 0;
}
