# Cross Memory Attach for Linux: one entry point for everything.
#   make check            build, boot and test every target (the CI command)
#   make check TARGETS=ppc64
#   make run              boot x86_64 and show process_vm_readv/writev at work
#   make kernel TARGET=x  build one kernel image
#   make tree             build/linux = base + series (make refresh writes back)
#   make series           the mailable series in build/series/
#   make series-check     checkpatch, refresh round trip, bisectable build,
#                         W=1 engine builds for parisc and arm
#   make bench            ours against mainline's CMA, same QEMU, same binary
#   make profile          one 64 B call single-stepped: instructions per function
#   make check-debug      selftests + stress under KASAN, lockdep, kmemleak...

# TARGETS empty: every line of harness/targets, in table order.
TARGETS ?=
TARGETS_DEBUG ?= x86_64
TARGET  ?= x86_64
H := harness

.PHONY: all deps base tree refresh series series-check kernel check run bench profile check-debug clean
all: check

deps:
	@$(H)/deps.sh

base: deps
	@$(H)/base.sh

tree: base
	@$(H)/series.sh sync

refresh:
	@$(H)/series.sh refresh

series: tree
	@$(H)/series.sh export build/series

series-check: base
	@$(H)/deps.sh series-check
	@$(H)/series.sh check

kernel: tree
	@$(H)/kernel.sh $(TARGET)

check: tree
	@$(H)/check.sh $(TARGETS)

run: tree
	@$(H)/run.sh

bench: tree
	@$(H)/bench.sh

profile:
	@$(H)/profile.sh

check-debug: tree
	@$(H)/check-debug.sh $(TARGETS_DEBUG)

clean:
	rm -rf build/out build/user build/series
