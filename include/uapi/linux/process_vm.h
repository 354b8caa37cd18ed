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
 * Never wait for the target's memory: do not fault its pages in and do
 * not wait for its mmap lock.  The call stops at the first page that is
 * not resident; EAGAIN if that is the first page.
 */
#define PROCESS_VM_NOWAIT	(1UL << 1)

/* Every flag defined above. */
#define PROCESS_VM_FLAGS_MASK	(PROCESS_VM_PIDFD | PROCESS_VM_NOWAIT)

#endif /* _UAPI_LINUX_PROCESS_VM_H */
