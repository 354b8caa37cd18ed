// SPDX-License-Identifier: GPL-2.0
/*
 * cma_stress - many threads in several processes copy to and from each
 * other with process_vm_readv()/process_vm_writev(), in both directions
 * at once, and every byte is checked.
 *
 * The parent maps one private region of P slices, one per worker, fills
 * all of it with generation 0 of the pattern, and forks P workers, so
 * every page starts out shared copy-on-write by all the processes.
 * Worker i owns slice i of its own copy; the other slices of its copy are
 * never written by anyone and must still hold generation 0 at the end
 * (a write that lands in a page still shared copy-on-write shows there).
 *
 * Each 8-byte word of page p of slice i at generation g is a hash of
 * (seed, i, p, g, word index), so a lost, stale, torn or misplaced copy
 * shows as a mismatch, which is reported with what the bad data looks
 * like (another generation, zeroes, or unknown).
 *
 * The generation of every page lives in shared memory next to a
 * reader/writer lock.  A copy runs with the locks of its pages held: a
 * read under the read lock must return exactly the recorded generation, a
 * write (always whole pages) under the write lock installs the next one.
 * So nothing is excused: any mismatch is an error.  The locks are only
 * user space's; the kernel sees many calls on the same mm at once.
 *
 * Every thread of every worker picks at random:
 *   read      process_vm_readv() of a byte range of any worker's slice
 *             (itself included), into a scattered local buffer
 *   write     process_vm_writev() of whole pages of any worker's slice,
 *             sometimes read back at once
 *   own       on its own slice: verify in place, rewrite with the CPU,
 *             madvise(MADV_DONTNEED) (the page becomes zeroes), or
 *             mmap()/munmap() elsewhere (takes the mmap lock for writing)
 * Both sides' iovecs split the range at random points (any byte), and
 * the region asks for transparent huge pages.
 *
 * With -m MiB the parent meanwhile allocates up to that much memory (never
 * leaving less than an eighth of MemTotal available) and keeps freeing
 * and touching it, to copy while the page allocator is under pressure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "stress.h"

#define MAX_PROCS	16
#define MAX_THREADS	16
#define MAX_PAGES	8	/* per copy */
#define MAX_PIECES	64	/* iovecs per side */
#define GEN_ZERO	0x80000000u	/* flag: the page is zeroes */

struct page_ctl {
	int lock;		/* 0: free, -1: write locked, n > 0: n readers */
	uint32_t gen;
};

struct worker_stats {
	uint64_t reads, writes, own, bytes, busy;
	uint64_t data_errors, call_errors;
	int done;
};

struct ctl {
	pid_t pid[MAX_PROCS];
	int ready;
	unsigned long calls;	/* claimed so far, for -n */
	struct worker_stats stats[MAX_PROCS];
	struct page_ctl pages[];	/* nprocs * npages */
};

static struct common_opts opt;
static unsigned int nprocs = 3, nthreads = 2, npages;
static size_t region_kib = 1024, slice_len;
static unsigned long pressure_mib;
static char *region;
static struct ctl *ctl;
static double deadline;
static int me;			/* worker index */

struct thread {
	pthread_t tid;
	unsigned int id;
	struct rng rng;
	unsigned char *buf, *expect;
	size_t buf_len;
	struct worker_stats st;
};

static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int reports;

static struct page_ctl *pctl(unsigned int owner, unsigned int pg)
{
	return &ctl->pages[owner * npages + pg];
}

static char *page_addr(unsigned int owner, unsigned int pg)
{
	return region + owner * slice_len + (size_t)pg * page;
}

/* The key of page @pg of slice @owner at generation @gen. */
static uint64_t page_key(unsigned int owner, unsigned int pg, uint32_t gen)
{
	return mix64(opt.seed ^ ((uint64_t)owner << 56) ^
		     ((uint64_t)pg << 32) ^ gen);
}

/* Its word @w: zero for a zeroed page, else a hash of key and index. */
static uint64_t pattern(uint64_t key, uint32_t gen, size_t w)
{
	if (gen & GEN_ZERO)
		return 0;
	return mix64(key + w);
}

