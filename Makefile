# SPDX-License-Identifier: GPL-2.0
#
# issu: in-service software upgrade for Linux routers and firewalls.
#
#   make                 issu.ko (against KDIR) and user/issu-helper
#   make setup           install build and lab dependencies (root, apt)
#   make check           host unit tests and the VM lab scenarios
#   make demo            the cluster upgrade of two router VMs, watched live
#   make demo-node       one node's upgrade in the busybox lab VM
#   make bench           benchmarks (print numbers; not part of make check)
#   make check-debug     the kernel-touching VM scenarios on a debug kernel
#                        (KASAN, lockdep, kmemleak, ...; not part of make check)
#   make style sparse    checkpatch --strict, sparse (C=2)
#   make KDIR=/path      build the module against another kernel tree
#   make module-612      issu.ko and its next build against Debian's 6.12
#                        (headers from make setup), in selftests/out/k612
#   make sparse-612      sparse (C=2) on that 6.12 build
#   make module-61old    the same against the previous bookworm 6.1 ABI,
#                        in selftests/out/k61old
#   make install         issu-helper, man page, unit, completion, /etc files,
#                        examples [DESTDIR= PREFIX=/usr/local UNITDIR=...]
#   make install-module  issu.ko into /lib/modules/KVER/updates (KDIR's kernel)
#   make install-dkms    the module sources and dkms.conf into
#                        /usr/src/issu-VERSION, for `dkms install`
#   make deb             issu-dkms and issu-tools .debs (dpkg-buildpackage,
#                        in a copy of the tree), in build/deb/

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

