#!/bin/bash
# harness/check-debug.sh [TARGET...]: the selftests and the stress programs
# under a debug kernel (default target: x86_64).  For each target:
#
#  - build its kernel as harness/kernel.sh does, plus the lines of
#    stress/debug.config for that target (KASAN, UBSAN, KFENCE, lockdep,
#    DEBUG_VM, DEBUG_PAGEALLOC, kmemleak...), in build/debug/ so the normal
#    build is untouched; every fragment line must reach .config;
#  - install, for every ABI of the target, the selftests (as make check),
#    stress/'s cma_stress, cma_chaos and cma_fuzz (default bounds, 20-25 s
#    each), and last of all stress/kmemleak.c, which scans twice for
#    leaks and prints kmemleak's report;
#  - boot it with QEMU_MEM (2G) of RAM, panic_on_warn=1 (from boot()),
#    BOOT_TIMEOUT 3600 s for the run and PROG_TIMEOUT 900 s a program;
#  - judge it as make check does (results channel, every ABI, QEMU's exit)
#    and fail on any report on the console: KASAN, KFENCE, UBSAN, BUG,
#    WARNING (lockdep's reports among them), Oops, panic, hung task, RCU
#    stall, kmemleak leaks, a detector that turned itself off.
#
# Ends like make check: one line per target, then "N passed, N failed".
#
#   check-debug.sh --scan LOG...   just the console judgement of LOGs
#   check-debug.sh --selftest      the judgement against synthetic logs
#
# Logs: build/debug/logs/TARGET.build.log, TARGET.log, TARGET.result.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export BUILD_DIR=${BUILD_DIR:-$top/build/debug}
export BOOT_TIMEOUT=${BOOT_TIMEOUT:-3600} PROG_TIMEOUT=${PROG_TIMEOUT:-900}
export QEMU_MEM=${QEMU_MEM:-2G}
. "$top/harness/lib.sh"

# Console lines that start a kernel report; each is counted as one.
report_re='BUG:|WARNING:|UBSAN:|Oops|Kernel panic|kernel BUG at|general protection fault|Unable to handle kernel'
report_re+='|possible circular locking|inconsistent lock state|possible recursive locking|suspicious RCU usage'
report_re+='|bad unlock balance|lock held when returning|turning off the locking correctness validator'
report_re+='|DEBUG_LOCKS_WARN_ON|INFO: task .* blocked for more than|rcu: INFO:|detected stalls? on CPU'
report_re+='|self-detected stall|kmemleak: .*(suspected memory leak|disabled|[Cc]annot)|unreferenced object 0x'
report_re+='|KFENCE:|KASAN:|page allocation failure|invoked oom-killer|[Bb]ad page (state|map)'
report_re+='|list_(add|del) corruption|Kernel memory leak detector disabled'

# scan_console LOG: print the report lines in LOG (cleaned of CRs), and a
# "Call Trace" if one comes with no line above; false if any.
scan_console() {
	local lines
	lines=$(tr -d '\r' < "$1" | grep -aE "$report_re")
	[ -n "$lines" ] || lines=$(tr -d '\r' < "$1" | grep -a -m1 'Call Trace')
	[ -z "$lines" ] || { printf '%s\n' "$lines"; return 1; }
}

