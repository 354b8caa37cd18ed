// SPDX-License-Identifier: GPL-2.0
/*
 * process_vm_readv()/process_vm_writev(): who may access whom.
 *
 * Access needs PTRACE_MODE_ATTACH_REALCREDS: the caller's real uid and gid
 * must match all the target's uids and gids, the target must be dumpable,
 * the caller must hold all the target's permitted capabilities, or else
 * the caller needs CAP_SYS_PTRACE.  A denial is EPERM (not EACCES), and it
 * comes after the iovecs are checked but before the memory is.  A process
 * may always access its own memory.
 *
 * These tests need root: they set up each side's credentials for real.
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

#include "cma.h"

#define NOBODY 65534
#define OTHER 65533

#define AREA_PAGES 4

/* The Yama LSM's ptrace_scope, or -1 without Yama. */
static int yama_scope(void)
{
	char buf[8] = "";
	int fd = open("/proc/sys/kernel/yama/ptrace_scope", O_RDONLY);

	if (fd < 0)
		return -1;
	if (read(fd, buf, sizeof(buf) - 1) <= 0)
		buf[0] = '\0';
	close(fd);
	return buf[0] ? atoi(buf) : -1;
}

struct creds {
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;
	bool keepcaps;		/* keep the permitted capabilities */
	bool nondumpable;
};

/* Take on @arg's credentials; 0 or an errno value. */
static int become(const void *arg)
{
	const struct creds *c = arg;

	if (setgroups(0, NULL) ||
	    setresgid(c->rgid, c->egid, c->sgid) ||
	    (c->keepcaps && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0)) ||
	    setresuid(c->ruid, c->euid, c->suid) ||
	    prctl(PR_SET_DUMPABLE, !c->nondumpable, 0, 0, 0))
		return errno;
	return 0;
}

static const struct creds root = { 0 };

static const struct creds nobody = {
	.ruid = NOBODY, .euid = NOBODY, .suid = NOBODY,
	.rgid = NOBODY, .egid = NOBODY, .sgid = NOBODY,
};

FIXTURE(perm)
{
	struct cma_peer peer;
	size_t page;
	char *local;
	char *remote;
	struct iovec l;
	struct iovec r;
};

FIXTURE_VARIANT(perm)
{
	struct creds caller;
	struct creds target;
	int error;		/* expected errno, 0 for success */
};

FIXTURE_VARIANT_ADD(perm, root_may_access_root)
{
	.caller = { 0 },
	.target = { 0 },
	.error = 0,
};

FIXTURE_VARIANT_ADD(perm, root_may_access_another_uid)
{
	.caller = { 0 },
	.target = {
		.ruid = NOBODY, .euid = NOBODY, .suid = NOBODY,
		.rgid = NOBODY, .egid = NOBODY, .sgid = NOBODY,
	},
	.error = 0,
};

FIXTURE_VARIANT_ADD(perm, root_may_access_a_nondumpable_process)
{
	.caller = { 0 },
	.target = {
		.ruid = NOBODY, .euid = NOBODY, .suid = NOBODY,
		.rgid = NOBODY, .egid = NOBODY, .sgid = NOBODY,
		.nondumpable = true,
	},
	.error = 0,
};

FIXTURE_VARIANT_ADD(perm, same_uid_may_access)
{
	.caller = {
		.ruid = NOBODY, .euid = NOBODY, .suid = NOBODY,
		.rgid = NOBODY, .egid = NOBODY, .sgid = NOBODY,
	},
	.target = {
		.ruid = NOBODY, .euid = NOBODY, .suid = NOBODY,
		.rgid = NOBODY, .egid = NOBODY, .sgid = NOBODY,
	},
	.error = 0,
};

FIXTURE_VARIANT_ADD(perm, same_uid_is_denied_a_nondumpable_process)
{
	.caller = {
		.ruid = NOBODY, .euid = NOBODY, .suid = NOBODY,
		.rgid = NOBODY, .egid = NOBODY, .sgid = NOBODY,
	},
	.target = {
		.ruid = NOBODY, .euid = NOBODY, .suid = NOBODY,
		.rgid = NOBODY, .egid = NOBODY, .sgid = NOBODY,
		.nondumpable = true,
	},
	.error = EPERM,
};

