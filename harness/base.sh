#!/bin/bash
# Create build/linux: Debian's linux-source-6.1 with mainline's Cross Memory
# Attach removed, committed and tagged "base".  Every removal must match
# exactly the number of places we expect, otherwise we stop and say which,
# because a silent no-op would leave mainline's syscalls in our kernels.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tarball=/usr/src/linux-source-6.1.tar.xz
tree=$top/build/linux

die() { echo "base: $*" >&2; exit 1; }

[ -r "$tarball" ] || die "$tarball missing: run 'make deps' (installs linux-source-6.1)"
version=$(dpkg-query -W -f='${Version}' linux-source-6.1)
stamp="linux-source-6.1 $version, $(sha1sum < "$0" | cut -c1-12)"

if [ -f "$tree/.git/cma-base" ] && [ "$(cat "$tree/.git/cma-base")" = "$stamp" ]; then
	exit 0
fi
if [ -d "$tree" ]; then
	"$top/harness/series.sh" check-saved ||
		die "not replacing build/linux: it holds work that is not in the repo"
	rm -rf "$tree"
fi

echo "base: unpacking linux-source-6.1 $version"
mkdir -p "$top/build"
rm -rf "$top/build/linux-source-6.1" "$tree.tmp"
tar -C "$top/build" -xf "$tarball"
mv "$top/build/linux-source-6.1" "$tree.tmp"
cd "$tree.tmp"

# cut FILE COUNT PERL-REGEX: delete COUNT matches of the regex in FILE.
cut() {
	local file=$1 want=$2 re=$3 got
	got=$(CUT_RE=$re perl -0777 -ne 'my $n = () = /$ENV{CUT_RE}/mg; print $n' "$file")
	[ "$got" = "$want" ] ||
		die "$file: expected $want match(es) of /$re/, found $got"
	CUT_RE=$re perl -0777 -pi -e 's/$ENV{CUT_RE}//mg' "$file"
}

[ -f mm/process_vm_access.c ] || die "mm/process_vm_access.c not found"
rm mm/process_vm_access.c
cut mm/Makefile 1 '^ifdef CONFIG_CROSS_MEMORY_ATTACH\n[^\n]*process_vm_access\.o\nendif\n\n'
cut init/Kconfig 1 '^config CROSS_MEMORY_ATTACH\n(?:(?:\t[^\n]*)?\n)*?(?=config )'
cut include/linux/syscalls.h 2 '^asmlinkage long sys_process_vm_(?:readv|writev)\((?:[^;]*\n)*?[^;]*\);\n'
cut kernel/sys_ni.c 4 '^COND_SYSCALL(?:_COMPAT)?\(process_vm_(?:readv|writev)\);\n'
cut arch/x86/entry/syscalls/syscall_32.tbl 2 '^34[78]\ti386\tprocess_vm_\w+\t[^\n]*\n'
cut arch/x86/entry/syscalls/syscall_64.tbl 4 '^(?:31[01]\t64|5(?:39|40)\tx32)\tprocess_vm_\w+\t[^\n]*\n'
cut arch/powerpc/kernel/syscalls/syscall.tbl 2 '^35[12]\tnospu\tprocess_vm_\w+\t[^\n]*\n'

# Debian's top-level .gitignore ignores the whole tree (its packaging repo
# holds only debian/); without this, git would not see our kernel files.
cut .gitignore 1 '^/\*\n!/debian/\n'

left=$(grep -rlE 'sys_process_vm_|process_vm_access|CROSS_MEMORY_ATTACH' \
	mm init include/linux kernel arch/x86/entry arch/powerpc/kernel/syscalls || true)
[ -z "$left" ] || die "mainline CMA still referenced in: $left"

git init -q
git config user.name "$(git -C "$top" config user.name)"
git config user.email "$(git -C "$top" config user.email)"
git config gc.auto 0
git add -A
[ -n "$(git ls-files mm/Makefile)" ] || die "git add did not pick up the tree"
GIT_AUTHOR_DATE='2000-01-01T00:00:00Z' GIT_COMMITTER_DATE='2000-01-01T00:00:00Z' \
git commit -q -m "base: linux-source-6.1 $version without Cross Memory Attach" \
	-m "Debian package linux-source-6.1, version $version, with mainline's
process_vm_readv/process_vm_writev removed by harness/base.sh: the file,
its mm/Makefile line, CONFIG_CROSS_MEMORY_ATTACH, the prototypes, the
COND_SYSCALL lines and the x86 and powerpc syscall table entries."
git tag base
echo "$stamp" > .git/cma-base
cd "$top"
mv "$tree.tmp" "$tree"
echo "base: build/linux tagged base"
