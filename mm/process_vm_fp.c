// SPDX-License-Identifier: GPL-2.0-only
/*
 * Floating point operations of PROCESS_VM_REDUCE: IEEE 754 binary32 and
 * binary64 arithmetic, rounded to nearest even, as user space computes
 * it in the default floating point environment.
 *
 * This file is built with the FPU enabled (see mm/Makefile).  Everything
 * here runs between pvm_fp_begin() and pvm_fp_end(), and does nothing but
 * arithmetic on kernel memory: no locks, no user access, no faults.
 */

#include <uapi/linux/process_vm.h>

#include "process_vm_fp.h"

/*
 * User space starts with round to nearest and every exception masked; the
 * FPU may hold the caller's own settings, so start from those defaults.
 * (On x86, kernel_fpu_begin() has loaded the default MXCSR already.)
 */
static void pvm_fp_default_env(void)
{
#ifdef CONFIG_PPC
	/* VE, OE, UE, ZE, XE and NI clear; RN = 0, round to nearest. */
	asm volatile("mtfsfi 6,0\n\tmtfsfi 7,0" : : : "memory");
#endif
}

/*
 * In both functions, dst[i] = x[i] OP y[i], x being the destination's
 * value and y the source's.  MIN and MAX keep the destination's value
 * unless the source's compares less (greater): a NaN in the source never
 * replaces a number, a NaN in the destination stays, and of two zeros the
 * destination's sign is kept.  The bitwise operations are refused before
 * we get here.
 */

/**
 * pvm_reduce_f32 - combine binary32 elements
 * @op: PROCESS_VM_OP_SUM, _PROD, _MIN or _MAX
 * @dst: where the results go; may be @a
 * @a: the destination's elements
 * @b: the source's elements
 * @n: number of elements
 *
 * Context: between pvm_fp_begin() and pvm_fp_end().
 */
void pvm_reduce_f32(unsigned int op, void *dst, const void *a, const void *b,
		    size_t n)
{
	const float *x = a, *y = b;
	float *d = dst;
	size_t i;

	pvm_fp_default_env();
	switch (op) {
	case PROCESS_VM_OP_SUM:
		for (i = 0; i < n; i++)
			d[i] = x[i] + y[i];
		break;
	case PROCESS_VM_OP_PROD:
		for (i = 0; i < n; i++)
			d[i] = x[i] * y[i];
		break;
	case PROCESS_VM_OP_MIN:
		for (i = 0; i < n; i++)
			d[i] = y[i] < x[i] ? y[i] : x[i];
		break;
	case PROCESS_VM_OP_MAX:
		for (i = 0; i < n; i++)
			d[i] = y[i] > x[i] ? y[i] : x[i];
		break;
	}
}

/**
 * pvm_reduce_f64 - combine binary64 elements
 * @op: PROCESS_VM_OP_SUM, _PROD, _MIN or _MAX
 * @dst: where the results go; may be @a
 * @a: the destination's elements
 * @b: the source's elements
 * @n: number of elements
 *
 * Context: between pvm_fp_begin() and pvm_fp_end().
 */
void pvm_reduce_f64(unsigned int op, void *dst, const void *a, const void *b,
		    size_t n)
{
	const double *x = a, *y = b;
	double *d = dst;
	size_t i;

	pvm_fp_default_env();
	switch (op) {
	case PROCESS_VM_OP_SUM:
		for (i = 0; i < n; i++)
			d[i] = x[i] + y[i];
		break;
	case PROCESS_VM_OP_PROD:
		for (i = 0; i < n; i++)
			d[i] = x[i] * y[i];
		break;
	case PROCESS_VM_OP_MIN:
		for (i = 0; i < n; i++)
			d[i] = y[i] < x[i] ? y[i] : x[i];
		break;
	case PROCESS_VM_OP_MAX:
		for (i = 0; i < n; i++)
			d[i] = y[i] > x[i] ? y[i] : x[i];
		break;
	}
}
