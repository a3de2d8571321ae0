/* SPDX-License-Identifier: GPL-2.0 */
/*
 * issu-helper: command line client of issu.ko.
 * Exit codes, the subcommand table and helpers shared by the subcommands.
 */
#ifndef _ISSU_HELPER_H
#define _ISSU_HELPER_H

#include <stdbool.h>
#include <stdint.h>
#include <getopt.h>
#include <stddef.h>

#ifndef ISSU_HELPER_VERSION
#define ISSU_HELPER_VERSION "0.1.0"
#endif

#define PROG "issu-helper"

#ifndef __printf
#define __printf(a, b) __attribute__((format(printf, a, b)))
#endif

/* Exit codes: stable, documented in issu-helper(8). */
enum issu_exit {
	EXIT_OK = 0,		/* success */
	EXIT_FAIL = 1,		/* the operation failed (kernel returned an error) */
	EXIT_USAGE = 2,		/* usage error */
	EXIT_NOT_LOADED = 3,	/* issu.ko is not loaded */
	EXIT_PERM = 4,		/* permission denied (EPERM, EACCES) */
	EXIT_BAD_IMAGE = 5,	/* invalid or unreadable checkpoint image */
	EXIT_NO_STORE = 6,	/* preserved-memory store not available (ENODEV) */
	EXIT_TIMEOUT = 7,	/* monitor: --timeout expired */
	EXIT_PHASE = 9,		/* not possible in the node's upgrade phase */
	EXIT_ABORTED = 10,	/* upgrade aborted (request, failed hook): node as before */
	EXIT_BUSY = 11,		/* another issu-helper is running an upgrade step */
	EXIT_JOURNAL = 12,	/* the upgrade journal is unreadable or malformed */
	EXIT_HOOK = 13,		/* a hook failed after the point of no return */
	EXIT_VERIFY = 14,	/* resume: restored state does not match the checkpoint */
	EXIT_JOURNAL_WRITE = 15,/* the upgrade journal could not be written: step stopped */
	EXIT_PARTIAL = 16,	/* export: flows left out; import: entries failed to insert */
	/* validate: the first failed check (upgrade refuses to start) */
	EXIT_V_KERNEL = 20,	/* new kernel image missing or not a bzImage */
	EXIT_V_MODULE = 21,	/* new issu.ko missing, not an ELF module, wrong vermagic */
	EXIT_V_SIGNATURE = 22,	/* module unsigned but signatures are enforced */
	EXIT_V_FORMAT = 23,	/* new module cannot read the format the running one writes */
	EXIT_V_RESERVATION = 24,/* new command line lacks or shrinks the reservation */
	EXIT_V_SPACE = 25,	/* no space in the state directory */
	EXIT_V_KEXEC = 26,	/* kexec not possible (disabled, lockdown, not loaded) */
	EXIT_V_STATE = 27,	/* running module not ready (not loaded, no store) */
	/* cluster check: the first failure class with an error */
	EXIT_CL_CONF = 28,	/* cluster.conf unreadable or invalid */
	EXIT_CL_KEEPALIVED = 29,/* keepalived.conf unreadable or malformed */
	EXIT_CL_WIRING = 30,	/* an RG's instance, track file or VIPs not wired */
	EXIT_CL_ELECTION = 31,	/* priorities/weights cannot move an RG deterministically */
	/* the peer channel (cluster ping, peer-status, sync; peer) */
	EXIT_PEER_UNREACHABLE = 32,	/* ssh could not reach the peer (no answer, refused) */
	EXIT_PEER_AUTH = 33,	/* authentication failed: our key or the peer's host key */
	EXIT_PEER_REFUSED = 34,	/* the peer refused: identity, version, request not allowed */
	EXIT_PEER_LOST = 35,	/* the peer was lost: silent past the dead time, or gone */
	EXIT_PEER_PROTO = 36,	/* the peer broke the protocol (frame, sequence, attribute) */
	EXIT_SYNC_IMPORT = 37,	/* sync: the peer's issu.ko did not import the image */
	/* cluster failover */
	EXIT_FO_STATE = 38,	/* the RG is not where a failover can start (not master here, target drained) */
	EXIT_FO_UNCONFIRMED = 39,	/* the move was not confirmed in time: drain released */
	EXIT_FO_DRAIN = 40,	/* the track file could not be written */
	/* cluster upgrade (cluster_upgrade.c) */
	EXIT_CU_REFUSED = 41,	/* not started: not the RG0 primary, check fails, peer not ready */
	EXIT_CU_STEP = 42,	/* a step failed: the upgrade stopped there (resume, abort) */
	EXIT_CU_PEER_UPGRADE = 43,	/* the secondary's node upgrade failed or did not come back */
};

