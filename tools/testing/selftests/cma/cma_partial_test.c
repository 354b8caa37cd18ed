// SPDX-License-Identifier: GPL-2.0
/*
 * process_vm_readv()/process_vm_writev(): partial transfers.
 *
 * A fault on either side ends the transfer: the call returns the number of
 * bytes copied up to it, and fails with EFAULT only if that is none.  The
 * remote side is handled a page at a time, so a remote fault ends the count
 * exactly at a page boundary; remote elements after a faulting one are not
 * touched.
 */

#define _GNU_SOURCE
#include <stdio.h>

#include "cma.h"

#define AREA_PAGES 8

FIXTURE(partial)
{
	struct cma_peer peer;
	size_t page;
	char *local;	/* our buffers, LOCAL_SEED pattern */
	char *remote;	/* the peer's buffers, REMOTE_SEED pattern */
};

FIXTURE_VARIANT(partial)
{
	bool write;
	bool child;
};

FIXTURE_VARIANT_ADD(partial, read_from_child)
{
	.write = false,
	.child = true,
};

FIXTURE_VARIANT_ADD(partial, write_to_child)
{
	.write = true,
	.child = true,
};

FIXTURE_VARIANT_ADD(partial, read_from_self)
{
	.write = false,
	.child = false,
};

FIXTURE_VARIANT_ADD(partial, write_to_self)
{
	.write = true,
	.child = false,
};

FIXTURE_SETUP(partial)
{
	size_t size;

	self->page = page_size();
	size = AREA_PAGES * self->page;
	ASSERT_EQ(0, map_pattern(&self->local, size, LOCAL_SEED));
	ASSERT_EQ(0, map_pattern(&self->remote, size, REMOTE_SEED));
	ASSERT_EQ(0, peer_start(&self->peer, variant->child, NULL, NULL));
}

FIXTURE_TEARDOWN(partial)
{
	EXPECT_EQ(0, peer_stop(&self->peer));
}

/* Local and remote page @n of the areas. */
#define LPAGE(n) (self->local + (n) * self->page)
#define RPAGE(n) (self->remote + (n) * self->page)

/*
 * Give the local and the remote page @lhole and @rhole (unless 0) back
 * read-write pages holding their original patterns.
 */
static void __restore(struct __test_metadata *_metadata,
		      struct cma_peer *peer, char *local, char *remote,
		      int lhole, int rhole)
{
	size_t page = page_size();

	if (lhole)
		ASSERT_EQ(0, remap_pattern(local + lhole * page, page,
					   LOCAL_SEED));
	if (rhole)
		ASSERT_EQ(0, peer_remap(peer, remote + rhole * page, page,
					REMOTE_SEED));
}

#define restore(lhole, rhole) \
	__restore(_metadata, &self->peer, self->local, self->remote, \
		  lhole, rhole)

/*
 * Run the transfer, expecting @ret (a count, or minus an errno value);
 * restore the holes, then check the destination.
 */
static void __expect_partial(struct __test_metadata *_metadata,
			     struct cma_peer *peer, bool write,
			     char *local, char *remote,
			     const struct iovec *lvec, unsigned long lcnt,
			     const struct iovec *rvec, unsigned long rcnt,
			     ssize_t ret, int lhole, int rhole)
{
	ssize_t n = sys_process_vm(write, peer->pid, lvec, lcnt, rvec, rcnt,
				   0);

	if (ret < 0) {
		ASSERT_EQ(-1, n);
		ASSERT_EQ(-ret, errno);
		n = 0;
	} else {
		ASSERT_EQ(ret, n) {
			TH_LOG("errno %d (%s)", errno, strerror(errno));
		}
	}
	__restore(_metadata, peer, local, remote, lhole, rhole);
	check_transfer(peer, write, lvec, lcnt, rvec, rcnt, n, page_size());
}

#define EXPECT_PARTIAL(lvec, lcnt, rvec, rcnt, ret, lhole, rhole) \
	__expect_partial(_metadata, &self->peer, variant->write, \
			 self->local, self->remote, lvec, lcnt, rvec, rcnt, \
			 ret, lhole, rhole)

TEST_F(partial, unmapped_remote_page_ends_the_transfer)
{
	struct iovec l = iov(LPAGE(1), 3 * self->page);
	struct iovec r = iov(RPAGE(1) + 100, 3 * self->page);

	ASSERT_EQ(0, peer_munmap(&self->peer, RPAGE(2), self->page));
	EXPECT_PARTIAL(&l, 1, &r, 1, self->page - 100, 0, 2);
}

TEST_F(partial, prot_none_remote_page_ends_the_transfer)
{
	struct iovec l = iov(LPAGE(1) + 5, 3 * self->page);
	struct iovec r = iov(RPAGE(1) + 100, 3 * self->page);

	ASSERT_EQ(0, peer_mprotect(&self->peer, RPAGE(3), self->page,
				   PROT_NONE));
	EXPECT_PARTIAL(&l, 1, &r, 1, 2 * self->page - 100, 0, 3);
}

