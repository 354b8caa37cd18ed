// SPDX-License-Identifier: GPL-2.0
/*
 * process_vm_readv()/process_vm_writev() with PROCESS_VM_REDUCE: every
 * destination element becomes itself OP the source element the plain call
 * would have copied over it.  Each result is checked against the same
 * operation done here, element by element, in user space.
 */

#define _GNU_SOURCE
#include <float.h>
#include <linux/process_vm.h>
#include <math.h>
#include <sys/auxv.h>
#include <sys/utsname.h>

#include "cma.h"

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif

struct rtype {
	const char *name;
	unsigned int type;
	unsigned int size;
	bool fp;
	bool sgn;
};

static const struct rtype types[] = {
	{ "s8", PROCESS_VM_TYPE_S8, 1, false, true },
	{ "u8", PROCESS_VM_TYPE_U8, 1, false, false },
	{ "s16", PROCESS_VM_TYPE_S16, 2, false, true },
	{ "u16", PROCESS_VM_TYPE_U16, 2, false, false },
	{ "s32", PROCESS_VM_TYPE_S32, 4, false, true },
	{ "u32", PROCESS_VM_TYPE_U32, 4, false, false },
	{ "s64", PROCESS_VM_TYPE_S64, 8, false, true },
	{ "u64", PROCESS_VM_TYPE_U64, 8, false, false },
	{ "f32", PROCESS_VM_TYPE_F32, 4, true, true },
	{ "f64", PROCESS_VM_TYPE_F64, 8, true, true },
};

#define NR_TYPES ARRAY_SIZE(types)

static const char * const op_names[] = {
	[PROCESS_VM_OP_SUM] = "sum",
	[PROCESS_VM_OP_PROD] = "prod",
	[PROCESS_VM_OP_MIN] = "min",
	[PROCESS_VM_OP_MAX] = "max",
	[PROCESS_VM_OP_BAND] = "band",
	[PROCESS_VM_OP_BOR] = "bor",
	[PROCESS_VM_OP_BXOR] = "bxor",
};

static const struct rtype *type_named(const char *name)
{
	unsigned int i;

	for (i = 0; i < NR_TYPES; i++)
		if (!strcmp(types[i].name, name))
			return &types[i];
	return NULL;
}

/*
 * Where the kernel must combine floating point elements: x86 with SSE2
 * (CPUID.1:EDX bit 26 is x86's AT_HWCAP) and powerpc with a classic FPU
 * (PPC_FEATURE_HAS_FPU).  Elsewhere EOPNOTSUPP is a valid answer.
 */
static bool fp_required(void)
{
	unsigned long hwcap = getauxval(AT_HWCAP);
	struct utsname u;

	if (uname(&u))
		return false;
	if (!strcmp(u.machine, "x86_64") ||
	    (u.machine[0] == 'i' && !strcmp(u.machine + 2, "86")))
		return hwcap & (1UL << 26);
	if (!strncmp(u.machine, "ppc", 3))
		return hwcap & 0x08000000UL;
	return false;
}

/* An integer element, sign- or zero-extended to 64 bits. */
static uint64_t load_int(const struct rtype *t, const void *p)
{
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	switch (t->size) {
	case 1:
		memcpy(&u8, p, 1);
		return t->sgn ? (uint64_t)(int64_t)(int8_t)u8 : u8;
	case 2:
		memcpy(&u16, p, 2);
		return t->sgn ? (uint64_t)(int64_t)(int16_t)u16 : u16;
	case 4:
		memcpy(&u32, p, 4);
		return t->sgn ? (uint64_t)(int64_t)(int32_t)u32 : u32;
	}
	memcpy(&u64, p, 8);
	return u64;
}

/* Its low bits, back into an element. */
static void store_int(const struct rtype *t, void *p, uint64_t v)
{
	uint8_t u8 = v;
	uint16_t u16 = v;
	uint32_t u32 = v;

	switch (t->size) {
	case 1:
		memcpy(p, &u8, 1);
		break;
	case 2:
		memcpy(p, &u16, 2);
		break;
	case 4:
		memcpy(p, &u32, 4);
		break;
	default:
		memcpy(p, &v, 8);
	}
}

