# Shared by harness/kernel.sh, check.sh and run.sh: the target table, the
# user programs and the QEMU command line.  Sourced, not run.

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
H=$top/harness
# KERNEL_TREE and BUILD_DIR run the harness on another tree (e.g. a clone
# checked out at "base") without touching build/.
tree=${KERNEL_TREE:-$top/build/linux}
build=${BUILD_DIR:-$top/build}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-1200}
PROG_TIMEOUT=${PROG_TIMEOUT:-300}
# The test programs' environment: VAR=value words on the kernel command
# line, which the kernel hands to init and init to every program it runs.
# check.sh and check-debug.sh boot the selftests with it.
# CMA_REQUIRE_EXTENSIONS=1: a series extension the kernel lacks (EINVAL
# from its flag probe) fails the selftests instead of skipping them.
TEST_ENV="CMA_REQUIRE_EXTENSIONS=1"

die() { echo "${0##*/}: $*" >&2; exit 1; }

# Every target name in the table, in table order.
all_targets() { awk '!/^#/ && NF { print $1 }' "$H/targets"; }

# target_line TARGET: TARGET's line of the table, or false.
target_line() { awk -v t="$1" '!/^#/ && $1 == t' "$H/targets" | grep .; }

# target_load TARGET: set target, kernel (the target whose kernel it boots:
# TARGET itself when the kernel column is "-"), arch cross image qemu
# machine cpu console result, abis (an array of NAME=COMPILER) and out (the
# kernel's build directory, build/out/KERNEL) from TARGET's line.
target_load() {
	local line k_kernel k_rest
	line=$(target_line "$1") || die "unknown target '$1' (known: $(all_targets | xargs))"
	read -r target kernel arch cross image qemu machine cpu console result abis_str <<< "$line"
	[ -n "$abis_str" ] || die "harness/targets: line '$1' has fewer columns than the header (target kernel arch cross image qemu machine cpu console result abis)"
	read -r -a abis <<< "$abis_str"
	if [ "$kernel" = - ] || [ "$kernel" = "$target" ]; then
		kernel=$target
	else
		line=$(target_line "$kernel") ||
			die "harness/targets: '$target' boots the kernel of '$kernel', which is no target; name one with '-' in its kernel column"
		read -r _ k_kernel k_rest <<< "$line"
		[ "$k_kernel" = - ] ||
			die "harness/targets: '$target' boots the kernel of '$kernel', which builds none (it boots '$k_kernel's); name '$k_kernel' instead"
		[ "$(echo $k_rest | cut -d' ' -f1-3)" = "$arch $cross $image" ] ||
			die "harness/targets: '$target': arch, cross and image must be those of its kernel '$kernel' ($(echo $k_rest | cut -d' ' -f1-3))"
	fi
	[ "$cross" != - ] || cross=
	out=$build/out/$kernel
}

# kmake ARG...: make in the tree for the loaded arch, out of tree in $out,
# through ccache.
kmake() {
	make -C "$tree" O="$out" ARCH="$arch" CROSS_COMPILE="$cross" \
		CC="ccache ${cross}gcc" HOSTCC="ccache gcc" -j2 "$@"
}