FIXTURE_VARIANT_ADD(perm, other_uid_is_denied)
{
	.caller = {
		.ruid = NOBODY, .euid = NOBODY, .suid = NOBODY,
		.rgid = NOBODY, .egid = NOBODY, .sgid = NOBODY,
	},
	.target = {
		.ruid = OTHER, .euid = OTHER, .suid = OTHER,
		.rgid = NOBODY, .egid = NOBODY, .sgid = NOBODY,
	},
	.error = EPERM,
};

FIXTURE_VARIANT_ADD(perm, other_gid_is_denied)
{
	.caller = {
		.ruid = NOBODY, .euid = NOBODY, .suid = NOBODY,
		.rgid = NOBODY, .egid = NOBODY, .sgid = NOBODY,
	},
	.target = {
		.ruid = NOBODY, .euid = NOBODY, .suid = NOBODY,
		.rgid = OTHER, .egid = OTHER, .sgid = OTHER,
	},
	.error = EPERM,
};

FIXTURE_VARIANT_ADD(perm, unprivileged_is_denied_root)
{
	.caller = {
		.ruid = NOBODY, .euid = NOBODY, .suid = NOBODY,
		.rgid = NOBODY, .egid = NOBODY, .sgid = NOBODY,
	},
	.target = { 0 },
	.error = EPERM,
};

/* All of the target's uids must match, the saved one too. */
FIXTURE_VARIANT_ADD(perm, target_saved_uid_must_match)
{
	.caller = {
		.ruid = NOBODY, .euid = NOBODY, .suid = NOBODY,
		.rgid = NOBODY, .egid = NOBODY, .sgid = NOBODY,
	},
	.target = {
		.ruid = NOBODY, .euid = NOBODY, .suid = 0,
		.rgid = NOBODY, .egid = NOBODY, .sgid = NOBODY,
	},
	.error = EPERM,
};

/* Same uid, but the target kept capabilities the caller lacks. */
FIXTURE_VARIANT_ADD(perm, target_with_more_capabilities_is_denied)
{
	.caller = {
		.ruid = NOBODY, .euid = NOBODY, .suid = NOBODY,
		.rgid = NOBODY, .egid = NOBODY, .sgid = NOBODY,
	},
	.target = {
		.ruid = NOBODY, .euid = NOBODY, .suid = NOBODY,
		.rgid = NOBODY, .egid = NOBODY, .sgid = NOBODY,
		.keepcaps = true,
	},
	.error = EPERM,
};

/*
 * REALCREDS: the caller's real ids count, not its effective ones.  With a
 * real uid of 0 and an effective uid of NOBODY, the caller has no effective
 * capabilities but keeps its permitted ones.
 */
FIXTURE_VARIANT_ADD(perm, real_root_uid_matches_root)
{
	.caller = {
		.ruid = 0, .euid = NOBODY, .suid = NOBODY,
		.rgid = 0, .egid = NOBODY, .sgid = NOBODY,
	},
	.target = { 0 },
	.error = 0,
};

FIXTURE_VARIANT_ADD(perm, effective_uid_match_is_not_enough)
{
	.caller = {
		.ruid = 0, .euid = NOBODY, .suid = NOBODY,
		.rgid = 0, .egid = NOBODY, .sgid = NOBODY,
	},
	.target = {
		.ruid = NOBODY, .euid = NOBODY, .suid = NOBODY,
		.rgid = NOBODY, .egid = NOBODY, .sgid = NOBODY,
	},
	.error = EPERM,
};

