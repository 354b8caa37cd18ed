// SPDX-License-Identifier: GPL-2.0
/*
 * process_vm_readv()/process_vm_writev(): a transfer ends exactly at the
 * first inaccessible byte of either side.
 *
 * The local side is the interesting one.  The caller's buffer is copied
 * with the architecture's user copy, which may stop short of a fault: a
 * word-at-a-time copy that meets an inaccessible page part-way through a
 * word can report the bytes before that word only.  The call must still
 * return every byte that was accessible and move exactly those bytes.  So
 * here N accessible local bytes sit right before an inaccessible page, for
 * every alignment of the local start (and so of the fault within a word),
 * for N small and large (some user copies switch to a bulk loop at 64
 * bytes), and for remote ranges at every alignment and crossing a remote
 * page boundary before, at and after the local fault point.  Each case checks the count,
 * the N bytes, and every destination byte around them.
 *
 * A remote fault is found a page at a time, so it already ends a transfer
 * exactly; it is checked briefly.
 */

#define _GNU_SOURCE
#include <stdio.h>

#include "cma.h"

#define AREA_PAGES 6
/* Local page GUARD is made inaccessible; the pages before it hold data. */
#define GUARD 2
/* Each side asks for EXTRA bytes past the N the caller can provide. */
#define EXTRA 64
/* Destination bytes checked on each side of the destination range. */
#define MARGIN 16
/* Failing cases logged per test; all are counted. */
#define MAX_LOGGED 16

struct edge {
	struct cma_peer peer;
	size_t page;
	bool unmap;	/* unmap the local guard page, not PROT_NONE */
	char *local;	/* our buffers, LOCAL_SEED pattern */
	char *remote;	/* the peer's buffers, REMOTE_SEED pattern */
	unsigned char *expected, *actual;	/* one destination range */
	int cases, failed;
};

FIXTURE(edge)
{
	struct edge e;
};

FIXTURE_VARIANT(edge)
{
	bool child;
	bool unmap;
};

FIXTURE_VARIANT_ADD(edge, child)
{
	.child = true,
	.unmap = false,
};

FIXTURE_VARIANT_ADD(edge, child_unmapped_guard)
{
	.child = true,
	.unmap = true,
};

FIXTURE_VARIANT_ADD(edge, self)
{
	.child = false,
	.unmap = false,
};

FIXTURE_SETUP(edge)
{
	struct edge *e = &self->e;
	size_t size;

	e->page = page_size();
	e->unmap = variant->unmap;
	e->cases = 0;
	e->failed = 0;
	size = AREA_PAGES * e->page;
	ASSERT_EQ(0, map_pattern(&e->local, size, LOCAL_SEED));
	ASSERT_EQ(0, map_pattern(&e->remote, size, REMOTE_SEED));
	ASSERT_EQ(0, alloc_bytes(&e->expected, size));
	ASSERT_EQ(0, alloc_bytes(&e->actual, size));
	ASSERT_EQ(0, peer_start(&e->peer, variant->child, NULL, NULL));
}

FIXTURE_TEARDOWN(edge)
{
	EXPECT_EQ(0, peer_stop(&self->e.peer));
	free(self->e.expected);
	free(self->e.actual);
}

/* Local and remote page @n of the areas. */
#define LPAGE(n) (e->local + (n) * e->page)
#define RPAGE(n) (e->remote + (n) * e->page)

/* Make the local guard page inaccessible, or give it back its pattern. */
static int guard_local(struct edge *e, bool on)
{
	char *p = LPAGE(GUARD);

	if (!on && e->unmap)
		return remap_pattern(p, e->page, LOCAL_SEED);
	if (!on)
		return mprotect(p, e->page, PROT_READ | PROT_WRITE);
	if (e->unmap)
		return munmap(p, e->page);
	return mprotect(p, e->page, PROT_NONE);
}

/* Restore the guard page; it must still hold its pattern. */
static void __check_guard(struct __test_metadata *_metadata, struct edge *e)
{
	size_t i;

	ASSERT_EQ(0, guard_local(e, false));
	if (e->unmap)
		return;
	for (i = 0; i < e->page; i++)
		if ((unsigned char)LPAGE(GUARD)[i] !=
		    pattern_byte(LOCAL_SEED, (uintptr_t)LPAGE(GUARD) + i))
			break;
	EXPECT_EQ(e->page, i) {
		TH_LOG("local byte %zu past the fault was written", i);
	}
}

/*
 * Compare the destination bytes [lo, lo + len) with e->expected, then put
 * their original pattern back.  Returns the offset of the first wrong
 * byte, or @len.
 */
