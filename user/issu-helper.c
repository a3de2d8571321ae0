// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper: command line client of issu.ko, the in-service software
 * upgrade module: status, checkpoint, restore, discard, arm, disarm, node,
 * netns, synwin, mac, monitor (generic netlink family "issu") and inspect
 * (checkpoint images).
 *
 *   issu-helper [-j] [-p] COMMAND [ARGS]
 *
 * One file per subcommand; this one holds the table of subcommands, the
 * global options and the helpers they share. Exit codes: issu-helper.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/issu.h>
#include <linux/issu_ckpt.h>

#include "issu-helper.h"
#include "print.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int cmd_help(int argc, char **argv, struct opts *o);
static int cmd_version(int argc, char **argv, struct opts *o);

static const struct cmd cmds[] = {
	{ "status", cmd_status, "[--state-dir DIR]",
	  "module, store, checkpoints, restore, node, synwin, sections" },
	{ "checkpoint", cmd_checkpoint, "[--format-version N] [--no-netns-label]",
	  "take a checkpoint now" },
	{ "restore", cmd_restore,
	  "[--same-boot | --netns NAME | --all-netns [--ignore-missing]]",
	  "restore the preserved checkpoint, or the flows of namespaces" },
	{ "discard", cmd_discard, "",
	  "invalidate every checkpoint in the store" },
	{ "arm", cmd_arm, "[--format-version N] [--no-netns-label]",
	  "take a checkpoint in the kexec path" },
	{ "disarm", cmd_disarm, "",
	  "no checkpoint in the kexec path" },
	{ "node", cmd_node,
	  "{ show | set [name NAME] [cluster-id N] [node-id N] [phase PHASE] }",
	  "show or set the node's identity and upgrade phase" },
	{ "netns", cmd_netns, "label [--clear] [NAME...]",
	  "label namespaces of /run/netns for checkpoints" },
	{ "synwin", cmd_synwin, "{ status | start [--window SECONDS] | stop }",
	  "show, open or close the TCP SYN-check window" },
	{ "conntrack", cmd_conntrack, "",
	  "the live conntrack tables: entries, helpers, expectations, unlabelled" },
	{ "mac", cmd_mac, "{ show | retain IFACE [MAC] | release IFACE }",
	  "show, pin or unpin interface MACs kept across upgrades" },
	{ "monitor", cmd_monitor, "[--count N] [--timeout SECONDS]",
	  "print events as they come" },
	{ "export", cmd_export, "[-o FILE|-] [--format-version N] [--no-netns-label]",
	  "this node's flows as a checkpoint image, for a cluster peer" },
	{ "import", cmd_import, "[--no-netns-label] FILE|-",
	  "insert the flows of an image into the live tables" },
	{ "inspect", cmd_inspect, "[--flows] [FILE | --slot N]",
	  "decode a raw checkpoint image" },
	{ "validate", cmd_validate,
	  "--kernel IMAGE [--initrd FILE] [--module ISSU_KO] [--append CMDLINE] [--state-dir DIR]",
	  "check that the node can upgrade to an image with its state" },
	{ "upgrade", cmd_upgrade,
	  "--kernel IMAGE [--initrd FILE] [--module ISSU_KO] [--append CMDLINE] [--no-validate] "
	  "[--no-tcp-syn-check[=SECONDS]] [--unlink] [--rollback-timer MINUTES] "
	  "[--rollback-kernel IMAGE] [--rollback-initrd FILE] [--rollback-append CMDLINE] "
	  "[--hooks-dir DIR] [--state-dir DIR]",
	  "upgrade the node: validate, prepare, checkpoint, kexec" },
	{ "grub-line", cmd_grub_line, "--size SIZE [--iomem FILE] [--cmdline FILE]",
	  "the memmap= and issu.region= words for SIZE, for GRUB too" },
	{ "resume", cmd_resume, "[--state-dir DIR] [--hooks-dir DIR]",
	  "carry on the node's upgrade from where it is (after the kexec, or a crash)" },
	{ "finalize", cmd_finalize, "[--state-dir DIR] [--hooks-dir DIR]",
	  "end the upgrade: release the checkpoint, stop the rollback timer" },
	{ "abort", cmd_abort, "[--wait SECONDS] [--state-dir DIR] [--hooks-dir DIR]",
	  "stop the upgrade before its kexec and undo it" },
	{ "rollback", cmd_rollback,
	  "[--kernel IMAGE] [--initrd FILE] [--append CMDLINE] [--at NS] [--state-dir DIR] "
	  "[--hooks-dir DIR]",
	  "kexec back to the previous image with the state preserved" },
	{ "cluster", cmd_cluster,
	  "{ check [--keepalived-conf FILE] | ping [--count N] [--interval SECONDS] | "
	  "peer-status | status | sync [--image FILE] | failover RG --to NODE [--pause-file FILE] "
	  "[--confirm-timeout SECONDS] [--no-sync] | failover reset RG | "
	  "notify [--state-file FILE] FIFO | join [--attempts N] } "
	  "[--cluster-conf FILE] [--heartbeat SECONDS] [--dead-time SECONDS] | "
	  "upgrade --kernel IMAGE [--initrd FILE] [--module ISSU_KO] [--append CMDLINE] "
	  "[--no-sync] [--no-tcp-syn-check[=SECONDS]] [--no-validate] [--no-copy] [--unlink] "
	  "[--rollback-timer MINUTES] [--stop-after STEP] [--hooks-dir DIR] [--peer-timeout SECONDS] [--state-dir DIR] "
	  "[--cluster-conf FILE] | { resume [--boot | --stop-after STEP] | finalize | abort [--wait SECONDS] | rollback | recover [--force] } "
	  "[--state-dir DIR] [--cluster-conf FILE]",
	  "check the cluster configuration; ping, ask or sync the peer; move an RG to it; "
	  "show both nodes; upgrade both, one at a time; recover the secondary" },
	{ "peer", cmd_peer, "[--cluster-conf FILE] [--allow ping,status,sync,failover,copy,validate,upgrade] [--log FILE] [--state-dir DIR] [--hooks-dir DIR]",
	  "the peer end of the peer channel (an SSH forced command)" },
	{ "help", cmd_help, "[COMMAND]",
	  "this list, or the arguments of a command (as -h)" },
	{ "version", cmd_version, "",
	  "the version (as -V)" },
};

