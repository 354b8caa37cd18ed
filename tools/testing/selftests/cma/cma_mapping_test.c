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
	for (i = 0; i < self->len; i++) {
		char *a = self->map + i;
		unsigned char want = 0;

		if (a >= (char *)r.iov_base && a < (char *)r.iov_base + r.iov_len)
			want = pattern_byte(LOCAL_SEED, (uintptr_t)l.iov_base +
					    (a - (char *)r.iov_base));
		ASSERT_EQ(want, (unsigned char)child[i]);
	}
	/* Our copy is still untouched. */
	for (i = 0; i < self->len; i++)
		ASSERT_EQ(0, self->map[i]);
}

/*
 * Transparent huge pages: a transfer across the boundary between two huge
 * pages, in memory faulted in (as huge pages, when the kernel manages)
 * before the fork.
 */
FIXTURE(thp)
{
	struct cma_peer peer;
	size_t page;
	size_t hpage;
	char *local;
	char *map;	/* two huge pages */
	const char *restore;	/* THP mode to restore, if changed */
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

/* Kilobytes of anonymous huge pages in the mapping holding @addr. */
static long anon_huge_kb(void *addr)
{
	unsigned long start, end;
	char line[256];
	bool in = false;
	long kb = -1;
	FILE *f;

	f = fopen("/proc/self/smaps", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2)
			in = start <= (uintptr_t)addr && (uintptr_t)addr < end;
		else if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

FIXTURE_SETUP(thp)
{
	char *p;

	peer_init(&self->peer);
	self->page = page_size();
	self->hpage = thp_size(&self->restore);
	if (!self->hpage)
		return;
	ASSERT_EQ(0, map_pattern(&self->local, 8 * self->page, LOCAL_SEED));
	ASSERT_EQ(0, map_anon(&p, 3 * self->hpage, MAP_PRIVATE));
	self->map = (char *)(((uintptr_t)p + self->hpage - 1) &
			     ~(self->hpage - 1));
	ASSERT_EQ(0, madvise(self->map, 2 * self->hpage, MADV_HUGEPAGE));
	fill_pattern(self->map, 2 * self->hpage, REMOTE_SEED);
	if (anon_huge_kb(self->map) <= 0)
		TH_LOG("no huge page was allocated: testing small pages");
	ASSERT_EQ(0, peer_start(&self->peer, true, NULL, NULL));
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

	if (!self->hpage)
		SKIP(return, "transparent huge pages are not available");
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

	if (!self->hpage)
		SKIP(return, "transparent huge pages are not available");
	ASSERT_EQ(0, map_pattern(&buf, self->hpage + 2 * self->page,
				 LOCAL_SEED));
	l.iov_base = buf + self->page;
	transfer(&self->peer, variant->write, &l, 1, &r, 1, self->hpage,
		 variant->write ? 0 : self->page);
	ASSERT_TRUE(has_pattern(self->map, 2 * self->hpage, REMOTE_SEED));
}

TEST_HARNESS_MAIN
