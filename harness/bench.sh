#!/bin/bash
# harness/bench.sh: bench/cma_bench and bench/cma_calls on our kernel
# (build/linux) and on mainline's Cross Memory Attach (the untouched Debian
# 6.1 source, unpacked in build/mainline): same config fragments, same
# static binaries, same initramfs, same QEMU; then cma_bench natively on
# this machine, for hardware figures.
#
#   make bench            wall-clock TCG: real time, noisy on a busy host
#   make bench ICOUNT=1   -icount: guest time counts instructions (1 ns
#                         each); the figures repeat exactly run to run
#
# Output in build/bench/MODE/ (MODE = tcg or icount): ours.csv,
# mainline.csv, host.csv, *-calls.csv (time per call), compare.txt (also
# printed), cma_bench-iov*.svg, and the consoles.  Numbers are reported,
# never judged: this fails only if a build, a boot, a call or cma_bench's
# own data check fails.
set -euo pipefail
SECONDS=0
export PROG_TIMEOUT=${PROG_TIMEOUT:-3600} BOOT_TIMEOUT=${BOOT_TIMEOUT:-7200}
. "$(dirname "$0")/lib.sh"

# The guest kernel sees one CPU (no ACPI): no -p there.
GUEST_ARGS=${GUEST_ARGS:--M 16M -v 1,16,1024 -t 5 -r 3}
HOST_ARGS=${HOST_ARGS:--M 16M -v 1,16,1024 -p 0,1}
mode=tcg tsc_khz=
if [ "${ICOUNT:-0}" != 0 ]; then
	# Repeatable only with all three: sleep=off (an idle guest's clock
	# jumps to its next timer instead of following the host's), -seed
	# (RDRAND) and a fixed RTC (the boot time seeds the kernel's RNG too).
	mode=icount tsc_khz=1000000
	QEMU_ARGS="-icount shift=0,sleep=off -seed 1 -rtc base=2024-01-01T00:00:00,clock=vm"
fi
export QEMU_ARGS
d=$build/bench/$mode
mkdir -p "$d"
# Without ACPI the guest has no HPET or PM timer, and under TCG the PIT is
# too uneven to calibrate the TSC against, so the kernel would time with
# jiffies (4 ms).  Give it the TSC rate: QEMU's guest TSC runs at the
# host's under TCG, at 1 GHz (one tick per instruction) with -icount shift=0.
# No APIC timer: calibrating it spins on PAUSE, which costs a TCG exit each
# (minutes under -icount), and it fails under TCG anyway; the PIT ticks.
if [ -z "$tsc_khz" ]; then
	gcc -O2 -o "$d/tsc_khz" "$top/bench/tsc_khz.c"
	tsc_khz=$("$d/tsc_khz")
fi
# norandmaps: with address space randomisation the VMA tree's shape, and
# so the cost of every lookup in it, changes from boot to boot (about 40
# instructions of a 2600-instruction call under -icount); a rebuilt kernel
# boots differently and would draw another layout.
kargs="quiet norandmaps noapictimer tsc_early_khz=$tsc_khz tsc=reliable no_timer_check CMA_BENCH_ARGS=\"-c $GUEST_ARGS\""

# mainline: the Debian source as shipped, unpacked once.
src=/usr/src/linux-source-6.1.tar.xz mainline=$top/build/mainline
if [ ! -f "$mainline/Makefile" ]; then
	echo "bench: unpacking $src into ${mainline#$top/}"
	rm -rf "$mainline.tmp" && mkdir -p "$mainline.tmp"
	tar -xJf "$src" -C "$mainline.tmp" --strip-components=1
	mv "$mainline.tmp" "$mainline"
fi

target_load x86_64
declare -A kout=([ours]=$out [mainline]=$top/build/bench-mainline/out/$target)
echo "bench: building both kernels (logs: ${d#$top/}/*.build.log)"
"$H/kernel.sh" "$target" > "$d/ours.build.log" 2>&1 ||
	die "ours: kernel build failed, see $d/ours.build.log"
KERNEL_TREE=$mainline BUILD_DIR=$top/build/bench-mainline ALLOW_MISSING=CROSS_MEMORY_ATTACH_FP \
	"$H/kernel.sh" "$target" \
	> "$d/mainline.build.log" 2>&1 || die "mainline: kernel build failed, see $d/mainline.build.log"

# The same binaries, one initramfs (init, cma_bench, cma_calls) for both kernels.
build=$top/build/bench	# user programs: ours alone, apart from check's
build_user "${abis[0]}" > "$d/user.build.log" 2>&1 || die "user programs: see $d/user.build.log"
make -s -C "$top/bench" CC="ccache ${abis[0]#*=}" OUTPUT="$build/user/${abis[0]%%=*}"
# The same bytes every run: under -icount even inode times change the counts.
touch -d @0 "$build/user/${abis[0]%%=*}"/{init,cma_bench,cma_calls}
SOURCE_DATE_EPOCH=0 make_initrd "$build/bench.cpio" cma_bench cma_calls

for k in ours mainline; do
	echo "bench: $k: booting ($mode; console: ${d#$top/}/$k.log)"
	start=$(date +%s)
	out=${kout[$k]} BOOT_ARGS=$kargs boot "$build/bench.cpio" "$d/$k.result" > "$d/$k.log" 2>&1 || true
	tr -d '\r' < "$d/$k.result" | grep -qx 'done pass=2 fail=0 skip=0' ||
		die "$k: cma_bench or cma_calls failed, see $d/$k.log"
	tr -d '\r' < "$d/$k.log" | grep -aE '^(method|memcpy|cma_read|cma_write|shm_2copy|procmem|pipe),' > "$d/$k.csv"
	tr -d '\r' < "$d/$k.log" | grep -a '^calls,' > "$d/$k-calls.csv"
	echo "bench: $k: $(($(date +%s) - start))s, $(($(wc -l < "$d/$k.csv") - 1)) points"
done

echo "bench: host ($(uname -r), native)"
"$build/user/${abis[0]%%=*}/cma_bench" $HOST_ARGS --csv "$d/host.csv" > "$d/host.log"

runs=("ours=$d/ours.csv" "mainline=$d/mainline.csv" "host=$d/host.csv")
{
	echo "Time per call, ns (instructions with -icount): ours against mainline"
	awk -F, 'FNR == NR { m[$2] = $3; next }
		 FNR == 1 { printf "%-18s %10s %10s  %s\n", "call", "ours", "mainline", "mainline/ours" }
		 { printf "%-18s %10d %10d  %.3f\n", $2, $3, m[$2], $3 ? m[$2] / $3 : 0 }' \
		"$d/mainline-calls.csv" "$d/ours-calls.csv"
	echo
	python3 "$top/bench/plot.py" compare "${runs[@]}"
} > "$d/compare.txt"
python3 "$top/bench/plot.py" "${runs[@]:0:2}" --iov all -o "$d/cma_bench.svg" \
	--title "$mode: process-to-process copy bandwidth" > /dev/null
cat "$d/compare.txt"
echo "bench: $mode: ${SECONDS}s; results in ${d#$top/}/ (compare.txt, cma_bench-iov*.svg, *.csv)"