/*
 * The user space loop, one element: *d = *x OP *y, where *x is the
 * destination's value and *y the source's.  Integers are computed in 64
 * bits, whose low bits are the wrapping result of every narrower type.
 */
static void ref_int(unsigned int op, const struct rtype *t, void *d,
		    const void *x, const void *y)
{
	uint64_t a = load_int(t, x), b = load_int(t, y), r = 0;
	bool less = t->sgn ? (int64_t)b < (int64_t)a : b < a;
	bool more = t->sgn ? (int64_t)b > (int64_t)a : b > a;

	switch (op) {
	case PROCESS_VM_OP_SUM:
		r = a + b;
		break;
	case PROCESS_VM_OP_PROD:
		r = a * b;
		break;
	case PROCESS_VM_OP_MIN:
		r = less ? b : a;
		break;
	case PROCESS_VM_OP_MAX:
		r = more ? b : a;
		break;
	case PROCESS_VM_OP_BAND:
		r = a & b;
		break;
	case PROCESS_VM_OP_BOR:
		r = a | b;
		break;
	case PROCESS_VM_OP_BXOR:
		r = a ^ b;
		break;
	}
	store_int(t, d, r);
}

/*
 * On i386 the Makefile builds this file with SSE2 arithmetic: the x87
 * default, extended precision, would round doubles twice.
 */
static void ref_f32(unsigned int op, void *d, const void *x, const void *y)
{
	float a, b, r = 0;

	memcpy(&a, x, sizeof(a));
	memcpy(&b, y, sizeof(b));
	switch (op) {
	case PROCESS_VM_OP_SUM:
		r = a + b;
		break;
	case PROCESS_VM_OP_PROD:
		r = a * b;
		break;
	case PROCESS_VM_OP_MIN:
		r = b < a ? b : a;
		break;
	case PROCESS_VM_OP_MAX:
		r = b > a ? b : a;
		break;
	}
	memcpy(d, &r, sizeof(r));
}

static void ref_f64(unsigned int op, void *d, const void *x, const void *y)
{
	double a, b, r = 0;

	memcpy(&a, x, sizeof(a));
	memcpy(&b, y, sizeof(b));
	switch (op) {
	case PROCESS_VM_OP_SUM:
		r = a + b;
		break;
	case PROCESS_VM_OP_PROD:
		r = a * b;
		break;
	case PROCESS_VM_OP_MIN:
		r = b < a ? b : a;
		break;
	case PROCESS_VM_OP_MAX:
		r = b > a ? b : a;
		break;
	}
	memcpy(d, &r, sizeof(r));
}

static void ref_combine(unsigned int op, const struct rtype *t, void *d,
			const void *x, const void *y)
{
	if (t->type == PROCESS_VM_TYPE_F32)
		ref_f32(op, d, x, y);
	else if (t->type == PROCESS_VM_TYPE_F64)
		ref_f64(op, d, x, y);
	else
		ref_int(op, t, d, x, y);
}