FIXTURE_SETUP(perm)
{
	size_t size;

	peer_init(&self->peer);
	if (geteuid())
		return;
	self->page = page_size();
	size = AREA_PAGES * self->page;
	ASSERT_EQ(0, map_pattern(&self->local, size, LOCAL_SEED));
	ASSERT_EQ(0, map_pattern(&self->remote, size, REMOTE_SEED));
	self->l = iov(self->local + self->page + 1, self->page);
	self->r = iov(self->remote + self->page + 2, self->page);
	ASSERT_EQ(0, peer_start(&self->peer, true, become, &variant->target));
}

FIXTURE_TEARDOWN(perm)
{
	EXPECT_EQ(0, peer_stop(&self->peer));
}

/*
 * Skip when not root; or when Yama would deny what the table expects to be
 * allowed: with ptrace_scope 2 a caller without CAP_SYS_PTRACE, with 3
 * anyone.
 */
static bool skip_perm(struct __test_metadata *_metadata, bool allowed,
		      bool privileged)
{
	int scope = yama_scope();

	if (geteuid())
		SKIP(return true, "needs root to set up the credentials");
	if (allowed && (scope >= 3 || (scope == 2 && !privileged)))
		SKIP(return true, "Yama ptrace_scope %d denies it", scope);
	return false;
}

static void expect_access(struct __test_metadata *_metadata,
			  FIXTURE_DATA(perm) * self,
			  const FIXTURE_VARIANT(perm) * variant, bool write)
{
	const struct creds *c = &variant->caller;

	if (skip_perm(_metadata, !variant->error, !c->euid))
		return;
	ASSERT_EQ(0, become(c));
	transfer(&self->peer, write, &self->l, 1, &self->r, 1,
		 variant->error ? -variant->error : self->page, self->page);
}

TEST_F(perm, readv)
{
	expect_access(_metadata, self, variant, false);
}

TEST_F(perm, writev)
{
	expect_access(_metadata, self, variant, true);
}

/*
 * A caller without access to its target: what comes before the permission
 * check still decides the result, and what comes after never does.
 */
FIXTURE(denied)
{
	struct cma_peer peer;
	size_t page;
	char *local;
	char *remote;
	struct iovec l;
	struct iovec r;
};

FIXTURE_VARIANT(denied)
{
	bool write;
};

FIXTURE_VARIANT_ADD(denied, readv)
{
	.write = false,
};

FIXTURE_VARIANT_ADD(denied, writev)
{
	.write = true,
};

FIXTURE_SETUP(denied)
{
	size_t size;

	peer_init(&self->peer);
	if (geteuid())
		return;
	self->page = page_size();
	size = AREA_PAGES * self->page;
	ASSERT_EQ(0, map_pattern(&self->local, size, LOCAL_SEED));
	ASSERT_EQ(0, map_pattern(&self->remote, size, REMOTE_SEED));
	self->l = iov(self->local + self->page, self->page);
	self->r = iov(self->remote + self->page, self->page);
	ASSERT_EQ(0, peer_start(&self->peer, true, become, &root));
}

FIXTURE_TEARDOWN(denied)
{
	EXPECT_EQ(0, peer_stop(&self->peer));
}

#define DENIED_CALL(lvec, lcnt, rvec, rcnt) \
	sys_process_vm(variant->write, self->peer.pid, lvec, lcnt, rvec, rcnt, 0)

TEST_F(denied, whole_transfer_fails_with_eperm)
{
	if (skip_perm(_metadata, false, false))
		return;
	ASSERT_EQ(0, become(&nobody));
	transfer(&self->peer, variant->write, &self->l, 1, &self->r, 1,
		 -EPERM, self->page);
}

TEST_F(denied, zero_local_total_returns_zero)
{
	struct iovec l = iov(self->local, 0);

	if (skip_perm(_metadata, false, false))
		return;
	ASSERT_EQ(0, become(&nobody));
	ASSERT_EQ(0, DENIED_CALL(&l, 1, &self->r, 1));
}

TEST_F(denied, zero_remote_total_returns_zero)
{
	struct iovec r = iov(self->remote, 0);

	if (skip_perm(_metadata, false, false))
		return;
	ASSERT_EQ(0, become(&nobody));
	ASSERT_EQ(0, DENIED_CALL(&self->l, 1, &r, 1));
}

