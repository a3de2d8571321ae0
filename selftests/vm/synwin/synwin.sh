# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Helpers of the synwin scenario's stages.
#
# The guest (often TCG) takes seconds to start python3: the stages take
# JSON snapshots with issu-helper as they go (snap) and flatten them all
# with one python3 (snap_flatten) before checking what they hold.

LOOSE=net.netfilter.nf_conntrack_tcp_loose

# loose [NS]: nf_conntrack_tcp_loose of init_net, or of namespace NS
loose() {
	if [ $# -eq 0 ]; then
		sysctl -n "$LOOSE"
	else
		ip netns exec "$1" sysctl -n "$LOOSE"
	fi
}

# snap NAME [ARGS...]: `issu-helper -j ARGS` (default: status) into
# $LAB_OUT/NAME.json; returns its exit code
snap() {
	local name=$1
	shift
	[ $# -gt 0 ] || set -- status
	issu_helper -j "$@" >"$LAB_OUT/$name.json"
}

# snap_flatten NAME...: $LAB_OUT/NAME.json, one document or one per line
# (monitor: items 0, 1, ...), flattened as lab_flatten does into
# $LAB_OUT/NAME.kv, all in one python3
snap_flatten() {
	local n args=()

	for n in "$@"; do
		args+=("$LAB_OUT/$n.json" "$LAB_OUT/$n.kv")
	done
	python3 - "${args[@]}" <<'PY'
import json, sys
def walk(out, prefix, v):
    if isinstance(v, dict):
        for k, x in v.items():
            walk(out, prefix + [str(k)], x)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            walk(out, prefix + [str(i)], x)
    elif v is not None:
        if isinstance(v, bool):
            v = "true" if v else "false"
        out.append("%s=%s" % (".".join(prefix), v))
a = sys.argv[1:]
for src, dst in zip(a[0::2], a[1::2]):
    out = []
    try:
        text = open(src, encoding="utf-8").read()
        try:
            doc = json.loads(text)
        except ValueError:
            doc = [json.loads(l) for l in text.splitlines() if l.strip()]
        walk(out, [], doc)
    except (OSError, ValueError) as e:
        out.append("error=%s" % e)
    with open(dst, "w", encoding="utf-8") as f:
        f.write("".join(l + "\n" for l in out))
PY
}

# kv NAME KEY: KEY of the flattened snapshot NAME
kv() { lab_kv "$LAB_OUT/$1.kv" "$2"; }

# nobody CMD...: CMD as uid/gid 65534, no groups, no capabilities
nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		--bounding-set=-all "$@"
}

# wait_bounded PID SECONDS: wait for PID (a child) at most SECONDS, then
# kill it; return its exit code, or 124 if it had to be killed
wait_bounded() {
	local pid=$1 n=$(($2 * 10))

	while kill -0 "$pid" 2>/dev/null && [ $n -gt 0 ]; do
		sleep 0.1
		n=$((n - 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid"
		wait "$pid"
		return 124
	fi
	wait "$pid"
}
