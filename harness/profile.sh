#!/bin/bash
# harness/profile.sh [SKIP]: where the instructions of one call go, ours
# against mainline.  Boots each x86_64 kernel that `make bench` built with
# bench/cma_calls alone, under -icount and QEMU's gdb stub; gdb stops at
# the SKIP+1st entry of __x64_sys_process_vm_readv (then _writev), 100 by
# default, so a steady-state 64 B call, and single-steps it to its return,
# counting instructions per function.  Prints, per call, the functions
# whose counts differ; the full lists go to build/bench/profile/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

skip=${1:-100}
[[ $skip =~ ^[0-9]+$ ]] || die "SKIP must be a number of calls to let pass (got '$skip')"
command -v gdb > /dev/null || die "gdb is missing: apt-get install gdb"
target_load x86_64
declare -A kout=([ours]=$out [mainline]=$top/build/bench-mainline/out/$target)
calls=$top/build/bench/user/${abis[0]%%=*}/cma_calls
for k in ours mainline; do
	[ -f "${kout[$k]}/vmlinux" ] || die "no $k kernel in ${kout[$k]#$top/}: run 'make bench' first"
done
[ -x "$calls" ] || die "no ${calls#$top/}: run 'make bench' first"
d=$build/bench/profile
mkdir -p "$d"
# make_initrd wants the program under $build/user/ABI: give it bench's.
mkdir -p "$d/user/${abis[0]%%=*}"
cp "$build/bench/user/${abis[0]%%=*}"/{init,cma_calls} "$d/user/${abis[0]%%=*}/"
build=$d SOURCE_DATE_EPOCH=0 make_initrd "$d/calls.cpio" cma_calls

port=1234
for call in readv writev; do
	for k in ours mainline; do
		out=${kout[$k]} BOOT_ARGS="quiet norandmaps noapictimer tsc_early_khz=1000000 tsc=reliable no_timer_check CMA_BENCH_ARGS=\"-c\"" \
		QEMU_ARGS="-icount shift=0,sleep=off -seed 1 -rtc base=2024-01-01T00:00:00,clock=vm -gdb tcp:127.0.0.1:$port -S" \
			boot "$d/calls.cpio" "$d/$k.result" > "$d/$k-$call.console" 2>&1 &
		qemu_pid=$!
		sleep 1
		VMLINUX=${kout[$k]}/vmlinux FN=__x64_sys_process_vm_$call SKIP=$skip \
		OUT=$d/$k-$call.txt PORT=$port timeout 900 gdb -batch -nx -x "$H/profile.py" \
			> "$d/$k-$call.gdb" 2>&1 || die "$k $call: gdb failed, see ${d#$top/}/$k-$call.gdb"
		kill "$qemu_pid" 2> /dev/null || true
		wait "$qemu_pid" 2> /dev/null || true
	done
	echo "$call, call $((skip + 1)): instructions per function where the kernels differ"
	awk 'FNR == 1 { t[FILENAME == ARGV[1]] = $2; next }
	     { n[$2, FILENAME == ARGV[1]] = $1; f[$2] = 1 }
	     END { printf "%-40s %8s %8s\n", "function", "ours", "mainline"
		   printf "%-40s %8d %8d\n", "total", t[1], t[0]
		   for (k in f) if (n[k, 1] != n[k, 0]) printf "%-40s %8d %8d\n", k, n[k, 1], n[k, 0] }' \
		"$d/ours-$call.txt" "$d/mainline-$call.txt"
	echo
done
echo "profile: full lists in ${d#$top/}/{ours,mainline}-{readv,writev}.txt"