TEST_F(denied, bad_remote_iovec_array_fails_with_efault)
{
	if (skip_perm(_metadata, false, false))
		return;
	ASSERT_EQ(0, become(&nobody));
	ASSERT_EQ(-1, DENIED_CALL(&self->l, 1, NULL, 1));
	ASSERT_EQ(EFAULT, errno);
}

TEST_F(denied, unmapped_remote_address_fails_with_eperm)
{
	struct iovec r = iov(NULL, self->page);

	if (skip_perm(_metadata, false, false))
		return;
	ASSERT_EQ(0, become(&nobody));
	ASSERT_EQ(-1, DENIED_CALL(&self->l, 1, &r, 1));
	ASSERT_EQ(EPERM, errno);
}

TEST_F(denied, unreadable_local_buffer_fails_with_eperm)
{
	struct iovec l = iov(self->local, self->page);

	if (skip_perm(_metadata, false, false))
		return;
	ASSERT_EQ(0, mprotect(self->local, self->page, PROT_NONE));
	ASSERT_EQ(0, become(&nobody));
	ASSERT_EQ(-1, DENIED_CALL(&l, 1, &self->r, 1));
	ASSERT_EQ(EPERM, errno);
}

/*
 * A process reaches its own memory whatever its credentials, and so does
 * any of its threads: pids name threads too.
 */
struct thread {
	pthread_t thread;
	int tid_pipe[2];	/* the thread sends its tid here */
	int stop_pipe[2];	/* then waits for EOF here */
	pid_t tid;
};

static void *thread_fn(void *arg)
{
	struct thread *t = arg;
	pid_t tid = syscall(SYS_gettid);
	char c;

	if (write_full(t->tid_pipe[1], &tid, sizeof(tid)) == 0)
		while (read(t->stop_pipe[0], &c, 1) > 0)
			;
	return NULL;
}

static int thread_start(struct thread *t)
{
	if (pipe(t->tid_pipe) || pipe(t->stop_pipe))
		return -1;
	if (pthread_create(&t->thread, NULL, thread_fn, t))
		return -1;
	return read_full(t->tid_pipe[0], &t->tid, sizeof(t->tid));
}

static void thread_stop(struct thread *t)
{
	close(t->stop_pipe[1]);
	pthread_join(t->thread, NULL);
	close(t->stop_pipe[0]);
	close(t->tid_pipe[0]);
	close(t->tid_pipe[1]);
}

FIXTURE(own)
{
	struct cma_peer peer;
	size_t page;
	char *local;
	char *remote;
	struct iovec l;
	struct iovec r;
};

FIXTURE_VARIANT(own)
{
	bool write;
};

FIXTURE_VARIANT_ADD(own, readv)
{
	.write = false,
};

FIXTURE_VARIANT_ADD(own, writev)
{
	.write = true,
};

FIXTURE_SETUP(own)
{
	size_t size;

	self->page = page_size();
	size = AREA_PAGES * self->page;
	ASSERT_EQ(0, map_pattern(&self->local, size, LOCAL_SEED));
	ASSERT_EQ(0, map_pattern(&self->remote, size, REMOTE_SEED));
	self->l = iov(self->local + self->page + 3, self->page);
	self->r = iov(self->remote + self->page + 1, self->page);
	ASSERT_EQ(0, peer_start(&self->peer, false, NULL, NULL));
}

FIXTURE_TEARDOWN(own)
{
}

TEST_F(own, unprivileged_nondumpable_caller_reaches_itself)
{
	if (geteuid())
		SKIP(return, "needs root to change credentials");
	ASSERT_EQ(0, become(&nobody));
	ASSERT_EQ(0, prctl(PR_SET_DUMPABLE, 0, 0, 0, 0));
	transfer(&self->peer, variant->write, &self->l, 1, &self->r, 1,
		 self->page, self->page);
}

TEST_F(own, thread_id_names_the_caller)
{
	struct thread t;

	ASSERT_EQ(0, thread_start(&t));
	self->peer.pid = t.tid;
	transfer(&self->peer, variant->write, &self->l, 1, &self->r, 1,
		 self->page, self->page);
	thread_stop(&t);
}