static size_t __compare_and_restore(struct __test_metadata *_metadata,
				    struct edge *e, bool write, uintptr_t lo,
				    size_t len)
{
	size_t i;

	if (write) {
		ASSERT_EQ(0, peer_read(&e->peer, (void *)lo, len, e->actual));
		ASSERT_EQ(0, peer_fill(&e->peer, (void *)lo, len, REMOTE_SEED));
	} else {
		memcpy(e->actual, (void *)lo, len);
		fill_pattern((void *)lo, len, LOCAL_SEED);
	}
	for (i = 0; i < len && e->actual[i] == e->expected[i]; i++)
		;
	return i;
}

/*
 * e->expected for [lo, lo + len): the destination's own pattern, but for
 * @n bytes from @dst, which come from @src on the other side.
 */
static void expect_bytes(struct edge *e, bool write, uintptr_t lo,
			 size_t len, uintptr_t dst, uintptr_t src, size_t n)
{
	unsigned char dseed = write ? REMOTE_SEED : LOCAL_SEED;
	unsigned char sseed = write ? LOCAL_SEED : REMOTE_SEED;
	size_t i;

	for (i = 0; i < len; i++)
		e->expected[i] = pattern_byte(dseed, lo + i);
	for (i = 0; i < n; i++)
		e->expected[dst - lo + i] = pattern_byte(sseed, src + i);
}

/*
 * One case: @n accessible local bytes end at the guard page; the local
 * element asks for @n + EXTRA bytes, and so does the remote one, at
 * @rstart.  The call must return @n, the destination must hold the first
 * @n source bytes, and every other destination byte from MARGIN before to
 * MARGIN after the destination element must be unchanged.  A failing case
 * is logged and counted, and the destination restored; the loop goes on.
 */
static void __edge_case(struct __test_metadata *_metadata, struct edge *e,
			bool write, size_t n, char *rstart)
{
	char *lstart = LPAGE(GUARD) - n;
	struct iovec l = iov(lstart, n + EXTRA);
	struct iovec r = iov(rstart, n + EXTRA);
	char *dst = write ? rstart : lstart, *src = write ? lstart : rstart;
	/* A local destination is accessible only up to the guard page. */
	size_t len = MARGIN + (write ? n + EXTRA + MARGIN : n);
	uintptr_t lo = (uintptr_t)dst - MARGIN;
	char where[32] = "none";
	ssize_t ret;
	size_t bad;
	int err;

	expect_bytes(e, write, lo, len, (uintptr_t)dst, (uintptr_t)src, n);
	ret = sys_process_vm(write, e->peer.pid, &l, 1, &r, 1, 0);
	err = ret < 0 ? errno : 0;
	bad = __compare_and_restore(_metadata, e, write, lo, len);

	e->cases++;
	if (ret == (ssize_t)n && bad == len)
		return;
	if (bad != len)
		snprintf(where, sizeof(where), "N%+zd",
			 (ssize_t)bad - MARGIN - (ssize_t)n);
	if (e->failed++ >= MAX_LOGGED)
		return;
	/* Offsets mod 8, remote bytes to a page end, first wrong byte. */
	TH_LOG("%s N=%zu l=%u r=%u r-end=%zu: got %zd want %zu, bad at %s",
	       write ? "writev" : "readv", n,
	       (unsigned int)((uintptr_t)lstart % 8),
	       (unsigned int)((uintptr_t)rstart % 8),
	       e->page - (uintptr_t)rstart % e->page, ret, n, where);
	if (ret < 0)
		TH_LOG("errno %d (%s)", err, strerror(err));
}

/* The end of a test: every case passed. */
static void __expect_no_failed_case(struct __test_metadata *_metadata,
				    struct edge *e)
{
	EXPECT_EQ(0, e->failed) {
		TH_LOG("%d of %d cases wrong", e->failed, e->cases);
	}
}

/* N: small, from 64 on (bulk copy loops), and across a local page. */
static const size_t lengths[] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
	33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48,
	49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64,
	65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80,
	127, 128, 129, 130, 131,
	4093, 4094, 4095, 4096, 4097, 4098, 4099, 4100, 4101, 4102, 4103,
};

/* The remote element starts 0-7 bytes into a page. */
static void __remote_aligned(struct __test_metadata *_metadata,
			     struct edge *e, bool write)
{
	size_t i;
	int ro;

	ASSERT_EQ(0, guard_local(e, true));
	for (i = 0; i < ARRAY_SIZE(lengths); i++)
		for (ro = 0; ro < 8; ro++)
			__edge_case(_metadata, e, write, lengths[i],
				    RPAGE(1) + ro);
	__check_guard(_metadata, e);
	__expect_no_failed_case(_metadata, e);
}

