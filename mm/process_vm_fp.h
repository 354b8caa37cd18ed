/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Floating point for PROCESS_VM_REDUCE.
 *
 * mm/process_vm_fp.c is the only code built with the FPU enabled, and it
 * must only run between pvm_fp_begin() and pvm_fp_end().  Those two are
 * here, in code built without the FPU, so that the compiler can never
 * move an FPU instruction outside the section that makes it safe.
 */
#ifndef _MM_PROCESS_VM_FP_H
#define _MM_PROCESS_VM_FP_H

#include <linux/types.h>

void pvm_reduce_f32(unsigned int op, void *dst, const void *a, const void *b,
		    size_t n);
void pvm_reduce_f64(unsigned int op, void *dst, const void *a, const void *b,
		    size_t n);

#if defined(CONFIG_CROSS_MEMORY_ATTACH_FP) && defined(CONFIG_X86)
#include <linux/cpufeature.h>

#include <asm/fpu/api.h>

/* Always true on x86-64; a 32-bit kernel may run on a CPU without SSE2. */
static inline bool pvm_fp_usable(void)
{
	return boot_cpu_has(X86_FEATURE_XMM2);
}

/* Also loads the default MXCSR: round to nearest, no FTZ or DAZ. */
static inline void pvm_fp_begin(void)
{
	kernel_fpu_begin();
}

static inline void pvm_fp_end(void)
{
	kernel_fpu_end();
}

#elif defined(CONFIG_CROSS_MEMORY_ATTACH_FP) && defined(CONFIG_PPC_FPU)
#include <linux/preempt.h>
#include <asm/cpu_has_feature.h>
#include <asm/switch_to.h>

/*
 * PPC_FPU kernels also run on cores without an FPU: the e300c2 (MPC83xx)
 * is a book3s/32 core that sets CPU_FTR_FPU_UNAVAILABLE, and there an FP
 * instruction in the kernel is a program check.
 */
static inline bool pvm_fp_usable(void)
{
	return !cpu_has_feature(CPU_FTR_FPU_UNAVAILABLE);
}

/*
 * enable_kernel_fp() saves the task's FP state if it is live in the
 * registers; the FPSCR is reset to the default environment by the
 * combining functions themselves.
 */
static inline void pvm_fp_begin(void)
{
	preempt_disable();
	enable_kernel_fp();
}

static inline void pvm_fp_end(void)
{
	disable_kernel_fp();
	preempt_enable();
}

#else

static inline bool pvm_fp_usable(void)
{
	return false;
}

static inline void pvm_fp_begin(void)
{
}

static inline void pvm_fp_end(void)
{
}

#endif

#endif /* _MM_PROCESS_VM_FP_H */