# The judgement must see what it is there to see: synthetic consoles, one
# clean (a debug kernel's usual boot and test chatter) and one report of
# each kind, the first words of each as the kernel prints them.
scan_selftest() {
	local d bad=0 line n=0
	d=$(mktemp -d) || return
	cat > "$d/clean" <<-'EOF'
	[    0.000000] Kernel command line: console=ttyS0 panic=-1 panic_on_warn=1 oops=panic
	[    0.000000] kasan: KernelAddressSanitizer initialized
	[    0.010000] Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar
	[    0.020000] kfence: initialized - using 2097152 bytes for 255 objects at 0x(____ptrval____)
	[    1.000000] kmemleak: Kernel memory leak detector initialized (mem pool available: 14843)
	[    1.100000] debug_pagealloc: enabled
	init: ==== x86_64/cma_fuzz ====
	# EFAULT                    12           34
	cma_fuzz: 1000 calls, 0 bad outcomes, 20.0 s, seed 0x0000000000000001
	ok 1 kmemleak: no leaks reported after two scans 6 s apart
	EOF
	scan_console "$d/clean" > "$d/out" || { echo "scan: clean log flagged:"; cat "$d/out"; bad=1; }
	while IFS= read -r line; do
		n=$((n + 1))
		printf '[   12.345678] %s\r\n' "$line" > "$d/bad"
		scan_console "$d/bad" > /dev/null && { echo "scan: missed: $line"; bad=1; }
	done <<-'EOF'
	BUG: KASAN: slab-out-of-bounds in process_vm_rw_core+0x1a/0x200
	BUG: KASAN: use-after-free in copy_page_to_iter+0x10/0x100
	BUG: KFENCE: out-of-bounds read in process_vm_rw+0x1/0x2
	UBSAN: shift-out-of-bounds in mm/process_vm_access.c:123:45
	UBSAN: array-index-out-of-bounds in mm/process_vm_access.c:10:2
	WARNING: CPU: 1 PID: 77 at mm/gup.c:1234 __get_user_pages+0x1/0x2
	WARNING: possible circular locking dependency detected
	WARNING: inconsistent lock state
	WARNING: possible recursive locking detected
	WARNING: suspicious RCU usage
	BUG: sleeping function called from invalid context at mm/gup.c:1
	BUG: Bad page state in process cma_chaos  pfn:12345
	BUG: Bad rss-counter state mm:000000001 type:MM_ANONPAGES val:1
	BUG: soft lockup - CPU#0 stuck for 22s! [cma_stress:99]
	kernel BUG at mm/process_vm_access.c:99!
	Oops: 0000 [#1] PREEMPT SMP KASAN
	general protection fault, probably for non-canonical address 0xdffffc0000000000: 0000 [#1]
	Kernel panic - not syncing: panic_on_warn set ...
	INFO: task cma_chaos:123 blocked for more than 120 seconds.
	rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:
	kmemleak: 3 new suspected memory leaks (see /sys/kernel/debug/kmemleak)
	# unreferenced object 0xffff888003a1b2c0 (size 64):
	kmemleak: Kernel memory leak detector disabled
	Call Trace:
	EOF
	rm -rf "$d"
	[ "$bad" = 0 ] && echo "scan: self-test passed (1 clean log, $n reports)"
	return "$bad"
}

case ${1:-} in
--scan)		shift; rc=0
		for f; do scan_console "$f" || rc=1; done; exit $rc ;;
--selftest)	scan_selftest; exit ;;
esac

scan_selftest >&2 || die "the console judgement is broken"
[ $# -gt 0 ] || set -- x86_64
mkdir -p "$build/logs"
declare -A built
lines=() pass=0 fail=0 skip=0 bad_targets=0

# The loaded target's kernel's lines of stress/debug.config (its header's awk).
debug_fragment() {
	awk -v t="$kernel" '/^#@ targets:/ { on = / all( |$)/ || $0 ~ " " t "( |$)" }
		on || !seen { print } /^#@ targets:/ { seen = 1 }' "$top/stress/debug.config"
}

# build_debug_user ABI=CC: build_user's programs plus the stress ones.
build_debug_user() {
	local abi=${1%%=*} cc="ccache ${1#*=}" dir=$build/user/${1%%=*} p
	build_user "$1" || return
	make -s -C "$top/stress" CC="$cc" OUTPUT="$dir/stress" || return
	for p in cma_stress cma_chaos cma_fuzz; do
		cp "$dir/stress/$p" "$dir/tests/$p" || return
	done
}

# stress_summary LOG: per ABI and stress program, its summary line and the
# outcomes it counted (non-zero ones), from the console.
stress_summary() {
	tr -d '\r' < "$1" | awk '
	/^init: ==== / { split($3, a, "/"); abi = a[1]; p = a[2]; outc = ""; next }
	p !~ /^cma_(stress|chaos|fuzz)$/ { next }
	/^# (full count|partial count|E[A-Z]+|anything else) / {
		r = $(NF - 1); w = $NF; $1 = ""; $NF = ""; $(NF - 1) = ""; gsub(/^ +| +$/, "")
		if (r + w) outc = outc sprintf("%s%s %s/%s", outc == "" ? "" : ", ", $0, r, w)
		next
	}
	$0 ~ "^" p ": [0-9]+ calls" { sum = $0; sub("^" p ": ", "", sum) }
	/^init: prog / && $4 == p {
		printf "  %s/%s: %s; %s; %s\n", abi, p, sum == "" ? "no summary" : sum,
			$5 " " $6 " " $7, $8
		if (outc != "") printf "      outcomes (readv/writev): %s\n", outc
		p = ""; sum = ""
	}'
}

# detectors_up: the detectors .config enables that did not say they
# started (KASAN on book3s64 turns itself off under the hash MMU).
detectors_up() {
	local sym re missing=
	while read -r sym re; do
		grep -q "^CONFIG_$sym=y" "$out/.config" || continue
		grep -qaE "$re" "$log" || missing+=" $sym"
	done <<-'EOF'
	KASAN KernelAddressSanitizer initialized|KASAN init done
	KFENCE kfence: initialized
	DEBUG_KMEMLEAK kmemleak: Kernel memory leak detector initialized
	LOCKDEP Lock dependency validator
	EOF
	echo "${missing# }"
}

