// SPDX-License-Identifier: GPL-2.0
/*
 * PROCESS_VM_NOWAIT never waits for the target: not for a page to be
 * faulted in (hugetlb or userfaultfd included), not for the target's mmap
 * lock, not for an execve() the target is in the middle of.  It fails with
 * EAGAIN exactly where it stopped because it would have had to wait; for
 * every other reason (secretmem, a hwpoisoned page...) it fails as the
 * plain call does, with EFAULT.
 *
 * "At once" is checked against a handler or a helper that holds the
 * target up for HOLD_MS: a call that waited takes at least that long.
 *
 * Tests of a kernel feature that is missing (no huge pages reserved, no
 * userfaultfd, no memfd_secret(), no kcmp(), no memory failure handling)
 * are skipped, with the reason.
 */

#define _GNU_SOURCE
#include <linux/kcmp.h>
#include <linux/process_vm.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <time.h>

#include "cma.h"

#ifndef MAP_HUGETLB
#define MAP_HUGETLB 0x40000
#endif
#ifndef MADV_HWPOISON
#define MADV_HWPOISON 100
#endif

/* How long a handler or helper holds the target up. */
#define HOLD_MS 1500
/* A call that returns within this did not wait for it. */
#define AT_ONCE_MS 500

#define NEED_NOWAIT() \
	cma_need_extension(_metadata, PROCESS_VM_NOWAIT, "PROCESS_VM_NOWAIT")

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* A @key line of /proc/meminfo ("HugePages_Free"), or -1. */
static long read_meminfo(const char *key)
{
	char line[128];
	size_t n = strlen(key);
	long val = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			val = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return val;
}

static size_t huge_page_size(void)
{
	long kb = read_meminfo("Hugepagesize");

	return kb > 0 ? kb * 1024UL : 0;
}

/*
 * One huge page, mapped but never touched; NULL if the kernel has none
 * to give (no hugetlbfs, none reserved at boot).
 */
static char *map_huge(size_t size)
{
	char *p;

	if (!size || read_meminfo("HugePages_Free") < 1)
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/*
 * A call between our @l and @r in @pid, @len bytes each: the bytes moved,
 * or minus errno.
 */
static ssize_t xfer(bool write, pid_t pid, void *l, void *r, size_t len,
		    unsigned long flags)
{
	struct iovec lv = iov(l, len), rv = iov(r, len);
	ssize_t n = sys_process_vm(write, pid, &lv, 1, &rv, 1, flags);

	return n < 0 ? -errno : n;
}

/* The same with our own memory at @r: the target is us. */
static ssize_t self_xfer(bool write, void *l, void *r, size_t len,
			 unsigned long flags)
{
	return xfer(write, getpid(), l, r, len, flags);
}

/* self_xfer(), and how long it took in *@ms. */
static ssize_t timed_self_xfer(bool write, void *l, void *r, size_t len,
			       unsigned long flags, long long *ms)
{
	long long t = now_ms();
	ssize_t ret = self_xfer(write, l, r, len, flags);

	*ms = now_ms() - t;
	return ret;
}

/*
 * Whether a transfer of @len bytes between @local and @area left the
 * destination holding the source: @src, what @area was filled from, for
 * a read; @local for a write.  0 if it did, as memcmp().
 */
static int moved_differs(bool write, const void *local, const void *area,
			 const void *src, size_t len)
{
	return write ? memcmp(area, local, len) : memcmp(local, src, len);
}

/*
 * A userfaultfd on our own memory, and a thread that serves it: at the
 * first fault it waits @delay_ms, then fills the registered range from
 * @src (UFFDIO_COPY).  It stops at the first fault, or when told.
 */
struct uffd_server {
	int uffd;
	int stop[2];
	char *base;
	size_t len;
	const void *src;
	int delay_ms;
	bool faulted;
	bool resolved;
	pthread_t thread;
};

static void *uffd_serve(void *arg)
{
	struct uffd_server *s = arg;
	struct pollfd fds[2] = {
		{ .fd = s->uffd, .events = POLLIN },
		{ .fd = s->stop[0], .events = POLLIN },
	};
	struct uffd_msg msg;
	struct uffdio_copy copy;

	for (;;) {
		if (poll(fds, 2, -1) < 0)
			return NULL;
		if (fds[1].revents)
			return NULL;
		if (read(s->uffd, &msg, sizeof(msg)) != sizeof(msg))
			continue;
		if (msg.event == UFFD_EVENT_PAGEFAULT)
			break;
	}
	s->faulted = true;
	usleep(s->delay_ms * 1000);
	copy.dst = (uintptr_t)s->base;
	copy.src = (uintptr_t)s->src;
	copy.len = s->len;
	copy.mode = 0;
	copy.copy = 0;
	s->resolved = !ioctl(s->uffd, UFFDIO_COPY, &copy);
	return NULL;
}

/*
 * Register our [base, base + len) for missing faults and start serving
 * them.  Returns 0, or -1 with errno set: the kernel has no userfaultfd,
 * or will not let us use it for faults taken by the kernel.
 */
static int uffd_start(struct uffd_server *s, char *base, size_t len,
		      const void *src, int delay_ms)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)base, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	int err;

	memset(s, 0, sizeof(*s));
	s->base = base;
	s->len = len;
	s->src = src;
	s->delay_ms = delay_ms;
	s->uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (s->uffd < 0)
		return -1;
	if (ioctl(s->uffd, UFFDIO_API, &api) ||
	    ioctl(s->uffd, UFFDIO_REGISTER, &reg) || pipe(s->stop))
		goto fail;
	err = pthread_create(&s->thread, NULL, uffd_serve, s);
	if (!err)
		return 0;
	errno = err;