/* Two results agree if they are the same bits, or both NaNs. */
static bool same_element(const struct rtype *t, const void *a, const void *b)
{
	if (!memcmp(a, b, t->size))
		return true;
	if (t->type == PROCESS_VM_TYPE_F32) {
		float fa, fb;

		memcpy(&fa, a, sizeof(fa));
		memcpy(&fb, b, sizeof(fb));
		return isnan(fa) && isnan(fb);
	}
	if (t->type == PROCESS_VM_TYPE_F64) {
		double da, db;

		memcpy(&da, a, sizeof(da));
		memcpy(&db, b, sizeof(db));
		return isnan(da) && isnan(db);
	}
	return false;
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Fill @len bytes with @t values: for integers, random bits; for floating
 * point, mostly numbers of similar magnitude (so that sums round), and
 * some random bit patterns (subnormals, huge values, NaNs) and special
 * values: zeros of both signs, infinities, NaN, the extremes.
 */
static void fill_values(void *buf, size_t len, const struct rtype *t,
			uint64_t seed)
{
	static const double specials[] = {
		0.0, -0.0, INFINITY, -INFINITY, NAN, 1.0, -1.0, DBL_MIN / 4,
		-DBL_TRUE_MIN, DBL_MAX, FLT_MAX, FLT_MIN, FLT_TRUE_MIN,
	};
	unsigned char *p = buf;
	uint64_t s = seed * 0x9e3779b97f4a7c15ULL + 1;
	size_t i;

	for (i = 0; i + t->size <= len; i += t->size) {
		uint64_t r = rng_next(&s);
		unsigned int kind = rng_next(&s) % 8;

		if (t->type == PROCESS_VM_TYPE_F64 && kind < 5) {
			/* exponent 2^-4 .. 2^3 */
			r = (r & 0x800fffffffffffffULL) |
			    ((uint64_t)(1019 + kind * 2 - (r >> 60 & 1)) << 52);
		} else if (t->type == PROCESS_VM_TYPE_F32 && kind < 5) {
			r = (r & 0x807fffffULL) |
			    ((uint64_t)(123 + kind * 2 - (r >> 40 & 1)) << 23);
		} else if (t->fp && kind == 7) {
			double v = specials[r % (ARRAY_SIZE(specials))];
			float f = v;

			if (t->size == 4)
				memcpy(&r, &f, 4);
			else
				memcpy(&r, &v, 8);
		}
		memcpy(p + i, &r, t->size);
	}
}

static int sys_pidfd_open(pid_t pid)
{
	return syscall(__NR_pidfd_open, pid, 0);
}

/* Pages mapped on each side; the peer's are its copies of @remote. */
#define AREA_PAGES 4

/* Our area, and the peer's copy of the remote one. */
struct areas {
	struct cma_peer peer;
	size_t page;
	size_t area;
	char *local;
	char *remote;
};

FIXTURE(reduce)
{
	struct areas c;
};

FIXTURE_VARIANT(reduce)
{
	bool write;
};

FIXTURE_VARIANT_ADD(reduce, readv)
{
	.write = false,
};

FIXTURE_VARIANT_ADD(reduce, writev)
{
	.write = true,
};

FIXTURE_SETUP(reduce)
{
	self->c.page = page_size();
	self->c.area = AREA_PAGES * self->c.page;
	ASSERT_EQ(0, map_pattern(&self->c.local, self->c.area, LOCAL_SEED));
	ASSERT_EQ(0, map_pattern(&self->c.remote, self->c.area, REMOTE_SEED));
	peer_init(&self->c.peer);
}

FIXTURE_TEARDOWN(reduce)
{
	peer_stop(&self->c.peer);
	munmap(self->c.local, self->c.area);
	munmap(self->c.remote, self->c.area);
}

/*
 * Fill both areas with @t values, then start a child peer that inherits
 * the remote one at the same address.  A peer from an earlier call is
 * stopped first.
 */
static void __prepare(struct __test_metadata *_metadata,
		      struct areas *c, const struct rtype *t,
		      uint64_t seed)
{
	peer_stop(&c->peer);
	fill_values(c->local, c->area, t, seed);
	fill_values(c->remote, c->area, t, ~seed);
	ASSERT_EQ(0, peer_start(&c->peer, true, NULL, NULL));
}

#define prepare(t, seed) __prepare(_metadata, &self->c, t, seed)

/* Step to the next element of an element-aligned iovec array. */
static bool next_element(const struct iovec *v, unsigned long cnt,
			 unsigned long *idx, size_t *off, size_t size)
{
	while (*idx < cnt && *off + size > v[*idx].iov_len) {
		(*idx)++;
		*off = 0;
	}
	return *idx < cnt;
}

/*
 * Reduce with @op over @t between @lv in our area and @rv in the peer's,
 * with @flags added; expect @ret (bytes, or minus an errno value).  Then
 * check every byte of the first @check bytes of both areas: the first
 * @ret bytes of the destination stream hold the combined elements, all
 * else is unchanged.  @check leaves out pages that cannot be read.
 */
static void __reduce(struct __test_metadata *_metadata,
		     struct areas *c, bool write,
		     const struct rtype *t, unsigned int op,
		     const struct iovec *lv, unsigned long lcnt,
		     const struct iovec *rv, unsigned long rcnt,
		     unsigned long flags, ssize_t ret, size_t check)
{
	char *lold = malloc(check), *rold = malloc(check);
	char *expected = malloc(check), *actual = malloc(check);
	const struct iovec *dv = write ? rv : lv, *sv = write ? lv : rv;
	unsigned long dcnt = write ? rcnt : lcnt, scnt = write ? lcnt : rcnt;
	char *dbase = write ? c->remote : c->local;
	char *sbase = write ? c->local : c->remote;
	char *dold = write ? rold : lold, *sold = write ? lold : rold;
	unsigned long di = 0, si = 0;
	size_t doff = 0, soff = 0, done, i;
	ssize_t n;

	ASSERT_TRUE(lold && rold && expected && actual);
	memcpy(lold, c->local, check);
	ASSERT_EQ(0, peer_read(&c->peer, c->remote, check, rold));

	n = sys_process_vm(write, c->peer.pid, lv, lcnt, rv, rcnt,
			   flags | PROCESS_VM_REDUCE_OP(op, t->type));
	if (ret < 0) {
		ASSERT_EQ(-1, n);
		ASSERT_EQ(-ret, errno) {
			TH_LOG("%s %s: errno %d (%s), expected %zd",
			       op_names[op], t->name, errno, strerror(errno),
			       -ret);
		}
		ret = 0;
	} else {
		ASSERT_EQ(ret, n) {
			TH_LOG("%s %s: errno %d (%s)", op_names[op], t->name,
			       errno, strerror(errno));
		}
	}

	memcpy(expected, dold, check);
	for (done = 0; done < (size_t)ret; done += t->size) {
		char *d, *s;

		ASSERT_TRUE(next_element(dv, dcnt, &di, &doff, t->size));
		ASSERT_TRUE(next_element(sv, scnt, &si, &soff, t->size));
		d = (char *)dv[di].iov_base + doff;
		s = (char *)sv[si].iov_base + soff;
		doff += t->size;
		soff += t->size;
		/* Elements outside the checked pages are not compared. */
		if (d + t->size > dbase + check)
			continue;
		ASSERT_LE((size_t)(s - sbase) + t->size, check);
		ref_combine(op, t, expected + (d - dbase), dold + (d - dbase),
			    sold + (s - sbase));
	}

	if (write) {
		ASSERT_EQ(0, peer_read(&c->peer, c->remote, check,
				       actual));
		/* The source never changes. */
		EXPECT_EQ(0, memcmp(lold, c->local, check));
	} else {
		memcpy(actual, c->local, check);
	}
	for (i = 0; i < check; i += t->size)
		if (!same_element(t, actual + i, expected + i))
			break;
	EXPECT_EQ(check, i) {
		TH_LOG("%s %s: destination element at offset %zu differs",
		       op_names[op], t->name, i);
	}
	free(lold);
	free(rold);
	free(expected);
	free(actual);
}

#define reduce(t, op, lv, lcnt, rv, rcnt, flags, ret, check) \
	__reduce(_metadata, &self->c, variant->write, t, op, lv, lcnt, rv, \
		 rcnt, flags, ret, check)

TEST_F(reduce, abi_values)
{
	ASSERT_EQ(4UL, PROCESS_VM_REDUCE);
	ASSERT_EQ(0xff04UL, PROCESS_VM_REDUCE_MASK);
	ASSERT_EQ(0xa104UL, PROCESS_VM_REDUCE_OP(PROCESS_VM_OP_SUM,
						 PROCESS_VM_TYPE_F64));
	ASSERT_EQ(0x1704UL, PROCESS_VM_REDUCE_OP(PROCESS_VM_OP_BXOR,
						 PROCESS_VM_TYPE_S8));
}

/*
 * Every operation on every type, over iovecs that split the two sides at
 * different places, with gaps between them, across pages and more than
 * the kernel combines at a time.
 */
TEST_F(reduce, every_op_and_type_matches_the_user_space_loop)
{
	int fp_supported = -1;	/* not known yet */
	unsigned int ti, op;

	for (ti = 0; ti < NR_TYPES; ti++) {
		const struct rtype *t = &types[ti];
		size_t e = t->size, len = 2 * self->c.page + 64 * e;
		struct iovec lv[3] = {
			iov(self->c.local, 3 * e),
			iov(self->c.local + 8 * e, self->c.page),
			iov(self->c.local + 10 * e + self->c.page,
			    len - 3 * e - self->c.page),
		};
		struct iovec rv[3] = {
			iov(self->c.remote + 16, self->c.page + 5 * e),
			iov(NULL, 0),
			iov(self->c.remote + 16 + self->c.page + 9 * e,
			    len - self->c.page - 5 * e),
		};

		for (op = PROCESS_VM_OP_SUM; op <= PROCESS_VM_OP_BXOR; op++) {
			ssize_t ret = len;

			if (t->fp && op >= PROCESS_VM_OP_BAND)
				ret = -EINVAL;
			else if (t->fp && fp_supported == 0)
				ret = -EOPNOTSUPP;
			prepare(t, ti * 16 + op);
			if (t->fp && fp_supported < 0) {
				ssize_t n = sys_process_vm(variant->write,
							   self->c.peer.pid,
							   lv, 3, rv, 3,
							   PROCESS_VM_REDUCE_OP(op, t->type));

				fp_supported = n >= 0 || errno != EOPNOTSUPP;
				if (!fp_supported) {
					ASSERT_FALSE(fp_required());
					ret = -EOPNOTSUPP;
				}
				prepare(t, ti * 16 + op);
			}
			reduce(t, op, lv, 3, rv, 3, 0, ret, self->c.area);
		}
	}
	if (!fp_supported)
		SKIP(return, "kernel without floating point reductions");
}

TEST_F(reduce, bitwise_ops_on_floats_are_einval)
{
	const struct iovec lv = iov(self->c.local, 64), rv = iov(self->c.remote, 64);

	prepare(type_named("f32"), 1);
	reduce(type_named("f32"), PROCESS_VM_OP_BAND, &lv, 1, &rv, 1, 0,
	       -EINVAL, self->c.page);
	reduce(type_named("f64"), PROCESS_VM_OP_BOR, &lv, 1, &rv, 1, 0,
	       -EINVAL, self->c.page);
	reduce(type_named("f64"), PROCESS_VM_OP_BXOR, &lv, 1, &rv, 1, 0,
	       -EINVAL, self->c.page);
}

TEST_F(reduce, undefined_ops_types_and_stray_fields_are_einval)
{
	struct iovec lv = iov(self->c.local, 64), rv = iov(self->c.remote, 64);
	static const unsigned long bad[] = {
		PROCESS_VM_REDUCE_OP(0, PROCESS_VM_TYPE_U32),
		PROCESS_VM_REDUCE_OP(8, PROCESS_VM_TYPE_U32),
		PROCESS_VM_REDUCE_OP(15, PROCESS_VM_TYPE_U32),
		PROCESS_VM_REDUCE_OP(PROCESS_VM_OP_SUM, 0),
		PROCESS_VM_REDUCE_OP(PROCESS_VM_OP_SUM, 11),
		PROCESS_VM_REDUCE_OP(PROCESS_VM_OP_SUM, 15),
		PROCESS_VM_REDUCE,
		/* op and type fields without PROCESS_VM_REDUCE */
		PROCESS_VM_REDUCE_OP(PROCESS_VM_OP_SUM, PROCESS_VM_TYPE_U32) &
			~PROCESS_VM_REDUCE,
		PROCESS_VM_REDUCE_OP(PROCESS_VM_OP_SUM, 0) & ~PROCESS_VM_REDUCE,
		/* the bits next to the fields */
		PROCESS_VM_REDUCE_OP(PROCESS_VM_OP_SUM, PROCESS_VM_TYPE_U32) |
			1UL << 3,
		PROCESS_VM_REDUCE_OP(PROCESS_VM_OP_SUM, PROCESS_VM_TYPE_U32) |
			1UL << 16,
	};
	unsigned int i;

	prepare(type_named("u32"), 2);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ssize_t n = sys_process_vm(variant->write, self->c.peer.pid,
					   &lv, 1, &rv, 1, bad[i]);

		EXPECT_EQ(-1, n);
		EXPECT_EQ(EINVAL, errno) {
			TH_LOG("flags %#lx", bad[i]);
		}
	}
}

