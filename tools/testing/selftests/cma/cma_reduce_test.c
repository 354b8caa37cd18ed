// SPDX-License-Identifier: GPL-2.0
/*
 * process_vm_readv()/process_vm_writev() with PROCESS_VM_REDUCE: every
 * destination element becomes itself OP the source element the plain call
 * would have copied over it.  Each result is checked against the same
 * operation done here, element by element, in user space.
 *
 * Every test first probes the kernel for PROCESS_VM_REDUCE (see cma.h):
 * on a kernel that refuses it with EINVAL, such as mainline, the test is
 * skipped, or fails if CMA_REQUIRE_EXTENSIONS=1 is in the environment.
 * Floating point tests also need a CPU with an FPU the kernel can use, as
 * told from user space (cpu_fpu()); without one, the kernel must refuse
 * floating point types with EOPNOTSUPP.
 */

#define _GNU_SOURCE
#include <float.h>
#include <linux/process_vm.h>
#include <math.h>
#include <stdalign.h>
#include <stdio.h>
#include <sys/auxv.h>

/*
 * The architectures with code of their own below, told apart here once:
 * x86 with a 64-bit CPU (the x86-64 and x32 ABIs) or 32-bit x86, and
 * powerpc.
 */
#if defined(__x86_64__)
#define CMA_X86		1
#define CMA_X86_64	1
#elif defined(__i386__)
#define CMA_X86		1
#define CMA_X86_32	1
#elif defined(__powerpc__)
#define CMA_POWERPC	1
#endif

#ifdef CMA_X86
#include <cpuid.h>
#endif

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

static const char *op_name(unsigned int op)
{
	return op < ARRAY_SIZE(op_names) && op_names[op] ? op_names[op] : "?";
}

static const struct rtype *type_named(const char *name)
{
	unsigned int i;

	for (i = 0; i < NR_TYPES; i++)
		if (!strcmp(types[i].name, name))
			return &types[i];
	return NULL;
}

#ifndef PPC_FEATURE_HAS_FPU
#define PPC_FEATURE_HAS_FPU 0x08000000
#endif

enum fpu { FPU_NO, FPU_YES, FPU_UNKNOWN };

/*
 * Whether the CPU has a floating point unit the kernel can use for
 * PROCESS_VM_REDUCE, decided from user space.  Every x86-64 CPU has SSE2,
 * which the kernel uses (a 32-bit program on a 64-bit kernel included);
 * a 32-bit x86 kernel needs SSE2 (CPUID leaf 1, EDX bit 26); powerpc needs
 * a classic FPU (PPC_FEATURE_HAS_FPU: not e500v2's SPE).  Elsewhere the
 * kernel does not combine floating point and may answer EOPNOTSUPP.
 */
static enum fpu cpu_fpu(void)
{
#if defined(CMA_X86_64)
	return FPU_YES;
#elif defined(CMA_X86_32)
	unsigned int a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return FPU_NO;
	return d & (1U << 26) ? FPU_YES : FPU_NO;
#elif defined(CMA_POWERPC)
	return getauxval(AT_HWCAP) & PPC_FEATURE_HAS_FPU ? FPU_YES : FPU_NO;
#else
	return FPU_UNKNOWN;
#endif
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
 * The reference arithmetic must round once, as the kernel does: on i386,
 * where the x87 default (extended precision) would round doubles twice,
 * these two functions use SSE2.  Only they: the rest of the program must
 * run on a CPU without SSE2 to see the kernel refuse floating point.
 */
#ifdef CMA_X86_32
#define REF_FP __attribute__((target("sse2,fpmath=sse")))
#else
#define REF_FP
#endif

REF_FP static void ref_f32(unsigned int op, void *d, const void *x, const void *y)
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

REF_FP static void ref_f64(unsigned int op, void *d, const void *x, const void *y)
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

static void __areas_setup(struct __test_metadata *_metadata,
			  struct areas *c, size_t pages)
{
	c->page = page_size();
	c->area = pages * c->page;
	ASSERT_EQ(0, map_pattern(&c->local, c->area, LOCAL_SEED));
	ASSERT_EQ(0, map_pattern(&c->remote, c->area, REMOTE_SEED));
	peer_init(&c->peer);
}

static void areas_teardown(struct areas *c)
{
	peer_stop(&c->peer);
	munmap(c->local, c->area);
	munmap(c->remote, c->area);
}

FIXTURE_SETUP(reduce)
{
	__areas_setup(_metadata, &self->c, AREA_PAGES);
}

FIXTURE_TEARDOWN(reduce)
{
	areas_teardown(&self->c);
}

/* A probe: empty vectors, so only the flags are looked at. */
static ssize_t probe(bool write, unsigned long flags)
{
	return sys_process_vm(write, 0, NULL, 0, NULL, 0, flags);
}

#define NEED_REDUCE() \
	cma_need_extension(_metadata, \
			   PROCESS_VM_REDUCE_OP(PROCESS_VM_OP_SUM, \
						PROCESS_VM_TYPE_U32), \
			   "PROCESS_VM_REDUCE")

#define NO_FPU "CPU has no FPU the kernel can use"

/* Why floating point reductions cannot be tested here, or NULL. */
static const char *fp_skip_reason(bool write)
{
	switch (cpu_fpu()) {
	case FPU_NO:
		return NO_FPU;
	case FPU_UNKNOWN:
		if (probe(write, PROCESS_VM_REDUCE_OP(PROCESS_VM_OP_SUM,
						      PROCESS_VM_TYPE_F64)) &&
		    errno == EOPNOTSUPP)
			return "kernel without floating point reductions";
		break;
	case FPU_YES:
		break;
	}
	return NULL;
}

/*
 * PROCESS_VM_REDUCE, and floating point types that the kernel combines:
 * as NEED_REDUCE(), the test ends here without them.
 */
static void need_fp(struct __test_metadata *_metadata, bool write)
{
	const char *why;

	NEED_REDUCE();
	why = fp_skip_reason(write);
	if (why)
		SKIP(longjmp(_metadata->env, 1), "%s", why);
}

#define NEED_FP() need_fp(_metadata, variant->write)

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
 * with @flags added (or with @flags alone, if they have PROCESS_VM_REDUCE:
 * @op and @t then only say what to expect); expect @ret (bytes, or minus an errno value).  Then
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

