#!/bin/bash
# harness/run.sh: boot the x86_64 kernel with harness/demo as the only
# program and show what it prints: one process reading and writing
# another's memory with process_vm_readv() and process_vm_writev().
set -euo pipefail
. "$(dirname "$0")/lib.sh"

target_load x86_64
blog=$build/logs/run.build.log log=$build/logs/run.log res=$build/logs/run.result
mkdir -p "$build/logs"
echo "run: building the x86_64 kernel (log: ${blog#$top/})"
"$H/kernel.sh" x86_64 > "$blog" 2>&1 || die "kernel build failed, see ${blog#$top/}"
build_user "${abis[0]}" >> "$blog" 2>&1 || die "user programs failed to build, see ${blog#$top/}"
make_initrd "$out/demo.cpio" demo
echo "run: booting (console: ${log#$top/})"
BOOT_ARGS=quiet boot "$out/demo.cpio" "$res" | tee "$log" | tr -d '\r' |
	sed -n 's/.*\(init: ==== \)/\1/; /^init: ==== /,/^init: prog /p'
tr -d '\r' < "$res" | grep -qx 'done pass=1 fail=0 skip=0' || die "the demo did not pass"