/* Options valid before and after every subcommand. */
struct opts {
	bool json;
	bool pretty;
	const struct cmd *cmd;	/* subcommand being run */
};

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv, struct opts *o);
	const char *args;	/* usage after the command name */
	const char *help;	/* one line */
};

/* Short and long options every subcommand accepts (-j, -p, -h). */
#define COMMON_SHORTOPTS ":jph"
#define COMMON_LONGOPTS					\
	{ "json", no_argument, NULL, 'j' },		\
	{ "pretty", no_argument, NULL, 'p' },		\
	{ "help", no_argument, NULL, 'h' }

/*
 * Values of long options without a short form: not characters, so that a
 * usage error names the long option ("--flows=1"), not "-F".
 */
enum {
	OPT_NO_NETNS_LABEL = 0x100,	/* checkpoint, arm */
	OPT_FLOWS,			/* inspect */
	OPT_NETNS,			/* restore */
	OPT_ALL_NETNS,
	OPT_IGNORE_MISSING,
	OPT_CLEAR,			/* netns label */
	OPT_KERNEL,			/* validate, upgrade, rollback */
	OPT_INITRD,
	OPT_MODULE,
	OPT_APPEND,
	OPT_STATE_DIR,
	OPT_HOOKS_DIR,
	OPT_NO_VALIDATE,		/* upgrade */
	OPT_NO_SYN_CHECK,
	OPT_UNLINK,
	OPT_ROLLBACK_TIMER,
	OPT_ROLLBACK_KERNEL,
	OPT_ROLLBACK_INITRD,
	OPT_ROLLBACK_APPEND,
	OPT_AT,				/* rollback */
	OPT_WAIT,			/* abort */
	OPT_SAME_BOOT,			/* restore */
	OPT_CLUSTER_CONF,		/* cluster */
	OPT_KEEPALIVED_CONF,
	OPT_HEARTBEAT,
	OPT_DEAD_TIME,
	OPT_COUNT,
	OPT_INTERVAL,
	OPT_IMAGE,
	OPT_ALLOW,			/* peer */
	OPT_LOG,
	OPT_TO,				/* cluster failover */
	OPT_PAUSE_FILE,
	OPT_CONFIRM_TIMEOUT,
	OPT_STATE_FILE,			/* cluster notify */
	OPT_ATTEMPTS,			/* cluster join */
	OPT_FO_NO_SYNC,			/* cluster failover */
};

/* Returned by cmd_getopt() besides option characters and -1. */
enum {
	OPT_ERROR = -2,		/* usage error, already reported */
	OPT_HELP = -3,		/* -h: usage printed on stdout */
};

int cmd_getopt(int argc, char **argv, const char *shortopts,
	       const struct option *longopts, struct opts *o);
int cmd_opt_exit(int c);
int cmd_no_args(int argc, char **argv, struct opts *o);
int cmd_usage_error(const struct opts *o, const char *fmt, ...) __printf(2, 3);
void cmd_usage(const struct cmd *cmd, bool error);
void print_init_opts(const struct opts *o, bool oneline);
int output_end(int rc);

int parse_u32(const char *s, uint32_t *val);
int parse_seconds(const char *s, double *val);
int write_file_atomic(const char *path, const void *buf, size_t len, char *why, size_t size);

/* Subcommands, one file each. */
int cmd_status(int argc, char **argv, struct opts *o);
int cmd_grub_line(int argc, char **argv, struct opts *o);
int cmd_checkpoint(int argc, char **argv, struct opts *o);
int cmd_restore(int argc, char **argv, struct opts *o);
int cmd_discard(int argc, char **argv, struct opts *o);
int cmd_arm(int argc, char **argv, struct opts *o);
int cmd_disarm(int argc, char **argv, struct opts *o);
int cmd_node(int argc, char **argv, struct opts *o);
int cmd_monitor(int argc, char **argv, struct opts *o);
int cmd_inspect(int argc, char **argv, struct opts *o);
int cmd_netns(int argc, char **argv, struct opts *o);
int cmd_synwin(int argc, char **argv, struct opts *o);
int cmd_validate(int argc, char **argv, struct opts *o);
int cmd_upgrade(int argc, char **argv, struct opts *o);
int cmd_resume(int argc, char **argv, struct opts *o);
int cmd_finalize(int argc, char **argv, struct opts *o);
int cmd_abort(int argc, char **argv, struct opts *o);
int cmd_rollback(int argc, char **argv, struct opts *o);
int cmd_conntrack(int argc, char **argv, struct opts *o);
int cmd_mac(int argc, char **argv, struct opts *o);
int cmd_cluster(int argc, char **argv, struct opts *o);
int cmd_peer(int argc, char **argv, struct opts *o);
int cmd_export(int argc, char **argv, struct opts *o);
int cmd_import(int argc, char **argv, struct opts *o);

#endif /* _ISSU_HELPER_H */
