# SPDX-License-Identifier: GPL-2.0
#
# issu: in-service software upgrade for Linux routers and firewalls.
#
#   make                 issu.ko (against KDIR) and user/issu-helper
#   make setup           install build and lab dependencies (root, apt)
#   make check           host unit tests and the VM lab scenarios
#   make demo            the demo upgrade in the lab VM
#   make bench           benchmarks (print numbers; not part of make check)
#   make style sparse    checkpatch --strict, sparse (C=2)
#   make KDIR=/path      build the module against another kernel tree

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

style:
	@test -x $(CHECKPATCH) || test -f $(CHECKPATCH) || \
		{ echo "checkpatch not found: run 'make setup'"; exit 1; }
	perl $(CHECKPATCH) $(CHECKPATCH_FLAGS) -f $(KERNEL_SOURCES)
	@# uapi headers cannot use BIT(): it is not part of the user-space API
	perl $(CHECKPATCH) $(CHECKPATCH_FLAGS) --ignore BIT_MACRO -f $(UAPI_SOURCES)

setup:
	scripts/setup.sh

check: setup
	$(MAKE) all module-next
	selftests/run.sh

demo: setup
	$(MAKE) all module-next
	scripts/vm/lab run --show selftests/vm/demo

bench: setup
	$(MAKE) all
	$(MAKE) -C selftests O=$(CURDIR)/selftests/out/host all
	selftests/out/host/flows_bench
	scripts/vm/lab run --timeout 1800 selftests/bench/flows

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	rm -f kmod/compat-probes.h
	$(MAKE) -C user clean
	$(MAKE) -C selftests clean
	rm -rf selftests/out

.PHONY: all module module-next helper sparse style setup check demo bench clean