	/* Flags with PROCESS_VM_REDUCE already in them are used as they are. */
	if (!(flags & PROCESS_VM_REDUCE))
		flags |= PROCESS_VM_REDUCE_OP(op, t->type);
	n = sys_process_vm(write, c->peer.pid, lv, lcnt, rv, rcnt, flags);
	if (ret < 0) {
		ASSERT_EQ(-1, n);
		ASSERT_EQ(-ret, errno) {
			TH_LOG("%s %s: errno %d (%s), expected %zd",
			       op_name(op), t->name, errno, strerror(errno),
			       -ret);
		}
		ret = 0;
	} else {
		ASSERT_EQ(ret, n) {
			TH_LOG("%s %s: errno %d (%s)", op_name(op), t->name,
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
		       op_name(op), t->name, i);
	}
	free(lold);
	free(rold);
	free(expected);
	free(actual);
}

#define reduce(t, op, lv, lcnt, rv, rcnt, flags, ret, check) \
	__reduce(_metadata, &self->c, variant->write, t, op, lv, lcnt, rv, \
		 rcnt, flags, ret, check)

/* The probe knows every operation on every type it is defined for. */
TEST_F(reduce, every_defined_op_on_integer_types_is_known)
{
	unsigned int ti, op;

	NEED_REDUCE();
	for (ti = 0; ti < NR_TYPES; ti++) {
		if (types[ti].fp)
			continue;
		for (op = PROCESS_VM_OP_SUM; op <= PROCESS_VM_OP_BXOR; op++)
			EXPECT_EQ(0, probe(variant->write,
					   PROCESS_VM_REDUCE_OP(op, types[ti].type))) {
				TH_LOG("%s %s: errno %d (%s)", op_name(op),
				       types[ti].name, errno, strerror(errno));
			}
	}
}

TEST_F(reduce, every_defined_op_on_floating_point_types_is_known)
{
	unsigned int ti, op;

	NEED_FP();
	for (ti = 0; ti < NR_TYPES; ti++) {
		if (!types[ti].fp)
			continue;
		for (op = PROCESS_VM_OP_SUM; op <= PROCESS_VM_OP_MAX; op++)
			EXPECT_EQ(0, probe(variant->write,
					   PROCESS_VM_REDUCE_OP(op, types[ti].type))) {
				TH_LOG("%s %s: errno %d (%s)", op_name(op),
				       types[ti].name, errno, strerror(errno));
			}
	}
}

/*
 * The ABI is the flags word itself: PROCESS_VM_REDUCE is bit 2, the op
 * bits 8-11, the type bits 12-15.  Spelled out here as numbers, so that a
 * header and a kernel that moved a field together still fail.
 */
TEST_F(reduce, flags_0x5104_are_a_sum_of_s32)
{
	const struct rtype *t = type_named("s32");
	struct iovec lv = iov(self->c.local, self->c.page);
	struct iovec rv = iov(self->c.remote, self->c.page);

	NEED_REDUCE();
	prepare(t, 10);
	reduce(t, PROCESS_VM_OP_SUM, &lv, 1, &rv, 1, 0x5104UL, self->c.page,
	       self->c.area);
}

TEST_F(reduce, flags_0x8704_are_a_bxor_of_u64)
{
	const struct rtype *t = type_named("u64");
	struct iovec lv = iov(self->c.local, self->c.page);
	struct iovec rv = iov(self->c.remote, self->c.page);

	NEED_REDUCE();
	prepare(t, 11);
	reduce(t, PROCESS_VM_OP_BXOR, &lv, 1, &rv, 1, 0x8704UL, self->c.page,
	       self->c.area);
}

/*
 * Every operation on every type of one kind, over iovecs that split the
 * two sides at different places, with gaps between them, across pages and
 * more than the kernel combines at a time.
 */
static void __every_op(struct __test_metadata *_metadata, struct areas *c,
		       bool write, bool fp)
{
	unsigned int ti, op;

	for (ti = 0; ti < NR_TYPES; ti++) {
		const struct rtype *t = &types[ti];
		size_t e = t->size, len = 2 * c->page + 64 * e;
		struct iovec lv[3] = {
			iov(c->local, 3 * e),
			iov(c->local + 8 * e, c->page),
			iov(c->local + 10 * e + c->page,
			    len - 3 * e - c->page),
		};
		struct iovec rv[3] = {
			iov(c->remote + 16, c->page + 5 * e),
			iov(NULL, 0),
			iov(c->remote + 16 + c->page + 9 * e,
			    len - c->page - 5 * e),
		};

		if (t->fp != fp)
			continue;
		for (op = PROCESS_VM_OP_SUM; op <= PROCESS_VM_OP_BXOR; op++) {
			ssize_t ret = len;

			if (t->fp && op >= PROCESS_VM_OP_BAND)
				ret = -EINVAL;
			__prepare(_metadata, c, t, ti * 16 + op);
			__reduce(_metadata, c, write, t, op, lv, 3, rv, 3, 0,
				 ret, c->area);
		}
	}
}

TEST_F(reduce, every_op_on_integer_types_matches_the_user_space_loop)
{
	NEED_REDUCE();
	__every_op(_metadata, &self->c, variant->write, false);
}

TEST_F(reduce, every_op_on_floating_point_types_matches_the_user_space_loop)
{
	NEED_FP();
	__every_op(_metadata, &self->c, variant->write, true);
}

/*
 * Without an FPU the kernel can use, floating point types are refused,
 * before the vectors are looked at.  (With one, they are combined: the
 * other floating point tests.)
 */
TEST_F(reduce, fp_reduce_refused_without_fpu)
{
	struct iovec lv = iov(self->c.local, 64), rv = iov(self->c.remote, 64);
	unsigned int op;

	NEED_REDUCE();
	if (cpu_fpu() == FPU_YES)
		SKIP(return, "CPU has an FPU the kernel can use");
	if (cpu_fpu() == FPU_UNKNOWN)
		SKIP(return, "cannot tell from user space whether the kernel can use an FPU");
	for (op = PROCESS_VM_OP_SUM; op <= PROCESS_VM_OP_MAX; op++) {
		EXPECT_EQ(-1, probe(variant->write,
				    PROCESS_VM_REDUCE_OP(op, PROCESS_VM_TYPE_F32)));
		EXPECT_EQ(EOPNOTSUPP, errno);
		EXPECT_EQ(-1, probe(variant->write,
				    PROCESS_VM_REDUCE_OP(op, PROCESS_VM_TYPE_F64)));
		EXPECT_EQ(EOPNOTSUPP, errno);
	}
	prepare(type_named("f64"), 12);
	reduce(type_named("f64"), PROCESS_VM_OP_SUM, &lv, 1, &rv, 1, 0,
	       -EOPNOTSUPP, self->c.area);
	reduce(type_named("f32"), PROCESS_VM_OP_PROD, &lv, 1, &rv, 1, 0,
	       -EOPNOTSUPP, self->c.area);
}

TEST_F(reduce, bitwise_ops_on_floats_are_einval)
{
	const struct iovec lv = iov(self->c.local, 64), rv = iov(self->c.remote, 64);

	NEED_REDUCE();
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

	NEED_REDUCE();
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

/*
 * PROCESS_VM_REDUCE_OP(@op, @type), computed at run time: the empty asm
 * hides the values from the compiler, which cannot fold them into a
 * constant.
 */
static unsigned long reduce_op_at_run_time(int op, int type)
{
	asm("" : "+r" (op), "+r" (type));
	return PROCESS_VM_REDUCE_OP(op, type);
}

/*
 * PROCESS_VM_REDUCE_OP() with an op or type that does not fit its field
 * must not become some other, valid, operation: op 17 is not SUM, type
 * 0x1a is not F64, op -15 is not SUM, type -11 is not S32.  The call must
 * fail with EINVAL.  The values are not constants, as a program computing
 * them would pass them.
 */
TEST_F(reduce, reduce_op_with_an_out_of_range_op_or_type_is_einval)
{
	struct iovec lv = iov(self->c.local, 64), rv = iov(self->c.remote, 64);
	static const struct {
		int op, type;
	} bad[] = {
		{ 0x11, PROCESS_VM_TYPE_U32 },
		{ 0x10 | PROCESS_VM_OP_BXOR, PROCESS_VM_TYPE_U8 },
		{ PROCESS_VM_OP_SUM, 0x1a },
		{ PROCESS_VM_OP_MIN, 0x10 | PROCESS_VM_TYPE_S64 },
		{ -15, PROCESS_VM_TYPE_U32 },
		{ PROCESS_VM_OP_SUM, -11 },
		{ -1, -1 },
	};
	unsigned int i;

	NEED_REDUCE();
	prepare(type_named("u32"), 13);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		unsigned long flags = reduce_op_at_run_time(bad[i].op,
							    bad[i].type);

		ssize_t n = sys_process_vm(variant->write, self->c.peer.pid,
					   &lv, 1, &rv, 1, flags);

		EXPECT_EQ(-1, n) {
			TH_LOG("PROCESS_VM_REDUCE_OP(%d, %d) = %#lx was accepted",
			       bad[i].op, bad[i].type, flags);
		}
		if (n != -1)
			continue;
		EXPECT_EQ(EINVAL, errno) {
			TH_LOG("PROCESS_VM_REDUCE_OP(%d, %d) = %#lx: errno %d (%s)",
			       bad[i].op, bad[i].type, flags, errno,
			       strerror(errno));
		}
	}
}

/* Every base and length, local and remote, is a multiple of the size. */
TEST_F(reduce, misaligned_iovecs_are_einval)
{
	const struct rtype *t64 = type_named("f64"), *t16 = type_named("s16");
	struct iovec good = iov(self->c.local, 64), rgood = iov(self->c.remote, 64);
	struct iovec lv[2], rv[2];
	const struct rtype *t = cpu_fpu() == FPU_YES ? t64 : type_named("u64");

	NEED_REDUCE();
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

	NEED_REDUCE();
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

	NEED_REDUCE();
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

	NEED_REDUCE();
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

	NEED_REDUCE();
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

	NEED_REDUCE();
	cma_need_extension(_metadata, PROCESS_VM_NOWAIT, "PROCESS_VM_NOWAIT");
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

	NEED_REDUCE();
	cma_need_extension(_metadata, PROCESS_VM_PIDFD, "PROCESS_VM_PIDFD");
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

	NEED_REDUCE();
	prepare(t, 9);
	n = sys_process_vm(variant->write, self->c.peer.pid, &lv, 1, &rv, 1,
			   PROCESS_VM_REDUCE_OP(PROCESS_VM_OP_SUM, t->type));
	ASSERT_EQ((ssize_t)self->c.page, n);
	reduce(t, PROCESS_VM_OP_SUM, &lv, 1, &rv, 1, 0, self->c.page,
	       self->c.area);
}

/*
 * The caller's floating point environment.  The kernel computes floating
 * point results in the default environment (round to nearest, exceptions
 * masked, no flush to zero), whatever the caller has set, and leaves the
 * caller's environment as it was: the tests below change it in every way
 * user space can and compare with a call in the default environment.
 *
 * The registers are set directly (what fesetround() and feenableexcept()
 * do, and on x86 FTZ and DAZ, which <fenv.h> cannot set): that needs no
 * libm, which not every ABI's static toolchain has (Debian's x32 libm.a
 * is a linker script naming archives that do not exist).
 *
 * Between setting an environment and restoring the caller's own, these
 * tests make nothing but the system call: with exceptions unmasked, any
 * floating point arithmetic of our own could trap.
 */
#if defined(CMA_X86)
#define HAVE_FP_ENV 1

#define X87_RC_SHIFT	10		/* rounding control, in the CW */
#define X87_MASKS	0x3f		/* exception masks, in the CW */
#define MXCSR_FLAGS	0x3f
#define MXCSR_DAZ	0x40U		/* bit 6 */
#define MXCSR_MASKS	(0x3fU << 7)
#define MXCSR_RC_SHIFT	13
#define MXCSR_FTZ	0x8000U		/* bit 15 */
#define MXCSR_OE_ZE_PE	0x2c		/* overflow, divide by zero, inexact */

/* Rounding control values, x87 and SSE alike. */
enum { RC_NEAREST, RC_DOWN, RC_UP, RC_ZERO };

static bool cpu_has_sse(void)
{
#ifdef CMA_X86_64
	return true;
#else
	unsigned int a, b, c, d;

	return __get_cpuid(1, &a, &b, &c, &d) && (d & (1U << 25));
#endif
}

static unsigned int get_mxcsr(void)
{
	unsigned int m;

	asm volatile("stmxcsr %0" : "=m" (m));
	return m;
}

static void set_mxcsr(unsigned int m)
{
	asm volatile("ldmxcsr %0" : : "m" (m));
}

/* The MXCSR bits this CPU lets us set (DAZ is not on every CPU). */
static unsigned int mxcsr_mask(void)
{
	static struct {
		alignas(16) unsigned char b[512];
	} fx;
	unsigned int mask;

	asm volatile("fxsave %0" : "=m" (fx));
	memcpy(&mask, fx.b + 28, sizeof(mask));
	return mask ? mask : 0xffbf;
}

static unsigned short get_x87_cw(void)
{
	unsigned short cw;

	asm volatile("fnstcw %0" : "=m" (cw));
	return cw;
}

static void set_x87_cw(unsigned short cw)
{
	asm volatile("fldcw %0" : : "m" (cw));
}

static unsigned short get_x87_sw(void)
{
	unsigned short sw;

	asm volatile("fnstsw %0" : "=m" (sw));
	return sw;
}

/* The state a caller sets: x87 control and status words, MXCSR. */
struct fp_state {
	unsigned short cw, sw;
	unsigned int mxcsr;	/* 0 without SSE */
};

static void fp_state_get(struct fp_state *st)
{
	st->cw = get_x87_cw();
	st->sw = get_x87_sw();
	st->mxcsr = cpu_has_sse() ? get_mxcsr() : 0;
}

static void fp_state_set(const struct fp_state *st)
{
	asm volatile("fnclex");
	set_x87_cw(st->cw);
	if (cpu_has_sse())
		set_mxcsr(st->mxcsr);
}

static bool fp_state_equal(const struct fp_state *a, const struct fp_state *b)
{
	return a->cw == b->cw && a->sw == b->sw && a->mxcsr == b->mxcsr;
}

static void fp_state_log(struct __test_metadata *_metadata, const char *when,
			 const struct fp_state *st)
{
	TH_LOG("%s: x87 cw %#x sw %#x, mxcsr %#x", when, st->cw, st->sw,
	       st->mxcsr);
}

static bool set_round(unsigned int rc)
{
	set_x87_cw((get_x87_cw() & ~(3U << X87_RC_SHIFT)) |
		   rc << X87_RC_SHIFT);
	if (cpu_has_sse())
		set_mxcsr((get_mxcsr() & ~(3U << MXCSR_RC_SHIFT)) |
			  rc << MXCSR_RC_SHIFT);
	return true;
}

static bool env_downward(void) { return set_round(RC_DOWN); }
static bool env_upward(void) { return set_round(RC_UP); }
static bool env_towardzero(void) { return set_round(RC_ZERO); }

/* Every exception unmasked, flags clear: one in the kernel would trap. */
static bool env_traps(void)
{
	asm volatile("fnclex");
	set_x87_cw(get_x87_cw() & ~X87_MASKS);
	if (cpu_has_sse())
		set_mxcsr(get_mxcsr() & ~(MXCSR_FLAGS | MXCSR_MASKS));
	return true;
}

/* Sticky exception flags set before the call must stay set. */
static bool env_flags_raised(void)
{
	if (!cpu_has_sse())
		return false;
	set_mxcsr(get_mxcsr() | MXCSR_OE_ZE_PE);
	return true;
}

/* Subnormal results flushed to zero, subnormal inputs read as zero. */
static bool env_ftz_daz(void)
{
	if (!cpu_has_sse())
		return false;
	set_mxcsr(get_mxcsr() | MXCSR_FTZ | (mxcsr_mask() & MXCSR_DAZ));
	return true;
}

static bool env_ppc_ni(void)
{
	return false;
}

#elif defined(CMA_POWERPC)
#include <sys/prctl.h>

#define HAVE_FP_ENV 1

/* FPSCR bits, numbered from its least significant bit. */
#define FPSCR_RN	0x3U		/* rounding */
#define FPSCR_NI	0x4U		/* non-IEEE mode */
#define FPSCR_ENABLES	0xf8U		/* VE OE UE ZE XE */
#define FPSCR_OX_ZX_XX	0x16000000U	/* overflow, zero divide, inexact */
#define FPSCR_FX	0x80000000U
#define FPSCR_STICKY	0x9ff80700U	/* FX, the exception and VX* bits */

enum { RN_NEAREST, RN_ZERO, RN_UP, RN_DOWN };

static uint64_t get_fpscr(void)
{
	double d;
	uint64_t v;

	asm volatile("mffs %0" : "=f" (d));
	memcpy(&v, &d, sizeof(v));
	return v;
}

static void set_fpscr(uint64_t v)
{
	double d;

	memcpy(&d, &v, sizeof(d));
	asm volatile("mtfsf 0xff,%0" : : "f" (d));
}

/* The FPSCR and the process's FP exception mode (MSR[FE0,FE1]). */
struct fp_state {
	uint64_t fpscr;
	int fpexc;
};

static void fp_state_get(struct fp_state *st)
{
	unsigned int mode = 0;

	st->fpscr = get_fpscr();
	st->fpexc = prctl(PR_GET_FPEXC, &mode, 0, 0, 0) ? -1 : (int)mode;
}

static void fp_state_set(const struct fp_state *st)
{
	set_fpscr(st->fpscr);
	if (st->fpexc >= 0)
		prctl(PR_SET_FPEXC, st->fpexc, 0, 0, 0);
}

static bool fp_state_equal(const struct fp_state *a, const struct fp_state *b)
{
	return a->fpscr == b->fpscr && a->fpexc == b->fpexc;
}

static void fp_state_log(struct __test_metadata *_metadata, const char *when,
			 const struct fp_state *st)
{
	TH_LOG("%s: fpscr %#llx, fpexc %#x", when,
	       (unsigned long long)st->fpscr, st->fpexc);
}

static bool set_round(unsigned int rn)
{
	set_fpscr((get_fpscr() & ~(uint64_t)FPSCR_RN) | rn);
	return true;
}

static bool env_downward(void) { return set_round(RN_DOWN); }
static bool env_upward(void) { return set_round(RN_UP); }
static bool env_towardzero(void) { return set_round(RN_ZERO); }

/* Every exception enabled, and precise traps, as feenableexcept() does. */
static bool env_traps(void)
{
	set_fpscr((get_fpscr() & ~(uint64_t)FPSCR_STICKY) | FPSCR_ENABLES);
	return !prctl(PR_SET_FPEXC, PR_FP_EXC_PRECISE, 0, 0, 0);
}

static bool env_flags_raised(void)
{
	set_fpscr(get_fpscr() | FPSCR_FX | FPSCR_OX_ZX_XX);
	return true;
}

static bool env_ftz_daz(void)
{
	return false;
}

/* Non-IEEE mode: the FPU may deliver zero for subnormal results. */
static bool env_ppc_ni(void)
{
	set_fpscr(get_fpscr() | FPSCR_NI);
	return true;
}
#endif

#ifdef HAVE_FP_ENV
/* All of it at once. */
static bool env_everything(void)
{
	env_downward();
	env_ftz_daz();
	env_ppc_ni();
	return env_traps();
}

/* A floating point environment other than the default one. */
struct fp_env {
	const char *name;
	bool (*set)(void);	/* false if this one is not available here */
};

static const struct fp_env fp_envs[] = {
	{ "rounding down", env_downward },
	{ "rounding up", env_upward },
	{ "rounding toward zero", env_towardzero },
	{ "exceptions unmasked", env_traps },
	{ "exception flags raised", env_flags_raised },
	{ "x86 MXCSR FTZ and DAZ", env_ftz_daz },
	{ "powerpc FPSCR NI", env_ppc_ni },
	{ "all of them", env_everything },
};

/*
 * Values that tell environments apart: those of fill_values(), sums of
 * which round, with many subnormals among them (flushed or read as zero
 * in the wrong environment), and products that underflow or overflow.
 */
static void __prepare_env(struct __test_metadata *_metadata,
			  struct areas *c, const struct rtype *t,
			  uint64_t seed)
{
	uint64_t s = seed * 0x9e3779b97f4a7c15ULL + 7;
	size_t i;

	peer_stop(&c->peer);
	fill_values(c->local, c->area, t, seed);
	fill_values(c->remote, c->area, t, ~seed);
	for (i = 0; i + t->size <= c->area; i += t->size) {
		uint64_t r = rng_next(&s);
		char *p = (r & 1) ? c->local : c->remote;

		if (r % 3)
			continue;
		/* Sign and mantissa random, exponent 0: a subnormal. */
		if (t->size == 4)
			r &= 0x807fffffULL;
		else
			r &= 0x800fffffffffffffULL;
		memcpy(p + i, &r, t->size);
	}
	ASSERT_EQ(0, peer_start(&c->peer, true, NULL, NULL));
}

/*
 * Reduce @len bytes, our area against the peer's, with @env set around
 * the call (the default environment if NULL); the results into @out.
 * The caller's state just before and just after the call goes into
 * @before and @after.  False if @env is not available here.
 */
static bool __reduce_in_env(struct __test_metadata *_metadata,
			    struct areas *c, bool write,
			    const struct rtype *t, unsigned int op,
			    const struct fp_env *env, size_t len, char *out,
			    struct fp_state *before, struct fp_state *after)
{
	struct iovec lv = iov(c->local, len), rv = iov(c->remote, len);
	unsigned long flags = PROCESS_VM_REDUCE_OP(op, t->type);
	struct fp_state saved;
	bool ok = true;
	ssize_t n;

