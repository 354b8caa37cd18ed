// SPDX-License-Identifier: GPL-2.0
/*
 * process_vm_readv()/process_vm_writev() on different kinds of memory in a
 * child: private and shared anonymous memory after fork (copy-on-write or
 * not), shared and private mappings of a tmpfs file, memory never touched,
 * and transparent huge pages.
 */

#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>

#include "cma.h"

#define OTHER_SEED 0x3c

FIXTURE(mapping)
{
	struct cma_peer peer;
	size_t page;
	char *local;	/* LOCAL_SEED pattern */
	char *map;	/* the memory under test */
	size_t len;	/* of map */
	int fd;
};

FIXTURE_SETUP(mapping)
{
	peer_init(&self->peer);
	self->fd = -1;
	self->page = page_size();
	self->len = 4 * self->page;
	ASSERT_EQ(0, map_pattern(&self->local, self->len, LOCAL_SEED));
}

FIXTURE_TEARDOWN(mapping)
{
	EXPECT_EQ(0, peer_stop(&self->peer));
	if (self->fd >= 0)
		close(self->fd);
}

static int map_anon(char **p, size_t len, int flags)
{
	*p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS,
		  -1, 0);
	return *p == MAP_FAILED ? -1 : 0;
}

/* A tmpfs file of @size bytes mapped with @flags, @len bytes long. */
static int map_file(int *fd, char **p, size_t size, size_t len, int flags)
{
	*fd = memfd_create("cma_mapping_test", MFD_CLOEXEC);
	if (*fd < 0 || ftruncate(*fd, size))
		return -1;
	*p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, *fd, 0);
	return *p == MAP_FAILED ? -1 : 0;
}

/* Whether @len bytes at @p hold @seed's pattern. */
static bool has_pattern(const char *p, size_t len, unsigned char seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] != pattern_byte(seed, (uintptr_t)p + i))
			return false;
	return true;
}

/* Write the pattern @seed has at @map's addresses into the file. */
static int pwrite_pattern(int fd, const char *map, size_t len,
			  unsigned char seed)
{
	char *buf = malloc(len);
	size_t i;
	int ret;

	if (!buf)
		return -1;
	for (i = 0; i < len; i++)
		buf[i] = pattern_byte(seed, (uintptr_t)map + i);
	ret = pwrite(fd, buf, len, 0) == (ssize_t)len ? 0 : -1;
	free(buf);
	return ret;
}

/* Whether the file starts with the pattern @seed has at @map's addresses. */
static bool file_has_pattern(int fd, const char *map, size_t len,
			     unsigned char seed)
{
	unsigned char *buf = malloc(len);
	bool ret = buf && pread(fd, buf, len, 0) == (ssize_t)len;
	size_t i;

	for (i = 0; ret && i < len; i++)
		ret = buf[i] == pattern_byte(seed, (uintptr_t)map + i);
	free(buf);
	return ret;
}

TEST_F(mapping, write_to_child_private_anon_leaves_our_copy)
{
	struct iovec l = iov(self->local + 1, 2 * self->page);
	struct iovec r = iov(NULL, 2 * self->page);

	ASSERT_EQ(0, map_pattern(&self->map, self->len, REMOTE_SEED));
	r.iov_base = self->map + self->page / 2;
	ASSERT_EQ(0, peer_start(&self->peer, true, NULL, NULL));
	transfer(&self->peer, true, &l, 1, &r, 1, 2 * self->page, 0);
	ASSERT_TRUE(has_pattern(self->map, self->len, REMOTE_SEED));
}

TEST_F(mapping, read_from_child_private_anon_sees_its_copy)
{
	struct iovec l = iov(self->local + 1, 2 * self->page);
	struct iovec r = iov(NULL, 2 * self->page);

	ASSERT_EQ(0, map_pattern(&self->map, self->len, REMOTE_SEED));
	r.iov_base = self->map + self->page / 2;
	ASSERT_EQ(0, peer_start(&self->peer, true, NULL, NULL));
	fill_pattern(self->map, self->len, OTHER_SEED);
	transfer(&self->peer, false, &l, 1, &r, 1, 2 * self->page, 0);
}

