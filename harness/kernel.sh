#!/bin/bash
# harness/kernel.sh TARGET: build TARGET's kernel in build/out/TARGET from
# allnoconfig plus config/common.config and config/TARGET.config, and its
# uapi headers in build/out/TARGET/usr/include.  A target that boots
# another's kernel (harness/targets' kernel column) builds that one.
#
# The config is regenerated only when the fragments, the toolchain or the
# tree's Kconfig files change; otherwise this is an incremental kbuild.
# Every line of the fragments must reach .config, or we stop and list the
# ones that did not.  ALLOW_MISSING="SYM ..." tolerates symbols that do not
# exist in the tree at all (CROSS_MEMORY_ATTACH before the series is
# applied); it never excuses a symbol the tree has.  EXTRA_CONFIG=FILE
# adds one more fragment, last (check-debug.sh: stress/debug.config).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# = 1 ] || die "usage: $0 TARGET"
target_load "$1"
[ "$kernel" = "$target" ] || target_load "$kernel"	# it boots another target's kernel
[ -f "$tree/Makefile" ] || die "$tree: no kernel tree (run 'make tree')"

mkdir -p "$out"
frag=$out/fragments.config
cat "$H/config/common.config" "$H/config/$target.config" ${EXTRA_CONFIG:+"$EXTRA_CONFIG"} > "$frag.new"
stamp=$( { cat "$frag.new"; echo "$arch $cross"; "${cross}gcc" --version | head -1
	   find "$tree" -name 'Kconfig*' -not -path '*/.git/*' -print0 | sort -z | xargs -0 cat; } |
	 sha1sum | cut -d' ' -f1)
if [ -f "$out/.config" ] && [ "$(cat "$out/.stamp" 2>/dev/null)" = "$stamp" ]; then
	rm "$frag.new"
else
	mv "$frag.new" "$frag"
	rm -f "$out/.stamp"
	KCONFIG_ALLCONFIG=$frag kmake -s allnoconfig
	check_config "$frag"
	echo "$stamp" > "$out/.stamp"
fi
# The image, and the uapi headers the selftests build against.
kmake "${image##*/}" headers
check_config "$frag"
echo "kernel.sh: $target: $out/$image"