TEST_F(own, unprivileged_nondumpable_caller_reaches_its_thread)
{
	struct thread t;

	if (geteuid())
		SKIP(return, "needs root to change credentials");
	ASSERT_EQ(0, thread_start(&t));
	ASSERT_EQ(0, become(&nobody));
	ASSERT_EQ(0, prctl(PR_SET_DUMPABLE, 0, 0, 0, 0));
	self->peer.pid = t.tid;
	transfer(&self->peer, variant->write, &self->l, 1, &self->r, 1,
		 self->page, self->page);
	thread_stop(&t);
}

/*
 * A process that shares our mm (clone(CLONE_VM) without CLONE_THREAD) may
 * access it whatever its credentials: the permission check is skipped for
 * the caller's own mm.
 */
struct sharer {
	const struct iovec *l, *r;
	bool write;
	pid_t target;
	ssize_t ret;
	int err;
};

static int sharer_fn(void *arg)
{
	struct sharer *s = arg;

	/* Raw syscalls only: the libc state is our parent's. */
	if (syscall(SYS_setresuid, NOBODY, NOBODY, NOBODY)) {
		s->err = errno;
		return 1;
	}
	s->ret = sys_process_vm(s->write, s->target, s->l, 1, s->r, 1, 0);
	s->err = errno;
	return 0;
}

TEST_F(own, process_sharing_our_mm_needs_no_permission)
{
	struct sharer s = {
		.l = &self->l, .r = &self->r, .write = variant->write,
		.target = getpid(), .ret = -1,
	};
	size_t stack_size = 16 * self->page;
	char *stack;
	int status;
	pid_t pid;

	if (geteuid())
		SKIP(return, "needs root to change credentials");
	ASSERT_EQ(0, map_pattern(&stack, stack_size, 0));
	ASSERT_EQ(0, prctl(PR_SET_DUMPABLE, 0, 0, 0, 0));
	pid = clone(sharer_fn, stack + stack_size, CLONE_VM | SIGCHLD, &s);
	ASSERT_LT(0, pid);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_EQ(self->page, s.ret) {
		TH_LOG("errno %d (%s)", s.err, strerror(s.err));
	}
	check_transfer(&self->peer, variant->write, &self->l, 1, &self->r, 1,
		       self->page, self->page);
}

/*
 * Another process's threads: a child whose main thread exits while a
 * second thread lives on, serving the pipes.  The pid then names a task
 * without an mm, and fails with ESRCH; the live thread's id still reaches
 * the memory.
 */
FIXTURE(leader)
{
	struct cma_peer peer;
	size_t page;
	char *local;
	char *remote;
	struct iovec l;
	struct iovec r;
	pid_t tid;	/* the child's second thread */
	bool no_proc;	/* /proc is needed to see the main thread exit */
};

FIXTURE_VARIANT(leader)
{
	bool write;
};

FIXTURE_VARIANT_ADD(leader, readv)
{
	.write = false,
};

FIXTURE_VARIANT_ADD(leader, writev)
{
	.write = true,
};

/* The child's pipe ends: commands in, replies out. */
static int child_pipe[2];

static void *lonely_thread(void *arg)
{
	pid_t tid = syscall(SYS_gettid);

	if (write_full(child_pipe[1], &tid, sizeof(tid)))
		exit(1);
	peer_serve(child_pipe[0], child_pipe[1]);
	exit(0);
}

/* Whether @pid's main thread has exited: it is then shown as a zombie. */
static bool leader_exited(pid_t pid)
{
	char path[64], buf[128], *p;
	int fd, n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'Z';
}