TEST_F(partial, remote_fault_splits_a_local_element)
{
	struct iovec l[] = {
		iov(LPAGE(1), 10), iov(LPAGE(2) + 1, 2 * self->page),
	};
	struct iovec r = iov(RPAGE(1) + 7, 3 * self->page);

	ASSERT_EQ(0, peer_munmap(&self->peer, RPAGE(2), self->page));
	EXPECT_PARTIAL(l, ARRAY_SIZE(l), &r, 1, self->page - 7, 0, 2);
}

TEST_F(partial, fault_at_second_remote_element_returns_the_first_length)
{
	struct iovec l = iov(LPAGE(1), 2 * self->page);
	struct iovec r[] = {
		iov(RPAGE(1) + 10, 500), iov(RPAGE(3), 100),
	};

	ASSERT_EQ(0, peer_munmap(&self->peer, RPAGE(3), self->page));
	EXPECT_PARTIAL(&l, 1, r, ARRAY_SIZE(r), 500, 0, 3);
}

/* The second element starts in the page the first one is in. */
TEST_F(partial, fault_after_a_page_shared_by_two_elements_ends_there)
{
	struct iovec l = iov(LPAGE(1), 2 * self->page);
	struct iovec r[] = {
		iov(RPAGE(1) + 10, 100), iov(RPAGE(1) + 200, self->page),
	};

	ASSERT_EQ(0, peer_munmap(&self->peer, RPAGE(2), self->page));
	EXPECT_PARTIAL(&l, 1, r, ARRAY_SIZE(r), self->page - 100, 0, 2);
}

TEST_F(partial, remote_elements_after_a_fault_are_not_copied)
{
	struct iovec l = iov(LPAGE(1), 2 * self->page);
	struct iovec r[] = {
		iov(RPAGE(1) + 10, 500), iov(RPAGE(3), 100),
		iov(RPAGE(5), 300),
	};

	ASSERT_EQ(0, peer_mprotect(&self->peer, RPAGE(3), self->page,
				   PROT_NONE));
	EXPECT_PARTIAL(&l, 1, r, ARRAY_SIZE(r), 500, 0, 3);
}

TEST_F(partial, fault_on_first_remote_byte_fails_with_efault)
{
	struct iovec l = iov(LPAGE(1), self->page);
	struct iovec r = iov(RPAGE(2), self->page);

	ASSERT_EQ(0, peer_munmap(&self->peer, RPAGE(2), self->page));
	EXPECT_PARTIAL(&l, 1, &r, 1, -EFAULT, 0, 2);
}

TEST_F(partial, fault_on_first_remote_page_fails_with_efault)
{
	struct iovec l = iov(LPAGE(1), 2 * self->page);
	struct iovec r = iov(RPAGE(2) + 100, 2 * self->page);

	ASSERT_EQ(0, peer_mprotect(&self->peer, RPAGE(2), self->page,
				   PROT_NONE));
	EXPECT_PARTIAL(&l, 1, &r, 1, -EFAULT, 0, 2);
}

/*
 * With both sides page aligned, the fault is on the first byte of a
 * page-sized copy, so the count is exact whatever the architecture's
 * copy_to_user()/copy_from_user() do inside a faulting copy.
 */
TEST_F(partial, prot_none_local_page_ends_the_transfer)
{
	struct iovec l = iov(LPAGE(1), 3 * self->page);
	struct iovec r = iov(RPAGE(2), 3 * self->page);

	ASSERT_EQ(0, mprotect(LPAGE(2), self->page, PROT_NONE));
	EXPECT_PARTIAL(&l, 1, &r, 1, self->page, 2, 0);
}

TEST_F(partial, unmapped_local_page_ends_the_transfer)
{
	struct iovec l = iov(LPAGE(1), 3 * self->page);
	struct iovec r = iov(RPAGE(1), 3 * self->page);

	ASSERT_EQ(0, munmap(LPAGE(3), self->page));
	EXPECT_PARTIAL(&l, 1, &r, 1, 2 * self->page, 3, 0);
}

/*
 * Unaligned, the fault is inside a copy: how far an architecture's user
 * copy gets there may vary, but it cannot pass the boundary, and whatever
 * it counts must have been copied.
 */