TEST_F(mapping, write_to_child_shared_anon_reaches_our_copy)
{
	struct iovec l = iov(self->local + 1, 2 * self->page);
	struct iovec r = iov(NULL, 2 * self->page);
	char *child;

	ASSERT_EQ(0, map_anon(&self->map, self->len, MAP_SHARED));
	fill_pattern(self->map, self->len, REMOTE_SEED);
	r.iov_base = self->map + self->page / 2;
	ASSERT_EQ(0, peer_start(&self->peer, true, NULL, NULL));
	transfer(&self->peer, true, &l, 1, &r, 1, 2 * self->page, 0);
	ASSERT_EQ(0, map_anon(&child, self->len, MAP_PRIVATE));
	ASSERT_EQ(0, peer_read(&self->peer, self->map, self->len, child));
	ASSERT_EQ(0, memcmp(child, self->map, self->len));
}

TEST_F(mapping, read_from_child_shared_anon_sees_our_writes)
{
	struct iovec l = iov(self->local + 1, 2 * self->page);
	struct iovec r = iov(NULL, 2 * self->page);

	ASSERT_EQ(0, map_anon(&self->map, self->len, MAP_SHARED));
	r.iov_base = self->map + self->page / 2;
	ASSERT_EQ(0, peer_start(&self->peer, true, NULL, NULL));
	fill_pattern(self->map, self->len, REMOTE_SEED);
	transfer(&self->peer, false, &l, 1, &r, 1, 2 * self->page, 0);
}

TEST_F(mapping, write_to_child_shared_file_reaches_the_file)
{
	struct iovec l = iov(self->local + 1, 2 * self->page);
	struct iovec r = iov(NULL, 2 * self->page);
	char *child;

	ASSERT_EQ(0, map_file(&self->fd, &self->map, self->len, self->len,
			      MAP_SHARED));
	fill_pattern(self->map, self->len, REMOTE_SEED);
	r.iov_base = self->map + self->page / 2;
	ASSERT_EQ(0, peer_start(&self->peer, true, NULL, NULL));
	transfer(&self->peer, true, &l, 1, &r, 1, 2 * self->page, 0);
	ASSERT_EQ(0, map_anon(&child, self->len, MAP_PRIVATE));
	ASSERT_EQ(0, peer_read(&self->peer, self->map, self->len, child));
	ASSERT_EQ(self->len, pread(self->fd, self->local, self->len, 0));
	ASSERT_EQ(0, memcmp(child, self->local, self->len));
}

TEST_F(mapping, write_to_child_sparse_shared_file_reaches_the_file)
{
	struct iovec l = iov(self->local + 1, 2 * self->page);
	struct iovec r = iov(NULL, 2 * self->page);
	unsigned char *buf;
	size_t i;

	/* No page of the file exists yet: the write allocates them. */
	ASSERT_EQ(0, map_file(&self->fd, &self->map, self->len, self->len,
			      MAP_SHARED));
	r.iov_base = self->map + self->page / 2;
	ASSERT_EQ(0, peer_start(&self->peer, true, NULL, NULL));
	ASSERT_EQ(2 * self->page, sys_process_vm_writev(self->peer.pid, &l, 1,
							&r, 1, 0));
	ASSERT_EQ(0, alloc_bytes(&buf, self->len));
	ASSERT_EQ(self->len, pread(self->fd, buf, self->len, 0));
	for (i = 0; i < self->len; i++) {
		uintptr_t a = (uintptr_t)self->map + i;
		unsigned char want = 0;

		if (a >= (uintptr_t)r.iov_base &&
		    a < (uintptr_t)r.iov_base + r.iov_len)
			want = pattern_byte(LOCAL_SEED,
					    a - (uintptr_t)r.iov_base +
					    (uintptr_t)l.iov_base);
		ASSERT_EQ(want, buf[i]) {
			TH_LOG("file byte %zu", i);
		}
	}
	free(buf);
}

TEST_F(mapping, read_from_child_shared_file_sees_file_writes)
{
	struct iovec l = iov(self->local + 1, 2 * self->page);
	struct iovec r = iov(NULL, 2 * self->page);

	ASSERT_EQ(0, map_file(&self->fd, &self->map, self->len, self->len,
			      MAP_SHARED));
	r.iov_base = self->map + self->page / 2;
	ASSERT_EQ(0, peer_start(&self->peer, true, NULL, NULL));
	ASSERT_EQ(0, pwrite_pattern(self->fd, self->map, self->len,
				    REMOTE_SEED));
	transfer(&self->peer, false, &l, 1, &r, 1, 2 * self->page, 0);
}