# check_config FRAGMENT: every CONFIG_FOO=value line of FRAGMENT reached
# $out/.config (=n also when FOO is absent: unmet dependencies mean n), or
# list the ones that did not and exit.  ALLOW_MISSING: see kernel.sh.
check_config() {
	local line sym bad=() missing=()

	while IFS= read -r line; do
		case $line in
		CONFIG_*=n)	sym=${line%%=*}
				grep -qE "^$sym=[ym]$" "$out/.config" || continue ;;
		CONFIG_*=*)	sym=${line%%=*}
				grep -qxF -- "$line" "$out/.config" && continue ;;
		*)		continue ;;
		esac
		if grep -rqE "^(menu)?config ${sym#CONFIG_}\$" --include='Kconfig*' "$tree"; then
			bad+=("$line (.config: $(grep -E "^(# )?$sym[= ]" "$out/.config" || echo absent))")
		elif [[ " ${ALLOW_MISSING:-} " = *" ${sym#CONFIG_} "* ]]; then
			echo "${0##*/}: $target: $sym not in this tree (allowed by ALLOW_MISSING)" >&2
		else
			missing+=("$line")
		fi
	done < "$1"
	[ ${#bad[@]} = 0 ] && [ ${#missing[@]} = 0 ] && return
	echo "${0##*/}: $target: config fragment options that did not reach $out/.config:" >&2
	[ ${#bad[@]} = 0 ] || printf '  %s\n' "${bad[@]}" >&2
	[ ${#missing[@]} = 0 ] || printf '  %s (no such symbol in ${tree#$top/})\n' "${missing[@]}" >&2
	exit 1
}

# build_user ABI=CC: the static guest programs for one user ABI, in
# build/user/ABI: init, demo, and tests/ with smoke plus every program the
# tree's tools/testing/selftests/cma builds (when that directory exists),
# against the uapi headers of the loaded target's kernel (as the top-level
# selftests Makefile would pass them).
build_user() {
	local abi=${1%%=*} cc="ccache ${1#*=}" dir=$build/user/${1%%=*}
	local cma=$tree/tools/testing/selftests/cma stamp prog
	local cflags="-static -O2 -Wall -Wextra -Werror"

	rm -rf "$dir/tests"	# no stale programs from an earlier tree
	mkdir -p "$dir/tests" "$dir/cma"
	for prog in init demo; do
		$cc $cflags -o "$dir/$prog" "$H/$prog.c" || return
	done
	$cc $cflags -o "$dir/tests/smoke" "$H/smoke.c" || return
	[ -d "$cma" ] || return 0

	# The selftests' own Makefile, per the contract: OUTPUT, CC, LDFLAGS.
	# It must not write into the tree: build/linux is not ours.
	stamp=$dir/cma/.started
	touch "$stamp"
	make -s -C "$cma" OUTPUT="$dir/cma" CC="$cc" LDFLAGS=-static \
		KHDR_INCLUDES="-isystem $out/usr/include" || return
	[ -z "$(find "$cma" -newer "$stamp" -print -quit)" ] ||
		die "selftests/cma build wrote into the source tree: $(find "$cma" -newer "$stamp")"
	for prog in $(make -s -C "$cma" OUTPUT="$dir/cma" emit_tests | sed 's/^[^:]*://'); do
		[ -x "$dir/cma/$prog" ] || die "selftests/cma: $prog was not built"
		cp "$dir/cma/$prog" "$dir/tests/$prog"
	done
}

# make_initrd TARGET-OUT-FILE [PROGRAM...]: an uncompressed cpio with /init
# (the native ABI's init) and /tests/ABI/* for every ABI of the loaded
# target.  PROGRAMs, if given, replace the tests: they become
# /tests/ABI/PROGRAM, for the native ABI alone.
# SOURCE_DATE_EPOCH, if set, is the mtime of its directories and nodes.
make_initrd() {
	local cpio=$1 spec a abi f gen=$build/user/gen_init_cpio
	local only=("${@:2}")

	[ -x "$gen" ] && [ "$gen" -nt "$tree/usr/gen_init_cpio.c" ] ||
		gcc -O2 -o "$gen" "$tree/usr/gen_init_cpio.c" || return
	spec="dir /dev 755 0 0
nod /dev/console 600 0 0 c 5 1
dir /proc 755 0 0
dir /sys 755 0 0
dir /tmp 1777 0 0
dir /tests 755 0 0
file /init $build/user/${abis[0]%%=*}/init 755 0 0"
	for a in "${abis[@]}"; do
		abi=${a%%=*}
		spec+=$'\n'"dir /tests/$abi 755 0 0"
		if [ ${#only[@]} -gt 0 ]; then
			for f in "${only[@]}"; do
				spec+=$'\n'"file /tests/$abi/$f $build/user/$abi/$f 755 0 0"
			done
			break
		fi
		for f in "$build/user/$abi/tests"/*; do
			spec+=$'\n'"file /tests/$abi/${f##*/} $f 755 0 0"
		done
	done
	"$gen" ${SOURCE_DATE_EPOCH:+-t "$SOURCE_DATE_EPOCH"} - <<< "$spec" > "$cpio"
}

# boot INITRD RESULT: run the loaded target's kernel under QEMU, for at
# most BOOT_TIMEOUT seconds, and each guest program for at most
# PROG_TIMEOUT; the console goes to stdout, the results channel to RESULT.
# BOOT_ARGS is added to the kernel command line, QEMU_ARGS (split on
# spaces) to QEMU's: bench.sh's -icount.  768M: THP turns itself off below
# 512M, and 32-bit kernels have no HIGHMEM to use more.  QEMU_MEM
# overrides it (check-debug.sh: KASAN's shadow and kmemleak want more).
# hugepages=4 reserves huge pages for the hugetlb tests and
# secretmem.enable=1 turns memfd_secret() on (off by default in 6.1).  A
# kernel without secretmem ignores the latter; one without hugetlb (or,
# like ppc64's hash MMU under TCG, without a huge page size) passes the
# former on to init's environment or ignores it: harmless either way.
boot() {
	local initrd=$1 res=$2

	rm -f "$res"
	timeout --foreground "$BOOT_TIMEOUT" "qemu-system-$qemu" \
		-nodefaults -nographic -no-reboot -monitor none \
		-M "$machine" -cpu "$cpu" -smp 2 -m "${QEMU_MEM:-768M}" \
		-serial stdio \
		-chardev file,id=result,path="$res" -serial chardev:result \
		-kernel "$out/$image" -initrd "$initrd" ${QEMU_ARGS:-} \
		-append "console=$console harness.result=/dev/$result harness.timeout=$PROG_TIMEOUT panic=-1 panic_on_warn=1 oops=panic hugepages=4 secretmem.enable=1 ${BOOT_ARGS:-}" \
		< /dev/null
}

# build_failed LABEL LOG SECONDS: report a target whose kernel or programs
# did not build, with the log's error lines, and count it (one failure) in
# the caller's lines, fail and bad_targets.
build_failed() {
	lines+=("$1: build FAILED, see ${2#$top/} (build ${3}s)")
	grep -E 'error|Error|kernel.sh:|  CONFIG_' "$2" | head -10 | sed 's/^/  /' >&2
	fail=$((fail + 1)) bad_targets=$((bad_targets + 1))
	echo "${lines[-1]}"
}

# run_broken RC: what QEMU's exit status RC says went wrong with a boot, if
# anything (124 is timeout's).
run_broken() {
	if [ "$1" = 124 ]; then
		echo "timed out after ${BOOT_TIMEOUT}s"
	elif [ "$1" != 0 ]; then
		echo "qemu exited with status $1"
	fi
}

# make_verdict PASS-TEXT: set verdict from per_abi, broken and failed (as
# judge_results leaves them); a broken run counts one failure on top of the
# programs' own.  False if the target failed.
make_verdict() {
	verdict=$(IFS=,; echo "${per_abi[*]}" | sed 's/,/, /g')
	if [ -n "$broken" ]; then
		fail=$((fail + 1))
		verdict+=" — FAIL ($broken${failed:+; failed:$failed})"
	elif [ -n "$failed" ]; then
		verdict+=" — FAIL (failed:$failed)"
	else
		verdict+=" — $1"
		return 0
	fi
	return 1
}

# summary: every target's line again, then the totals; false if anything
# failed.
summary() {
	echo
	printf '%s\n' "${lines[@]}"
	echo "$pass passed, $fail failed$([ "$skip" = 0 ] || echo ", $skip skipped")"
	[ "$bad_targets" = 0 ] && [ "$fail" = 0 ]
}

# judge_results RESULT: read the loaded target's results channel; add each
# ABI's counts to pass/fail/skip, set per_abi (one "ABI P/T (S skipped)"
# each), failed (the programs that failed) and, if the channel is not
# complete, broken (why), unless broken already says something.
judge_results() {
	local results a abi p f s

	results=$(tr -d '\r' 2> /dev/null < "$1")
	grep -q '^done ' <<< "$results" || broken=${broken:-"no 'done' on the results channel"}
	per_abi=()
	for a in "${abis[@]}"; do
		abi=${a%%=*} p=
		read -r p f s < <(sed -n "s/^abi $abi pass=\([0-9]*\) fail=\([0-9]*\) skip=\([0-9]*\)$/\1 \2 \3/p" <<< "$results")
		if [ -z "$p" ]; then
			per_abi+=("$abi -")
			broken=${broken:-"no results for $abi"}
			continue
		fi
		pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
		per_abi+=("$abi $p/$((p + f + s))$([ "$s" = 0 ] || echo " ($s skipped)")")
	done
	failed=$(awk '$1 == "prog" && $5 != "fail=0" { printf " %s/%s", $2, $3 }' <<< "$results")
}