static void usage(FILE *fp)
{
	size_t i;

	fprintf(fp,
		"usage: %s [OPTIONS] COMMAND [ARGS]\n"
		"\n"
		"options:\n"
		"  -j, --json      JSON output\n"
		"  -p, --pretty    pretty-printed JSON (implies -j)\n"
		"  -V, --version   print the version and exit\n"
		"  -h, --help      print this help and exit\n"
		"\n"
		"commands:\n", PROG);
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		fprintf(fp, "  %-11s %s\n", cmds[i].name, cmds[i].help);
	fprintf(fp, "\n'%s COMMAND -h' shows a command's arguments; see issu-helper(8).\n",
		PROG);
}

/**
 * cmd_usage() - usage of one subcommand
 * @cmd: subcommand
 * @error: on stderr after a usage error, else on stdout (-h)
 */
void cmd_usage(const struct cmd *cmd, bool error)
{
	FILE *fp = error ? stderr : stdout;

	fprintf(fp, "usage: %s [-j] [-p] %s%s%s\n", PROG, cmd->name,
		*cmd->args ? " " : "", cmd->args);
	if (!error)
		fprintf(fp, "%s\n", cmd->help);
}

/**
 * cmd_usage_error() - report a usage error of the running subcommand
 * @o: options (o->cmd the subcommand)
 * @fmt: message, naming the offending word
 *
 * Return: EXIT_USAGE.
 */
int cmd_usage_error(const struct opts *o, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s: ", PROG, o->cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cmd_usage(o->cmd, true);
	return EXIT_USAGE;
}

/* The word getopt_long() refused: "-x" or the whole "--long" word. */
static void bad_option(const char *where, char **argv, int c)
{
	char word[3] = { '-', (char)optopt, '\0' };
	const char *w = optopt > 0 && optopt < 0x100 && optopt != '?' ? word :
			argv[optind - 1];

	if (c == ':')
		fprintf(stderr, "%s: %s'%s' needs a value\n", PROG, where,
			argv[optind - 1]);
	else
		fprintf(stderr, "%s: %sunknown option '%s'\n", PROG, where, w);
}

