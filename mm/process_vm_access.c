// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cross Memory Attach: process_vm_readv(2) and process_vm_writev(2).
 *
 * One copy between the caller's buffers (an iov_iter) and another
 * process's memory (an array of remote iovecs).  The remote pages are
 * pinned and copied to or from directly, with no bounce buffer.
 *
 * The remote side is walked in batches.  A batch pins as many remote pages
 * as fit in a small array on the stack, across as many remote iovecs as it
 * takes, under a single hold of the target's mmap lock; a page that the
 * next element starts in is already held when the previous one ended in
 * it, so it is not pinned again.  The lock is then dropped before the
 * copy: copying may fault on the caller's own memory, and holding the
 * target's lock across that would deadlock two processes that copy into
 * each other at the same time.
 *
 * With PROCESS_VM_REDUCE the same walk combines instead of copying: each
 * destination element becomes itself OP the matching source element.  The
 * caller's side then goes through a small bounce buffer, so that only
 * whole elements are ever read, combined and stored.
 */

#include <linux/bitfield.h>
#include <linux/compat.h>
#include <linux/highmem.h>
#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/ptrace.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <linux/syscalls.h>
#include <linux/uio.h>
#include <uapi/linux/process_vm.h>

#include "internal.h"
#include "process_vm_fp.h"

/*
 * The flags this kernel knows.  Kept here, not in the uapi header: a
 * mask there would be compiled into programs, and stop meaning "what the
 * running kernel accepts" as soon as either changes; callers probe.
 */
#define PVM_FLAGS	(PROCESS_VM_PIDFD | PROCESS_VM_NOWAIT)

/* Every bit of a PROCESS_VM_REDUCE request. */
#define PVM_REDUCE_FLAGS	(PROCESS_VM_REDUCE | PROCESS_VM_REDUCE_OP_MASK | \
				 PROCESS_VM_REDUCE_TYPE_MASK)

/*
 * Pages pinned per batch.  Large enough that the lock round trip is noise
 * next to copying the batch, small enough to live on the stack, so that no
 * call ever allocates for its remote pages.
 */
#define PVM_BATCH_PAGES	16

/* Position in the remote iovec array: @done bytes into element @iov. */
struct pvm_remote {
	const struct iovec *iov;
	const struct iovec *end;
	size_t done;
};

/* Combine @n elements: dst[i] = a[i] OP b[i]; @dst may be @a. */
typedef void (*pvm_reduce_fn)(unsigned int op, void *dst, const void *a,
			      const void *b, size_t n);

/* An element type of PROCESS_VM_REDUCE. */
struct pvm_type {
	unsigned char size;	/* in bytes; 0 for a type that is not defined */
	bool fp;		/* floating point: no bitwise operations */
	pvm_reduce_fn reduce;	/* NULL if this kernel cannot combine it */
};

/*
 * Bytes of the caller's data combined at a time.  The bounce buffer holds
 * two chunks and shares one allocation of at most 4 KiB with the rest of
 * the reduction's state, whatever the page size; and a chunk is a
 * multiple of every element size.
 */
#define PVM_REDUCE_CHUNK	1024

/*
 * The state of a PROCESS_VM_REDUCE call, allocated with its bounce buffer
 * so that a plain copy carries none of it on its stack.
 */
struct pvm_reduce {
	const struct pvm_type *type;
	unsigned int op;
	/*
	 * process_vm_readv(): the caller's buffers again, read in step with
	 * the local iterator that stores the results into them.
	 */
	struct iov_iter src;
	u8 buf[2 * PVM_REDUCE_CHUNK];
};

static_assert(sizeof(struct pvm_reduce) <= 4096);

/* One call's transfer between the caller and the target's @mm. */
struct pvm_xfer {
	struct mm_struct *mm;
	struct iov_iter *local;
	struct pvm_remote rem;
	struct pvm_reduce *reduce;	/* NULL for a plain copy */
	unsigned int gup_flags;
	bool write;
	bool nowait;
};

/*
 * The next @len remote bytes from the transfer's remote cursor, and the
 * pages they lie in, in the order the bytes reach them.  Consecutive bytes
 * in one page share an entry, even across elements, so @pages can be
 * matched to the bytes again by walking the same elements: a new entry
 * where the page changes.
 */
struct pvm_batch {
	size_t len;
	unsigned int nr_pages;
	struct page *pages[PVM_BATCH_PAGES];
};

/*
 * Integer operations, for an element type T.  In every loop x[i] is the
 * destination's value and y[i] the source's.  Sums and products are taken
 * in U, an unsigned type at least as wide as int, so that they wrap like
 * the two's complement result user space gets, never overflow a signed
 * type (u8 and u16 would be promoted to int).  Storing the low bits back
 * into T is the truncation the kernel relies on everywhere.
 */
