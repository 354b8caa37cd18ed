// SPDX-License-Identifier: GPL-2.0
/*
 * process_vm_readv()/process_vm_writev(): what gets copied, and where.
 *
 * Every test runs for both directions and for both a child peer and the
 * caller itself as the remote process.
 */

#define _GNU_SOURCE
#include <stdio.h>

#include "cma.h"

/* Pages in each of the local and the remote area. */
#define AREA_PAGES 48
/* Page-sized elements: enough to fill a batch of pinned pages twice. */
#define PAGE_ELEMENTS 40

FIXTURE(transfer)
{
	struct cma_peer peer;
	size_t page;
	char *local;	/* our buffers, LOCAL_SEED pattern */
	char *remote;	/* the peer's buffers, REMOTE_SEED pattern */
};

FIXTURE_VARIANT(transfer)
{
	bool write;
	bool child;
};

FIXTURE_VARIANT_ADD(transfer, read_from_child)
{
	.write = false,
	.child = true,
};

FIXTURE_VARIANT_ADD(transfer, write_to_child)
{
	.write = true,
	.child = true,
};

FIXTURE_VARIANT_ADD(transfer, read_from_self)
{
	.write = false,
	.child = false,
};

FIXTURE_VARIANT_ADD(transfer, write_to_self)
{
	.write = true,
	.child = false,
};

FIXTURE_SETUP(transfer)
{
	self->page = page_size();
	ASSERT_EQ(0, map_pattern(&self->local, AREA_PAGES * self->page,
				 LOCAL_SEED));
	ASSERT_EQ(0, map_pattern(&self->remote, AREA_PAGES * self->page,
				 REMOTE_SEED));
	ASSERT_EQ(0, peer_start(&self->peer, variant->child, NULL, NULL));
}

FIXTURE_TEARDOWN(transfer)
{
	EXPECT_EQ(0, peer_stop(&self->peer));
}

/*
 * One element on each side, @len bytes at @loff and @roff from the second
 * page of the local and the remote area; the pages around must not change.
 */
static void __copy_one(struct __test_metadata *_metadata,
		       struct cma_peer *peer, bool write, char *local,
		       char *remote, size_t loff, size_t roff, size_t len)
{
	size_t page = page_size();
	struct iovec l = iov(local + page + loff, len);
	struct iovec r = iov(remote + page + roff, len);

	ASSERT_LE(loff + len + 2 * page, AREA_PAGES * page);
	ASSERT_LE(roff + len + 2 * page, AREA_PAGES * page);
	transfer(peer, write, &l, 1, &r, 1, len, page);
}

#define copy_one(loff, roff, len) \
	__copy_one(_metadata, &self->peer, variant->write, self->local, \
		   self->remote, loff, roff, len)

/*
 * Cut @total bytes from @base into up to @max elements whose lengths cycle
 * through 1..@cycle, each followed by a @gap byte hole.  Returns the count.
 */
static unsigned long split(struct iovec *vec, unsigned long max, char *base,
			   size_t total, size_t cycle, size_t gap)
{
	unsigned long n;

	for (n = 0; n < max && total; n++) {
		size_t len = n % cycle + 1;

		if (len > total || n == max - 1)
			len = total;
		vec[n] = iov(base, len);
		base += len + gap;
		total -= len;
	}
	return n;
}

TEST_F(transfer, zero_length_local_vector_copies_nothing)
{
	struct iovec l = iov(self->local + self->page, 0);
	struct iovec r = iov(self->remote + self->page, self->page);

	transfer(&self->peer, variant->write, &l, 1, &r, 1, 0, self->page);
}

TEST_F(transfer, zero_length_remote_vector_copies_nothing)
{
	struct iovec l = iov(self->local + self->page, self->page);
	struct iovec r = iov(self->remote + self->page, 0);

	transfer(&self->peer, variant->write, &l, 1, &r, 1, 0, self->page);
}

TEST_F(transfer, one_byte_is_copied)
{
	copy_one(0, 0, 1);
}