/* Bytes [off, off + len) of the page at @gen into @dst. */
static void fill_page(unsigned char *dst, unsigned int owner, unsigned int pg,
		      uint32_t gen, size_t off, size_t len)
{
	uint64_t key = page_key(owner, pg, gen), w = 0;
	size_t i, word = SIZE_MAX;

	for (i = off; i < off + len; i++) {
		if (i / 8 != word) {
			word = i / 8;
			w = pattern(key, gen, word);
		}
		*dst++ = word_byte(w, i % 8);
	}
}

/*
 * Pages [first, first + n) of one slice and their generations: what a
 * copy locked, so what it must find.
 */
struct span {
	unsigned int owner, first, n;
	uint32_t gen[MAX_PAGES];
};

/* The expected content of bytes [off, off + len) of @sp's slice. */
static void fill_range(unsigned char *dst, const struct span *sp, size_t off,
		       size_t len)
{
	while (len) {
		unsigned int pg = off / page;
		size_t in = off % page, n = page - in;

		if (n > len)
			n = len;
		fill_page(dst, sp->owner, pg, sp->gen[pg - sp->first], in, n);
		dst += n;
		off += n;
		len -= n;
	}
}

/* Generation 0 of page @pg of slice @owner into @dst. */
static void fill_gen0(unsigned char *dst, unsigned int owner, unsigned int pg)
{
	struct span sp = { .owner = owner, .first = pg, .n = 1 };

	fill_range(dst, &sp, (size_t)pg * page, page);
}

/* ---- Page locks: all pages of a copy, in ascending order, or none ---- */