FIXTURE_SETUP(leader)
{
	int cmd[2], reply[2], i;
	pthread_t thread;
	size_t size;

	peer_init(&self->peer);
	self->no_proc = access("/proc/self/stat", R_OK) != 0;
	if (self->no_proc)
		return;
	self->page = page_size();
	size = AREA_PAGES * self->page;
	ASSERT_EQ(0, map_pattern(&self->local, size, LOCAL_SEED));
	ASSERT_EQ(0, map_pattern(&self->remote, size, REMOTE_SEED));
	self->l = iov(self->local + self->page, self->page);
	self->r = iov(self->remote + self->page, self->page);
	ASSERT_EQ(0, pipe(cmd));
	ASSERT_EQ(0, pipe(reply));
	self->peer.pid = fork();
	ASSERT_LE(0, self->peer.pid);
	if (self->peer.pid == 0) {
		close(cmd[1]);
		close(reply[0]);
		child_pipe[0] = cmd[0];
		child_pipe[1] = reply[1];
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) ||
		    pthread_create(&thread, NULL, lonely_thread, NULL))
			_exit(1);
		pthread_exit(NULL);
	}
	close(cmd[0]);
	close(reply[1]);
	self->peer.cmd = cmd[1];
	self->peer.reply = reply[0];
	ASSERT_EQ(0, read_full(self->peer.reply, &self->tid,
			       sizeof(self->tid)));
	for (i = 0; i < 10000 && !leader_exited(self->peer.pid); i++)
		usleep(1000);
	ASSERT_TRUE(leader_exited(self->peer.pid));
}

FIXTURE_TEARDOWN(leader)
{
	EXPECT_EQ(0, peer_stop(&self->peer));
}

TEST_F(leader, pid_of_exited_main_thread_fails_with_esrch)
{
	if (self->no_proc)
		SKIP(return, "/proc is not mounted");
	ASSERT_EQ(-1, sys_process_vm(variant->write, self->peer.pid, &self->l,
				     1, &self->r, 1, 0));
	ASSERT_EQ(ESRCH, errno);
}

TEST_F(leader, live_thread_id_reaches_the_memory)
{
	struct cma_peer thread = self->peer;

	thread.pid = self->tid;
	if (self->no_proc)
		SKIP(return, "/proc is not mounted");

	transfer(&thread, variant->write, &self->l, 1, &self->r, 1,
		 self->page, self->page);
}

/*
 * Yama: with ptrace_scope 1, only descendants (or processes the target
 * named with PR_SET_PTRACER) may be accessed without CAP_SYS_PTRACE; with
 * 2, only with CAP_SYS_PTRACE; with 3, never.  Callers and targets have
 * uid NOBODY.  Each test sets ptrace_scope, and restores it afterwards.
 */
#define YAMA_SCOPE "/proc/sys/kernel/yama/ptrace_scope"

#ifndef PR_SET_PTRACER
#define PR_SET_PTRACER 0x59616d61
#endif
#ifndef PR_SET_PTRACER_ANY
#define PR_SET_PTRACER_ANY ((unsigned long)-1)
#endif

static int set_yama_scope(int scope)
{
	char buf[8];
	int fd, len, ret;

	fd = open(YAMA_SCOPE, O_WRONLY);
	if (fd < 0)
		return -1;
	len = snprintf(buf, sizeof(buf), "%d", scope);
	ret = write(fd, buf, len) == len ? 0 : -1;
	close(fd);
	return ret;
}

/*
 * The test may drop its privileges: a root child restores the scope when
 * the test closes @fd, or dies.
 */
static pid_t start_restorer(int scope, int *fd)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		while (read(p[0], &c, 1) > 0)
			;
		_exit(set_yama_scope(scope) ? 1 : 0);
	}
	close(p[0]);
	*fd = p[1];
	return pid;
}

static int become_nobody_ptraceable(const void *arg)
{
	int err = become(&nobody);

	if (!err && prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0))
		err = errno;
	return err;
}

FIXTURE(yama)
{
	struct cma_peer peer;
	char *remote;
	int old_scope;	/* to restore; -1 if left alone */
	pid_t restorer;	/* restores it once ... */
	int restore_fd;	/* ... this is closed */
	const char *skip;
};