TEST_F(transfer, page_minus_one_bytes_are_copied)
{
	copy_one(0, 0, self->page - 1);
}

TEST_F(transfer, one_page_is_copied)
{
	copy_one(0, 0, self->page);
}

TEST_F(transfer, page_plus_one_bytes_are_copied)
{
	copy_one(0, 0, self->page + 1);
}

TEST_F(transfer, unaligned_start_and_end_are_copied)
{
	copy_one(3, 3, 2 * self->page + 5);
}

TEST_F(transfer, different_offsets_on_each_side_are_copied)
{
	copy_one(7, self->page - 3,
		 3 * self->page + 11);
}

TEST_F(transfer, last_byte_of_a_page_is_copied)
{
	copy_one(self->page - 1, self->page - 1, 1);
}

TEST_F(transfer, many_local_elements_map_to_one_remote_element)
{
	static struct iovec l[UIO_MAXIOV];
	size_t total = 3 * self->page + 17;
	unsigned long n = split(l, UIO_MAXIOV, self->local + self->page,
				total, 7, 1);
	struct iovec r = iov(self->remote + self->page + 5, total);

	ASSERT_EQ(UIO_MAXIOV, n);
	transfer(&self->peer, variant->write, l, n, &r, 1, total, self->page);
}

TEST_F(transfer, one_local_element_maps_to_many_remote_elements)
{
	static struct iovec r[UIO_MAXIOV];
	size_t total = 3 * self->page + 17;
	unsigned long n = split(r, UIO_MAXIOV, self->remote + self->page,
				total, 7, 1);
	struct iovec l = iov(self->local + self->page + 5, total);

	ASSERT_EQ(UIO_MAXIOV, n);
	transfer(&self->peer, variant->write, &l, 1, r, n, total, self->page);
}

TEST_F(transfer, different_splits_on_each_side_are_matched)
{
	static struct iovec l[UIO_MAXIOV], r[UIO_MAXIOV];
	size_t total = 4 * self->page + 1;
	unsigned long nl = split(l, UIO_MAXIOV, self->local + self->page + 1,
				 total, 9, 2);
	unsigned long nr = split(r, UIO_MAXIOV, self->remote + self->page,
				 total, 13, 3);

	ASSERT_EQ(UIO_MAXIOV, nl);
	ASSERT_EQ(UIO_MAXIOV, nr);
	transfer(&self->peer, variant->write, l, nl, r, nr, total, self->page);
}

TEST_F(transfer, zero_length_elements_are_skipped)
{
	char *lb = self->local + self->page, *rb = self->remote + self->page;
	struct iovec l[] = {
		iov(NULL, 0), iov(lb, 100), iov(lb + 150, 0),
		iov(NULL, 0), iov(lb + 200, self->page), iov(NULL, 0),
	};
	struct iovec r[] = {
		iov(rb + 3, 0), iov(NULL, 0), iov(rb + 10, 60),
		iov(NULL, 0), iov(NULL, 0), iov(rb + 100, self->page + 40),
		iov(NULL, 0),
	};

	transfer(&self->peer, variant->write, l, ARRAY_SIZE(l), r,
		 ARRAY_SIZE(r), self->page + 100, self->page);
}

/*
 * Remote elements of a page each, in falling address order.  Whatever the
 * kernel's batch of pinned pages, one fills exactly at the end of an
 * element, and the element after it starts in a page that is not held,
 * below the last one pinned.
 */
TEST_F(transfer, page_elements_in_falling_order_fill_batches)
{
	struct iovec r[PAGE_ELEMENTS];
	struct iovec l = iov(self->local + self->page,
			     PAGE_ELEMENTS * self->page);
	int k;

	for (k = 0; k < PAGE_ELEMENTS; k++)
		r[k] = iov(self->remote + (PAGE_ELEMENTS - k) * self->page,
			   self->page);
	transfer(&self->peer, variant->write, &l, 1, r, PAGE_ELEMENTS,
		 PAGE_ELEMENTS * self->page, self->page);
}

