# SPDX-License-Identifier: GPL-2.0
#
# issu: in-service software upgrade for Linux routers and firewalls.
#
#   make                 issu.ko (against KDIR) and user/issu-helper
#   make setup           install build and lab dependencies (root, apt)
#   make check           host unit tests and the VM lab scenarios
#   make demo            the demo upgrade in the lab VM
#   make bench           benchmarks (print numbers; not part of make check)
#   make check-debug     the kernel-touching VM scenarios on a debug kernel
#                        (KASAN, lockdep, kmemleak, ...; not part of make check)
#   make style sparse    checkpatch --strict, sparse (C=2)
#   make KDIR=/path      build the module against another kernel tree
#   make module-612      issu.ko and its next build against Debian's 6.12
#                        (headers from make setup), in selftests/out/k612
#   make sparse-612      sparse (C=2) on that 6.12 build

ISSU_CACHE ?= $(CURDIR)/.cache
export ISSU_CACHE
-include $(ISSU_CACHE)/lab.mk
KDIR ?= /lib/modules/$(shell uname -r)/build
W ?= 1

CHECKPATCH ?= $(ISSU_CACHE)/checkpatch/checkpatch.pl
KERNEL_SOURCES := $(filter-out kmod/format_host.c,$(wildcard kmod/*.c)) \
		  $(filter-out kmod/compat-probes.h kmod/format_host.h,$(wildcard kmod/*.h))
UAPI_SOURCES := $(wildcard uapi/linux/*.h)
CHECKPATCH_FLAGS := --strict --no-tree --quiet --show-types --ignore FILE_PATH_CHANGES

all: module helper

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=$(W) modules

helper:
	$(MAKE) -C user

# A second issu.ko declaring the next checkpoint format version (same
# layout), built from a copy of the tree's module sources, for the upgrade
# and rollback tests: selftests/out/next/issu.ko.
NEXT_DIR := $(CURDIR)/selftests/out/next
module-next:
	mkdir -p $(NEXT_DIR)/scripts
	cp -a Kbuild kmod uapi $(NEXT_DIR)/
	cp -a scripts/compat-probe.sh $(NEXT_DIR)/scripts/
	rm -f $(NEXT_DIR)/kmod/*.o $(NEXT_DIR)/kmod/.*.cmd $(NEXT_DIR)/kmod/compat-probes.h
	$(MAKE) -C $(KDIR) M=$(NEXT_DIR) W=$(W) ISSU_FORMAT_NEXT=y \
		ISSU_VERSION="$$(git describe --tags --always --dirty 2>/dev/null || echo 0.1.0)+next" modules

sparse:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=$(W) C=2 modules

# The second kernel issu.ko builds for: Debian's 6.12 for bookworm, headers
# resolved and extracted by scripts/setup.sh (ISSU_KDIR_612 in lab.mk).
# Built from copies of the module sources, so that the tree's issu.ko stays
# the lab kernel's: selftests/out/k612/ko/issu.ko and .../next/issu.ko, the
# ones LAB_KERNEL=$(ISSU_CACHE)/lab-612.env boots with. The copies are
# replaced in place (cp -a keeps the times, no build products are copied,
# removed sources go), so a second build is incremental.
K612_OUT := $(CURDIR)/selftests/out/k612
K612_SOURCES := $(filter-out kmod/compat-probes.h,$(wildcard kmod/*.c kmod/*.h))
module-612:
	@test -n "$(ISSU_KDIR_612)" -a -d "$(ISSU_KDIR_612)" || \
		{ echo "no 6.12 kernel headers (ISSU_KDIR_612): run 'make setup'"; exit 1; }
	set -e; for d in ko next; do \
		mkdir -p $(K612_OUT)/$$d/scripts $(K612_OUT)/$$d/kmod; \
		find $(K612_OUT)/$$d/kmod -name '*.[ch]' ! -name compat-probes.h -delete; \
		cp -a Kbuild uapi $(K612_OUT)/$$d/; \
		cp -a $(K612_SOURCES) $(K612_OUT)/$$d/kmod/; \
		cp -a scripts/compat-probe.sh scripts/version.sh $(K612_OUT)/$$d/scripts/; \
	done
	$(MAKE) -C $(ISSU_KDIR_612) M=$(K612_OUT)/ko W=$(W) modules
	$(MAKE) -C $(ISSU_KDIR_612) M=$(K612_OUT)/next W=$(W) ISSU_FORMAT_NEXT=y \
		ISSU_VERSION="$$(scripts/version.sh)+next" modules
	@for ko in $(K612_OUT)/ko/issu.ko $(K612_OUT)/next/issu.ko; do \
		v=$$(modinfo -F vermagic $$ko | cut -d' ' -f1); \
		test "$$v" = "$(ISSU_KVER_612)" || { echo "$$ko: vermagic $$v, not $(ISSU_KVER_612)"; exit 1; }; \
	done

sparse-612: module-612
	$(MAKE) -C $(ISSU_KDIR_612) M=$(K612_OUT)/ko W=$(W) C=2 modules

style:
	@test -x $(CHECKPATCH) || test -f $(CHECKPATCH) || \
		{ echo "checkpatch not found: run 'make setup'"; exit 1; }
	perl $(CHECKPATCH) $(CHECKPATCH_FLAGS) -f $(KERNEL_SOURCES)
	@# uapi headers cannot use BIT(): it is not part of the user-space API
	perl $(CHECKPATCH) $(CHECKPATCH_FLAGS) --ignore BIT_MACRO -f $(UAPI_SOURCES)

setup:
	scripts/setup.sh

# The 6.12 build (module-612, ~17 s of CPU from scratch) is part of the
# build step when the set-up found 6.12 headers (asked after setup ran: the
# lab.mk this make read may predate it).
check: setup
	$(MAKE) all module-next
	if grep -q '^ISSU_KDIR_612 := .' $(ISSU_CACHE)/lab.mk; then $(MAKE) module-612; fi
	selftests/run.sh

demo: setup
	$(MAKE) all module-next
	scripts/vm/lab run --show selftests/vm/demo

bench: setup
	$(MAKE) all
	$(MAKE) -C selftests O=$(CURDIR)/selftests/out/host all
	selftests/out/host/flows_bench
	scripts/vm/lab run --timeout 1800 selftests/bench/flows
	selftests/bench/cluster-failover/host.sh
	CL_BENCH_MOVE=issu selftests/bench/cluster-failover/host.sh
	selftests/bench/cluster-sync/host.sh

# The debug-kernel lane: Debian's 6.1 kernel with KASAN, PROVE_LOCKING,
# DEBUG_ATOMIC_SLEEP, kmemleak and DEBUG_OBJECTS (scripts/debug-kernel.sh
# builds it once, cached under /var/cache/issu/debug-kernel), issu.ko and its
# next build compiled against that tree, and the scenarios that load issu.ko
# run on it one at a time; each passes only with a clean kernel log
# (lab_vm_verdict, kmemleak scanned at the end). Not among them:
# ckpt-corrupt (its issu_poke.ko is built for the lab kernel only) and
# upgrade-steps (it edits the tree's issu.ko, whose vermagic is the lab
# kernel's).
DEBUG_OUT := $(CURDIR)/selftests/out/debug
DEBUG_SCENARIOS ?= load ckpt-kexec ckpt-interrupt kexec-marker kexec-no-memmap netlink-policy \
	flows-fidelity flows-netns flows-helper synwin macs-issu \
	upgrade-full fwd-tcp-issu fwd-nat-issu fwd-udp-issu fwd-netns-issu fwd-tcp-synwin \
	flows-import fwd-tcp-import
empty :=
space := $(empty) $(empty)
check-debug: setup helper
	mkdir -p $(DEBUG_OUT)
	scripts/debug-kernel.sh build >$(DEBUG_OUT)/kernel.env
	@echo "LAB_MEM_MIN=2048" >>$(DEBUG_OUT)/kernel.env
	@echo "LAB_SLOW=4" >>$(DEBUG_OUT)/kernel.env
	set -e; . $(DEBUG_OUT)/kernel.env; \
	for d in ko next; do \
		rm -rf $(DEBUG_OUT)/$$d; mkdir -p $(DEBUG_OUT)/$$d/scripts; \
		cp -a Kbuild kmod uapi $(DEBUG_OUT)/$$d/; \
		cp -a scripts/compat-probe.sh scripts/version.sh $(DEBUG_OUT)/$$d/scripts/; \
		rm -f $(DEBUG_OUT)/$$d/kmod/*.o $(DEBUG_OUT)/$$d/kmod/.*.cmd \
			$(DEBUG_OUT)/$$d/kmod/compat-probes.h; \
	done; \
	$(MAKE) -C $$LAB_KDIR M=$(DEBUG_OUT)/ko W=$(W) modules; \
	$(MAKE) -C $$LAB_KDIR M=$(DEBUG_OUT)/next W=$(W) ISSU_FORMAT_NEXT=y \
		ISSU_VERSION="$$(git describe --tags --always --dirty 2>/dev/null || echo 0.1.0)+next" modules; \
	for ko in $(DEBUG_OUT)/ko/issu.ko $(DEBUG_OUT)/next/issu.ko; do \
		v=$$(modinfo -F vermagic $$ko | cut -d' ' -f1); \
		test "$$v" = "$$LAB_KVER" || { echo "$$ko: vermagic $$v, not $$LAB_KVER"; exit 1; }; \
	done
	LAB_KERNEL=$(DEBUG_OUT)/kernel.env LAB_ISSU_KO=$(DEBUG_OUT)/ko/issu.ko \
		LAB_ISSU_NEXT=$(DEBUG_OUT)/next/issu.ko ISSU_JOBS=1 \
		selftests/run.sh --no-host -k '^vm:($(subst $(space),|,$(strip $(DEBUG_SCENARIOS))))$$'

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	rm -f kmod/compat-probes.h
	$(MAKE) -C user clean
	$(MAKE) -C selftests clean
	rm -rf selftests/out

.PHONY: all module module-next module-612 sparse-612 helper sparse style setup check check-debug demo bench clean