fail:
	err = errno;
	close(s->uffd);
	errno = err;
	return -1;
}

static void uffd_stop(struct uffd_server *s)
{
	char c = 0;

	if (write(s->stop[1], &c, 1) != 1)
		perror("write");
	pthread_join(s->thread, NULL);
	close(s->stop[0]);
	close(s->stop[1]);
	close(s->uffd);
}

FIXTURE(nowait)
{
	struct cma_peer peer;
	size_t page;
	unsigned char *local;
};

FIXTURE_VARIANT(nowait)
{
	bool write;
};

FIXTURE_VARIANT_ADD(nowait, readv)
{
	.write = false,
};

FIXTURE_VARIANT_ADD(nowait, writev)
{
	.write = true,
};

FIXTURE_SETUP(nowait)
{
	peer_init(&self->peer);
	self->page = page_size();
	ASSERT_EQ(0, alloc_bytes(&self->local, self->page));
	fill_pattern(self->local, self->page, LOCAL_SEED);
}

FIXTURE_TEARDOWN(nowait)
{
	peer_stop(&self->peer);
	free(self->local);
}

/*
 * A hugetlb page that was never touched: hugetlb mappings have a fault
 * path of their own, follow_hugetlb_page(), which must not fault the page
 * in either.  Nothing is allocated: HugePages_Free does not move.
 */
TEST_F(nowait, hugetlb_page_not_resident_fails_with_eagain)
{
	size_t size = huge_page_size();
	long free_before, free_after;
	char *huge;

	NEED_NOWAIT();
	huge = map_huge(size);
	if (!huge)
		SKIP(return, "no free huge page (hugepages= on the command line)");
	free_before = read_meminfo("HugePages_Free");
	EXPECT_EQ(-EAGAIN, self_xfer(variant->write, self->local, huge,
				     self->page, PROCESS_VM_NOWAIT));
	free_after = read_meminfo("HugePages_Free");
	EXPECT_EQ(free_before, free_after) {
		TH_LOG("PROCESS_VM_NOWAIT allocated %ld huge page(s)",
		       free_before - free_after);
	}
	munmap(huge, size);
}