TEST_F(mapping, write_to_child_private_file_leaves_the_file)
{
	struct iovec l = iov(self->local + 1, 2 * self->page);
	struct iovec r = iov(NULL, 2 * self->page);

	ASSERT_EQ(0, map_file(&self->fd, &self->map, self->len, self->len,
			      MAP_PRIVATE));
	ASSERT_EQ(0, pwrite_pattern(self->fd, self->map, self->len,
				    REMOTE_SEED));
	r.iov_base = self->map + self->page / 2;
	ASSERT_EQ(0, peer_start(&self->peer, true, NULL, NULL));
	transfer(&self->peer, true, &l, 1, &r, 1, 2 * self->page, 0);
	ASSERT_TRUE(file_has_pattern(self->fd, self->map, self->len,
				     REMOTE_SEED));
}

TEST_F(mapping, read_from_child_private_file_sees_the_file)
{
	struct iovec l = iov(self->local + 1, 2 * self->page);
	struct iovec r = iov(NULL, 2 * self->page);

	ASSERT_EQ(0, map_file(&self->fd, &self->map, self->len, self->len,
			      MAP_PRIVATE));
	ASSERT_EQ(0, pwrite_pattern(self->fd, self->map, self->len,
				    REMOTE_SEED));
	r.iov_base = self->map + self->page / 2;
	ASSERT_EQ(0, peer_start(&self->peer, true, NULL, NULL));
	transfer(&self->peer, false, &l, 1, &r, 1, 2 * self->page, 0);
}

/* Past the end of the file, the mapping faults with SIGBUS: a hole. */
TEST_F(mapping, read_from_child_stops_at_end_of_file)
{
	struct iovec l = iov(self->local + 1, 2 * self->page);
	struct iovec r = iov(NULL, 2 * self->page);

	ASSERT_EQ(0, map_file(&self->fd, &self->map, self->page, self->len,
			      MAP_SHARED));
	ASSERT_EQ(0, pwrite_pattern(self->fd, self->map, self->page,
				    REMOTE_SEED));
	r.iov_base = self->map + 100;
	ASSERT_EQ(0, peer_start(&self->peer, true, NULL, NULL));
	transfer(&self->peer, false, &l, 1, &r, 1, self->page - 100, 0);
}

TEST_F(mapping, write_to_child_stops_at_end_of_file)
{
	struct iovec l = iov(self->local + 1, 2 * self->page);
	struct iovec r = iov(NULL, 2 * self->page);

	ASSERT_EQ(0, map_file(&self->fd, &self->map, self->page, self->len,
			      MAP_SHARED));
	fill_pattern(self->map, self->page, REMOTE_SEED);
	r.iov_base = self->map + 100;
	ASSERT_EQ(0, peer_start(&self->peer, true, NULL, NULL));
	ASSERT_EQ(self->page - 100,
		  sys_process_vm_writev(self->peer.pid, &l, 1, &r, 1, 0));
	/* Check only the part inside the file. */
	r.iov_len = self->page - 100;
	check_transfer(&self->peer, true, &l, 1, &r, 1, r.iov_len, 0);
	ASSERT_TRUE(file_has_pattern(self->fd, self->map, 100, REMOTE_SEED));
}

TEST_F(mapping, untouched_anon_memory_reads_as_zeros)
{
	struct iovec l = iov(self->local, 2 * self->page);
	struct iovec r = iov(NULL, 2 * self->page);
	size_t i;

	ASSERT_EQ(0, map_anon(&self->map, self->len, MAP_PRIVATE));
	r.iov_base = self->map + self->page;
	ASSERT_EQ(0, peer_start(&self->peer, true, NULL, NULL));
	ASSERT_EQ(2 * self->page,
		  sys_process_vm_readv(self->peer.pid, &l, 1, &r, 1, 0));
	for (i = 0; i < 2 * self->page; i++)
		ASSERT_EQ(0, self->local[i]);
}

/*
 * The byte a zero-filled peer mapping holds at @a after @l was written
 * to @r: the local pattern inside @r, zero elsewhere.
 */
