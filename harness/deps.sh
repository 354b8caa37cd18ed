#!/bin/bash
# harness/deps.sh [series-check]: install the Debian packages the harness
# needs, if any is missing; with series-check, also the cross compilers of
# series.sh check's engine builds (parisc, arm).
# gcc-multilib is deliberately absent: on Debian 12 it removes the powerpc
# cross compilers; 32-bit x86 programs use i686-linux-gnu-gcc instead.
set -euo pipefail

pkgs="linux-source-6.1 qemu-system-x86 qemu-system-ppc flex bison bc
libelf-dev libssl-dev ccache sparse cpio xz-utils perl python3 kmod
python3-ply python3-git gdb quilt
gcc-powerpc64-linux-gnu libc6-dev-ppc64-cross
gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross
gcc-powerpc-linux-gnu libc6-dev-powerpc-cross
gcc-i686-linux-gnu libc6-dev-i386-cross
gcc-x86-64-linux-gnux32 libc6-dev-x32-cross"
case ${1:-} in
"")		;;
series-check)	pkgs+=" gcc-hppa-linux-gnu gcc-arm-linux-gnueabihf" ;;
*)		echo "deps: unknown package set '$1' (known: series-check, or none)" >&2; exit 1 ;;
esac

# dpkg-query exits 1 when it knows a package not at all (a fresh machine):
# that is an answer here, not a failure.
missing=$({ dpkg-query -W -f='${Package} ${db:Status-Status}\n' $pkgs 2>/dev/null || true; } |
	awk '$2 == "installed" { ok[$1] = 1 } END { for (p in ok) print p }' |
	sort | comm -13 - <(printf '%s\n' $pkgs | sort))
[ -n "$missing" ] || exit 0

line="apt-get install -y --no-install-recommends $(echo $missing)"
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages; as root run: apt-get update && $line" >&2
	exit 1
fi
echo "deps: installing $(echo $missing)"
apt-get update -q
DEBIAN_FRONTEND=noninteractive $line