/* The same from the middle of a page: each element spans two pages. */
TEST_F(transfer, unaligned_page_elements_in_falling_order_fill_batches)
{
	struct iovec r[PAGE_ELEMENTS];
	struct iovec l = iov(self->local + self->page,
			     PAGE_ELEMENTS * self->page);
	int k;

	for (k = 0; k < PAGE_ELEMENTS; k++)
		r[k] = iov(self->remote + (PAGE_ELEMENTS - k) * self->page +
			   self->page / 2, self->page);
	transfer(&self->peer, variant->write, &l, 1, r, PAGE_ELEMENTS,
		 PAGE_ELEMENTS * self->page, self->page);
}

TEST_F(transfer, shorter_local_vector_bounds_the_count)
{
	struct iovec l = iov(self->local + self->page, 100);
	struct iovec r = iov(self->remote + self->page, 2 * self->page);

	transfer(&self->peer, variant->write, &l, 1, &r, 1, 100, self->page);
}

TEST_F(transfer, shorter_remote_vector_bounds_the_count)
{
	struct iovec l = iov(self->local + self->page, 2 * self->page);
	struct iovec r[] = {
		iov(self->remote + self->page, 100),
		iov(self->remote + 3 * self->page + 7, 200),
	};

	transfer(&self->peer, variant->write, &l, 1, r, ARRAY_SIZE(r), 300,
		 self->page);
}

TEST_F(transfer, aliasing_local_elements_are_copied_in_order)
{
	char *a = self->local + self->page + 10;
	struct iovec l[] = {
		iov(a, 300), iov(a, 300), iov(a + 100, self->page),
	};
	struct iovec r = iov(self->remote + 2 * self->page + 1,
			     2 * self->page);

	transfer(&self->peer, variant->write, l, ARRAY_SIZE(l), &r, 1,
		 self->page + 600, self->page);
}

TEST_F(transfer, aliasing_remote_elements_are_copied_in_order)
{
	char *a = self->remote + self->page + 10;
	struct iovec l = iov(self->local + 2 * self->page + 1,
			     2 * self->page);
	struct iovec r[] = {
		iov(a, 300), iov(a, 300), iov(a + 100, self->page),
	};

	transfer(&self->peer, variant->write, &l, 1, r, ARRAY_SIZE(r),
		 self->page + 600, self->page);
}

/* Elements that go back to a page an element before the last one was in. */
TEST_F(transfer, remote_elements_returning_to_an_earlier_page_are_copied)
{
	char *p = self->remote + self->page, *q = self->remote + 3 * self->page;
	struct iovec l = iov(self->local + self->page + 3, 2 * self->page);
	struct iovec r[] = {
		iov(p + 10, 100), iov(q + 20, 100), iov(p + 500, 100),
		iov(p + 700, self->page), iov(q + 300, 50),
	};

	transfer(&self->peer, variant->write, &l, 1, r, ARRAY_SIZE(r),
		 self->page + 350, self->page);
}

/* Bigger transfers, in areas sized for them. */
#define BULK_SIZE (4UL << 20)

FIXTURE(bulk)
{
	struct cma_peer peer;
	size_t page;
	size_t size;	/* of each area */
	char *local;
	char *remote;
};

FIXTURE_VARIANT(bulk)
{
	bool write;
	bool child;
};

FIXTURE_VARIANT_ADD(bulk, read_from_child)
{
	.write = false,
	.child = true,
};

FIXTURE_VARIANT_ADD(bulk, write_to_child)
{
	.write = true,
	.child = true,
};

FIXTURE_VARIANT_ADD(bulk, read_from_self)
{
	.write = false,
	.child = false,
};

FIXTURE_VARIANT_ADD(bulk, write_to_self)
{
	.write = true,
	.child = false,
};

/*
 * The kernel pins the remote pages in batches of at most two pages' worth
 * of page pointers: a little more than that many pages (assuming 4-byte
 * pointers, the larger count) needs several batches.
 */
static size_t batch_bytes(size_t page)
{
	return (2 * page / 4 + 1) * page;
}