	fp_state_get(&saved);
	if (env)
		ok = env->set();
	fp_state_get(before);
	n = sys_process_vm(write, c->peer.pid, &lv, 1, &rv, 1, flags);
	fp_state_get(after);
	fp_state_set(&saved);
	if (!ok)
		return false;
	EXPECT_EQ((ssize_t)len, n) {
		TH_LOG("%s %s in %s: errno %d (%s)", op_name(op), t->name,
		       env ? env->name : "the default environment", errno,
		       strerror(errno));
	}
	if (n != (ssize_t)len)
		return false;
	if (!write) {
		memcpy(out, c->local, len);
		return true;
	}
	EXPECT_EQ(0, peer_read(&c->peer, c->remote, len, out));
	return true;
}

FIXTURE(fp_env)
{
	struct areas c;
};

FIXTURE_VARIANT(fp_env)
{
	bool write;
};

FIXTURE_VARIANT_ADD(fp_env, readv)
{
	.write = false,
};

FIXTURE_VARIANT_ADD(fp_env, writev)
{
	.write = true,
};

FIXTURE_SETUP(fp_env)
{
	__areas_setup(_metadata, &self->c, 2);
}

FIXTURE_TEARDOWN(fp_env)
{
	areas_teardown(&self->c);
}

/*
 * Each floating point result, in each environment, is the one the same
 * call gives in the default environment: the kernel's rounding, flushing
 * and exceptions are its own.
 */
TEST_F(fp_env, fp_results_do_not_depend_on_the_callers_fp_environment)
{
	size_t len = self->c.area, i;
	struct fp_state before, after;
	char *want, *got;
	unsigned int ti, op, e, tried = 0;

	NEED_FP();
	want = malloc(len);
	got = malloc(len);
	ASSERT_TRUE(want && got);
	for (ti = 0; ti < NR_TYPES; ti++) {
		const struct rtype *t = &types[ti];

		if (!t->fp)
			continue;
		for (op = PROCESS_VM_OP_SUM; op <= PROCESS_VM_OP_MAX; op++) {
			uint64_t seed = 100 + ti * 16 + op;

			__prepare_env(_metadata, &self->c, t, seed);
			ASSERT_TRUE(__reduce_in_env(_metadata, &self->c,
						    variant->write, t, op, NULL,
						    len, want, &before, &after));
			for (e = 0; e < ARRAY_SIZE(fp_envs); e++) {
				const struct fp_env *env = &fp_envs[e];

				__prepare_env(_metadata, &self->c, t, seed);
				if (!__reduce_in_env(_metadata, &self->c,
						     variant->write, t, op, env,
						     len, got, &before, &after))
					continue;	/* not available here */
				tried++;
				for (i = 0; i < len; i += t->size)
					if (!same_element(t, got + i, want + i))
						break;
				EXPECT_EQ(len, i) {
					TH_LOG("%s %s in %s: element at offset %zu differs",
					       op_name(op), t->name, env->name,
					       i);
				}
			}
		}
	}
	ASSERT_LT(0U, tried);
	free(want);
	free(got);
}

/* And the caller's environment is the same after the call as before. */
TEST_F(fp_env, fp_reduce_leaves_the_callers_fp_environment_alone)
{
	struct fp_state dfl_before, dfl_after, before, after;
	const struct rtype *t = type_named("f64");
	size_t len = self->c.area;
	unsigned int e;
	char *got;

	NEED_FP();
	got = malloc(len);
	ASSERT_FALSE(!got);
	__prepare_env(_metadata, &self->c, t, 200);
	ASSERT_TRUE(__reduce_in_env(_metadata, &self->c, variant->write, t,
				    PROCESS_VM_OP_SUM, NULL, len, got,
				    &dfl_before, &dfl_after));
	EXPECT_TRUE(fp_state_equal(&dfl_before, &dfl_after));
	for (e = 0; e < ARRAY_SIZE(fp_envs); e++) {
		const struct fp_env *env = &fp_envs[e];
		unsigned int op = e % 2 ? PROCESS_VM_OP_PROD : PROCESS_VM_OP_SUM;

		t = type_named(e % 3 ? "f64" : "f32");
		__prepare_env(_metadata, &self->c, t, 201 + e);
		if (!__reduce_in_env(_metadata, &self->c, variant->write, t, op,
				     env, len, got, &before, &after))
			continue;	/* not available here */
		EXPECT_TRUE(fp_state_equal(&before, &after)) {
			TH_LOG("%s: changed by the call", env->name);
			fp_state_log(_metadata, "before", &before);
			fp_state_log(_metadata, "after", &after);
		}
	}
	free(got);
}

#endif /* HAVE_FP_ENV */

/*
 * More than the kernel pins at a time (PVM_BATCH_PAGES, 16 pages) in one
 * call: 40 pages, from a remote address that is not page aligned, so 41
 * remote pages and three batches.  Checked element by element.
 */
#define BIG_PAGES 42

FIXTURE(reduce_batch)
{
	struct areas c;
};

FIXTURE_VARIANT(reduce_batch)
{
	bool write;
};

FIXTURE_VARIANT_ADD(reduce_batch, readv)
{
	.write = false,
};

FIXTURE_VARIANT_ADD(reduce_batch, writev)
{
	.write = true,
};

FIXTURE_SETUP(reduce_batch)
{
	__areas_setup(_metadata, &self->c, BIG_PAGES);
}

FIXTURE_TEARDOWN(reduce_batch)
{
	areas_teardown(&self->c);
}

static void __reduce_40_pages(struct __test_metadata *_metadata,
			      struct areas *c, bool write, const char *type,
			      unsigned int op)
{
	const struct rtype *t = type_named(type);
	struct iovec lv = iov(c->local + c->page, 40 * c->page);
	struct iovec rv = iov(c->remote + 8, 40 * c->page);

	__prepare(_metadata, c, t, 300 + t->type);
	__reduce(_metadata, c, write, t, op, &lv, 1, &rv, 1, 0, 40 * c->page,
		 c->area);
}

TEST_F(reduce_batch, sum_of_s32_over_40_pages)
{
	NEED_REDUCE();
	__reduce_40_pages(_metadata, &self->c, variant->write, "s32",
			  PROCESS_VM_OP_SUM);
}

TEST_F(reduce_batch, sum_of_u64_over_40_pages)
{
	NEED_REDUCE();
	__reduce_40_pages(_metadata, &self->c, variant->write, "u64",
			  PROCESS_VM_OP_SUM);
}

/*
 * Overlapping local elements.  The kernel combines remote memory a piece
 * at a time, a piece being the part of one remote element in one page,
 * cut into chunks of at most 1 KiB (PVM_REDUCE_CHUNK).  For each chunk,
 * process_vm_readv() reads the local bytes it pairs with first, then
 * stores all the results, in vector order; so (observed on x86_64, and
 * what mm/process_vm_access.c does on every architecture):
 *
 *  - local elements that overlap within one chunk are all combined from
 *    the bytes as they were before the chunk, and where they overlap,
 *    the later element's result is what stays;
 *  - a later chunk sees what earlier chunks stored: with the overlapping
 *    parts paired with different remote elements, results accumulate.
 *
 * Neither is a promise of the ABI, which leaves overlapping destinations
 * unspecified (like overlapping buffers of readv()); these tests pin
 * down the current behaviour so that a change of it is noticed.
 * process_vm_writev() only reads the local elements, so overlapping ones
 * are simply the same source twice.
 */
FIXTURE(reduce_overlap)
{
	struct areas c;
	int32_t *l;	/* our s32 elements */
	int32_t *r;	/* the peer's */
	int32_t lold[32], rold[32];
};

FIXTURE_SETUP(reduce_overlap)
{
	__areas_setup(_metadata, &self->c, 1);
	__prepare(_metadata, &self->c, type_named("s32"), 400);
	self->l = (int32_t *)self->c.local;
	self->r = (int32_t *)self->c.remote;
	memcpy(self->lold, self->l, sizeof(self->lold));
	memcpy(self->rold, self->r, sizeof(self->rold));
}

FIXTURE_TEARDOWN(reduce_overlap)
{
	areas_teardown(&self->c);
}

#define S32_SUM PROCESS_VM_REDUCE_OP(PROCESS_VM_OP_SUM, PROCESS_VM_TYPE_S32)

/* Wrapping s32 addition, as the kernel does it. */
static int32_t add32(int32_t a, int32_t b)
{
	return (int32_t)((uint32_t)a + (uint32_t)b);
}

/* Local elements 0-15 and 8-23, one remote element of 32: one chunk. */
TEST_F(reduce_overlap, readv_in_one_chunk_later_element_wins_from_old_values)
{
	struct iovec lv[2] = {
		iov(self->l, 16 * 4), iov(self->l + 8, 16 * 4),
	};
	struct iovec rv = iov(self->r, 32 * 4);
	int32_t want[32];
	int i;

	NEED_REDUCE();
	ASSERT_EQ(32 * 4, sys_process_vm_readv(self->c.peer.pid, lv, 2, &rv,
					       1, S32_SUM));
	memcpy(want, self->lold, sizeof(want));
	for (i = 0; i < 16; i++)
		want[i] = add32(self->lold[i], self->rold[i]);
	for (i = 0; i < 16; i++)
		want[8 + i] = add32(self->lold[8 + i], self->rold[16 + i]);
	for (i = 0; i < 32; i++)
		EXPECT_EQ(want[i], self->l[i]) {
			TH_LOG("local element %d", i);
		}
}

/* The same, with the remote side in two elements: two chunks. */
TEST_F(reduce_overlap, readv_in_two_chunks_later_element_sees_earlier_result)
{
	struct iovec lv[2] = {
		iov(self->l, 16 * 4), iov(self->l + 8, 16 * 4),
	};
	struct iovec rv[2] = {
		iov(self->r, 16 * 4), iov(self->r + 16, 16 * 4),
	};
	int32_t want[32];
	int i;

	NEED_REDUCE();
	ASSERT_EQ(32 * 4, sys_process_vm_readv(self->c.peer.pid, lv, 2, rv,
					       2, S32_SUM));
	memcpy(want, self->lold, sizeof(want));
	for (i = 0; i < 16; i++)
		want[i] = add32(want[i], self->rold[i]);
	for (i = 0; i < 16; i++)
		want[8 + i] = add32(want[8 + i], self->rold[16 + i]);
	for (i = 0; i < 32; i++)
		EXPECT_EQ(want[i], self->l[i]) {
			TH_LOG("local element %d", i);
		}
}

/* The same local element twice: the remote ones each get it added. */
TEST_F(reduce_overlap, writev_overlapping_local_elements_are_read_twice)
{
	struct iovec lv[2] = {
		iov(self->l, 16 * 4), iov(self->l + 8, 16 * 4),
	};
	struct iovec rv = iov(self->r, 32 * 4);
	int32_t want[32], seen[32];
	int i;

	NEED_REDUCE();
	ASSERT_EQ(32 * 4, sys_process_vm_writev(self->c.peer.pid, lv, 2, &rv,
						1, S32_SUM));
	for (i = 0; i < 16; i++)
		want[i] = add32(self->rold[i], self->lold[i]);
	for (i = 0; i < 16; i++)
		want[16 + i] = add32(self->rold[16 + i], self->lold[8 + i]);
	ASSERT_EQ(0, peer_read(&self->c.peer, self->r, sizeof(seen), seen));
	for (i = 0; i < 32; i++)
		EXPECT_EQ(want[i], seen[i]) {
			TH_LOG("remote element %d", i);
		}
	/* The source is left alone. */
	EXPECT_EQ(0, memcmp(self->lold, self->l, sizeof(self->lold)));
}

TEST_HARNESS_MAIN