TEST_F(partial, unaligned_local_fault_ends_the_transfer_at_most_there)
{
	struct iovec l = iov(LPAGE(1) + 100, 2 * self->page);
	struct iovec r = iov(RPAGE(1) + 300, 2 * self->page);
	ssize_t n;

	ASSERT_EQ(0, mprotect(LPAGE(2), self->page, PROT_NONE));
	n = sys_process_vm(variant->write, self->peer.pid, &l, 1, &r, 1, 0);
	ASSERT_LT(0, n) {
		TH_LOG("errno %d (%s)", errno, strerror(errno));
	}
	ASSERT_GE(self->page - 100, n);
	if (n != self->page - 100)
		TH_LOG("copied %zd bytes of %zu", n, self->page - 100);
	restore(2, 0);
	check_transfer(&self->peer, variant->write, &l, 1, &r, 1, n,
		       self->page);
}

TEST_F(partial, fault_at_second_local_element_returns_the_first_length)
{
	struct iovec l[] = {
		iov(LPAGE(1) + 10, 500), iov(LPAGE(3), 100),
	};
	struct iovec r = iov(RPAGE(1) + 33, 2 * self->page);

	ASSERT_EQ(0, mprotect(LPAGE(3), self->page, PROT_NONE));
	EXPECT_PARTIAL(l, ARRAY_SIZE(l), &r, 1, 500, 3, 0);
}

TEST_F(partial, fault_on_first_local_byte_fails_with_efault)
{
	struct iovec l = iov(LPAGE(2), self->page);
	struct iovec r = iov(RPAGE(1), self->page);

	ASSERT_EQ(0, mprotect(LPAGE(2), self->page, PROT_NONE));
	EXPECT_PARTIAL(&l, 1, &r, 1, -EFAULT, 2, 0);
}

/*
 * Read-only pages: the remote side is not written with FOLL_FORCE, so a
 * read-only remote page ends a write as a hole would; a read-only local
 * buffer cannot receive a read.
 */
FIXTURE(read_only)
{
	struct cma_peer peer;
	size_t page;
	char *local;
	char *remote;
};

FIXTURE_VARIANT(read_only)
{
	bool child;
};

FIXTURE_VARIANT_ADD(read_only, child)
{
	.child = true,
};

FIXTURE_VARIANT_ADD(read_only, self)
{
	.child = false,
};

FIXTURE_SETUP(read_only)
{
	size_t size;

	self->page = page_size();
	size = AREA_PAGES * self->page;
	ASSERT_EQ(0, map_pattern(&self->local, size, LOCAL_SEED));
	ASSERT_EQ(0, map_pattern(&self->remote, size, REMOTE_SEED));
	/* Remote pages 2 and 3 read-only, in the peer only. */
	ASSERT_EQ(0, peer_start(&self->peer, variant->child, NULL, NULL));
	ASSERT_EQ(0, peer_mprotect(&self->peer, RPAGE(2), 2 * self->page,
				   PROT_READ));
}

FIXTURE_TEARDOWN(read_only)
{
	EXPECT_EQ(0, peer_stop(&self->peer));
}

TEST_F(read_only, remote_pages_can_be_read)
{
	struct iovec l = iov(LPAGE(1) + 1, 2 * self->page);
	struct iovec r = iov(RPAGE(2), 2 * self->page);

	transfer(&self->peer, false, &l, 1, &r, 1, 2 * self->page,
		 self->page);
}

TEST_F(read_only, write_to_remote_page_fails_with_efault)
{
	struct iovec l = iov(LPAGE(1), self->page);
	struct iovec r = iov(RPAGE(2) + 5, 10);

	transfer(&self->peer, true, &l, 1, &r, 1, -EFAULT, self->page);
}

TEST_F(read_only, write_stops_at_remote_page)
{
	struct iovec l = iov(LPAGE(1), 3 * self->page);
	struct iovec r = iov(RPAGE(1) + 1, 3 * self->page);

	/* The check reads the remote pages; they need not be writable. */
	transfer(&self->peer, true, &l, 1, &r, 1, self->page - 1, 0);
}

TEST_F(read_only, read_into_local_page_fails_with_efault)
{
	struct iovec l = iov(LPAGE(2), self->page);
	struct iovec r = iov(RPAGE(1), self->page);

	ASSERT_EQ(0, mprotect(LPAGE(2), self->page, PROT_READ));
	transfer(&self->peer, false, &l, 1, &r, 1, -EFAULT, self->page);
}

TEST_F(read_only, read_stops_at_local_page)
{
	struct iovec l = iov(LPAGE(1), 2 * self->page);
	struct iovec r = iov(RPAGE(4), 2 * self->page);

	ASSERT_EQ(0, mprotect(LPAGE(2), self->page, PROT_READ));
	transfer(&self->peer, false, &l, 1, &r, 1, self->page, self->page);
}

TEST_F(read_only, local_page_can_be_written_from)
{
	struct iovec l = iov(LPAGE(2), self->page);
	struct iovec r = iov(RPAGE(5) + 3, self->page);

	ASSERT_EQ(0, mprotect(LPAGE(2), self->page, PROT_READ));
	transfer(&self->peer, true, &l, 1, &r, 1, self->page, self->page);
}

TEST_HARNESS_MAIN