/* A word of decimal digits only. */
static bool is_number(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/**
 * cmd_getopt() - getopt_long() for subcommands
 * @argc: arguments, argv[0] the subcommand
 * @argv: arguments
 * @shortopts: COMMON_SHORTOPTS and the subcommand's
 * @longopts: COMMON_LONGOPTS and the subcommand's
 * @o: options; -j and -p are handled here
 *
 * Return: the next option of the subcommand's own, -1 at the end, OPT_HELP
 * after -h (usage printed) or OPT_ERROR after a usage error (reported).
 */
int cmd_getopt(int argc, char **argv, const char *shortopts,
	       const struct option *longopts, struct opts *o)
{
	char where[64];
	int c, li;

	for (;;) {
		li = -1;
		c = getopt_long(argc, argv, shortopts, longopts, &li);
		/*
		 * An optional value may be the next word when it is a number
		 * ("--no-tcp-syn-check 7200"), as well as "--opt=7200": no
		 * subcommand takes a number as an argument of its own.
		 */
		if (li >= 0 && longopts[li].has_arg == optional_argument && !optarg &&
		    optind < argc && is_number(argv[optind]))
			optarg = argv[optind++];
		/*
		 * --state-dir is ISSU_STATE_DIR for the rest of the run: what
		 * the helper runs inherits it, and an upgrade carries it
		 * across the kexec on the new command line (issu.state_dir=)
		 */
		if (c == OPT_STATE_DIR && optarg)
			setenv("ISSU_STATE_DIR", optarg, 1);
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 'p':
			o->pretty = true;
			break;
		case 'h':
			cmd_usage(o->cmd, false);
			return OPT_HELP;
		case '?':
		case ':':
			snprintf(where, sizeof(where), "%s: ", o->cmd->name);
			bad_option(where, argv, c);
			cmd_usage(o->cmd, true);
			return OPT_ERROR;
		default:
			return c;
		}
	}
}

/* Exit code after cmd_getopt() returned OPT_HELP or OPT_ERROR. */
int cmd_opt_exit(int c)
{
	return c == OPT_HELP ? EXIT_OK : EXIT_USAGE;
}

/**
 * cmd_no_args() - options of a subcommand that takes no arguments
 * @argc: arguments, argv[0] the subcommand
 * @argv: arguments
 * @o: options
 *
 * Return: -1 to go on, or the exit code (help, usage error).
 */
int cmd_no_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int c;

	c = cmd_getopt(argc, argv, COMMON_SHORTOPTS, longopts, o);
	if (c != -1)
		return c < -1 ? cmd_opt_exit(c) :
		       cmd_usage_error(o, "unknown option '-%c'", c);
	if (optind < argc)
		return cmd_usage_error(o, "unexpected argument '%s'",
				       argv[optind]);
	return -1;
}

/**
 * parse_u32() - a decimal or 0x-prefixed hexadecimal u32
 * @s: text
 * @val: the value
 *
 * Return: 0, or -1 if @s is not wholly such a number.
 */
int parse_u32(const char *s, uint32_t *val)
{
	int base = 10;
	unsigned long long v;
	char *end;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s || !((*s >= '0' && *s <= '9') ||
		     (base == 16 && strchr("abcdefABCDEF", *s))))
		return -1;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v > UINT32_MAX)
		return -1;
	*val = (uint32_t)v;
	return 0;
}

/* Positive, finite seconds, fractions allowed. Return: 0 or -1. */
int parse_seconds(const char *s, double *val)
{
	char *end;
	double v;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v <= 0 || v > 1e9)
		return -1;
	*val = v;
	return 0;
}

void print_init_opts(const struct opts *o, bool oneline)
{
	print_init(stdout, o->json || o->pretty, o->pretty, oneline);
}

/* Flush the output; a write error turns success into EXIT_FAIL. */
int output_end(int rc)
{
	if (print_end() == 0)
		return rc;
	fprintf(stderr, "%s: cannot write the output: %s\n", PROG,
		strerror(errno));
	return rc ? rc : EXIT_FAIL;
}

static void version(void)
{
	printf("%s %s (generic netlink family %s version %d, checkpoint format 1..%d)\n",
	       PROG, ISSU_HELPER_VERSION, ISSU_FAMILY_NAME, ISSU_FAMILY_VERSION,
	       ISSU_CKPT_VERSION);
}