/* Every base and length, local and remote, is a multiple of the size. */
TEST_F(reduce, misaligned_iovecs_are_einval)
{
	const struct rtype *t64 = type_named("f64"), *t16 = type_named("s16");
	struct iovec good = iov(self->c.local, 64), rgood = iov(self->c.remote, 64);
	struct iovec lv[2], rv[2];
	const struct rtype *t = fp_required() ? t64 : type_named("u64");

	prepare(t, 3);
	/* Local base, local length, remote base, remote length. */
	lv[0] = iov(self->c.local + 4, 64);
	reduce(t, PROCESS_VM_OP_SUM, lv, 1, &rgood, 1, 0, -EINVAL, self->c.area);
	lv[0] = iov(self->c.local, 60);
	reduce(t, PROCESS_VM_OP_SUM, lv, 1, &rgood, 1, 0, -EINVAL, self->c.area);
	rv[0] = iov(self->c.remote + 4, 64);
	reduce(t, PROCESS_VM_OP_SUM, &good, 1, rv, 1, 0, -EINVAL, self->c.area);
	rv[0] = iov(self->c.remote, 60);
	reduce(t, PROCESS_VM_OP_SUM, &good, 1, rv, 1, 0, -EINVAL, self->c.area);

	/* Even in a later element, even in an empty one. */
	lv[0] = iov(self->c.local, 64);
	lv[1] = iov(self->c.local + 257, 0);
	reduce(t16, PROCESS_VM_OP_MAX, lv, 2, &rgood, 1, 0, -EINVAL,
	       self->c.area);
	rv[0] = iov(self->c.remote, 64);
	rv[1] = iov(self->c.remote + 128, 3);
	reduce(t16, PROCESS_VM_OP_MAX, &good, 1, rv, 2, 0, -EINVAL,
	       self->c.area);

	/* Even if the local vector is empty. */
	lv[0] = iov(self->c.local + 1, 0);
	reduce(t16, PROCESS_VM_OP_MAX, lv, 1, &rgood, 1, 0, -EINVAL,
	       self->c.area);

	/* Bytes have no alignment. */
	lv[0] = iov(self->c.local + 3, 61);
	rv[0] = iov(self->c.remote + 5, 61);
	reduce(type_named("u8"), PROCESS_VM_OP_SUM, lv, 1, rv, 1, 0, 61,
	       self->c.area);
}

