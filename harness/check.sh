#!/bin/bash
# harness/check.sh [TARGET...]: for each target (default: every line of
# harness/targets) build the kernel and the user programs of its ABIs, boot
# it under QEMU, and judge it; then print one line per target and a total.
#
# A target passes only if its results channel ends with "done", every ABI
# reported, nothing failed, QEMU exited by itself in time, and the console
# shows no panic, oops, BUG or WARNING.
#
# The total counts test cases: the TAP results of every program (see
# init.c for how exit statuses add to them), over all targets and ABIs.
# A target that fails to build, boot or finish adds one failure of its own.
#
# Logs: build/logs/TARGET.build.log, TARGET.log (console), TARGET.result.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -gt 0 ] || set -- $(all_targets)
for t in "$@"; do (target_load "$t") || exit; done	# a bad name stops us before any build
mkdir -p "$build/logs"
declare -A built	# ABI -> 1 once its programs are built in this run
lines=() pass=0 fail=0 skip=0 bad_targets=0
kernel_trouble='Kernel panic|Oops|BUG:|WARNING:|Unable to handle kernel|Call Trace'

# judge LOG RESULT QEMU-STATUS: set verdict to the loaded target's per-ABI
# results and PASS or FAIL (why), add its counts to the totals; false if
# the target failed.  A problem with the run itself (crash, hang, missing
# results) adds one failure on top of the programs' own.
judge() {
	local log=$1 res=$2 rc=$3 a broken failed per_abi=()

	broken=$(run_broken "$rc")
	a=$(grep -m1 -aE "$kernel_trouble" "$log")
	[ -z "$a" ] || broken="console: $(echo "${a:0:100}" | tr -d '\r')"
	judge_results "$res"
	make_verdict PASS
}

for t in "$@"; do
	target_load "$t"
	blog=$build/logs/$t.build.log log=$build/logs/$t.log res=$build/logs/$t.result
	echo "check: $t: building kernel and user programs (log: ${blog#$top/})" >&2
	start=$(date +%s)
	ok=1
	"$H/kernel.sh" "$t" > "$blog" 2>&1 || ok=
	for a in "${abis[@]}"; do
		[ -n "$ok" ] || break
		[ -n "${built[${a%%=*}]:-}" ] && continue
		build_user "$a" >> "$blog" 2>&1 && built[${a%%=*}]=1 || ok=
	done
	[ -z "$ok" ] || make_initrd "$out/initrd.cpio" >> "$blog" 2>&1 || ok=
	booted=$(date +%s)
	if [ -z "$ok" ]; then
		build_failed "$t" "$blog" $((booted - start))
		continue
	fi

	echo "check: $t: booting (console: ${log#$top/})" >&2
	rm -f "$res"
	BOOT_ARGS="${BOOT_ARGS:-} $TEST_ENV" boot "$out/initrd.cpio" "$res" > "$log" 2>&1
	rc=$?
	done_at=$(date +%s)
	times="build $((booted - start))s, boot $((done_at - booted))s"
	if ! judge "$log" "$res" "$rc"; then
		bad_targets=$((bad_targets + 1))
	fi
	lines+=("$t: $verdict ($times)")
	echo "${lines[-1]}"
done
summary