static const struct cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

/* issu-helper help [COMMAND]: the list of commands, or COMMAND -h */
static int cmd_help(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd *cmd;
	int c;

	c = cmd_getopt(argc, argv, COMMON_SHORTOPTS, longopts, o);
	if (c != -1)
		return c < -1 ? cmd_opt_exit(c) :
		       cmd_usage_error(o, "unknown option '-%c'", c);
	if (optind + 1 < argc)
		return cmd_usage_error(o, "unexpected argument '%s'", argv[optind + 1]);
	if (optind == argc) {
		usage(stdout);
		return output_end(EXIT_OK);
	}
	cmd = find_cmd(argv[optind]);
	if (!cmd)
		return cmd_usage_error(o, "unknown command '%s'", argv[optind]);
	cmd_usage(cmd, false);
	return output_end(EXIT_OK);
}

static int cmd_version(int argc, char **argv, struct opts *o)
{
	int rc = cmd_no_args(argc, argv, o);

	if (rc >= 0)
		return rc;
	version();
	return output_end(EXIT_OK);
}

/*
 * The state directory an upgrade with a non-default one wrote into the new
 * kernel's command line (issu.state_dir=DIR, see upg_cmdline_marked()):
 * the default of ISSU_STATE_DIR in the image the kexec booted, so that
 * resume (issu-resume.service), status, finalize and the rollback timer
 * find the journal. ISSU_STATE_DIR and --state-dir still override it.
 */
static void state_dir_from_cmdline(void)
{
	static const char key[] = "issu.state_dir=";
	char buf[4096], *p, *w;
	FILE *fp;
	size_t n;

	if (getenv("ISSU_STATE_DIR"))
		return;
	fp = fopen("/proc/cmdline", "re");
	if (!fp)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	for (p = buf; (w = strsep(&p, " \n")); )
		if (!strncmp(w, key, sizeof(key) - 1) && w[sizeof(key) - 1] == '/')
			setenv("ISSU_STATE_DIR", w + sizeof(key) - 1, 1);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { 0 };
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:jpVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o.json = true;
			break;
		case 'p':
			o.pretty = true;
			break;
		case 'V':
			version();
			return output_end(EXIT_OK);
		case 'h':
			usage(stdout);
			return output_end(EXIT_OK);
		default:
			bad_option("", argv, c);
			fprintf(stderr, "Try '%s --help'.\n", PROG);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "%s: no command given\n", PROG);
		usage(stderr);
		return EXIT_USAGE;
	}
	o.cmd = find_cmd(argv[optind]);
	if (!o.cmd) {
		fprintf(stderr, "%s: unknown command '%s'\nTry '%s --help'.\n",
			PROG, argv[optind], PROG);
		return EXIT_USAGE;
	}
	state_dir_from_cmdline();
	argc -= optind;
	argv += optind;
	optind = 0;	/* restart getopt for the subcommand's own options */
	return o.cmd->fn(argc, argv, &o);
}

/**
 * write_file_atomic() - replace @path with @len bytes of @buf, atomically
 * @path: the file
 * @buf: its new contents
 * @len: their length
 * @why: on failure, what failed, for the caller's message
 * @size: size of @why
 *
 * A temporary file beside @path (mode 0644, not following a link),
 * written and fsync'ed, then renamed over it: a reader sees the old
 * contents or the new ones, never a part (keepalived's track files, the
 * last-sync record).
 *
 * Return: 0, or a negative errno with @why filled in.
 */
int write_file_atomic(const char *path, const void *buf, size_t len, char *why, size_t size)
{
	char tmp[4200];
	int fd, err;

	snprintf(tmp, sizeof(tmp), "%s.issu-%d.tmp", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		err = -errno;
		snprintf(why, size, "cannot create %s: %s", tmp, strerror(errno));
		return err;
	}
	errno = 0;
	if (write(fd, buf, len) != (ssize_t)len || fsync(fd) < 0) {
		err = errno ? -errno : -EIO;
		snprintf(why, size, "cannot write %s: %s", tmp, strerror(-err));
		close(fd);
		unlink(tmp);
		return err;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		err = -errno;
		snprintf(why, size, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		unlink(tmp);
		return err;
	}
	return 0;
}