#define PVM_REDUCE_INT(T, U)						\
static void pvm_reduce_##T(unsigned int op, void *dst, const void *a,	\
			   const void *b, size_t n)			\
{									\
	const typeof(T) *x = a, *y = b;					\
	typeof(T) *d = dst;						\
	size_t i;							\
									\
	switch (op) {							\
	case PROCESS_VM_OP_SUM:						\
		for (i = 0; i < n; i++)					\
			d[i] = (typeof(U))x[i] + y[i];		\
		break;							\
	case PROCESS_VM_OP_PROD:					\
		for (i = 0; i < n; i++)					\
			d[i] = (typeof(U))x[i] * y[i];		\
		break;							\
	case PROCESS_VM_OP_MIN:						\
		for (i = 0; i < n; i++)					\
			d[i] = y[i] < x[i] ? y[i] : x[i];		\
		break;							\
	case PROCESS_VM_OP_MAX:						\
		for (i = 0; i < n; i++)					\
			d[i] = y[i] > x[i] ? y[i] : x[i];		\
		break;							\
	case PROCESS_VM_OP_BAND:					\
		for (i = 0; i < n; i++)					\
			d[i] = x[i] & y[i];				\
		break;							\
	case PROCESS_VM_OP_BOR:						\
		for (i = 0; i < n; i++)					\
			d[i] = x[i] | y[i];				\
		break;							\
	case PROCESS_VM_OP_BXOR:					\
		for (i = 0; i < n; i++)					\
			d[i] = x[i] ^ y[i];				\
		break;							\
	}								\
}

PVM_REDUCE_INT(s8, u32)
PVM_REDUCE_INT(u8, u32)
PVM_REDUCE_INT(s16, u32)
PVM_REDUCE_INT(u16, u32)
PVM_REDUCE_INT(s32, u32)
PVM_REDUCE_INT(u32, u32)
PVM_REDUCE_INT(s64, u64)
PVM_REDUCE_INT(u64, u64)

static const struct pvm_type pvm_types[] = {
	[PROCESS_VM_TYPE_S8]	= { 1, false, pvm_reduce_s8 },
	[PROCESS_VM_TYPE_U8]	= { 1, false, pvm_reduce_u8 },
	[PROCESS_VM_TYPE_S16]	= { 2, false, pvm_reduce_s16 },
	[PROCESS_VM_TYPE_U16]	= { 2, false, pvm_reduce_u16 },
	[PROCESS_VM_TYPE_S32]	= { 4, false, pvm_reduce_s32 },
	[PROCESS_VM_TYPE_U32]	= { 4, false, pvm_reduce_u32 },
	[PROCESS_VM_TYPE_S64]	= { 8, false, pvm_reduce_s64 },
	[PROCESS_VM_TYPE_U64]	= { 8, false, pvm_reduce_u64 },
#ifdef CONFIG_CROSS_MEMORY_ATTACH_FP
	[PROCESS_VM_TYPE_F32]	= { 4, true, pvm_reduce_f32 },
	[PROCESS_VM_TYPE_F64]	= { 8, true, pvm_reduce_f64 },
#else
	[PROCESS_VM_TYPE_F32]	= { 4, true, NULL },
	[PROCESS_VM_TYPE_F64]	= { 8, true, NULL },
#endif
};

/*
 * Decode the PROCESS_VM_REDUCE fields of @flags: the element type, or NULL
 * for a plain copy, and the op in @op.  Op and type fields without
 * PROCESS_VM_REDUCE, an op or a type that is not defined, and a bitwise op
 * on a floating point type are EINVAL; a type this kernel cannot combine
 * is EOPNOTSUPP.
 */
static const struct pvm_type *pvm_reduce_type(unsigned long flags,
					      unsigned int *op)
{
	unsigned int type = FIELD_GET(PROCESS_VM_REDUCE_TYPE_MASK, flags);
	const struct pvm_type *t;

	if (!(flags & PVM_REDUCE_FLAGS))
		return NULL;
	if (!(flags & PROCESS_VM_REDUCE))
		return ERR_PTR(-EINVAL);
	*op = FIELD_GET(PROCESS_VM_REDUCE_OP_MASK, flags);
	if (*op < PROCESS_VM_OP_SUM || *op > PROCESS_VM_OP_BXOR ||
	    type >= ARRAY_SIZE(pvm_types) || !pvm_types[type].size)
		return ERR_PTR(-EINVAL);
	t = &pvm_types[type];
	if (t->fp && *op >= PROCESS_VM_OP_BAND)
		return ERR_PTR(-EINVAL);
	if (!t->reduce || (t->fp && !pvm_fp_usable()))
		return ERR_PTR(-EOPNOTSUPP);
	return t;
}

/*
 * Every element of a PROCESS_VM_REDUCE call lies whole in one iovec and is
 * naturally aligned; as no element is larger than a page, none straddles
 * a page either, so a fault on either side is always between elements.
 */
static bool pvm_iov_aligned(const struct iovec *iov, unsigned long nr,
			    unsigned int size)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		if (((unsigned long)iov[i].iov_base | iov[i].iov_len) &
		    (size - 1))
			return false;
	return true;
}

/*
 * Floating point runs with preemption disabled, one chunk (at most
 * PVM_REDUCE_CHUNK bytes) at a time, so never for long.
 */