/* The same page without the flag is faulted in, as any page would be. */
TEST_F(nowait, hugetlb_page_not_resident_is_faulted_in_without_nowait)
{
	size_t size = huge_page_size();
	long free_before;
	ssize_t ret;
	char *huge;

	huge = map_huge(size);
	if (!huge)
		SKIP(return, "no free huge page (hugepages= on the command line)");
	free_before = read_meminfo("HugePages_Free");
	ret = self_xfer(variant->write, self->local, huge, self->page, 0);
	EXPECT_EQ((ssize_t)self->page, ret);
	EXPECT_EQ(free_before - 1, read_meminfo("HugePages_Free"));
	munmap(huge, size);
}

TEST_F(nowait, hugetlb_page_resident_moves)
{
	size_t size = huge_page_size();
	unsigned char *want;
	ssize_t ret;
	char *huge;

	NEED_NOWAIT();
	huge = map_huge(size);
	if (!huge)
		SKIP(return, "no free huge page (hugepages= on the command line)");
	fill_pattern(huge, size, REMOTE_SEED);
	ASSERT_EQ(0, alloc_bytes(&want, self->page));
	memcpy(want, variant->write ? (void *)self->local : (void *)huge,
	       self->page);
	ret = self_xfer(variant->write, self->local, huge, self->page,
			PROCESS_VM_NOWAIT);
	EXPECT_EQ((ssize_t)self->page, ret);
	EXPECT_EQ(0, memcmp(variant->write ? (void *)huge :
			    (void *)self->local, want, self->page));
	free(want);
	munmap(huge, size);
}

/*
 * A hugetlb page registered with userfaultfd, missing: without the fix,
 * follow_hugetlb_page() raised the userfault, slept until the handler
 * resolved it, then GUP took the mmap lock again, blocking, and retried.
 * NOWAIT must not raise the fault at all.
 */
TEST_F(nowait, hugetlb_userfault_missing_page_fails_at_once)
{
	size_t size = huge_page_size();
	struct uffd_server s;
	long long t;
	ssize_t ret;
	char *huge, *src;

	NEED_NOWAIT();
	huge = map_huge(size);
	if (!huge)
		SKIP(return, "no free huge page (hugepages= on the command line)");
	ASSERT_EQ(0, map_pattern(&src, size, REMOTE_SEED));
	if (uffd_start(&s, huge, size, src, HOLD_MS))
		SKIP(return, "no userfaultfd for kernel faults: %s",
		     strerror(errno));
	ret = timed_self_xfer(variant->write, self->local, huge, self->page,
			      PROCESS_VM_NOWAIT, &t);
	uffd_stop(&s);
	EXPECT_EQ(-EAGAIN, ret);
	EXPECT_FALSE(s.faulted);
	EXPECT_GT(AT_ONCE_MS, t) {
		TH_LOG("PROCESS_VM_NOWAIT waited %lld ms for the handler", t);
	}
	munmap(src, size);
	munmap(huge, size);
}