/* Alignment is checked before the pid is looked up. */
TEST_F(reduce, alignment_is_checked_before_the_pid)
{
	struct iovec lv = iov(self->c.local, 64), rv = iov(self->c.remote + 2, 64);
	ssize_t n;

	n = sys_process_vm(variant->write, NO_SUCH_PID, &lv, 1, &rv, 1,
			   PROCESS_VM_REDUCE_OP(PROCESS_VM_OP_SUM,
						PROCESS_VM_TYPE_U32));
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EINVAL, errno);
	rv = iov(self->c.remote, 64);
	n = sys_process_vm(variant->write, NO_SUCH_PID, &lv, 1, &rv, 1,
			   PROCESS_VM_REDUCE_OP(PROCESS_VM_OP_SUM,
						PROCESS_VM_TYPE_U32));
	EXPECT_EQ(-1, n);
	EXPECT_EQ(ESRCH, errno);
}

/* A remote page that is not there ends the call at the element before. */
TEST_F(reduce, unmapped_remote_page_ends_at_an_element_boundary)
{
	const struct rtype *t = type_named("u64");
	char *hole = self->c.remote + 2 * self->c.page;
	struct iovec lv = iov(self->c.local, 2 * self->c.page);
	struct iovec rv = iov(hole - 3 * 8, 2 * self->c.page);

	prepare(t, 4);
	ASSERT_EQ(0, peer_munmap(&self->c.peer, hole, self->c.page));
	reduce(t, PROCESS_VM_OP_SUM, &lv, 1, &rv, 1, 0, 3 * 8,
	       2 * self->c.page);

	/* Nothing at all: EFAULT. */
	rv = iov(hole, self->c.page);
	reduce(t, PROCESS_VM_OP_SUM, &lv, 1, &rv, 1, 0, -EFAULT,
	       2 * self->c.page);
}