static void pvm_combine(const struct pvm_reduce *r, void *dst, const void *a,
			const void *b, size_t len)
{
	size_t n = len / r->type->size;

	if (!r->type->fp) {
		r->type->reduce(r->op, dst, a, b, n);
		return;
	}
	pvm_fp_begin();
	r->type->reduce(r->op, dst, a, b, n);
	pvm_fp_end();
}

static bool pvm_remote_done(const struct pvm_remote *rem)
{
	return rem->iov == rem->end;
}

static void pvm_remote_advance(struct pvm_remote *rem, size_t len)
{
	rem->done += len;
	if (rem->done == rem->iov->iov_len) {
		rem->iov++;
		rem->done = 0;
	}
}

static int pvm_lock_target(struct pvm_xfer *x)
{
	if (x->nowait)
		return mmap_read_trylock(x->mm) ? 0 : -EAGAIN;
	return mmap_read_lock_killable(x->mm) ? -EINTR : 0;
}

#ifdef CONFIG_HUGETLB_PAGE
static bool pvm_huge_poisoned(struct vm_area_struct *vma, unsigned long addr)
{
	struct hstate *h = hstate_vma(vma);
	pte_t *ptep, pte;

	ptep = huge_pte_offset(vma->vm_mm, addr & huge_page_mask(h),
			       huge_page_size(h));
	if (!ptep)
		return false;
	pte = huge_ptep_get(ptep);
	if (huge_pte_none(pte) || pte_present(pte))
		return false;
	return is_hwpoison_entry(pte_to_swp_entry(pte));
}
#else
static bool pvm_huge_poisoned(struct vm_area_struct *vma, unsigned long addr)
{
	return false;
}
#endif

/*
 * Whether the entry mapping @addr is a hwpoison marker, or a swapin error
 * marker: faulting on it could only fail, without waiting for anything.
 * A peek at the page tables under the mmap lock, as GUP's own walk is; any
 * level that is not a page table (absent, a huge entry, a migration entry)
 * is no such marker.
 */
static bool pvm_poisoned(struct vm_area_struct *vma, unsigned long addr)
{
	struct mm_struct *mm = vma->vm_mm;
	swp_entry_t entry;
	pte_t *ptep, pte;
	pgd_t *pgd;
	p4d_t *p4d;
	pud_t *pud, pudval;
	pmd_t *pmd, pmdval;

	if (is_vm_hugetlb_page(vma))
		return pvm_huge_poisoned(vma, addr);

	pgd = pgd_offset(mm, addr);
	if (pgd_none(*pgd) || pgd_bad(*pgd))
		return false;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(*p4d) || p4d_bad(*p4d))
		return false;
	pud = pud_offset(p4d, addr);
	pudval = READ_ONCE(*pud);
	if (pud_none(pudval) || pud_leaf(pudval) || pud_bad(pudval))
		return false;
	pmd = pmd_offset(pud, addr);
	pmdval = READ_ONCE(*pmd);
	if (!pmd_present(pmdval) || pmd_leaf(pmdval) ||
	    pmd_trans_huge(pmdval) || pmd_devmap(pmdval) || pmd_bad(pmdval))
		return false;
	ptep = pte_offset_map(pmd, addr);
	pte = ptep_get(ptep);
	pte_unmap(ptep);
	if (pte_none(pte) || pte_present(pte))
		return false;
	entry = pte_to_swp_entry(pte);
	return is_hwpoison_entry(entry) || is_swapin_error_entry(entry);
}

/*
 * A PROCESS_VM_NOWAIT pin stopped at @addr with @err; GUP kept the mmap
 * lock (no @locked: it never drops it).  EAGAIN exactly where the flag
 * stopped the call, a page that would have had to be faulted in; for
 * every other reason, EFAULT, as the same call without the flag.
 *
 * GUP says -EFAULT both when FOLL_NOFAULT refused a fault and when it
 * refused the address outright: nothing mapped there, or a VMA that
 * check_vma_flags() rejects (no access, VM_IO or VM_PFNMAP, secretmem,
 * protection keys), which it checks before looking at any page.  Any
 * other error (a special PTE's -EEXIST, -ENOMEM...) was not the flag's
 * doing either.  Of the pages that need a fault, a hwpoisoned one would
 * only fail it, with EFAULT to the caller: that is known without the
 * fault, so it is reported as such.
 */
static int pvm_nowait_error(struct pvm_xfer *x, unsigned long addr, long err)
{
	struct vm_area_struct *vma;

	if (err != -EFAULT)
		return -EFAULT;
	vma = vma_lookup(x->mm, addr);
	if (!vma ||
	    check_vma_flags(vma, x->gup_flags | FOLL_PIN | FOLL_REMOTE) ||
	    pvm_poisoned(vma, addr))
		return -EFAULT;
	return -EAGAIN;
}

/*
 * Pin the remote pages that come next: no more bytes than the caller's
 * buffers can still take (so that we never pin, or fault in, pages we will
 * not copy) and no more pages than a batch holds.  The remote cursor stays
 * where it is: pvm_copy_batch() moves it over the bytes it copies.
 *
 * Returns 0, or the error that stopped pinning at the cursor; the pages
 * pinned before that point stay in the batch and are still copied, which
 * is how a transfer ends exactly at the first remote page that faults.
 */
