#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The restored entry carries both NAT bindings: its next packet runs no NAT
# chain, as in the first kernel. An event listener that was there before
# the restore hears of the restored entry (IPCT_NEW), as of one that
# conntrack -I creates.
. "$LAB_TREE/selftests/vm/lib.sh"
. "$LAB_SCENARIO/common.sh"

lab_check "dummy link and route" nb_link
lab_check "NAT chains that count" nb_ruleset
lab_check "a conntrack event listener" nb_events_start "$LAB_OUT/events"
lab_check "issu.ko loads and restores" lab_issu_load
lab_check_match "the entry is back, unreplied and source-NATed" "UNREPLIED.* dst=$NB_SNAT " \
	"$(nb_entry)"
lab_check "a packet of it" nb_send
lab_check_eq "its packet ran no NAT chain (the unsaved direction has the null binding)" "0 0" \
	"$(nb_counter nat-output) $(nb_counter nat-postrouting)"
lab_check_match "the entry still source-NATed" "dst=$NB_SNAT " "$(nb_entry)"
# positive control: the chains do count the first packet of a new entry
out=$(nb_counter nat-output) post=$(nb_counter nat-postrouting)
lab_check "a packet of a new entry" nb_send $((NB_SPORT + 4))
lab_check_eq "control: the first packet of a new entry ran both NAT chains" \
	"$((out + 1)) $((post + 1))" "$(nb_counter nat-output) $(nb_counter nat-postrouting)"
nb_events_stop
lab_check_match "the listener heard of the restored entry" \
	"NEW.*src=$NB_SRC dst=$NB_DST sport=$NB_SPORT dport=$NB_DPORT .*dst=$NB_SNAT " \
	"$(cat "$LAB_OUT/events")"
lab_done