/* A missing page of an ordinary mapping, registered with userfaultfd. */
TEST_F(nowait, userfault_missing_page_fails_at_once)
{
	struct uffd_server s;
	char *area, *src;
	long long t;
	ssize_t ret;

	NEED_NOWAIT();
	area = mmap(NULL, self->page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(area != MAP_FAILED);
	ASSERT_EQ(0, map_pattern(&src, self->page, REMOTE_SEED));
	if (uffd_start(&s, area, self->page, src, HOLD_MS))
		SKIP(return, "no userfaultfd for kernel faults: %s",
		     strerror(errno));
	ret = timed_self_xfer(variant->write, self->local, area, self->page,
			      PROCESS_VM_NOWAIT, &t);
	uffd_stop(&s);
	EXPECT_EQ(-EAGAIN, ret);
	EXPECT_FALSE(s.faulted);
	EXPECT_GT(AT_ONCE_MS, t);
	munmap(src, self->page);
	munmap(area, self->page);
}

/*
 * Without the flag the call raises the userfault, waits for the handler,
 * and then (GUP retries after VM_FAULT_RETRY) moves the page it filled.
 */
TEST_F(nowait, userfault_missing_page_blocks_without_nowait)
{
	struct uffd_server s;
	char *area, *src;
	long long t;
	ssize_t ret;

	area = mmap(NULL, self->page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(area != MAP_FAILED);
	ASSERT_EQ(0, map_pattern(&src, self->page, REMOTE_SEED));
	if (uffd_start(&s, area, self->page, src, HOLD_MS))
		SKIP(return, "no userfaultfd for kernel faults: %s",
		     strerror(errno));
	ret = timed_self_xfer(variant->write, self->local, area, self->page,
			      0, &t);
	uffd_stop(&s);
	EXPECT_EQ((ssize_t)self->page, ret);
	EXPECT_TRUE(s.faulted);
	EXPECT_TRUE(s.resolved);
	EXPECT_LE(HOLD_MS, t);
	EXPECT_EQ(0, moved_differs(variant->write, self->local, area, src,
				   self->page));
	munmap(src, self->page);
	munmap(area, self->page);
}

/*
 * Once a plain call's fault was resolved (through VM_FAULT_RETRY), the
 * page is resident: NOWAIT moves it, without waiting or faulting again.
 */
TEST_F(nowait, userfault_resolved_page_moves_at_once)
{
	struct uffd_server s;
	char *area, *src;
	long long t;
	ssize_t ret;

	NEED_NOWAIT();
	area = mmap(NULL, self->page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(area != MAP_FAILED);
	ASSERT_EQ(0, map_pattern(&src, self->page, REMOTE_SEED));
	if (uffd_start(&s, area, self->page, src, 100))
		SKIP(return, "no userfaultfd for kernel faults: %s",
		     strerror(errno));
	ret = self_xfer(false, self->local, area, self->page, 0);
	ASSERT_EQ((ssize_t)self->page, ret);
	uffd_stop(&s);
	ASSERT_TRUE(s.resolved);
	fill_pattern(self->local, self->page, LOCAL_SEED);
	ret = timed_self_xfer(variant->write, self->local, area, self->page,
			      PROCESS_VM_NOWAIT, &t);
	EXPECT_EQ((ssize_t)self->page, ret);
	EXPECT_GT(AT_ONCE_MS, t);
	EXPECT_EQ(0, moved_differs(variant->write, self->local, area, src,
				   self->page));
	munmap(src, self->page);
	munmap(area, self->page);
}

/*
 * memfd_secret() memory is never reachable by GUP, faulted in or not:
 * NOWAIT fails with EFAULT, as the plain call does, not with EAGAIN.
 */
TEST_F(nowait, secretmem_fails_with_efault_like_the_plain_call)
{
#ifdef __NR_memfd_secret
	char *area;
	int fd;

	NEED_NOWAIT();
	fd = syscall(__NR_memfd_secret, 0);
	if (fd < 0)
		SKIP(return, "no memfd_secret(): %s (6.1 needs secretmem.enable=1)",
		     strerror(errno));
	ASSERT_EQ(0, ftruncate(fd, self->page));
	area = mmap(NULL, self->page, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    0);
	close(fd);
	ASSERT_TRUE(area != MAP_FAILED);
	fill_pattern(area, self->page, REMOTE_SEED);	/* resident */
	EXPECT_EQ(-EFAULT, self_xfer(variant->write, self->local, area,
				     self->page, 0));
	EXPECT_EQ(-EFAULT, self_xfer(variant->write, self->local, area,
				     self->page, PROCESS_VM_NOWAIT));
	munmap(area, self->page);
#else
	SKIP(return, "no memfd_secret() on this architecture");
#endif
}

/*
 * A hwpoisoned page (MADV_HWPOISON, in a child: the page is lost for
 * good) cannot be reached: EFAULT, as the plain call says, not EAGAIN.
 */
TEST_F(nowait, hwpoisoned_page_fails_with_efault_like_the_plain_call)
{
	char *area;

	NEED_NOWAIT();
	ASSERT_EQ(0, map_pattern(&area, self->page, REMOTE_SEED));
	ASSERT_EQ(0, peer_start(&self->peer, true, NULL, NULL));
	ASSERT_EQ(0, peer_fill(&self->peer, area, self->page, REMOTE_SEED));
	if (peer_madvise(&self->peer, area, self->page, MADV_HWPOISON))
		SKIP(return, "no MADV_HWPOISON: %s (needs MEMORY_FAILURE and CAP_SYS_ADMIN)",
		     strerror(errno));
	EXPECT_EQ(-EFAULT, xfer(variant->write, self->peer.pid, self->local,
				area, self->page, 0));
	EXPECT_EQ(-EFAULT, xfer(variant->write, self->peer.pid, self->local,
				area, self->page, PROCESS_VM_NOWAIT));
	munmap(area, self->page);
}

/*
 * A forked child's page that it has not written since fork() is resident
 * but still shared copy-on-write with us.  A read pin makes the child
 * unshare it (gup_must_unshare(): mainline's rule, so that the pinned page
 * cannot go stale when either side writes), and that is a fault: NOWAIT
 * reads fail with EAGAIN.  Once a plain call unshared it, they succeed.
 */
TEST(nowait_read_of_a_forked_childs_shared_page_fails_with_eagain)
{
	size_t page = page_size();
	struct cma_peer peer;
	unsigned char *local;
	char *area;

	NEED_NOWAIT();
	ASSERT_EQ(0, alloc_bytes(&local, page));
	ASSERT_EQ(0, map_pattern(&area, page, REMOTE_SEED));
	ASSERT_EQ(0, peer_start(&peer, true, NULL, NULL));
	EXPECT_EQ(-EAGAIN, xfer(false, peer.pid, local, area, page,
				PROCESS_VM_NOWAIT));
	EXPECT_EQ(0, peer_stop(&peer));
	free(local);
}

TEST(nowait_read_of_a_forked_childs_page_moves_once_unshared)
{
	size_t page = page_size();
	struct cma_peer peer;
	unsigned char *local;
	char *area;

	NEED_NOWAIT();
	ASSERT_EQ(0, alloc_bytes(&local, page));
	ASSERT_EQ(0, map_pattern(&area, page, REMOTE_SEED));
	ASSERT_EQ(0, peer_start(&peer, true, NULL, NULL));
	ASSERT_EQ((ssize_t)page, xfer(false, peer.pid, local, area, page, 0));
	memset(local, 0, page);
	EXPECT_EQ((ssize_t)page, xfer(false, peer.pid, local, area, page,
				      PROCESS_VM_NOWAIT));
	EXPECT_EQ(0, memcmp(local, area, page));
	EXPECT_EQ(0, peer_stop(&peer));
	free(local);
}

/*
 * Another thread of the target holds its mmap lock for writing, again and
 * again (mprotect() of a big populated region takes it for the whole
 * call).  A page that is resident and ours alone can only fail with
 * EAGAIN because the lock was busy: the call did not wait for it.
 */
#define BIG_REGION (32UL << 20)

struct locker {
	char *region;
	int stop;	/* __atomic */
};

static void *lock_mmap_for_writing(void *arg)
{
	struct locker *l = arg;

	while (!__atomic_load_n(&l->stop, __ATOMIC_RELAXED)) {
		mprotect(l->region, BIG_REGION, PROT_READ);
		mprotect(l->region, BIG_REGION, PROT_READ | PROT_WRITE);
	}
	return NULL;
}

TEST(nowait_with_the_mmap_lock_held_for_writing_fails_with_eagain)
{
	size_t page = page_size();
	struct locker l = { 0 };
	unsigned char *local;
	char *area;
	pthread_t thread;
	long long end;
	int eagain = 0, moved = 0, other = 0;

	NEED_NOWAIT();
	ASSERT_EQ(0, alloc_bytes(&local, page));
	ASSERT_EQ(0, map_pattern(&area, page, REMOTE_SEED));
	ASSERT_EQ(0, map_pattern(&l.region, BIG_REGION, REMOTE_SEED));
	ASSERT_EQ(0, pthread_create(&thread, NULL, lock_mmap_for_writing, &l));
	end = now_ms() + 10000;
	while (!eagain && now_ms() < end) {
		ssize_t n = self_xfer(false, local, area, page,
					     PROCESS_VM_NOWAIT);

		if (n == -EAGAIN)
			eagain++;
		else if (n == (ssize_t)page)
			moved++;
		else
			other++;
	}
	__atomic_store_n(&l.stop, 1, __ATOMIC_RELAXED);
	pthread_join(thread, NULL);
	EXPECT_LT(0, eagain) {
		TH_LOG("%d calls moved the page, none found the lock busy",
		       moved);
	}
	EXPECT_EQ(0, other);
	munmap(l.region, BIG_REGION);
	munmap(area, page);
	free(local);
}

/*
 * The target in the middle of execve(): past the point of no return, in
 * exec_mmap(), waiting to take its exec_update_lock for writing, which
 * mm_access() takes for reading.  To hold it there for as long as we
 * like, a helper process holds the lock for reading: kcmp(KCMP_EPOLL_TFD)
 * takes the exec_update_lock of both tasks and then reads its argument
 * from the helper's memory, a page registered with userfaultfd that
 * nobody serves.  Killing the helper lets the execve() go on.
 *
 * The new image is this program again, which exits at once (EXEC_ENV).
 */
#define EXEC_ENV "CMA_NOWAIT_TEST_EXIT"

__attribute__((constructor)) static void exec_exit(void)
{
	if (getenv(EXEC_ENV))
		_exit(0);
}

/* The helper: hold @target's exec_update_lock; report on @out. */
static void hold_exec_update_lock(pid_t target, int out)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	size_t page = page_size();
	struct pollfd pfd;
	char c, *slot;
	int uffd;

	slot = mmap(NULL, page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	reg.range.start = (uintptr_t)slot;
	reg.range.len = page;
	if (slot == MAP_FAILED || uffd < 0 || ioctl(uffd, UFFDIO_API, &api) ||
	    ioctl(uffd, UFFDIO_REGISTER, &reg)) {
		c = 'U';
		goto out;
	}
	if (fork() == 0) {
		/* Tell the parent once kcmp() is stuck on our page. */
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		pfd.fd = uffd;
		pfd.events = POLLIN;
		c = poll(&pfd, 1, 10000) == 1 ? 'F' : 'T';
		if (write(out, &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	syscall(__NR_kcmp, target, target, KCMP_EPOLL_TFD, 0, slot);
	c = 'R';
out:
	if (write(out, &c, 1) != 1)
		_exit(1);
	_exit(0);
}

/*
 * @pid's state letter, or 0.  From /proc/PID/status: reading /proc/PID/stat
 * or wchan takes the exec_update_lock too, and would wait with us.
 */
static char proc_state(pid_t pid)
{
	char path[64], line[128];
	char state = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "State: %c", &state) == 1)
			break;
	fclose(f);
	return state;
}

struct exec_hold {
	pid_t target, helper;
	char *area;
};

/*
 * Start a target that fills @area and a helper that holds the target's
 * exec_update_lock, then make the target execve() and wait until it is
 * stuck there.  0, or a skip reason (a string literal).
 */
static const char *exec_hold_start(struct __test_metadata *_metadata,
				   struct exec_hold *h)
{
	size_t page = page_size();
	char *const envp[] = { EXEC_ENV "=1", NULL };
	char *const argv[] = { "cma_nowait_test", NULL };
	int go[2], rep[2], i;
	char c;

	/* kcmp(), the only call that holds the lock and faults. */
	if (syscall(__NR_kcmp, getpid(), getpid(), KCMP_VM, 0, 0))
		return "no kcmp() (CHECKPOINT_RESTORE)";
	h->area = mmap(NULL, page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (h->area == MAP_FAILED || pipe(go) || pipe(rep))
		return "no memory or pipes";
	h->target = fork();
	if (h->target == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		fill_pattern(h->area, page, REMOTE_SEED); /* ours alone */
		c = 'R';
		if (write(rep[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(1);
		execve("/proc/self/exe", argv, envp);
		_exit(127);
	}
	if (h->target < 0 || read(rep[0], &c, 1) != 1)
		return "no target";
	h->helper = fork();
	if (h->helper == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		hold_exec_update_lock(h->target, rep[1]);
	}
	if (h->helper < 0 || read(rep[0], &c, 1) != 1)
		return "no helper";
	if (c == 'U')
		return "no userfaultfd for kernel faults";
	if (c != 'F')
		return "kcmp(KCMP_EPOLL_TFD) did not read the helper's page";
	/* The helper holds the target's exec_update_lock: execve(). */
	c = 'G';
	if (write(go[1], &c, 1) != 1)
		return "target gone";
	close(go[0]);
	close(go[1]);
	close(rep[0]);
	close(rep[1]);
	/* down_write_killable() sleeps in TASK_KILLABLE: "D". */
	for (i = 0; i < 1000 && proc_state(h->target) != 'D'; i++)
		usleep(10000);
	if (proc_state(h->target) != 'D') {
		TH_LOG("target state '%c'", proc_state(h->target));
		return "the target did not get stuck in execve()";
	}
	return NULL;
}

/* Let the execve() finish; the new image exits. */
static void exec_hold_end(struct __test_metadata *_metadata,
			  struct exec_hold *h)
{
	int status;

	kill(h->helper, SIGKILL);
	waitpid(h->helper, NULL, 0);
	ASSERT_EQ(h->target, waitpid(h->target, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		TH_LOG("exec'd target: status %#x", status);
	}
}

/* Kill the helper after HOLD_MS, so that a call that waits returns. */
static void *release_later(void *arg)
{
	usleep(HOLD_MS * 1000);
	kill(*(pid_t *)arg, SIGKILL);
	return NULL;
}

static long long exec_hold_call(struct exec_hold *h, unsigned long flags,
				ssize_t *ret)
{
	unsigned char buf[64];
	pthread_t thread;
	long long t;

	if (pthread_create(&thread, NULL, release_later, &h->helper))
		return -1;
	t = now_ms();
	*ret = xfer(false, h->target, buf, h->area, sizeof(buf), flags);
	t = now_ms() - t;
	pthread_join(thread, NULL);
	return t;
}

TEST(nowait_on_a_target_in_execve_fails_with_eagain_at_once)
{
	struct exec_hold h = { 0 };
	const char *skip;
	ssize_t ret;
	long long t;

	NEED_NOWAIT();
	skip = exec_hold_start(_metadata, &h);
	if (skip) {
		if (h.helper > 0)
			kill(h.helper, SIGKILL);
		if (h.target > 0)
			kill(h.target, SIGKILL);
		SKIP(return, "%s", skip);
	}
	t = exec_hold_call(&h, PROCESS_VM_NOWAIT, &ret);
	exec_hold_end(_metadata, &h);
	EXPECT_EQ(-EAGAIN, ret);
	EXPECT_GT(AT_ONCE_MS, t) {
		TH_LOG("PROCESS_VM_NOWAIT waited %lld ms for the execve()", t);
	}
}

TEST(without_nowait_a_target_in_execve_is_waited_for)
{
	struct exec_hold h = { 0 };
	const char *skip;
	ssize_t ret;
	long long t;

	skip = exec_hold_start(_metadata, &h);
	if (skip) {
		if (h.helper > 0)
			kill(h.helper, SIGKILL);
		if (h.target > 0)
			kill(h.target, SIGKILL);
		SKIP(return, "%s", skip);
	}
	t = exec_hold_call(&h, 0, &ret);
	exec_hold_end(_metadata, &h);
	/* What it then reads is the new image's; it waited, that is all. */
	EXPECT_LE(HOLD_MS - 100, t);
}

TEST_HARNESS_MAIN