static unsigned char written_or_zero(const char *a, const struct iovec *l,
				     const struct iovec *r)
{
	const char *start = r->iov_base;

	if (a < start || a >= start + r->iov_len)
		return 0;
	return pattern_byte(LOCAL_SEED, (uintptr_t)l->iov_base + (a - start));
}

TEST_F(mapping, untouched_anon_memory_can_be_written)
{
	struct iovec l = iov(self->local + 5, 2 * self->page);
	struct iovec r = iov(NULL, 2 * self->page);
	char *child;
	size_t i;

	ASSERT_EQ(0, map_anon(&self->map, self->len, MAP_PRIVATE));
	r.iov_base = self->map + self->page - 3;
	ASSERT_EQ(0, peer_start(&self->peer, true, NULL, NULL));
	ASSERT_EQ(2 * self->page,
		  sys_process_vm_writev(self->peer.pid, &l, 1, &r, 1, 0));
	ASSERT_EQ(0, map_anon(&child, self->len, MAP_PRIVATE));
	ASSERT_EQ(0, peer_read(&self->peer, self->map, self->len, child));
	for (i = 0; i < self->len; i++)
		ASSERT_EQ(written_or_zero(self->map + i, &l, &r),
			  (unsigned char)child[i]);
	/* Our copy is still untouched. */
	for (i = 0; i < self->len; i++)
		ASSERT_EQ(0, self->map[i]);
}

/*
 * Transparent huge pages: a transfer across the boundary between two huge
 * pages, in memory faulted in as huge pages before the fork.  If the
 * kernel gave the range small pages (no huge page free, TCG or an MMU mode
 * without them), the tests SKIP: small pages are tested elsewhere.
 */
FIXTURE(thp)
{
	struct cma_peer peer;
	size_t page;
	size_t hpage;
	char *local;
	char *map;	/* two huge pages */
	const char *restore;	/* THP mode to restore, if changed */
	const char *skip;	/* why the tests cannot run, if they cannot */
};

FIXTURE_VARIANT(thp)
{
	bool write;
};

FIXTURE_VARIANT_ADD(thp, read_from_child)
{
	.write = false,
};

FIXTURE_VARIANT_ADD(thp, write_to_child)
{
	.write = true,
};

#define THP_ENABLED "/sys/kernel/mm/transparent_hugepage/enabled"
#define THP_PMD_SIZE "/sys/kernel/mm/transparent_hugepage/hpage_pmd_size"

/* Read a short sysfs file into @buf; 0 or -1. */
static int read_sysfs(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

static int write_sysfs(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/*
 * The PMD huge page size, or 0 if transparent huge pages are unavailable.
 * Small machines boot with them "never" enabled: as root, switch them to
 * "madvise", and set @restore to the mode to switch back to.
 */
static size_t thp_size(const char **restore)
{
	char buf[64];
	size_t size;

	*restore = NULL;
	if (read_sysfs(THP_PMD_SIZE, buf, sizeof(buf)))
		return 0;
	size = strtoul(buf, NULL, 10);
	if (read_sysfs(THP_ENABLED, buf, sizeof(buf)))
		return 0;
	if (strstr(buf, "[never]")) {
		if (write_sysfs(THP_ENABLED, "madvise"))
			return 0;
		*restore = "never";
	}
	return size;
}

/*
 * Whether [addr, addr + len) of process @pid is mapped by anonymous
 * transparent huge pages only: the mapping holding it, as
 * /proc/PID/smaps shows it, must cover it and have at least @len bytes
 * of AnonHugePages.  madvise(MADV_HUGEPAGE) gave the range a mapping of
 * its own, so the huge pages counted there are the range's.
 */
static bool range_is_thp(pid_t pid, void *addr, size_t len)
{
	unsigned long start, end, a = (uintptr_t)addr;
	char line[256], path[64];
	bool in = false, covered = false;
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			in = start <= a && a < end;
			if (in)
				covered = a + len <= end;
		} else if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1) {
			break;
		}
	}
	fclose(f);
	return covered && kb >= 0 && (unsigned long)kb >= len / 1024;
}

#define NO_THP "transparent huge pages are not available"
#define NO_HUGE_PAGE "no transparent huge page was allocated"

