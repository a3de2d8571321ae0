#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# NAT of a restored entry in the direction that was not saved: an unreplied
# UDP entry with SNAT only, created by ctnetlink (which gives its
# destination the null binding, IPS_DST_NAT_DONE, as the NAT hook does for a
# live one), is saved by the kexec-time checkpoint. Its next packet must not
# make the NAT output chain run for it again, in either kernel.
. "$LAB_TREE/selftests/vm/lib.sh"
. "$LAB_SCENARIO/common.sh"

lab_check "dummy link and route" nb_link
lab_check "NAT chains that count" nb_ruleset
lab_check "issu.ko loads" lab_issu_load
lab_check "an unreplied UDP entry with SNAT only" conntrack -I -p udp -s "$NB_SRC" -d "$NB_DST" \
	--sport "$NB_SPORT" --dport "$NB_DPORT" --src-nat "$NB_SNAT" -t 900
lab_check "a packet of it" nb_send
lab_check_eq "control: its packet ran no NAT chain (both directions bound)" "0 0" \
	"$(nb_counter nat-output) $(nb_counter nat-postrouting)"
lab_check_match "the entry is unreplied and source-NATed" "UNREPLIED.* dst=$NB_SNAT " "$(nb_entry)"
# positive control: the chains do count the first packet of a new entry
lab_check "a packet of a new entry" nb_send $((NB_SPORT + 2))
lab_check_eq "control: the first packet of a new entry ran both NAT chains" "1 1" \
	"$(nb_counter nat-output) $(nb_counter nat-postrouting)"
lab_check "arm" issu_helper arm
lab_kexec_next