static int pvm_pin_batch(struct pvm_xfer *x, struct pvm_batch *b)
{
	const struct iovec *iov = x->rem.iov;
	size_t skip = x->rem.done;
	size_t room = iov_iter_count(x->local);
	unsigned long held_end = 0;	/* where the last page pinned ends */
	int locked = 1;
	int err;

	b->len = 0;
	b->nr_pages = 0;
	err = pvm_lock_target(x);
	if (err)
		return err;

	for (; room && iov != x->rem.end && b->nr_pages < PVM_BATCH_PAGES;
	     iov++, skip = 0) {
		unsigned long addr = (unsigned long)iov->iov_base + skip;
		size_t len = min(iov->iov_len - skip, room);
		unsigned long start = addr & PAGE_MASK;
		unsigned int held, want;
		long pinned = 0;

		if (!len)		/* an empty element */
			continue;
		/* The previous element may have ended in our first page. */
		held = b->nr_pages && start + PAGE_SIZE == held_end;
		start += held * PAGE_SIZE;
		want = min_t(unsigned int, PVM_BATCH_PAGES - b->nr_pages,
			     DIV_ROUND_UP(offset_in_page(addr) + len,
					  PAGE_SIZE) - held);
		if (want) {
			/*
			 * With PROCESS_VM_NOWAIT, no @locked: GUP then never
			 * drops the lock to wait for a fault and never takes
			 * it again, blocking, to retry.
			 */
			pinned = pin_user_pages_remote(x->mm, start, want,
						       x->gup_flags,
						       b->pages + b->nr_pages,
						       NULL,
						       x->nowait ? NULL : &locked);
			if (pinned <= 0) {
				/*
				 * Whatever GUP says (ENOMEM, EHWPOISON...),
				 * user space has only ever seen EFAULT here.
				 */
				err = -EFAULT;
				if (x->nowait)
					err = pvm_nowait_error(x, start,
							       pinned);
				if (!held)
					break;
				/* Our bytes in the page held still move. */
				pinned = 0;
			}
			b->nr_pages += pinned;
			held_end = start + pinned * PAGE_SIZE;
		}
		len = min(len, held_end - addr);
		b->len += len;
		room -= len;

		if (err)
			break;
		if (pinned < want) {	/* the next page is not there */
			err = -EFAULT;
			break;
		}
		/* GUP had to drop the lock to fault, or the batch filled up. */
		if (!locked || len < iov->iov_len - skip)
			break;
	}

	if (locked)
		mmap_read_unlock(x->mm);
	return err;
}

/*
 * A user copy that faults may stop short of the faulting byte: i386's
 * __copy_user() moves whole words, and stops before the word in which the
 * source faults.  A transfer must end exactly at the first byte of the
 * caller's memory that cannot be accessed, so finish a short copy a byte
 * at a time; that happens once, at the end of the call.
 */
static noinline size_t pvm_copy_tail_from_iter(void *to, size_t len,
					       struct iov_iter *from)
{
	size_t done = 0;

	while (done < len && copy_from_iter(to + done, 1, from))
		done++;
	return done;
}

static noinline size_t pvm_copy_tail_to_iter(const void *from, size_t len,
					     struct iov_iter *to)
{
	size_t done = 0;

	while (done < len && copy_to_iter(from + done, 1, to))
		done++;
	return done;
}

static inline size_t pvm_copy_from_iter(void *to, size_t len,
					struct iov_iter *from)
{
	size_t done = copy_from_iter(to, len, from);

	if (unlikely(done < len))
		done += pvm_copy_tail_from_iter(to + done, len - done, from);
	return done;
}

static inline size_t pvm_copy_to_iter(const void *from, size_t len,
				      struct iov_iter *to)
{
	size_t done = copy_to_iter(from, len, to);

	if (unlikely(done < len))
		done += pvm_copy_tail_to_iter(from + done, len - done, to);
	return done;
}

/*
 * Where copy_from_user() may clear destination bytes past the count it
 * returns, process_vm_writev() stages the caller's data in a buffer this
 * big on the stack, so that only bytes really read reach the target.
 */
#define PVM_BOUNCE_BYTES	256

/*
 * pvm_copy_in() through a buffer on the stack; kept out of line, and so
 * off the stack of every other call, as few architectures need it.
 */
static noinline size_t pvm_copy_in_staged(void *to, size_t len,
					  struct iov_iter *from)
{
	u8 buf[PVM_BOUNCE_BYTES];
	size_t done = 0;

	while (done < len) {
		size_t n = min_t(size_t, len - done, sizeof(buf));
		size_t got = pvm_copy_from_iter(buf, n, from);

		memcpy(to + done, buf, got);
		done += got;
		if (got < n)
			break;
	}
	return done;
}