FIXTURE_SETUP(thp)
{
	char *p;

	peer_init(&self->peer);
	self->page = page_size();
	self->hpage = thp_size(&self->restore);
	self->skip = NO_THP;
	if (!self->hpage)
		return;
	ASSERT_EQ(0, map_pattern(&self->local, 8 * self->page, LOCAL_SEED));
	ASSERT_EQ(0, map_anon(&p, 3 * self->hpage, MAP_PRIVATE));
	self->map = (char *)(((uintptr_t)p + self->hpage - 1) &
			     ~(self->hpage - 1));
	ASSERT_EQ(0, madvise(self->map, 2 * self->hpage, MADV_HUGEPAGE));
	fill_pattern(self->map, 2 * self->hpage, REMOTE_SEED);
	ASSERT_EQ(0, peer_start(&self->peer, true, NULL, NULL));
	/*
	 * Only huge pages make these tests: the fork shared them with the
	 * peer (copy_huge_pmd()), whose smaps must show both.
	 */
	self->skip = range_is_thp(self->peer.pid, self->map, 2 * self->hpage) ?
		     NULL : NO_HUGE_PAGE;
}

FIXTURE_TEARDOWN(thp)
{
	EXPECT_EQ(0, peer_stop(&self->peer));
	if (self->restore)
		EXPECT_EQ(0, write_sysfs(THP_ENABLED, self->restore));
}

TEST_F(thp, transfer_across_huge_pages_is_copied)
{
	char *boundary = self->map + self->hpage;
	struct iovec l = iov(self->local + self->page + 7, 5 * self->page);
	struct iovec r = iov(boundary - 2 * self->page - 3, 5 * self->page);

	if (self->skip)
		SKIP(return, "%s", self->skip);
	transfer(&self->peer, variant->write, &l, 1, &r, 1, 5 * self->page,
		 self->page);
	/* Our copy of the huge pages stays as it was. */
	ASSERT_TRUE(has_pattern(self->map, 2 * self->hpage, REMOTE_SEED));
}

TEST_F(thp, whole_huge_page_is_copied)
{
	struct iovec l = iov(NULL, self->hpage);
	struct iovec r = iov(self->map, self->hpage);
	char *buf;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	ASSERT_EQ(0, map_pattern(&buf, self->hpage + 2 * self->page,
				 LOCAL_SEED));
	l.iov_base = buf + self->page;
	transfer(&self->peer, variant->write, &l, 1, &r, 1, self->hpage,
		 variant->write ? 0 : self->page);
	ASSERT_TRUE(has_pattern(self->map, 2 * self->hpage, REMOTE_SEED));
}

/*
 * The huge zero page: a read fault on untouched anonymous memory in a
 * range that may have huge pages maps the one huge zero page read-only,
 * if /sys/kernel/mm/transparent_hugepage/use_zero_page is 1.  The peer
 * read-faults the range before each test, which checks that the huge zero
 * page is what the peer then has there.
 */
#define THP_USE_ZERO_PAGE "/sys/kernel/mm/transparent_hugepage/use_zero_page"

/* From include/uapi/linux/kernel-page-flags.h. */
#define KPF_THP		22
#define KPF_ZERO_PAGE	24

/*
 * The /proc/kpageflags bits of the page that process @pid has at @addr,
 * through its /proc/PID/pagemap; -1 if they cannot be read (no root: the
 * page frame numbers read as 0).
 */
static long long page_flags(pid_t pid, void *addr)
{
	unsigned long long entry, pfn, flags;
	char path[64];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = pread(fd, &entry, sizeof(entry),
		  (uintptr_t)addr / page_size() * sizeof(entry));
	close(fd);
	if (n != sizeof(entry) || !(entry >> 63))	/* not present */
		return -1;
	pfn = entry & ((1ULL << 55) - 1);
	if (!pfn)
		return -1;
	fd = open("/proc/kpageflags", O_RDONLY);
	if (fd < 0)
		return -1;
	n = pread(fd, &flags, sizeof(flags), pfn * sizeof(flags));
	close(fd);
	return n == sizeof(flags) ? (long long)flags : -1;
}

static bool is_huge_zero_page(long long flags)
{
	return flags >= 0 && (flags >> KPF_THP & 1) && (flags >> KPF_ZERO_PAGE & 1);
}

FIXTURE(huge_zero)
{
	struct cma_peer peer;
	size_t page;
	size_t hpage;
	char *local;	/* LOCAL_SEED pattern, one huge page and a page */
	char *map;	/* one huge page, the huge zero page in the peer */
	const char *restore;	/* THP mode to restore, if changed */
	bool restore_zero;	/* use_zero_page to be set back to 0 */
	const char *skip;
};