/* A local page we cannot read ends the call where it starts. */
TEST_F(reduce, inaccessible_local_page_ends_at_an_element_boundary)
{
	const struct rtype *t = type_named("s32");
	char *hole = self->c.local + 2 * self->c.page;
	struct iovec lv = iov(hole - 5 * 4, 2 * self->c.page);
	struct iovec rv = iov(self->c.remote, 2 * self->c.page);

	prepare(t, 5);
	ASSERT_EQ(0, mprotect(hole, self->c.page, PROT_NONE));
	reduce(t, PROCESS_VM_OP_PROD, &lv, 1, &rv, 1, 0, 5 * 4,
	       2 * self->c.page);
	lv = iov(hole, self->c.page);
	reduce(t, PROCESS_VM_OP_PROD, &lv, 1, &rv, 1, 0, -EFAULT,
	       2 * self->c.page);
}

/*
 * process_vm_readv() stores its results into our buffers: a read-only
 * page ends it; process_vm_writev() only reads them.
 */
TEST_F(reduce, read_only_local_page)
{
	const struct rtype *t = type_named("u16");
	char *ro = self->c.local + 2 * self->c.page;
	struct iovec lv = iov(ro - 7 * 2, 2 * self->c.page);
	struct iovec rv = iov(self->c.remote, 2 * self->c.page);

	prepare(t, 6);
	ASSERT_EQ(0, mprotect(ro, self->c.page, PROT_READ));
	reduce(t, PROCESS_VM_OP_BXOR, &lv, 1, &rv, 1, 0,
	       variant->write ? 2 * self->c.page : 7 * 2, self->c.area);
}