/*
 * Copy up to @len bytes of the caller's buffers to @to, through the stack
 * when ARCH_COPY_FROM_USER_CLOBBERS_TAIL says that the destination of a
 * faulting user copy may hold more than it returned.  Checking that the
 * caller's buffers are readable first would not do: another thread of the
 * caller can unmap them between the check and the copy.
 */
static size_t pvm_copy_in(void *to, size_t len, struct iov_iter *from)
{
	if (IS_ENABLED(CONFIG_ARCH_COPY_FROM_USER_CLOBBERS_TAIL))
		return pvm_copy_in_staged(to, len, from);
	return pvm_copy_from_iter(to, len, from);
}

/*
 * Copy @len bytes between a page we hold, from @offset on, and the
 * caller's buffers; @len may run on into the next pages of the page's
 * folio (see pvm_extend_run()).  Returns the bytes copied: fewer if the
 * caller's memory faulted.
 */
static size_t pvm_copy_chunk(struct pvm_xfer *x, struct page *page,
			     unsigned int offset, size_t len)
{
	void *kaddr = kmap_local_page(page);
	size_t done;

	if (x->write)
		done = pvm_copy_in(kaddr + offset, len, x->local);
	else
		done = pvm_copy_to_iter(kaddr + offset, len, x->local);
	kunmap_local(kaddr);
	return done;
}

/*
 * A copy may cover a run of a folio's pages through one mapping of its
 * first page only where that is provably the same as a page at a time:
 * without HIGHMEM, kmap_local_page() is page_address() and a folio's pages
 * lie one after the other in the linear map; and kunmap_local() must do
 * nothing per page, which ARCH_HAS_FLUSH_ON_KUNMAP architectures (parisc)
 * break: they flush the one page they unmap, and would leave stale cache
 * aliases of the others.  Everywhere else, copy a page at a time.
 */
#if defined(CONFIG_HIGHMEM) || defined(ARCH_HAS_FLUSH_ON_KUNMAP)
#define PVM_COPY_FOLIO_RUNS	false
#else
#define PVM_COPY_FOLIO_RUNS	true
#endif

/*
 * Where PVM_COPY_FOLIO_RUNS, a plain copy can cover a run of a folio's
 * pages in one call: one user copy instead of one per page.
 * Grow the @n bytes that page entry @i provides by the entries after it,
 * while they are the next pages of the same folio, up to @avail bytes.
 * Returns the bytes of the run; @i is left on its last entry.
 */
static size_t pvm_extend_run(const struct pvm_batch *b, unsigned int *i,
			     size_t n, size_t avail)
{
	struct page *page = b->pages[*i];
	struct folio *folio;

	/* Most often the next page is not even next in memory: stop early. */
	if (n == avail || *i + 1 == b->nr_pages ||
	    b->pages[*i + 1] != nth_page(page, 1))
		return n;
	folio = page_folio(page);
	while (n < avail && *i + 1 < b->nr_pages &&
	       b->pages[*i + 1] == nth_page(page, 1) &&
	       page_folio(b->pages[*i + 1]) == folio) {
		page = b->pages[++*i];
		n += min_t(size_t, avail - n, PAGE_SIZE);
	}
	return n;
}

/*
 * process_vm_readv() with PROCESS_VM_REDUCE: combine up to @len bytes of
 * the caller's buffers with the target's bytes at @remote and store the
 * results back into the caller's buffers.  Returns the bytes combined, a
 * whole number of elements; fewer than @len if the caller's memory faulted.
 */
static size_t pvm_reduce_into_local(struct pvm_xfer *x, struct page *page,
				    unsigned int offset, size_t len)
{
	struct pvm_reduce *r = x->reduce;
	u8 *old = r->buf, *res = r->buf + PVM_REDUCE_CHUNK;
	size_t n, stored, torn, back;
	void *remote;

	n = pvm_copy_from_iter(old, len, &r->src);
	n = round_down(n, r->type->size);
	remote = kmap_local_page(page);
	pvm_combine(r, res, old, remote + offset, n);
	kunmap_local(remote);

	stored = pvm_copy_to_iter(res, n, x->local);
	torn = stored % r->type->size;
	if (torn) {
		/*
		 * Cannot happen with the fault granularity of any MMU, but
		 * if it did, put back the old bytes of the element that was
		 * only partly stored rather than leave it torn.
		 */
		iov_iter_revert(x->local, torn);
		back = copy_to_iter(old + stored - torn, torn, x->local);
		iov_iter_revert(x->local, back);
		stored -= torn;
	}
	return stored;
}

/*
 * process_vm_writev() with PROCESS_VM_REDUCE: combine the target's bytes
 * at @remote with up to @len bytes of the caller's buffers, in place.
 * Returns the bytes combined, a whole number of elements; fewer than @len
 * if the caller's memory faulted.
 */
static size_t pvm_reduce_into_remote(struct pvm_xfer *x, struct page *page,
				     unsigned int offset, size_t len)
{
	struct pvm_reduce *r = x->reduce;
	size_t got, n;
	void *remote;

	got = pvm_copy_from_iter(r->buf, len, x->local);
	n = round_down(got, r->type->size);
	/* The rest of a partly read element counts as not read. */
	iov_iter_revert(x->local, got - n);
	remote = kmap_local_page(page);
	pvm_combine(r, remote + offset, remote + offset, r->buf, n);
	kunmap_local(remote);
	return n;
}