FIXTURE_SETUP(huge_zero)
{
	char buf[16], *p, *seen;
	long long first, last;

	peer_init(&self->peer);
	self->page = page_size();
	self->hpage = thp_size(&self->restore);
	self->skip = NO_THP;
	if (!self->hpage)
		return;
	self->skip = "the huge zero page is disabled (use_zero_page)";
	if (read_sysfs(THP_USE_ZERO_PAGE, buf, sizeof(buf)))
		return;
	if (buf[0] != '1') {
		if (write_sysfs(THP_USE_ZERO_PAGE, "1"))
			return;
		self->restore_zero = true;
	}
	ASSERT_EQ(0, map_pattern(&self->local, self->hpage + self->page,
				 LOCAL_SEED));
	ASSERT_EQ(0, map_anon(&p, 2 * self->hpage, MAP_PRIVATE));
	self->map = (char *)(((uintptr_t)p + self->hpage - 1) &
			     ~(self->hpage - 1));
	ASSERT_EQ(0, madvise(self->map, self->hpage, MADV_HUGEPAGE));
	ASSERT_EQ(0, peer_start(&self->peer, true, NULL, NULL));
	/* The peer reads the range: a read fault only. */
	ASSERT_EQ(0, map_anon(&seen, self->hpage, MAP_PRIVATE));
	ASSERT_EQ(0, peer_read(&self->peer, self->map, self->hpage, seen));
	munmap(seen, self->hpage);
	first = page_flags(self->peer.pid, self->map);
	last = page_flags(self->peer.pid, self->map + self->hpage - self->page);
	if (first < 0 || last < 0)
		self->skip = "cannot read /proc/PID/pagemap and /proc/kpageflags";
	else if (!is_huge_zero_page(first) || !is_huge_zero_page(last))
		self->skip = "the huge zero page was not mapped";
	else
		self->skip = NULL;
}

FIXTURE_TEARDOWN(huge_zero)
{
	EXPECT_EQ(0, peer_stop(&self->peer));
	if (self->restore_zero)
		EXPECT_EQ(0, write_sysfs(THP_USE_ZERO_PAGE, "0"));
	if (self->restore)
		EXPECT_EQ(0, write_sysfs(THP_ENABLED, self->restore));
}

TEST_F(huge_zero, read_from_the_huge_zero_page_returns_zeros)
{
	struct iovec l = iov(self->local + 3, self->hpage);
	struct iovec r = iov(self->map, self->hpage);
	size_t i;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	ASSERT_EQ((ssize_t)self->hpage,
		  sys_process_vm_readv(self->peer.pid, &l, 1, &r, 1, 0));
	for (i = 0; i < self->hpage; i++)
		ASSERT_EQ(0, self->local[3 + i]) {
			TH_LOG("byte %zu", i);
		}
	/* Nothing beyond the local element was written. */
	ASSERT_TRUE(has_pattern(self->local, 3, LOCAL_SEED));
	ASSERT_TRUE(has_pattern(self->local + 3 + self->hpage,
				self->page - 3, LOCAL_SEED));
}

/* A write breaks the huge zero page up into pages of the peer's own. */
TEST_F(huge_zero, write_into_the_huge_zero_page_reaches_the_peer)
{
	struct iovec l = iov(self->local + 1, 3 * self->page);
	struct iovec r = iov(self->map + self->hpage / 2 - self->page - 5,
			     3 * self->page);
	char *seen;
	size_t i;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	ASSERT_EQ((ssize_t)(3 * self->page),
		  sys_process_vm_writev(self->peer.pid, &l, 1, &r, 1, 0));
	ASSERT_EQ(0, map_anon(&seen, self->hpage, MAP_PRIVATE));
	ASSERT_EQ(0, peer_read(&self->peer, self->map, self->hpage, seen));
	for (i = 0; i < self->hpage; i++) {
		ASSERT_EQ(written_or_zero(self->map + i, &l, &r),
			  (unsigned char)seen[i]) {
			TH_LOG("peer byte %zu", i);
		}
	}
	munmap(seen, self->hpage);
}

TEST_HARNESS_MAIN
