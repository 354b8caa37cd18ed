#!/bin/bash
# harness/engine.sh [NAME...]: build the engine alone, with W=1, for the
# architectures no target boots: mm/process_vm_access.o (and
# mm/process_vm_fp.o where the config has it) from allnoconfig plus
# config/NAME-engine.config, in build/out/NAME-engine; fail on any warning
# in the series' mm/ files.  Default: every config/*-engine.config.  A
# fragment names its architecture in a line "#@ arch: ARCH CROSS_COMPILE".
# series.sh check runs it on the series' last commit.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -f "$tree/mm/process_vm_access.c" ] ||
	die "$tree has no mm/process_vm_access.c: run it on a tree with the series (make tree; or KERNEL_TREE=DIR)"
[ $# -gt 0 ] || set -- $(cd "$H/config" && ls -- *-engine.config | sed 's/-engine\.config$//')

for name; do
	frag=$H/config/$name-engine.config
	[ -f "$frag" ] || die "no ${frag#$top/}: known engine builds: $(cd "$H/config" && ls -- *-engine.config | sed 's/-engine\.config$//' | xargs)"
	read -r arch cross < <(sed -n 's/^#@ arch: *//p' "$frag") || true
	[ -n "${cross:-}" ] || die "${frag#$top/}: no line '#@ arch: ARCH CROSS_COMPILE' (e.g. '#@ arch: parisc hppa-linux-gnu-')"
	command -v "${cross}gcc" > /dev/null || die "$name: no ${cross}gcc: run 'harness/deps.sh series-check'"
	target=$name-engine out=$build/out/$name-engine log=$build/out/$name-engine/build.log
	start=$(date +%s)
	mkdir -p "$out"
	KCONFIG_ALLCONFIG=$frag kmake -s allnoconfig
	check_config "$frag"
	objs=mm/process_vm_access.o
	grep -q '^CONFIG_CROSS_MEMORY_ATTACH_FP=y' "$out/.config" && objs+=" mm/process_vm_fp.o"
	# Always compile: a warning must show up on every run, not only the first.
	for o in $objs; do rm -f "$out/$o"; done
	kmake W=1 $objs > "$log" 2>&1 || { tail -20 "$log"; die "$name: build failed, see $log"; }
	if grep -E "^($tree/)?mm/process_vm_[a-z_]*\.[ch]:[0-9]+:[0-9]+: warning:" "$log"; then
		die "$name: W=1 warnings in the series' files (above; log: $log)"
	fi
	echo "engine: $name ($arch, ${cross}gcc): $objs, W=1 clean ($(($(date +%s) - start))s)"
done