# Per target boot parameters: KASAN on book3s64 needs the radix MMU,
# which ppc64 (big-endian) only uses when asked.
debug_boot_args() {
	case $kernel in
	ppc64)	echo disable_radix=no ;;
	esac
}

debug_syms='KASAN KASAN_GENERIC KASAN_OUTLINE KASAN_VMALLOC UBSAN UBSAN_SANITIZE_ALL KFENCE
	PROVE_LOCKING LOCKDEP DEBUG_ATOMIC_SLEEP DEBUG_VM DEBUG_VM_PGFLAGS DEBUG_PAGEALLOC
	DEBUG_PAGEALLOC_ENABLE_DEFAULT DEBUG_KMEMLEAK DEBUG_LIST DETECT_HUNG_TASK
	BOOTPARAM_HUNG_TASK_PANIC SLUB_DEBUG'

for t in "$@"; do
	target_load "$t"
	blog=$build/logs/$t.build.log log=$build/logs/$t.log res=$build/logs/$t.result
	echo "check-debug: $t: building the debug kernel and user programs (log: ${blog#$top/})" >&2
	start=$(date +%s)
	ok=1
	mkdir -p "$out"
	debug_fragment > "$out/debug.config"
	EXTRA_CONFIG=$out/debug.config "$H/kernel.sh" "$t" > "$blog" 2>&1 || ok=
	# kernel.sh checked the fragments it used: were ours among them?
	if [ -n "$ok" ] && grep -v -xF -f "$out/fragments.config" <(grep '^CONFIG_' "$out/debug.config") >> "$blog"; then
		echo "check-debug: $t: kernel.sh did not apply EXTRA_CONFIG (lines above)" >> "$blog"
		ok=
	fi
	last_abi=$(for a in "${abis[@]}"; do echo "${a%%=*}"; done | LC_ALL=C sort | tail -1)
	for a in "${abis[@]}"; do
		[ -n "$ok" ] || break
		[ -n "${built[${a%%=*}]:-}" ] && continue
		build_debug_user "$a" >> "$blog" 2>&1 && built[${a%%=*}]=1 || ok=
	done
	for a in "${abis[@]}"; do	# kmemleak runs last: last ABI, last name
		[ -n "$ok" ] && [ "${a%%=*}" = "$last_abi" ] || continue
		ccache ${a#*=} -static -O2 -Wall -Wextra -Werror -o "$build/user/$last_abi/tests/zz-kmemleak" \
			"$top/stress/kmemleak.c" >> "$blog" 2>&1 || ok=
	done
	[ -z "$ok" ] || make_initrd "$out/initrd.cpio" >> "$blog" 2>&1 || ok=
	booted=$(date +%s)
	if [ -z "$ok" ]; then
		build_failed "$t (debug)" "$blog" $((booted - start))
		continue
	fi
	echo "check-debug: $t: in .config: $(for s in $debug_syms; do
		grep -q "^CONFIG_$s=y" "$out/.config" && printf '%s ' "$s"; done)" >&2

	echo "check-debug: $t: booting, $QEMU_MEM, up to ${BOOT_TIMEOUT}s (console: ${log#$top/})" >&2
	rm -f "$res"
	BOOT_ARGS="${BOOT_ARGS:-} $TEST_ENV $(debug_boot_args)" boot "$out/initrd.cpio" "$res" > "$log" 2>&1
	rc=$?
	done_at=$(date +%s)
	times="build $((booted - start))s, boot $((done_at - booted))s"

	# The results channel and QEMU, as make check judges them.
	broken=$(run_broken "$rc") per_abi=()
	judge_results "$res"
	down=$(detectors_up)
	[ -z "$down" ] || broken="${broken:+$broken; }not started: $down"

	# The console: every report is a failure, whatever the programs said.
	reports=$(scan_console "$log")
	nreports=$(grep -c . <<< "$reports")
	echo "check-debug: $t: stress programs:" >&2
	stress_summary "$log" >&2
	tr -d '\r' < "$log" | grep -aE '^(not )?ok 1 kmemleak' | sed 's/^/check-debug: '"$t"': /' >&2
	echo "check-debug: $t: console: $nreports kernel report lines" >&2
	[ "$nreports" = 0 ] || sed 's/^/  | /' <<< "$reports" | head -40 >&2

	if [ "$nreports" != 0 ]; then
		broken="${broken:+$broken; }console: $nreports report lines, first: $(head -1 <<< "$reports" | cut -c1-100)"
	fi
	make_verdict "PASS, 0 console reports" || bad_targets=$((bad_targets + 1))
	lines+=("$t (debug): $verdict ($times)")
	echo "${lines[-1]}"
done
summary