# The other kernels issu.ko builds for, headers resolved and extracted by
# scripts/setup.sh (lab.mk): Debian's 6.12 for bookworm (module-612,
# ISSU_KDIR_612) and the previous bookworm 6.1 ABI (module-61old,
# ISSU_KDIR_61OLD; the cross-version upgrade scenarios start on it). Built
# from copies of the module sources, so that the tree's issu.ko stays the lab
# kernel's: selftests/out/k<tag>/ko/issu.ko and .../next/issu.ko, the ones
# LAB_KERNEL=$(ISSU_CACHE)/lab-<tag>.env boots with. The copies are replaced
# in place (cp -a keeps the times, no build products are copied, removed
# sources go), so a second build is incremental.
OTHER_SOURCES := $(filter-out kmod/compat-probes.h,$(wildcard kmod/*.c kmod/*.h))
K612_OUT := $(CURDIR)/selftests/out/k612
K61OLD_OUT := $(CURDIR)/selftests/out/k61old

# other_module TAG,OUT,KDIR,KVER
define other_module
module-$(1):
	@test -n "$(3)" -a -d "$(3)" || \
		{ echo "no headers for module-$(1) (lab.mk): run 'make setup'"; exit 1; }
	set -e; for d in ko next; do \
		mkdir -p $(2)/$$$$d/scripts $(2)/$$$$d/kmod; \
		find $(2)/$$$$d/kmod -name '*.[ch]' ! -name compat-probes.h -delete; \
		cp -a Kbuild uapi $(2)/$$$$d/; \
		cp -a $(OTHER_SOURCES) $(2)/$$$$d/kmod/; \
		cp -a scripts/compat-probe.sh scripts/version.sh $(2)/$$$$d/scripts/; \
	done
	$$(MAKE) -C $(3) M=$(2)/ko W=$(W) modules
	$$(MAKE) -C $(3) M=$(2)/next W=$(W) ISSU_FORMAT_NEXT=y \
		ISSU_VERSION="$$$$(scripts/version.sh)+next" modules
	@for ko in $(2)/ko/issu.ko $(2)/next/issu.ko; do \
		v=$$$$(modinfo -F vermagic $$$$ko | cut -d' ' -f1); \
		test "$$$$v" = "$(4)" || { echo "$$$$ko: vermagic $$$$v, not $(4)"; exit 1; }; \
	done
endef
$(eval $(call other_module,612,$(K612_OUT),$(ISSU_KDIR_612),$(ISSU_KVER_612)))
$(eval $(call other_module,61old,$(K61OLD_OUT),$(ISSU_KDIR_61OLD),$(ISSU_KVER_61OLD)))

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

# The builds of check use every CPU (six module builds and the helper:
# about 90 s on one of the lab's two cores, time that counts against the
# suite's budget).
BUILD_JOBS ?= $(shell nproc)

# The 6.12 build (module-612, ~17 s of CPU from scratch) is part of the
# build step when the set-up found 6.12 headers (asked after setup ran: the
# lab.mk this make read may predate it).
check: setup
	$(MAKE) -j$(BUILD_JOBS) all module-next
	if grep -q '^ISSU_KDIR_612 := .' $(ISSU_CACHE)/lab.mk; then $(MAKE) -j$(BUILD_JOBS) module-612; fi
	if grep -q '^ISSU_KDIR_61OLD := .' $(ISSU_CACHE)/lab.mk; then $(MAKE) -j$(BUILD_JOBS) module-61old; fi
	selftests/run.sh

demo: setup
	$(MAKE) all module-next
	CU_DEMO=1 CU_NEGATIVE=0 selftests/vm/cluster-upgrade/host.sh

demo-node: setup
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
	@# 4-level paging: 6.1's identify_cpu() clears the boot CPU's feature
	@# bits with interrupts on, and an interrupt in that window has KASAN
	@# take 5-level direct-map addresses for wild ones (testing.rst).
	@echo "LAB_KAPPEND=no5lvl" >>$(DEBUG_OUT)/kernel.env
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

# Installing without packages (debian/ installs the same paths with
# PREFIX=/usr, UNITDIR=/lib/systemd/system). Files in /etc are installed
# only where there is none yet: they are the administrator's.
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
UNITDIR ?= /etc/systemd/system
DOCDIR ?= $(PREFIX)/share/doc/issu
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
EXAMPLES := Documentation/issu/examples
ETC_FILES := $(EXAMPLES)/hooks.d-README:issu/hooks.d/README \
	     $(EXAMPLES)/modprobe-issu.conf:modprobe.d/issu.conf \
	     $(EXAMPLES)/modules-load-issu.conf:modules-load.d/issu.conf
install: helper
	$(MAKE) -C user install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) UNITDIR=$(UNITDIR)
	install -D -m 0644 user/issu-helper.bash-completion $(DESTDIR)$(BASHCOMPDIR)/issu-helper
	set -e; for f in $(ETC_FILES); do \
		dst=$(DESTDIR)$(SYSCONFDIR)/$${f#*:}; \
		test -e $$dst || install -D -m 0644 $${f%%:*} $$dst; \
	done
	install -d $(DESTDIR)$(DOCDIR)/examples
	install -m 0644 $(EXAMPLES)/cluster.conf $(EXAMPLES)/keepalived-issu.conf \
		$(EXAMPLES)/sshd-issu.conf $(EXAMPLES)/authorized_keys $(DESTDIR)$(DOCDIR)/examples/

# issu.ko where validate and upgrade look for it without --module
# (user/modpath.c): /lib/modules/KVER/updates/issu.ko.
# Kbuild skips depmod without the kernel's System.map (headers have none):
# run it for the module's kernel, unless installing into DESTDIR.
install-module: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=$(W) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=updates modules_install
	test -n "$(DESTDIR)" || depmod -a "$$(modinfo -F vermagic issu.ko | cut -d' ' -f1)"

# The DKMS source tree: what Kbuild needs, the compat probe included (it
# runs inside every DKMS build, against that kernel's headers).
DKMS_VERSION ?= $(shell sh scripts/version.sh)
DKMS_SOURCES := Kbuild $(filter-out kmod/compat-probes.h kmod/format_host.c kmod/format_host.h,\
		$(wildcard kmod/*.c kmod/*.h)) $(UAPI_SOURCES) scripts/compat-probe.sh scripts/version.sh
install-dkms-src:
	set -e; for f in $(DKMS_SOURCES); do \
		install -D -m 0644 $$f $(DESTDIR)/usr/src/issu-$(DKMS_VERSION)/$$f; \
	done
	chmod 0755 $(DESTDIR)/usr/src/issu-$(DKMS_VERSION)/scripts/*.sh
install-dkms: install-dkms-src
	sed 's/#MODULE_VERSION#/$(DKMS_VERSION)/' dkms.conf >$(DESTDIR)/usr/src/issu-$(DKMS_VERSION)/dkms.conf
	@echo "now: dkms install issu/$(DKMS_VERSION)"

# The packages, built from a copy of the tree's sources (git's files when
# it is a checkout) so that the tree and its parent stay clean.
DEB_OUT ?= $(CURDIR)/build/deb
DEB_BUILD_FLAGS ?= -us -uc
deb:
	rm -rf $(DEB_OUT)
	mkdir -p $(DEB_OUT)/issu
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -z --cached --others --exclude-standard | \
			xargs -0 sh -c 'for f; do [ ! -e "$$f" ] || printf "%s\0" "$$f"; done' sh | \
			tar --null -T - -cf - | tar -C $(DEB_OUT)/issu -xf -; \
	else \
		tar -cf - --exclude=./.cache --exclude=./build --exclude=./selftests/out . | \
			tar -C $(DEB_OUT)/issu -xf -; \
	fi
	cd $(DEB_OUT)/issu && dpkg-buildpackage $(DEB_BUILD_FLAGS)
	@ls $(DEB_OUT)/*.deb

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	rm -f kmod/compat-probes.h
	$(MAKE) -C user clean
	$(MAKE) -C selftests clean
	rm -rf selftests/out
	rm -rf $(DEB_OUT)

.PHONY: all module module-next module-612 module-61old sparse-612 helper sparse style setup check check-debug demo demo-node bench clean
.PHONY: install install-module install-dkms install-dkms-src deb