TEST_F(reduce, nowait_combines_resident_pages)
{
	const struct rtype *t = type_named("u32");
	struct iovec lv = iov(self->c.local, 2 * self->c.page);
	struct iovec rv = iov(self->c.remote, 2 * self->c.page);
	char *untouched;

	untouched = mmap(NULL, self->c.page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(untouched != MAP_FAILED);
	prepare(t, 7);
	/* The peer's own, writable copies. */
	ASSERT_EQ(0, peer_fill(&self->c.peer, self->c.remote, self->c.area,
			       REMOTE_SEED));
	reduce(t, PROCESS_VM_OP_SUM, &lv, 1, &rv, 1, PROCESS_VM_NOWAIT,
	       2 * self->c.page, self->c.area);

	rv = iov(untouched, self->c.page);
	EXPECT_EQ(-1, sys_process_vm(variant->write, self->c.peer.pid, &lv, 1,
				     &rv, 1, PROCESS_VM_NOWAIT |
				     PROCESS_VM_REDUCE_OP(PROCESS_VM_OP_SUM,
							  t->type)));
	EXPECT_EQ(EAGAIN, errno);
	munmap(untouched, self->c.page);
}

TEST_F(reduce, pidfd_combines_like_a_pid)
{
	const struct rtype *t = type_named("s64");
	struct iovec lv = iov(self->c.local, 3 * self->c.page);
	struct iovec rv = iov(self->c.remote + 8, 3 * self->c.page);
	pid_t pid;
	int fd;

	prepare(t, 8);
	fd = sys_pidfd_open(self->c.peer.pid);
	ASSERT_LE(0, fd);
	pid = self->c.peer.pid;
	self->c.peer.pid = fd;
	reduce(t, PROCESS_VM_OP_MIN, &lv, 1, &rv, 1, PROCESS_VM_PIDFD,
	       3 * self->c.page, self->c.area);
	self->c.peer.pid = pid;
	close(fd);
}

/* Combining twice is combining with twice the source. */
TEST_F(reduce, repeated_sums_accumulate)
{
	const struct rtype *t = type_named("u8");
	struct iovec lv = iov(self->c.local, self->c.page);
	struct iovec rv = iov(self->c.remote, self->c.page);
	ssize_t n;

	prepare(t, 9);
	n = sys_process_vm(variant->write, self->c.peer.pid, &lv, 1, &rv, 1,
			   PROCESS_VM_REDUCE_OP(PROCESS_VM_OP_SUM, t->type));
	ASSERT_EQ((ssize_t)self->c.page, n);
	reduce(t, PROCESS_VM_OP_SUM, &lv, 1, &rv, 1, 0, self->c.page,
	       self->c.area);
}

TEST_HARNESS_MAIN
