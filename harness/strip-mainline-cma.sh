#!/bin/bash
# Remove mainline's Cross Memory Attach from the Linux 6.1.y tree in the
# current directory, so that our series applies on top:
#   cd linux-6.1.y && /path/to/cma/harness/strip-mainline-cma.sh
# Every removal must match exactly the places we expect; otherwise nothing
# more is changed and the script says which pattern did not match.
set -euo pipefail

die() { echo "strip-mainline-cma: $*" >&2; exit 1; }

[ -f Makefile ] && [ -d mm ] || die "run me at the top of a kernel tree"

# cut FILE COUNT PERL-REGEX: delete the COUNT matches of the regex in FILE.
# The first pass only counts, so that a tree we do not recognise is left
# untouched.
cut() {
	local file=$1 want=$2 re=$3 got
	[ -f "$file" ] || die "$file not found"
	if [ "$pass" = check ]; then
		got=$(CUT_RE=$re perl -0777 -ne 'my $n = () = /$ENV{CUT_RE}/mg; print $n' "$file")
		[ "$got" = "$want" ] ||
			die "$file: expected $want match(es) of /$re/, found $got; nothing changed"
	else
		CUT_RE=$re perl -0777 -pi -e 's/$ENV{CUT_RE}//mg' "$file"
	fi
}

removals() {
	cut mm/Makefile 1 '^ifdef CONFIG_CROSS_MEMORY_ATTACH\n[^\n]*process_vm_access\.o\nendif\n\n'
	cut init/Kconfig 1 '^config CROSS_MEMORY_ATTACH\n(?:(?:\t[^\n]*)?\n)*?(?=config )'
	cut include/linux/syscalls.h 2 '^asmlinkage long sys_process_vm_(?:readv|writev)\((?:[^;]*\n)*?[^;]*\);\n'
	cut kernel/sys_ni.c 4 '^COND_SYSCALL(?:_COMPAT)?\(process_vm_(?:readv|writev)\);\n'
	cut arch/x86/entry/syscalls/syscall_32.tbl 2 '^34[78]\ti386\tprocess_vm_\w+\t[^\n]*\n'
	cut arch/x86/entry/syscalls/syscall_64.tbl 4 '^(?:31[01]\t64|5(?:39|40)\tx32)\tprocess_vm_\w+\t[^\n]*\n'
	cut arch/powerpc/kernel/syscalls/syscall.tbl 2 '^35[12]\tnospu\tprocess_vm_\w+\t[^\n]*\n'
}

[ -f mm/process_vm_access.c ] || die "mm/process_vm_access.c not found; nothing changed"
pass=check removals
pass=apply removals
rm mm/process_vm_access.c

left=$(grep -rlE 'sys_process_vm_|process_vm_access|CROSS_MEMORY_ATTACH' \
	mm init include/linux kernel arch/x86/entry arch/powerpc/kernel/syscalls || true)
[ -z "$left" ] || die "mainline CMA still referenced in: $left"
echo "strip-mainline-cma: removed mainline's process_vm_readv/writev"