static bool try_lock(int *l, bool write)
{
	int v = __atomic_load_n(l, __ATOMIC_RELAXED);

	if (write)
		return v == 0 && __atomic_compare_exchange_n(l, &v, -1, false,
				__ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
	while (v >= 0)
		if (__atomic_compare_exchange_n(l, &v, v + 1, false,
				__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return true;
	return false;
}

static void unlock(int *l, bool write)
{
	if (write)
		__atomic_store_n(l, 0, __ATOMIC_RELEASE);
	else
		__atomic_fetch_sub(l, 1, __ATOMIC_RELEASE);
}

static void unlock_span(const struct span *sp, bool write)
{
	for (unsigned int i = sp->n; i--; )
		unlock(&pctl(sp->owner, sp->first + i)->lock, write);
}

/*
 * Lock the pages of @sp, all in ascending order or none, and read their
 * generations.  False if they stayed busy.
 */
static bool lock_span(struct span *sp, bool write)
{
	for (int tries = 0; tries < 16; tries++) {
		unsigned int i, n = sp->n;

		for (i = 0; i < n; i++)
			if (!try_lock(&pctl(sp->owner, sp->first + i)->lock,
				      write))
				break;
		if (i == n) {
			for (i = 0; i < n; i++)
				sp->gen[i] = pctl(sp->owner, sp->first + i)->gen;
			return true;
		}
		sp->n = i;
		unlock_span(sp, write);
		sp->n = n;
		sched_yield();
	}
	return false;
}

/* Record the generations of @sp as the pages' own. */
static void publish_span(const struct span *sp)
{
	for (unsigned int i = 0; i < sp->n; i++)
		pctl(sp->owner, sp->first + i)->gen = sp->gen[i];
}

/* A random span of up to MAX_PAGES pages of slice @owner. */
static void random_span(struct thread *t, struct span *sp, unsigned int owner)
{
	sp->owner = owner;
	sp->n = 1 + rng_below(&t->rng, MAX_PAGES < npages ? MAX_PAGES : npages);
	sp->first = rng_below(&t->rng, npages - sp->n + 1);
}

static uint32_t next_gen(uint32_t gen)
{
	return ((gen & ~GEN_ZERO) + 1) & ~GEN_ZERO;
}

/* ---- Checking and reporting ---- */

/* What a bad 8-byte word looks like: which generation, if any. */
static void describe_word(char *buf, size_t len, unsigned int owner,
			  unsigned int pg, uint32_t gen, size_t w,
			  const unsigned char *got)
{
	uint64_t v = 0;
	uint32_t base = gen & ~GEN_ZERO;

	for (int b = 0; b < 8; b++)
		v |= (uint64_t)got[b] << (8 * b);
	if (!v) {
		snprintf(buf, len, "zeroes");
		return;
	}
	for (int d = -4; d <= 4; d++) {
		uint32_t g = (base + d) & ~GEN_ZERO;

		if (pattern(page_key(owner, pg, g), g, w) == v) {
			snprintf(buf, len, "generation %" PRIu32 " (%+d)", g,
				 d);
			return;
		}
	}
	for (unsigned int o = 0; o < nprocs; o++)
		for (unsigned int p = 0; p < npages; p++)
			for (uint32_t g = 0; g <= base + 4; g++)
				if (pattern(page_key(o, p, g), g, w) == v) {
					snprintf(buf, len,
						 "slice %u page %u generation %"
						 PRIu32, o, p, g);
					return;
				}
	snprintf(buf, len, "unknown 0x%016" PRIx64, v);
}

/*
 * Compare @got with @want, the bytes at [off, off + len) of @sp's slice;
 * report the first bad byte and what its word looks like.  True if equal.
 */
static bool check(struct thread *t, const char *what, const struct span *sp,
		  size_t off, size_t len, const unsigned char *got,
		  const unsigned char *want)
{
	size_t i, bad = 0, first, at, word;
	unsigned int pg;
	uint32_t gen;
	char desc[128] = "not whole in the copy";

	if (!memcmp(got, want, len))
		return true;
	for (i = 0; i < len; i++)
		bad += got[i] != want[i];
	for (first = 0; got[first] == want[first]; first++)
		;
	t->st.data_errors++;
	pthread_mutex_lock(&report_lock);
	if (reports++ < max_reports) {
		at = off + first;
		word = at - at % 8;
		pg = at / page;
		gen = sp->gen[pg - sp->first];
		/* The first whole word that differs, if any. */
		for (; word + 8 <= off + len; word += 8)
			if (word >= off && memcmp(got + (word - off),
						  want + (word - off), 8)) {
				describe_word(desc, sizeof(desc), sp->owner,
					      word / page,
					      sp->gen[word / page - sp->first],
					      word % page / 8,
					      got + (word - off));
				break;
			}
		printf("# worker %d thread %u: %s: slice %u page %u offset %zu"
		       " (generation %" PRIu32 "%s): %zu of %zu bytes differ;"
		       " first: got 0x%02x want 0x%02x; the word is %s\n",
		       me, t->id, what, sp->owner, pg, at % page,
		       gen & ~GEN_ZERO, gen & GEN_ZERO ? ", zeroed" : "", bad,
		       len, got[first], want[first], desc);
	}
	pthread_mutex_unlock(&report_lock);
	return false;
}

static bool call_failed(struct thread *t, const char *what, ssize_t ret,
			size_t want, int err)
{
	if (ret >= 0 && (size_t)ret == want)
		return false;
	t->st.call_errors++;
	pthread_mutex_lock(&report_lock);
	if (reports++ < max_reports) {
		if (ret < 0)
			printf("# worker %d thread %u: %s of %zu bytes: %s\n",
			       me, t->id, what, want, errno_name(err));
		else
			printf("# worker %d thread %u: %s of %zu bytes"
			       " returned %zd\n", me, t->id, what, want, ret);
	}
	pthread_mutex_unlock(&report_lock);
	return true;
}

/* ---- Copies ---- */

/*
 * Cut @len bytes at @local into pieces with gaps between them (up to 7
 * bytes, filled with 0xa5), and @len bytes at @remote into pieces.
 */
static void make_iovecs(struct thread *t, unsigned char *local, char *remote,
			size_t len, struct iovec *lv, unsigned int *ln,
			struct iovec *rv, unsigned int *rn)
{
	size_t pieces[MAX_PIECES];
	unsigned int max, i;

	max = rng_chance(&t->rng, 20) ? 1 : 1 + rng_below(&t->rng, MAX_PIECES);
	*ln = rng_split(&t->rng, len, pieces, max);
	for (i = 0; i < *ln; i++) {
		size_t gap = rng_chance(&t->rng, 50) ? 0 :
			     rng_below(&t->rng, 8);

		memset(local, 0xa5, gap);
		local += gap;
		lv[i].iov_base = local;
		lv[i].iov_len = pieces[i];
		local += pieces[i];
	}
	memset(local, 0xa5, 8);

	max = rng_chance(&t->rng, 20) ? 1 : 1 + rng_below(&t->rng, MAX_PIECES);
	*rn = rng_split(&t->rng, len, pieces, max);
	for (i = 0; i < *rn; i++) {
		rv[i].iov_base = remote;
		rv[i].iov_len = pieces[i];
		remote += pieces[i];
	}
}

/* Gather the local pieces into @dst; check the gaps kept their 0xa5. */
static bool gather(const struct iovec *lv, unsigned int ln, unsigned char *dst)
{
	const unsigned char *end = NULL;
	bool gaps_ok = true;

	for (unsigned int i = 0; i < ln; i++) {
		const unsigned char *p = lv[i].iov_base;

		for (; end && end < p; end++)
			gaps_ok &= *end == 0xa5;
		memcpy(dst, p, lv[i].iov_len);
		dst += lv[i].iov_len;
		end = p + lv[i].iov_len;
	}
	for (int i = 0; i < 8; i++)
		gaps_ok &= end[i] == 0xa5;
	return gaps_ok;
}

static void scatter(const struct iovec *lv, unsigned int ln,
		    const unsigned char *src)
{
	for (unsigned int i = 0; i < ln; i++) {
		memcpy(lv[i].iov_base, src, lv[i].iov_len);
		src += lv[i].iov_len;
	}
}

static bool claim_call(void)
{
	if (!opt.max_calls)
		return true;
	return __atomic_fetch_add(&ctl->calls, 1, __ATOMIC_RELAXED) <
	       opt.max_calls;
}

/* process_vm_readv() of [off, off + len) of @sp's slice, then check it. */
static void remote_read(struct thread *t, const struct span *sp, size_t off,
			size_t len)
{
	struct iovec lv[MAX_PIECES], rv[MAX_PIECES];
	unsigned int ln, rn;
	unsigned char *local = t->buf + rng_below(&t->rng, page);
	unsigned char *got = t->expect + t->buf_len / 2;
	ssize_t ret;

	make_iovecs(t, local, region + sp->owner * slice_len + off, len, lv,
		    &ln, rv, &rn);
	ret = pvm_readv(ctl->pid[sp->owner], lv, ln, rv, rn, 0);
	t->st.reads++;
	if (call_failed(t, "process_vm_readv", ret, len, errno))
		return;
	t->st.bytes += len;
	if (!gather(lv, ln, got)) {
		t->st.data_errors++;
		printf("# worker %d thread %u: process_vm_readv wrote outside"
		       " its local iovecs\n", me, t->id);
	}
	fill_range(t->expect, sp, off, len);
	check(t, "process_vm_readv", sp, off, len, got, t->expect);
}

/* Read a random byte range of a random span of any slice. */
static void op_read(struct thread *t)
{
	struct span sp;
	size_t off, end;

	random_span(t, &sp, rng_below(&t->rng, nprocs));
	off = (size_t)sp.first * page + rng_below(&t->rng, page);
	end = ((size_t)sp.first + sp.n) * page;
	if (!claim_call())
		return;
	if (!lock_span(&sp, false)) {
		t->st.busy++;
		return;
	}
	remote_read(t, &sp, off, rng_len(&t->rng, end - off));
	unlock_span(&sp, false);
}

/* Write the next generation of a random span of any slice. */
static void op_write(struct thread *t)
{
	struct iovec lv[MAX_PIECES], rv[MAX_PIECES];
	unsigned int ln, rn, i;
	unsigned char *local = t->buf + rng_below(&t->rng, page);
	struct span sp;
	size_t off, len;
	ssize_t ret;

	random_span(t, &sp, rng_below(&t->rng, nprocs));
	off = (size_t)sp.first * page;
	len = (size_t)sp.n * page;
	if (!claim_call())
		return;
	if (!lock_span(&sp, true)) {
		t->st.busy++;
		return;
	}
	for (i = 0; i < sp.n; i++)
		sp.gen[i] = next_gen(sp.gen[i]);
	fill_range(t->expect, &sp, off, len);
	make_iovecs(t, local, region + sp.owner * slice_len + off, len, lv,
		    &ln, rv, &rn);
	scatter(lv, ln, t->expect);
	ret = pvm_writev(ctl->pid[sp.owner], lv, ln, rv, rn, 0);
	t->st.writes++;
	if (!call_failed(t, "process_vm_writev", ret, len, errno)) {
		t->st.bytes += len;
		publish_span(&sp);
		if (rng_chance(&t->rng, 25) && claim_call())
			remote_read(t, &sp, off, len);
	}
	unlock_span(&sp, true);
}

/*
 * On our own slice, in place: verify, rewrite with the next generation,
 * or zero with MADV_DONTNEED; or take our mmap lock for writing briefly.
 */
static void op_own(struct thread *t)
{
	unsigned int what = rng_below(&t->rng, 10), i;
	bool write = what >= 5;
	struct span sp;
	unsigned char *addr;
	size_t off, len;

	t->st.own++;
	if (what == 9) {
		void *p = mmap(NULL, page, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p != MAP_FAILED)
			munmap(p, page);
		return;
	}
	random_span(t, &sp, me);
	off = (size_t)sp.first * page;
	len = (size_t)sp.n * page;
	addr = (unsigned char *)page_addr(me, sp.first);
	if (!lock_span(&sp, write)) {
		t->st.busy++;
		return;
	}
	if (!write) {
		fill_range(t->expect, &sp, off, len);
		check(t, "own memory", &sp, off, len, addr, t->expect);
	} else if (what == 8) {
		if (madvise(addr, len, MADV_DONTNEED))
			bail(errno, "madvise(MADV_DONTNEED)");
		for (i = 0; i < sp.n; i++)
			sp.gen[i] |= GEN_ZERO;
		publish_span(&sp);
	} else {
		for (i = 0; i < sp.n; i++)
			sp.gen[i] = next_gen(sp.gen[i]);
		fill_range(addr, &sp, off, len);
		publish_span(&sp);
	}
	unlock_span(&sp, write);
}

static bool stopping(void)
{
	if (now() >= deadline)
		return true;
	return opt.max_calls &&
	       __atomic_load_n(&ctl->calls, __ATOMIC_RELAXED) >= opt.max_calls;
}

static void *thread_main(void *arg)
{
	struct thread *t = arg;

	while (!stopping()) {
		unsigned int r = rng_below(&t->rng, 100);

		if (r < 40)
			op_read(t);
		else if (r < 80)
			op_write(t);
		else
			op_own(t);
	}
	return NULL;
}

/* ---- Workers ---- */

/* Check page @pg of slice @owner against generation @gen, in place. */
static void check_page(struct thread *t, const char *what, unsigned int owner,
		       unsigned int pg, uint32_t gen)
{
	struct span sp = { .owner = owner, .first = pg, .n = 1 };

	sp.gen[0] = gen;
	fill_range(t->expect, &sp, (size_t)pg * page, page);
	check(t, what, &sp, (size_t)pg * page, page,
	      (unsigned char *)page_addr(owner, pg), t->expect);
}

/* After the run: our slice at its generations, the others at 0. */
static void final_check(struct thread *t)
{
	for (unsigned int o = 0; o < nprocs; o++)
		for (unsigned int p = 0; p < npages; p++) {
			if (o == (unsigned int)me)
				check_page(t, "final own memory", o, p,
					   pctl(o, p)->gen);
			else
				check_page(t, "final untouched slice", o, p, 0);
		}
}

static void worker(void)
{
	struct thread th[MAX_THREADS];
	struct worker_stats *st = &ctl->stats[me];
	unsigned int i;

	while (!__atomic_load_n(&ctl->ready, __ATOMIC_ACQUIRE))
		sleep_us(1000);
	for (i = 0; i < nthreads; i++) {
		struct thread *t = &th[i];

		memset(t, 0, sizeof(*t));
		t->id = i;
		rng_seed(&t->rng, opt.seed, (uint64_t)me << 16 | i);
		t->buf_len = 2 * (MAX_PAGES + 2) * page;
		t->buf = private_alloc(t->buf_len);
		t->expect = private_alloc(t->buf_len);
		if (pthread_create(&t->tid, NULL, thread_main, t))
			bail(0, "pthread_create");
	}
	for (i = 0; i < nthreads; i++) {
		struct worker_stats *s = &th[i].st;

		pthread_join(th[i].tid, NULL);
		st->reads += s->reads;
		st->writes += s->writes;
		st->own += s->own;
		st->bytes += s->bytes;
		st->busy += s->busy;
		st->data_errors += s->data_errors;
		st->call_errors += s->call_errors;
	}
	final_check(&th[0]);
	st->data_errors += th[0].st.data_errors;
	__atomic_store_n(&st->done, 1, __ATOMIC_RELEASE);
	exit(st->data_errors || st->call_errors);
}

/* The parent's copy of the region must still be generation 0 too. */
static uint64_t check_parent_copy(void)
{
	struct thread t = { .id = 0 };

	t.expect = private_alloc(page);
	me = -1;
	for (unsigned int o = 0; o < nprocs; o++)
		for (unsigned int p = 0; p < npages; p++)
			check_page(&t, "parent's copy", o, p, 0);
	return t.st.data_errors;
}

/* ---- Memory pressure (-m) ---- */

static unsigned long meminfo_kib(const char *field)
{
	char line[128];
	unsigned long v = 0;
	size_t n = strlen(field);
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':') {
			v = strtoul(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* Grow and churn up to pressure_mib MiB until the deadline. */
static void pressure(struct rng *r)
{
	const size_t chunk = 1 << 20;
	unsigned long floor_kib = meminfo_kib("MemTotal") / 8;
	size_t nchunks = pressure_mib, have = 0;
	char **chunks = calloc(nchunks, sizeof(*chunks));
	unsigned long touched = 0;

	if (!chunks || !floor_kib) {
		note("-m: no /proc/meminfo, no pressure");
		return;
	}
	while (!stopping()) {
		size_t i = rng_below(r, have ? have : 1);

		if (have < nchunks &&
		    meminfo_kib("MemAvailable") > floor_kib + 1024) {
			chunks[have] = private_alloc(chunk);
			i = have++;
		} else if (have) {
			madvise(chunks[i], chunk, MADV_DONTNEED);
		} else {
			sleep_us(10000);
			continue;
		}
		for (size_t o = 0; o < chunk; o += page)
			chunks[i][o] = 1;
		touched++;
		if (touched % 64 == 0)
			sleep_us(1000);
	}
	note("-m: held %zu MiB, touched %lu MiB", have, touched);
	for (size_t i = 0; i < have; i++)
		munmap(chunks[i], chunk);
	free(chunks);
}

/* ---- Parent ---- */

static void usage(void)
{
	fprintf(stderr, "usage: %s [options]\n"
		"  -p PROCS  worker processes (default 3, max %d)\n"
		"  -T THR    threads per worker (default 2, max %d)\n"
		"  -r KIB    region per worker in KiB (default 1024)\n"
		"  -m MIB    memory pressure: allocate and churn up to MIB\n",
		prog, MAX_PROCS, MAX_THREADS);
	print_common_usage();
	exit(2);
}

static void parse(int argc, char **argv)
{
	int c;

	common_defaults(&opt, 25);
	while ((c = getopt(argc, argv, COMMON_GETOPT "p:T:r:m:")) != -1) {
		if (common_opt(&opt, c, optarg))
			continue;
		switch (c) {
		case 'p':
			nprocs = parse_ulong(optarg, "-p");
			break;
		case 'T':
			nthreads = parse_ulong(optarg, "-T");
			break;
		case 'r':
			region_kib = parse_ulong(optarg, "-r");
			break;
		case 'm':
			pressure_mib = parse_ulong(optarg, "-m");
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !nprocs || nprocs > MAX_PROCS || !nthreads ||
	    nthreads > MAX_THREADS)
		usage();
}

static void setup(void)
{
	size_t huge = 2 << 20, len;
	char *p;

	npages = region_kib * 1024 / page;
	if (npages < 2 * MAX_PAGES)
		npages = 2 * MAX_PAGES;
	slice_len = (size_t)npages * page;
	len = nprocs * slice_len;

	/* Aligned to 2 MiB, so huge pages can back it. */
	p = mmap(NULL, len + huge, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		bail(errno, "mmap region of %zu bytes", len);
	region = p + (huge - (uintptr_t)p % huge) % huge;
	madvise(region, len, MADV_HUGEPAGE);	/* fine if unsupported */
	for (unsigned int o = 0; o < nprocs; o++)
		for (unsigned int p = 0; p < npages; p++)
			fill_gen0((unsigned char *)page_addr(o, p), o, p);

	ctl = shared_alloc(sizeof(*ctl) +
			   (size_t)nprocs * npages * sizeof(struct page_ctl));
}

static void summary(double secs, int failures, const char *why)
{
	struct worker_stats t = { 0 };

	for (unsigned int i = 0; i < nprocs; i++) {
		struct worker_stats *s = &ctl->stats[i];

		t.reads += s->reads;
		t.writes += s->writes;
		t.own += s->own;
		t.bytes += s->bytes;
		t.busy += s->busy;
		t.data_errors += s->data_errors;
		t.call_errors += s->call_errors;
	}
	note("%" PRIu64 " process_vm_readv, %" PRIu64 " process_vm_writev, %"
	     PRIu64 " MiB copied, %" PRIu64 " own-memory ops, %" PRIu64
	     " skipped (pages busy), %" PRIu64 " failed calls",
	     t.reads, t.writes, t.bytes >> 20, t.own, t.busy, t.call_errors);
	printf("%s: %" PRIu64 " calls, %" PRIu64 " data errors, %.1f s,"
	       " seed 0x%016" PRIx64 "\n", prog, t.reads + t.writes,
	       t.data_errors, secs, opt.seed);
	failures += t.data_errors + t.call_errors ? 1 : 0;
	tap_result(1, !failures, prog, "%s", failures ? why : "");
}

int main(int argc, char **argv)
{
	double start, grace;
	int failures = 0, status;
	char why[256] = "data or call errors";
	struct rng r;

	stress_init("cma_stress");
	parse(argc, argv);
	tap_plan(1);
	require_cma(1);
	print_header(&opt);
	setup();
	note("%u workers x %u threads, %u pages of %zu bytes each%s", nprocs,
	     nthreads, npages, page, pressure_mib ? ", memory pressure" : "");

	/* Workers that hang are killed at +60 s; this is for the parent. */
	watchdog(opt.secs, 120);
	start = now();
	deadline = start + opt.secs;
	for (unsigned int i = 0; i < nprocs; i++) {
		pid_t pid = fork_child();

		if (!pid) {
			me = i;
			worker();
		}
		ctl->pid[i] = pid;
	}
	__atomic_store_n(&ctl->ready, 1, __ATOMIC_RELEASE);

	rng_seed(&r, opt.seed, ~0ULL);
	if (pressure_mib)
		pressure(&r);

	/* Bounded: the run, the final checks, and slack for slow guests. */
	grace = opt.secs + 60;
	for (unsigned int i = 0; i < nprocs; i++) {
		pid_t ret = wait_timeout(ctl->pid[i], &status,
					 grace - (now() - start));

		if (ret == ctl->pid[i] && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0 && ctl->stats[i].done)
			continue;
		failures++;
		if (ret == 0) {
			snprintf(why, sizeof(why), "worker %u hung", i);
			kill(ctl->pid[i], SIGKILL);
			waitpid(ctl->pid[i], &status, 0);
		} else if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) {
			snprintf(why, sizeof(why), "worker %u: %s", i,
				 status_str(status));
		}
	}
	ctl->stats[0].data_errors += check_parent_copy();
	summary(now() - start, failures, why);
	return failures || ctl->stats[0].data_errors ? 1 : 0;
}