/* Combine @len bytes of a pinned page with the caller's, a chunk at a time. */
static size_t pvm_reduce_chunk(struct pvm_xfer *x, struct page *page,
			       unsigned int offset, size_t len)
{
	size_t left = len;

	while (left) {
		size_t n = min_t(size_t, left, PVM_REDUCE_CHUNK);
		size_t done;

		if (x->write)
			done = pvm_reduce_into_remote(x, page, offset, n);
		else
			done = pvm_reduce_into_local(x, page, offset, n);
		left -= done;
		if (done < n)
			break;
		offset += n;
	}
	return len - left;
}

/*
 * Move the @len remote bytes at @addr, which lie in the batch's page
 * entries from @i on, one page after the other; @i is left on the last
 * entry used.
 */
static int pvm_copy_piece(struct pvm_xfer *x, const struct pvm_batch *b,
			  unsigned int *i, unsigned long addr, size_t len)
{
	unsigned int offset = offset_in_page(addr);

	for (;;) {
		struct page *page = b->pages[*i];
		size_t n = min_t(size_t, len, PAGE_SIZE - offset);
		size_t done;

		if (PVM_COPY_FOLIO_RUNS && !x->reduce)
			n = pvm_extend_run(b, i, n, len);
		if (x->reduce)
			done = pvm_reduce_chunk(x, page, offset, n);
		else
			done = pvm_copy_chunk(x, page, offset, n);
		if (done < n)	/* the caller's own buffer faulted */
			return -EFAULT;
		len -= n;
		if (!len)
			return 0;
		(*i)++;
		offset = 0;
	}
}

/*
 * Move the batch's bytes, walking the remote elements again from the
 * cursor, and advance the cursor over them: the page entry changes exactly
 * where pvm_pin_batch() saw the page change.
 */
static int pvm_copy_batch(struct pvm_xfer *x, const struct pvm_batch *b)
{
	struct pvm_remote *rem = &x->rem;
	size_t left = b->len;
	/* No page is at ~0: the first piece moves @i onto entry 0. */
	unsigned long cur = ~0UL;
	unsigned int i = UINT_MAX;

	while (left) {
		unsigned long addr = (unsigned long)rem->iov->iov_base +
				     rem->done;
		size_t len = min(rem->iov->iov_len - rem->done, left);

		if (len) {
			int err;

			if ((addr & PAGE_MASK) != cur)
				i++;
			err = pvm_copy_piece(x, b, &i, addr, len);
			if (err)
				return err;
			cur = (addr + len - 1) & PAGE_MASK;
			left -= len;
		}
		pvm_remote_advance(rem, len);
	}
	return 0;
}

/*
 * unpin_user_pages_dirty_lock() for PROCESS_VM_NOWAIT, without sleeping
 * on a page lock where none is needed.  A folio already dirty needs
 * nothing (the same race with writeback as there, and as harmless).  An
 * anonymous folio needs no lock: it has no mapping that truncation could
 * take away, and marking it dirty (noop_dirty_folio() for the swap cache)
 * only sets the flag.  A clean file folio is locked so that its mapping
 * stays put while ->dirty_folio() runs: trylocked, and only if another
 * task holds its lock at that very moment do we wait for it.  A write pin
 * without a fault is rarely on a clean file folio at all: the PTE was
 * writable, so the folio was dirtied when it was made so, and only a
 * writeback that started since can have cleaned it.
 */
static void pvm_unpin_dirty_nowait(struct page **pages, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		struct folio *folio = page_folio(pages[i]);

		if (folio_test_dirty(folio))
			continue;
		if (folio_test_anon(folio)) {
			folio_mark_dirty(folio);
			continue;
		}
		if (!folio_trylock(folio))
			folio_lock(folio);
		folio_mark_dirty(folio);
		folio_unlock(folio);
	}
	unpin_user_pages(pages, nr);
}

static void pvm_unpin_batch(struct pvm_xfer *x, struct pvm_batch *b)
{
	/* Pages we wrote into must be dirtied so the target's data is kept. */
	if (!x->write)
		unpin_user_pages(b->pages, b->nr_pages);
	else if (x->nowait)
		pvm_unpin_dirty_nowait(b->pages, b->nr_pages);
	else
		unpin_user_pages_dirty_lock(b->pages, b->nr_pages, true);
}

/*
 * Move data until the caller's buffers are full (or drained), the remote
 * iovecs run out, or either side faults.  Returns the bytes moved if any,
 * else the error that stopped the transfer (or 0).
 */
