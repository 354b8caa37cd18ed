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
# Bump when the removals change what they produce: build/linux is rebuilt.
base_format=2
stamp="linux-source-6.1 $version, base format $base_format"

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

"$top/harness/strip-mainline-cma.sh" > /dev/null
# Debian's top-level .gitignore ignores the whole tree (its packaging repo
# holds only debian/); without this, git would not see the kernel's files.
perl -0777 -pi -e 's{^/\*\n!/debian/\n}{}m or die "base: .gitignore: Debian lines not found\n"' .gitignore

git init -q
git config user.name "$(git -C "$top" config user.name)"
git config user.email "$(git -C "$top" config user.email)"
git config gc.auto 0
git add -A -f
[ -n "$(git ls-files mm/Makefile .gitignore)" ] || die "git add did not pick up the tree"
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
