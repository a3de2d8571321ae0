#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The restore brings the ftp helper's entry back without its helper and says
# so by the helper's name, in JSON and in text; the data connection's entry
# comes back without its master; the expectation is gone.
. "$LAB_TREE/selftests/vm/lib.sh"

lab_check "issu.ko loads and restores" lab_issu_load
modprobe nf_conntrack_netlink
s=$(lab_status restored)
f=$(lab_section "$s" flows)
reasons=$(grep -E "^sections\.$f\.reasons\." "$s" | cut -d= -f2 | paste -sd' ')
lab_check_match "reasons count one entry without its helper" 'without-helper 1( |$)' "$reasons"
lab_check_match "and one without its master (the data connection)" 'without-master 1( |$)' \
	"$reasons"
lab_check_eq "restored without helper, by name: ftp 1" "ftp 1" \
	"$(lab_kv "$s" sections.$f.no_helper.0.name) $(lab_kv "$s" sections.$f.no_helper.0.count)"
lab_check_eq "no other helper" "" \
	"$(lab_kv "$s" sections.$f.no_helper.1.name)$(lab_kv "$s" sections.$f.no_helper_other)"
txt=$(issu_helper status)
lab_check_match "text: without helper: ftp 1" 'without helper: ftp 1' "$txt"
ftp=$(lab_get ftp)
lab_check_match "stage 1 saw the control connection" '^sport=[0-9]+ dport=21$' "$ftp" &&
	lab_check_match "its entry is back" "$ftp " "$(conntrack -L -p tcp --dport 21 2>/dev/null)"
lab_check_eq "the expectation is not" 0 "$(conntrack -L expect 2>/dev/null | grep -c 'dport=50000')"
lab_done