FIXTURE_SETUP(bulk)
{
	self->page = page_size();
	self->size = BULK_SIZE;
	if (batch_bytes(self->page) > BULK_SIZE &&
	    batch_bytes(self->page) <= 4 * BULK_SIZE)
		self->size = batch_bytes(self->page);
	self->size += 4 * self->page;
	ASSERT_EQ(0, map_pattern(&self->local, self->size, LOCAL_SEED));
	ASSERT_EQ(0, map_pattern(&self->remote, self->size, REMOTE_SEED));
	ASSERT_EQ(0, peer_start(&self->peer, variant->child, NULL, NULL));
}

FIXTURE_TEARDOWN(bulk)
{
	EXPECT_EQ(0, peer_stop(&self->peer));
}

TEST_F(bulk, several_mib_are_copied)
{
	struct iovec l = iov(self->local + self->page + 1, BULK_SIZE + 3);
	struct iovec r = iov(self->remote + self->page + 5, BULK_SIZE + 3);

	transfer(&self->peer, variant->write, &l, 1, &r, 1, BULK_SIZE + 3,
		 self->page);
}

TEST_F(bulk, more_pages_than_one_pin_batch_are_copied)
{
	size_t len = batch_bytes(self->page);
	struct iovec l = iov(self->local + self->page, len);
	struct iovec r = iov(self->remote + self->page, len);

	if (len + 4 * self->page > self->size)
		SKIP(return, "a pin batch of %zu KiB pages is too big",
		     self->page >> 10);
	transfer(&self->peer, variant->write, &l, 1, &r, 1, len, self->page);
}

/*
 * Adjacent remote elements of a few hundred bytes to a few KiB, most of
 * them sharing a page with the one before, over many pin batches.
 */
TEST_F(bulk, small_remote_elements_over_several_pin_batches_are_copied)
{
	static struct iovec r[UIO_MAXIOV];
	size_t elem = 3 * self->page / 8 + 1;
	size_t total;
	struct iovec l;
	unsigned long i;

	if (elem * UIO_MAXIOV > self->size - 4 * self->page)
		elem = (self->size - 4 * self->page) / UIO_MAXIOV;
	total = elem * UIO_MAXIOV;
	for (i = 0; i < UIO_MAXIOV; i++)
		r[i] = iov(self->remote + self->page + 3 + i * elem, elem);
	l = iov(self->local + self->page, total);
	transfer(&self->peer, variant->write, &l, 1, r, UIO_MAXIOV, total,
		 self->page);
}

/*
 * A total over MAX_RW_COUNT is capped to it, not refused.  Both vectors are
 * UIO_MAXIOV elements aliasing one small buffer each, so no gigabytes of
 * memory are needed; still, MAX_RW_COUNT bytes really get copied.
 */
FIXTURE(cap)
{
	struct iovec l[UIO_MAXIOV];
	struct iovec r[UIO_MAXIOV];
};

FIXTURE_SETUP(cap)
{
	size_t len = (2UL << 20) + page_size();
	char *lbuf, *rbuf;
	int i;

	ASSERT_EQ(0, map_pattern(&lbuf, len, LOCAL_SEED));
	ASSERT_EQ(0, map_pattern(&rbuf, len, REMOTE_SEED));
	ASSERT_GT((unsigned long long)len * UIO_MAXIOV, INT_MAX);
	for (i = 0; i < UIO_MAXIOV; i++) {
		self->l[i] = iov(lbuf, len);
		self->r[i] = iov(rbuf, len);
	}
}

FIXTURE_VARIANT(cap)
{
	bool write;
};

FIXTURE_VARIANT_ADD(cap, readv)
{
	.write = false,
};

FIXTURE_VARIANT_ADD(cap, writev)
{
	.write = true,
};

FIXTURE_TEARDOWN(cap)
{
}

TEST_F_TIMEOUT(cap, total_over_max_rw_count_is_capped, 300)
{
	ASSERT_EQ(max_rw_count(),
		  sys_process_vm(variant->write, getpid(), self->l, UIO_MAXIOV,
				 self->r, UIO_MAXIOV, 0));
}

TEST_HARNESS_MAIN