static ssize_t pvm_transfer(struct pvm_xfer *x)
{
	size_t total = iov_iter_count(x->local);
	struct pvm_batch batch;
	int err = 0;

	for (;;) {
		int copy_err;

		err = pvm_pin_batch(x, &batch);
		copy_err = pvm_copy_batch(x, &batch);
		pvm_unpin_batch(x, &batch);
		if (copy_err)
			err = copy_err;
		if (err || !iov_iter_count(x->local) ||
		    pvm_remote_done(&x->rem))
			break;
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		cond_resched();
	}

	if (total != iov_iter_count(x->local))
		return total - iov_iter_count(x->local);
	return err;
}

/*
 * Reaching into another process's memory is what ptrace does, so the same
 * rule applies: PTRACE_MODE_ATTACH, judged on the caller's real
 * credentials so that a setuid program cannot be made to copy on its
 * caller's behalf.  mm_access() checks under the target's exec_update_lock,
 * so the check and the mm belong to the same program image; with
 * PROCESS_VM_NOWAIT, mm_access_nowait() fails with EAGAIN rather than
 * wait for the lock while the target is in the middle of an execve().  A
 * denial is reported as EACCES (ptrace's errno); these calls have always
 * said EPERM.
 */
static struct mm_struct *pvm_get_target_mm(struct task_struct *task,
					   bool nowait)
{
	struct mm_struct *mm;

	if (nowait)
		mm = mm_access_nowait(task, PTRACE_MODE_ATTACH_REALCREDS);
	else
		mm = mm_access(task, PTRACE_MODE_ATTACH_REALCREDS);

	if (IS_ERR(mm) && PTR_ERR(mm) == -EACCES)
		return ERR_PTR(-EPERM);
	return mm;
}

/*
 * One past the last remote element that is not empty: the walks never see
 * the empty ones at the end, and @iov itself if there is nothing to move.
 */
static const struct iovec *pvm_remote_end(const struct iovec *iov,
					  unsigned long nr)
{
	while (nr && !iov[nr - 1].iov_len)
		nr--;
	return iov + nr;
}

/*
 * A pid names whichever process has that number now; a pidfd names one
 * process for good, so a caller cannot hit an unrelated process that
 * reused the number.  Either way, the permission check is the same.
 */
static struct task_struct *pvm_get_task(pid_t pid, unsigned long flags)
{
	struct task_struct *task;
	unsigned int f_flags;

	if (flags & PROCESS_VM_PIDFD)
		return pidfd_get_task(pid, &f_flags);
	task = find_get_task_by_vpid(pid);
	return task ?: ERR_PTR(-ESRCH);
}

static ssize_t pvm_rw_target(pid_t pid, unsigned long flags,
			     struct iov_iter *local, const struct iovec *riov,
			     unsigned long riovcnt, bool write,
			     struct pvm_reduce *reduce)
{
	struct pvm_xfer x = {
		.local = local,
		.rem = { .iov = riov, .end = pvm_remote_end(riov, riovcnt) },
		.reduce = reduce,
		.write = write,
		.nowait = flags & PROCESS_VM_NOWAIT,
	};
	struct task_struct *task;
	ssize_t ret;

	/* Nothing to move: succeed before the target is even looked up. */
	if (pvm_remote_done(&x.rem))
		return 0;

	task = pvm_get_task(pid, flags);
	if (IS_ERR(task))
		return PTR_ERR(task);
	x.mm = pvm_get_target_mm(task, x.nowait);
	put_task_struct(task);
	if (IS_ERR(x.mm))
		return PTR_ERR(x.mm);

	if (write)
		x.gup_flags |= FOLL_WRITE;
	if (x.nowait)
		x.gup_flags |= FOLL_NOFAULT;
	ret = pvm_transfer(&x);
	/*
	 * If the target exited meanwhile, ours is the last reference, and
	 * its teardown is not for a call that promised not to wait.
	 */
	if (x.nowait)
		mmput_async(x.mm);
	else
		mmput(x.mm);
	return ret;
}

/*
 * The caller's buffers as an iterator in direction @dir; returns the bytes
 * they describe, capped at MAX_RW_COUNT as readv() caps them, or an errno.
 * One buffer, by far the most common case, is read and checked here as
 * import_iovec() would read and check it, and is described as just that,
 * ITER_UBUF, so that the user copies skip the walk over an iovec array
 * (import_iovec() does so itself from Linux 6.4 on).  A reduction keeps
 * the iovec form: it checks the elements' alignment and reads them again.
 */
static ssize_t pvm_import_local(int dir, const struct iovec __user *lvec,
				unsigned long liovcnt, bool reduce,
				struct iovec **iovp, struct iov_iter *local)
{
	struct iovec *iov;
	size_t len;

	if (liovcnt != 1 || reduce)
		return import_iovec(dir, lvec, liovcnt, UIO_FASTIOV, iovp,
				    local);
	iov = iovec_from_user(lvec, 1, 1, *iovp, in_compat_syscall());
	*iovp = NULL;
	if (IS_ERR(iov))
		return PTR_ERR(iov);
	if (!access_ok(iov->iov_base, iov->iov_len))
		return -EFAULT;
	len = min_t(size_t, iov->iov_len, MAX_RW_COUNT);
	iov_iter_ubuf(local, dir, iov->iov_base, len);
	return len;
}