/*
 * The remote element crosses a remote page boundary m bytes in: before
 * the local fault point (m = 1-5 and N-7 to N-1), at it (m = N) and after
 * it (m = N + 1 to N + 9).
 */
static void __remote_crossing(struct __test_metadata *_metadata,
			      struct edge *e, bool write)
{
	static const int before[] = { 1, 2, 3, 4, 5, -1, -2, -3, -4, -5, -7 };
	static const int after[] = { 0, 1, 2, 3, 4, 7, 9 };
	size_t i, j, n;
	ssize_t m;

	ASSERT_EQ(0, guard_local(e, true));
	for (i = 0; i < ARRAY_SIZE(lengths); i++) {
		n = lengths[i];
		for (j = 0; j < ARRAY_SIZE(before); j++) {
			m = before[j] > 0 ? before[j] : (ssize_t)n + before[j];
			/* Not past the fault; each m once. */
			if (m >= (ssize_t)n || (before[j] < 0 && m <= 5))
				continue;
			__edge_case(_metadata, e, write, n, RPAGE(2) - m);
		}
		for (j = 0; j < ARRAY_SIZE(after); j++)
			__edge_case(_metadata, e, write, n,
				    RPAGE(2) - n - after[j]);
	}
	__check_guard(_metadata, e);
	__expect_no_failed_case(_metadata, e);
}

TEST_F(edge, writev_stops_at_first_unreadable_local_byte)
{
	__remote_aligned(_metadata, &self->e, true);
}

TEST_F(edge, writev_stops_at_first_unreadable_local_byte_across_remote_pages)
{
	__remote_crossing(_metadata, &self->e, true);
}

TEST_F(edge, readv_stops_at_first_unwritable_local_byte)
{
	__remote_aligned(_metadata, &self->e, false);
}

TEST_F(edge, readv_stops_at_first_unwritable_local_byte_across_remote_pages)
{
	__remote_crossing(_metadata, &self->e, false);
}

/*
 * The remote side: @n accessible remote bytes end at an unmapped remote
 * page; the local buffer is all accessible.
 */
static void __remote_fault(struct __test_metadata *_metadata,
			   struct edge *e, bool write)
{
	static const size_t rlengths[] = {
		1, 2, 3, 4, 5, 7, 8, 9, 63, 64, 65, 4095, 4096, 4097, 4103,
	};
	size_t i, n, len, bad;
	uintptr_t lo;
	ssize_t ret;
	int lofs;

	ASSERT_EQ(0, peer_munmap(&e->peer, RPAGE(3), e->page));
	for (i = 0; i < ARRAY_SIZE(rlengths); i++) {
		for (lofs = 0; lofs < 8; lofs += 3) {
			char *lstart = LPAGE(1) + lofs, *rstart;
			struct iovec l, r;

			n = rlengths[i];
			rstart = RPAGE(3) - n;
			l = iov(lstart, n + EXTRA);
			r = iov(rstart, n + EXTRA);
			/* The destination, but for the unmapped page. */
			if (write) {
				lo = (uintptr_t)rstart - MARGIN;
				len = MARGIN + n;
				expect_bytes(e, write, lo, len,
					     (uintptr_t)rstart,
					     (uintptr_t)lstart, n);
			} else {
				lo = (uintptr_t)lstart - MARGIN;
				len = MARGIN + n + EXTRA + MARGIN;
				expect_bytes(e, write, lo, len,
					     (uintptr_t)lstart,
					     (uintptr_t)rstart, n);
			}
			ret = sys_process_vm(write, e->peer.pid, &l, 1, &r, 1,
					     0);
			bad = __compare_and_restore(_metadata, e, write, lo,
						    len);
			e->cases++;
			if ((ret != (ssize_t)n || bad != len) &&
			    e->failed++ < MAX_LOGGED)
				TH_LOG("%s N=%zu l%%8=%d: got %zd, want %zu, bad %zd/%zu",
				       write ? "writev" : "readv", n, lofs,
				       ret, n, bad == len ? -1 : (ssize_t)bad,
				       len);
		}
	}
	__expect_no_failed_case(_metadata, e);
}

TEST_F(edge, writev_stops_at_first_unmapped_remote_byte)
{
	__remote_fault(_metadata, &self->e, true);
}

TEST_F(edge, readv_stops_at_first_unmapped_remote_byte)
{
	__remote_fault(_metadata, &self->e, false);
}

TEST_HARNESS_MAIN
