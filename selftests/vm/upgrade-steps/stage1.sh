#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The node upgrade's failure paths, in one boot:
#  - each validate failure has its own message and exit code, warnings do
#    not stop it;
#  - an abort requested during each step takes effect at the step's end and
#    leaves the node as before (kernel, flows, MACs, sysctls, module state);
#  - a helper killed (SIGKILL) at each phase boundary: status says where,
#    abort recovers; the last one is resumed, which carries the upgrade on
#    to its kexec into stage 2.
. "$LAB_TREE/selftests/vm/lib.sh"

export ISSU_STATE_DIR=$LAB_OUT/state
KERNEL=$LAB_KIMG/boot/vmlinuz-$LAB_KVER
NEXT_CMDLINE=$(lab_next_cmdline)
HOOKS=$LAB_OUT/hooks

lab_check "issu.ko loads" lab_issu_load
modprobe nf_conntrack_netlink
for i in 1 2 3 4 5; do
	conntrack -I -p tcp -s 192.0.2.$i -d 198.51.100.9 --sport $((41000 + i)) --dport 22 \
		--state ESTABLISHED -u SEEN_REPLY,ASSURED -t 3600 >/dev/null 2>&1
done

# ------------------------------------------------------------ validate
v() {
	issu_helper validate --kernel "$KERNEL" --initrd "$LAB_INITRD" "$@" >"$LAB_OUT/v.out" 2>&1
}
vcheck() {	# DESC CODE REGEX ARGS...
	local desc=$1 code=$2 re=$3 rc
	shift 3
	v "$@"
	rc=$?
	lab_check_eq "validate, $desc: exit code" "$code" "$rc"
	lab_check_match "validate, $desc: message" "$re" "$(cat "$LAB_OUT/v.out")"
}

vcheck "valid" 0 "result: (pass|warning)" --module "$LAB_TREE/issu.ko" --append "$NEXT_CMDLINE"
perl -pe 's/vermagic=6\.1\.0-\d+/vermagic=6.1.0-99/' "$LAB_TREE/issu.ko" >/tmp/vermagic.ko
vcheck "wrong vermagic" 21 "fail +vermagic +.* built for 6\.1\.0-99-amd64, the new image is $LAB_KVER" \
	--module /tmp/vermagic.ko --append "$NEXT_CMDLINE"
perl -pe 's/issu_format_read=1-1/issu_format_read=2-2/' "$LAB_TREE/issu.ko" >/tmp/format.ko
vcheck "incompatible format" 23 "fail +format +the running module writes format 1, the new one reads 2-2" \
	--module /tmp/format.ko --append "$NEXT_CMDLINE"
vcheck "no reservation" 24 "fail +reservation +the new command line has no memmap=" \
	--module "$LAB_TREE/issu.ko" --append "console=ttyS0 lab.stage=2"
vcheck "region elsewhere" 24 "fail +reservation +issu.region= of the new command line" \
	--module "$LAB_TREE/issu.ko" \
	--append "${NEXT_CMDLINE//issu.region=/issu.region=8M\$0x31000000 x=}"
vcheck "not a kernel" 20 "fail +kernel +/etc/hostname is not an x86 bzImage" \
	--kernel /etc/hostname --module "$LAB_TREE/issu.ko" --append "$NEXT_CMDLINE"
vcheck "not a module" 21 "fail +module +/etc/hostname is not an ELF file" \
	--module /etc/hostname --append "$NEXT_CMDLINE"
mkdir -p /tmp/full && mount -t tmpfs -o size=256k tmpfs /tmp/full &&
	dd if=/dev/zero of=/tmp/full/fill bs=4k count=64 2>/dev/null
ISSU_STATE_DIR=/tmp/full/state vcheck "no space" 25 "fail +state-dir +only [0-9]+ bytes free" \
	--module "$LAB_TREE/issu.ko" --append "$NEXT_CMDLINE"
# warnings: an unnamed namespace, a conntrack helper, an early ct state drop,
# interfaces of a named namespace (their MACs are not kept)
ip netns add macs
ip -n macs link add va type veth peer name vb
unshare -n sleep 600 &
unnamed=$!
# a real ftp control connection with the helper and its expectation
modprobe -a nf_tables nft_ct nf_conntrack_ftp
/usr/sbin/ip link set lo up
nft -f "$LAB_TREE/selftests/vm/flows-helper/ruleset.nft"
python3 "$LAB_TREE/selftests/vm/flows-helper/ftp-pair.py" /run/ftp.ready /run/ftp.data 600 &
ftp=$!
for _ in $(seq 100); do [ -f /run/ftp.ready ] && break; sleep 0.2; done
nft -f - <<'NFT'
table inet early {
	chain pre { type filter hook prerouting priority raw; ct state invalid drop; }
}
NFT
vcheck "warnings do not stop it" 0 "result: warning" --module "$LAB_TREE/issu.ko" --append "$NEXT_CMDLINE"
vout=$(cat "$LAB_OUT/v.out")
lab_check_match "warning: unnamed namespace" "warning +namespaces +1 network namespaces have no /run/netns name" "$vout"
lab_check_match "warning: helper by name" \
	"warning +helpers +entries with conntrack helpers \(ftp 1\) come back without them; 1 expectations" "$vout"