static ssize_t process_vm_rw(pid_t pid,
			     const struct iovec __user *lvec,
			     unsigned long liovcnt,
			     const struct iovec __user *rvec,
			     unsigned long riovcnt,
			     unsigned long flags, bool write)
{
	struct iovec local_stack[UIO_FASTIOV];
	struct iovec remote_stack[UIO_FASTIOV];
	struct iovec *local_iov = local_stack;
	struct iovec *remote_iov;
	struct pvm_reduce *reduce = NULL;
	const struct pvm_type *type;
	struct iov_iter local;
	unsigned int op;
	ssize_t ret;

	if (flags & ~(PVM_FLAGS | PVM_REDUCE_FLAGS))
		return -EINVAL;
	type = pvm_reduce_type(flags, &op);
	if (IS_ERR(type))
		return PTR_ERR(type);

	/*
	 * The local vector is checked first and, like readv(), silently
	 * capped at MAX_RW_COUNT (a multiple of the page size, so of every
	 * element size too).  If it describes no bytes we are done before
	 * the remote vector or the pid are looked at; but a reduction's
	 * elements must be aligned even then.
	 */
	ret = pvm_import_local(write ? ITER_SOURCE : ITER_DEST, lvec, liovcnt,
			       type, &local_iov, &local);
	if (ret >= 0 && type &&
	    !pvm_iov_aligned(local.iov, local.nr_segs, type->size))
		ret = -EINVAL;
	if (ret <= 0)
		goto free_local;

	/* Remote addresses belong to another mm: no access_ok() on them. */
	remote_iov = iovec_from_user(rvec, riovcnt, UIO_FASTIOV, remote_stack,
				     in_compat_syscall());
	if (IS_ERR(remote_iov)) {
		ret = PTR_ERR(remote_iov);
		goto free_local;
	}

	if (type) {
		ret = -EINVAL;
		if (!pvm_iov_aligned(remote_iov, riovcnt, type->size))
			goto free_remote;
		ret = -ENOMEM;
		reduce = kmalloc(sizeof(*reduce), GFP_KERNEL);
		if (!reduce)
			goto free_remote;
		reduce->type = type;
		reduce->op = op;
		/* Only process_vm_readv() reads what it stores into. */
		iov_iter_init(&reduce->src, ITER_SOURCE, local.iov,
			      local.nr_segs, iov_iter_count(&local));
	}

	ret = pvm_rw_target(pid, flags, &local, remote_iov, riovcnt, write,
			    reduce);

	/* The common case, a plain copy, skips the call. */
	if (type)
		kfree(reduce);
free_remote:
	if (remote_iov != remote_stack)
		kfree(remote_iov);
free_local:
	kfree(local_iov);
	return ret;
}

/**
 * sys_process_vm_readv - copy from another process's memory into ours
 * @pid: the process to read from (a pidfd with PROCESS_VM_PIDFD)
 * @lvec: local iovecs, filled in order
 * @liovcnt: number of local iovecs
 * @rvec: remote iovecs, read in order
 * @riovcnt: number of remote iovecs
 * @flags: PROCESS_VM_* flags, see include/uapi/linux/process_vm.h
 *
 * 32-bit callers on a 64-bit kernel come through here too: both vectors
 * are read in the compat layout when in_compat_syscall().
 *
 * With PROCESS_VM_REDUCE, each local element becomes itself OP the remote
 * element it would have been copied from, instead.
 *
 * Return: the number of bytes read (or combined), which is short if a
 * remote or local page faulted after some bytes were copied; or a negative
 * errno.
 */
SYSCALL_DEFINE6(process_vm_readv, pid_t, pid,
		const struct iovec __user *, lvec, unsigned long, liovcnt,
		const struct iovec __user *, rvec, unsigned long, riovcnt,
		unsigned long, flags)
{
	return process_vm_rw(pid, lvec, liovcnt, rvec, riovcnt, flags, false);
}

/**
 * sys_process_vm_writev - copy from our memory into another process's
 * @pid: the process to write to (a pidfd with PROCESS_VM_PIDFD)
 * @lvec: local iovecs, read in order
 * @liovcnt: number of local iovecs
 * @rvec: remote iovecs, written in order
 * @riovcnt: number of remote iovecs
 * @flags: PROCESS_VM_* flags, see include/uapi/linux/process_vm.h
 *
 * The remote pages must be writable by the target itself: a read-only
 * mapping is not forced open as ptrace's PTRACE_POKEDATA would.
 *
 * With PROCESS_VM_REDUCE, each remote element becomes itself OP the local
 * element that would have been copied to it, instead.
 *
 * Return: the number of bytes written (or combined), which is short if a
 * remote or local page faulted after some bytes were copied; or a negative
 * errno.
 */
SYSCALL_DEFINE6(process_vm_writev, pid_t, pid,
		const struct iovec __user *, lvec, unsigned long, liovcnt,
		const struct iovec __user *, rvec, unsigned long, riovcnt,
		unsigned long, flags)
{
	return process_vm_rw(pid, lvec, liovcnt, rvec, riovcnt, flags, true);
}