FIXTURE_VARIANT(yama)
{
	int scope;
	bool descendant;	/* the caller is the target's parent */
	bool ptracer_any;	/* the target allows any ptracer */
	int error;
};

FIXTURE_VARIANT_ADD(yama, scope_0_allows_a_sibling)
{
	.scope = 0,
	.error = 0,
};

FIXTURE_VARIANT_ADD(yama, scope_1_allows_a_descendant)
{
	.scope = 1,
	.descendant = true,
	.error = 0,
};

FIXTURE_VARIANT_ADD(yama, scope_1_denies_a_sibling)
{
	.scope = 1,
	.error = EPERM,
};

FIXTURE_VARIANT_ADD(yama, scope_1_allows_a_sibling_named_by_pr_set_ptracer)
{
	.scope = 1,
	.ptracer_any = true,
	.error = 0,
};

FIXTURE_VARIANT_ADD(yama, scope_2_denies_a_descendant)
{
	.scope = 2,
	.descendant = true,
	.error = EPERM,
};

FIXTURE_VARIANT_ADD(yama, scope_2_ignores_pr_set_ptracer)
{
	.scope = 2,
	.ptracer_any = true,
	.error = EPERM,
};

FIXTURE_SETUP(yama)
{
	peer_init(&self->peer);
	self->old_scope = -1;
	self->restorer = 0;
	self->skip = NULL;
	if (geteuid()) {
		self->skip = "needs root to set up the credentials";
		return;
	}
	if (yama_scope() < 0) {
		self->skip = "Yama is not available";
		return;
	}
	if (yama_scope() > 2) {
		self->skip = "Yama ptrace_scope 3 cannot be lowered";
		return;
	}
	self->old_scope = yama_scope();
	self->restorer = start_restorer(self->old_scope, &self->restore_fd);
	ASSERT_LT(0, self->restorer);
	ASSERT_EQ(0, set_yama_scope(variant->scope));
	ASSERT_EQ(0, map_pattern(&self->remote, page_size(), REMOTE_SEED));
	ASSERT_EQ(0, peer_start(&self->peer, true,
				variant->ptracer_any ?
				become_nobody_ptraceable : become, &nobody));
}

FIXTURE_TEARDOWN(yama)
{
	int status;

	EXPECT_EQ(0, peer_stop(&self->peer));
	if (self->restorer > 0) {
		close(self->restore_fd);
		EXPECT_EQ(self->restorer, waitpid(self->restorer, &status, 0));
		EXPECT_EQ(0, status);
		EXPECT_EQ(self->old_scope, yama_scope());
	}
}

/* Read @len bytes at @addr in @target: 0 or an errno value. */
static int read_target(pid_t target, void *addr, size_t len)
{
	struct iovec l = iov(malloc(len), len), r = iov(addr, len);
	int err = 0;

	if (sys_process_vm_readv(target, &l, 1, &r, 1, 0) != (ssize_t)len)
		err = errno;
	free(l.iov_base);
	return err;
}

/*
 * Read the target from a sibling with uid NOBODY: 0, an errno value, or -1
 * if the sibling could not be started.
 */
static int read_from_sibling(pid_t target, void *addr, size_t len)
{
	int fds[2], err;
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		err = become(&nobody);
		if (!err)
			err = read_target(target, addr, len);
		_exit(write_full(fds[1], &err, sizeof(err)) ? 1 : 0);
	}
	close(fds[1]);
	if (read_full(fds[0], &err, sizeof(err)))
		err = EPIPE;
	close(fds[0]);
	waitpid(pid, NULL, 0);
	return err;
}

TEST_F(yama, readv_follows_ptrace_scope)
{
	size_t len = page_size();
	int err;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	if (variant->descendant) {
		ASSERT_EQ(0, become(&nobody));
		err = read_target(self->peer.pid, self->remote, len);
	} else {
		err = read_from_sibling(self->peer.pid, self->remote, len);
	}
	ASSERT_EQ(variant->error, err) {
		TH_LOG("errno %d (%s), expected %d", err, strerror(err),
		       variant->error);
	}
}

TEST_HARNESS_MAIN