lab_check_match "warning: ruleset" "warning +ruleset +.*\(pre\)" "$vout"
lab_check_match "warning: MACs of a named namespace" \
	"warning +macs +2 interfaces in 1 named namespaces keep no MAC" "$vout"
issu_helper -j validate --kernel "$KERNEL" --module /tmp/format.ko --append "$NEXT_CMDLINE" \
	>"$LAB_OUT/v.json" 2>/dev/null
lab_check_match "validate -j: checks with levels" '"check":"format","level":"fail"' "$(cat "$LAB_OUT/v.json")"
kill "$unnamed" "$ftp"
ip netns del macs
nft delete table inet early
nft delete table inet helper
conntrack -D -s 127.0.0.1 >/dev/null 2>&1
conntrack -F expect >/dev/null 2>&1

# ------------------------------------------------------------ the node
node_state() {
	{
		uname -r
		cat /sys/kernel/kexec_loaded
		conntrack -L 2>/dev/null | sed -E 's/^(([^ ]+ +){2})[0-9]+ /\1T /' | sort
		ip -o link | sed -E 's/^[0-9]+: //; s/ qlen [0-9]+//'
		sysctl net.netfilter.nf_conntrack_tcp_loose net.ipv4.ip_forward
		issu_helper -j status | python3 -c '
import json, sys
s = json.load(sys.stdin)
print("armed", s["armed"], "checkpoint", (s.get("checkpoint") or {}).get("generation") is not None,
      "phase", (s.get("node") or {}).get("phase", "idle"))'
	} 2>&1
}
before=$(node_state)
printf '%s\n' "$before" >"$LAB_OUT/node.before"
lab_check_match "before: not armed, no checkpoint, idle" "armed False checkpoint False phase idle" "$before"

hook() {	# NAME BODY: the only hook
	rm -rf "$HOOKS"
	mkdir -p "$HOOKS"
	printf '#!/bin/bash\n%s\n' "$2" >"$HOOKS/$1"
	chmod +x "$HOOKS/$1"
}
upgrade() {
	issu_helper upgrade --kernel "$KERNEL" --initrd "$LAB_INITRD" --module "$LAB_TREE/issu.ko" \
		--append "$NEXT_CMDLINE" --hooks-dir "$HOOKS"
}
same_node() {	# DESC
	local now
	now=$(node_state)
	if [ "$now" = "$before" ]; then
		lab_ok "$1: the node is as before"
	else
		lab_fail "$1: the node changed"
		diff <(printf '%s\n' "$before") <(printf '%s\n' "$now") | sed 's/^/# /'
	fi
}

# abort requested while each step runs (from its hook, in the background:
# abort waits for the step to end); the kexec hook runs before the kexec
for phase in validate prepare checkpoint kexec; do
	hook 10-abort "[ \"\$1\" = $phase ] || exit 0
$LAB_TREE/user/issu-helper abort >$LAB_OUT/abort.$phase 2>&1 &
for i in \$(seq 100); do [ -e \$ISSU_STATE_DIR/abort-request ] && break; sleep 0.1; done"
	upgrade >"$LAB_OUT/upgrade.abort.$phase" 2>&1
	lab_check_eq "abort during $phase: upgrade exits 10 (aborted)" 10 $?
	wait
	kv=$(lab_status "abort.$phase")
	lab_check_eq "abort during $phase: last step abort ok" "abort ok true" \
		"$(lab_kv "$kv" upgrade.phase) $(lab_kv "$kv" upgrade.result) $(lab_kv "$kv" upgrade.done)"
	same_node "abort during $phase"
done

# SIGKILL of the helper at each phase boundary (the phase's hook kills it)
for phase in validate prepare kexec; do
	hook 10-kill "[ \"\$1\" = $phase ] && kill -9 \$PPID; exit 0"
	upgrade >"$LAB_OUT/upgrade.kill.$phase" 2>&1
	lab_check_eq "killed at $phase: exit 137" 137 $?
	kv=$(lab_status "kill.$phase")
	lab_check_eq "killed at $phase: status says interrupted in $phase" "$phase interrupted" \
		"$(lab_kv "$kv" upgrade.phase) $(lab_kv "$kv" upgrade.result)"
	lab_check_rc "killed at $phase: a new upgrade is refused (phase)" 9 upgrade
	lab_check "killed at $phase: abort recovers" issu_helper abort
	same_node "killed at $phase, aborted"
done

# killed after the checkpoint step: resume carries the upgrade on (kexec)
hook 10-kill "[ \"\$1\" = checkpoint ] && kill -9 \$PPID; exit 0"
upgrade >"$LAB_OUT/upgrade.kill.checkpoint" 2>&1
lab_check_eq "killed at checkpoint: exit 137" 137 $?
kv=$(lab_status kill.checkpoint)
lab_check_eq "killed at checkpoint: interrupted in checkpoint" "checkpoint interrupted" \
	"$(lab_kv "$kv" upgrade.phase) $(lab_kv "$kv" upgrade.result)"
rm -rf "$HOOKS"
lab_save flows "$(conntrack -C)"
lab_stage_leave
issu_helper resume >"$LAB_OUT/resume.stage1" 2>&1
lab_fail "resume returned $? instead of kexec'ing: $(tail -n 3 "$LAB_OUT/resume.stage1")"
lab_done
