/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
#ifndef _UAPI_LINUX_PROCESS_VM_H
#define _UAPI_LINUX_PROCESS_VM_H

/*
 * Flags for process_vm_readv(2) and process_vm_writev(2).  A kernel that
 * does not know a flag fails the call with EINVAL, so callers can probe.
 */

/* The first argument is a pidfd (pidfd_open(2), CLONE_PIDFD), not a pid. */
#define PROCESS_VM_PIDFD	(1UL << 0)

/*
 * Never wait for the target: do not fault its pages in (hugetlb and
 * userfaultfd ones included), and take its mmap lock, and the lock its
 * execve() holds, only if free.  The call stops where it would have had
 * to wait, EAGAIN if nothing was moved by then; any other reason gives
 * the errno of the call without the flag.  One narrow wait is left, on
 * the lock of a clean file page that process_vm_writev() wrote into:
 * Documentation/userspace-api/process_vm.rst.
 */
#define PROCESS_VM_NOWAIT	(1UL << 1)

/*
 * Combine instead of copy: every destination element becomes the
 * destination element OP the source element, for the operation and the
 * element type given in the op and type fields below.  The destination is
 * the caller's memory for process_vm_readv(), the target's for
 * process_vm_writev().  Use PROCESS_VM_REDUCE_OP() to build the value, e.g.
 * PROCESS_VM_REDUCE_OP(PROCESS_VM_OP_SUM, PROCESS_VM_TYPE_F64).  The op and
 * type fields must be zero without PROCESS_VM_REDUCE.
 */
#define PROCESS_VM_REDUCE	(1UL << 2)

#define PROCESS_VM_REDUCE_OP_SHIFT	8
#define PROCESS_VM_REDUCE_OP_MASK	(0xfUL << PROCESS_VM_REDUCE_OP_SHIFT)
#define PROCESS_VM_REDUCE_TYPE_SHIFT	12
#define PROCESS_VM_REDUCE_TYPE_MASK	(0xfUL << PROCESS_VM_REDUCE_TYPE_SHIFT)

/* Operations: 0 is none, so that a forgotten field fails with EINVAL. */
#define PROCESS_VM_OP_SUM	1	/* dst + src, wrapping for integers */
#define PROCESS_VM_OP_PROD	2	/* dst * src, wrapping for integers */
#define PROCESS_VM_OP_MIN	3	/* src < dst ? src : dst */
#define PROCESS_VM_OP_MAX	4	/* src > dst ? src : dst */
#define PROCESS_VM_OP_BAND	5	/* dst & src, integer types only */
#define PROCESS_VM_OP_BOR	6	/* dst | src, integer types only */
#define PROCESS_VM_OP_BXOR	7	/* dst ^ src, integer types only */

/*
 * Element types, in the caller's byte order.  Floating point types are
 * IEEE 754 binary32 and binary64, rounded to nearest even; a kernel that
 * cannot use the FPU fails them with EOPNOTSUPP.
 */
#define PROCESS_VM_TYPE_S8	1
#define PROCESS_VM_TYPE_U8	2
#define PROCESS_VM_TYPE_S16	3
#define PROCESS_VM_TYPE_U16	4
#define PROCESS_VM_TYPE_S32	5
#define PROCESS_VM_TYPE_U32	6
#define PROCESS_VM_TYPE_S64	7
#define PROCESS_VM_TYPE_U64	8
#define PROCESS_VM_TYPE_F32	9
#define PROCESS_VM_TYPE_F64	10

/*
 * The flags of a reduction.  An @op or a @type that does not fit its
 * field gives PROCESS_VM_REDUCE with both fields zero, which every kernel
 * refuses with EINVAL, rather than some other operation or type.  Both
 * arguments are evaluated more than once.
 */
#define PROCESS_VM_REDUCE_OP(op, type)					\
	((unsigned long)(op) > 0xf || (unsigned long)(type) > 0xf ?	\
	 PROCESS_VM_REDUCE :						\
	 PROCESS_VM_REDUCE |						\
	 ((unsigned long)(op) << PROCESS_VM_REDUCE_OP_SHIFT) |		\
	 ((unsigned long)(type) << PROCESS_VM_REDUCE_TYPE_SHIFT))

#endif /* _UAPI_LINUX_PROCESS_VM_H */
