// SPDX-License-Identifier: GPL-2.0
/*
 * issu-helper validate: can this node upgrade to that image with its state
 * preserved? Every check prints a pass, warning or failure line with its
 * reason; warnings do not stop an upgrade, failures do. The exit code is
 * that of the first failure (EXIT_V_*), 0 when nothing failed.
 *
 *   validate --kernel IMAGE [--initrd FILE] [--module ISSU_KO]
 *            [--append CMDLINE]
 *
 * Without --module, the new kernel's issu.ko is looked up where DKMS and
 * `make install` put it (modpath.c), and the choice is said.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>

#include <linux/issu.h>

#include "modpath.h"
#include "modstate.h"
#include "print.h"
#include "upgrade.h"

/* Image bytes per conntrack entry used for the estimate: an IPv6 entry with NAT. */
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define EST_BYTES_PER_FLOW	112
#define EST_OVERHEAD		(64 * 1024)
#define STATE_DIR_MIN_FREE	(1024 * 1024)
/* The SYN-check window's hook runs at conntrack's priority + 1. */
#define SYNWIN_HOOK_PRIO	(-199)

struct vstate {
	int first_fail;		/* exit code of the first failure */
	unsigned int warnings;
	unsigned int failures;
	unsigned int skipped;
	bool print;
};

static const char *const level_names[] = { "pass", "warning", "fail", "skipped" };

static void __printf(5, 6) check(struct vstate *v, enum upg_check_level lvl,
				 int code, const char *name, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (lvl == UPG_FAIL) {
		v->failures++;
		if (!v->first_fail)
			v->first_fail = code;
	} else if (lvl == UPG_WARNING) {
		v->warnings++;
	} else if (lvl == UPG_SKIPPED) {
		v->skipped++;
	}
	if (!v->print) {
		if (lvl != UPG_PASS && lvl != UPG_SKIPPED)
			fprintf(stderr, "%s: validate: %s: %s: %s\n", PROG,
				level_names[lvl], name, reason);
		return;
	}
	open_json_object(NULL);
	print_string(PRINT_JSON, "check", NULL, name);
	print_string(PRINT_JSON, "level", NULL, level_names[lvl]);
	print_string(PRINT_JSON, "reason", NULL, reason);
	close_json_object();
	print_text("%-8s %-14s %s\n", level_names[lvl], name, reason);
}

/* The checks that need the running module: "skipped" when it is not loaded. */
static const char *const module_checks[] = { "vermagic", "signature", "format", "rollback" };
static const char *const state_checks[] = { "reservation", "size", "helpers" };

static void skip(struct vstate *v, const char *const *names, size_t n, const char *why)
{
	size_t i;

	for (i = 0; i < n; i++)
		check(v, UPG_SKIPPED, 0, names[i], "%s", why);
}

/* ------------------------------------------------------ command line */

/* SIZE with K/M/G suffix, as the kernel's memparse() */
static int memparse(const char *s, uint64_t *v, const char **end)
{
	char *e;

	errno = 0;
	*v = strtoull(s, &e, 0);
	if (errno || e == s)
		return -1;
	switch (*e) {
	case 'G': case 'g':
		*v <<= 10;
		/* fall through */
	case 'M': case 'm':
		*v <<= 10;
		/* fall through */
	case 'K': case 'k':
		*v <<= 10;
		e++;
		break;
	}
	*end = e;
	return 0;
}

/* "SIZE$ADDR" */
static int size_at(const char *s, uint64_t *size, uint64_t *addr)
{
	const char *e;

	if (memparse(s, size, &e) || *e != '$' || memparse(e + 1, addr, &e) || *e)
		return -1;
	return 0;
}

/* The value of the last KEY=... word of a command line, in @out. */
static bool cmdline_word(const char *cmdline, const char *key, uint64_t *size,
			 uint64_t *addr, bool covering, uint64_t phys, uint64_t len)
{
	char buf[UPG_CMDLINE_MAX], *w, *save;
	size_t kl = strlen(key);
	bool found = false;
	uint64_t s, a;

	snprintf(buf, sizeof(buf), "%s", cmdline);
	for (w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (strncmp(w, key, kl) || size_at(w + kl, &s, &a))
			continue;
		if (covering && !(a <= phys && a + s >= phys + len))
			continue;
		*size = s;
		*addr = a;
		found = true;
	}
	return found;
}

static void check_cmdline(struct vstate *v, const struct mod_state *m,
			  const char *cmdline)
{
	uint64_t s, a;

	if (!m->store_size) {
		check(v, UPG_FAIL, EXIT_V_RESERVATION, "reservation",
		      "the running module has no preserved memory");
		return;
	}
	if (!cmdline_word(cmdline, "memmap=", &s, &a, true, m->store_phys, m->store_size))
		check(v, UPG_FAIL, EXIT_V_RESERVATION, "reservation",
		      "the new command line has no memmap=SIZE$ADDR covering the store (%" PRIu64
		      " bytes at 0x%" PRIx64 "): the new kernel would use that memory",
		      m->store_size, m->store_phys);
	else if (!cmdline_word(cmdline, "issu.region=", &s, &a, false, 0, 0))
		check(v, UPG_FAIL, EXIT_V_RESERVATION, "reservation",
		      "the new command line has no issu.region=SIZE$ADDR: the new module would not find the store");
	else if (s != m->store_size || a != m->store_phys)
		check(v, UPG_FAIL, EXIT_V_RESERVATION, "reservation",
		      "issu.region= of the new command line (%" PRIu64 " bytes at 0x%" PRIx64
		      ") is not the store (%" PRIu64 " bytes at 0x%" PRIx64 ")",
		      s, a, m->store_size, m->store_phys);
	else
		check(v, UPG_PASS, 0, "reservation",
		      "memmap= and issu.region= keep %" PRIu64 " bytes at 0x%" PRIx64,
		      m->store_size, m->store_phys);
}

/* ----------------------------------------------------- named namespaces */

/**
 * in_netns() - run @fn in a child inside /run/netns/@name
 * @name: namespace
 * @fn: fills @res; runs with the namespace's own /sys mounted
 * @res: its result, passed back through a pipe
 * @size: of @res
 *
 * Return: 0, or -1 (@res untouched) if the child could not enter it.
 */
static int in_netns(const char *name, void (*fn)(void *res), void *res, size_t size)
{
	char path[PATH_MAX], buf[64];
	int fds[2], fd, ret = -1;
	pid_t pid;

	if (size > sizeof(buf) || pipe(fds))
		return -1;
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	pid = fork();
	if (!pid) {
		close(fds[0]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNET) || unshare(CLONE_NEWNS) ||
		    mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) ||
		    umount2("/sys", MNT_DETACH) || mount("sysfs", "/sys", "sysfs", 0, NULL))
			_exit(1);
		fn(buf);
		_exit(write(fds[1], buf, size) != (ssize_t)size);
	}
	close(fds[1]);
	if (pid > 0) {
		if (read(fds[0], buf, size) == (ssize_t)size) {
			memcpy(res, buf, size);
			ret = 0;
		}
		waitpid(pid, NULL, 0);
	}
	close(fds[0]);
	return ret;
}

static void check_size(struct vstate *v, const struct mod_state *m,
		       const struct mod_flows *f)
{
	/* the module's walk counts every namespace, named or not */
	uint64_t flows = f->entries;
	uint64_t need = flows * EST_BYTES_PER_FLOW + EST_OVERHEAD;

	if (!m->slot_size)
		return;
	if (need > m->slot_size)
		check(v, UPG_FAIL, EXIT_V_RESERVATION, "size",
		      "%" PRIu64 " flows need about %" PRIu64 " bytes, a checkpoint slot has %"
		      PRIu64 ": enlarge memmap= and issu.region=", flows, need, m->slot_size);
	else if (need > m->slot_size / 10 * 8)
		check(v, UPG_WARNING, 0, "size",
		      "%" PRIu64 " flows need about %" PRIu64 " bytes, over 80%% of a slot (%"
		      PRIu64 ")", flows, need, m->slot_size);
	else
		check(v, UPG_PASS, 0, "size",
		      "%" PRIu64 " flows (%u namespaces with entries) need about %" PRIu64
		      " bytes of a %" PRIu64 "-byte slot", flows, f->netns, need, m->slot_size);
}

/* ---------------------------------------- namespaces without a name */

static void check_netns(struct vstate *v)
{
	ino_t known[256], seen[256];
	unsigned int nk = 0, ns = 0, i;
	char path[PATH_MAX];
	struct dirent *d;
	struct stat st;
	DIR *dir;

	if (!stat("/proc/1/ns/net", &st))
		known[nk++] = st.st_ino;
	dir = opendir("/run/netns");
	while (dir && (d = readdir(dir))) {
		snprintf(path, sizeof(path), "/run/netns/%s", d->d_name);
		if (d->d_name[0] != '.' && !stat(path, &st) && nk < 256)
			known[nk++] = st.st_ino;
	}
	if (dir)
		closedir(dir);
	dir = opendir("/proc");
	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", d->d_name);
		if (stat(path, &st))
			continue;
		for (i = 0; i < nk && known[i] != st.st_ino; i++)
			;
		if (i < nk)
			continue;
		for (i = 0; i < ns && seen[i] != st.st_ino; i++)
			;
		if (i == ns && ns < 256)
			seen[ns++] = st.st_ino;
	}
	if (dir)
		closedir(dir);
	if (ns)
		check(v, UPG_WARNING, 0, "namespaces",
		      "%u network namespaces have no /run/netns name: their flows are not preserved",
		      ns);
	else
		check(v, UPG_PASS, 0, "namespaces",
		      "every network namespace has a /run/netns name (%u)", nk - 1);
}

/* --------------------------------------------------- helpers in use */

static void check_helpers(struct vstate *v, const struct mod_flows *f)
{
	char names[200] = "";
	unsigned int i;
	size_t n = 0;

	for (i = 0; i < f->nhelpers && n < sizeof(names) - 1; i++)
		n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s %" PRIu64,
				      n ? ", " : "", f->helper[i].name, f->helper[i].count);
	if (f->helper_other && n < sizeof(names) - 1)
		snprintf(names + n, sizeof(names) - n, "%sothers %" PRIu64, n ? ", " : "",
			 f->helper_other);
	if (names[0] || f->expectations || f->expected)
		check(v, UPG_WARNING, 0, "helpers",
		      "entries with conntrack helpers (%s) come back without them; %" PRIu64
		      " expectations are not preserved, %" PRIu64 " expected entries lose their master",
		      names[0] ? names : "none", f->expectations, f->expected);
	else
		check(v, UPG_PASS, 0, "helpers", "no conntrack helpers or expectations in use");
}

/* ------------------------------------------------------- interface MACs */

/* Interfaces of the namespace, but loopback. */
static void link_count(void *res)
{
	unsigned int n = 0;
	struct dirent *d;
	DIR *dir;

	dir = opendir("/sys/class/net");
	while (dir && (d = readdir(dir)))
		if (d->d_name[0] != '.' && strcmp(d->d_name, "lo"))
			n++;
	if (dir)
		closedir(dir);
	memcpy(res, &n, sizeof(n));
}

static unsigned int netns_links(const char *name)
{
	unsigned int n = 0;

	in_netns(name, link_count, &n, sizeof(n));
	return n;
}

/*
 * The module keeps the MACs of the initial namespace's interfaces (all of
 * them, or with macs=retained only the pinned ones): say which will not
 * come back.
 */
static void check_macs(struct vstate *v)
{
	unsigned int links = 0, nets = 0, n;
	char mode[32] = "all";
	struct dirent *d;
	DIR *dir;

	upg_read_line("/sys/module/issu/parameters/macs", mode, sizeof(mode));
	dir = opendir("/run/netns");
	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		n = netns_links(d->d_name);
		links += n;
		nets += n != 0;
	}
	if (dir)
		closedir(dir);
	if (links)
		check(v, UPG_WARNING, 0, "macs",
		      "%u interfaces in %u named namespaces keep no MAC: only the initial namespace's are preserved",
		      links, nets);
	else if (!strcmp(mode, "retained"))
		check(v, UPG_WARNING, 0, "macs",
		      "macs=retained: only the MACs pinned with 'mac retain' are preserved");
	else
		check(v, UPG_PASS, 0, "macs", "every interface's MAC is preserved (macs=%s)", mode);
}

/* ----------------------------------- rulesets the window cannot relax */

static int prio_value(const char *s, int *v)
{
	static const struct { const char *n; int v; } named[] = {
		{ "raw", -300 }, { "mangle", -150 }, { "dstnat", -100 },
		{ "filter", 0 }, { "security", 50 }, { "srcnat", 100 },
	};
	int base = 0, off = 0;
	size_t i;
	char op;

	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		size_t l = strlen(named[i].n);

		if (!strncmp(s, named[i].n, l)) {
			base = named[i].v;
			s += l;
			if (sscanf(s, " %c %d", &op, &off) == 2)
				base += op == '-' ? -off : off;
			*v = base;
			return 0;
		}
	}
	return sscanf(s, "%d", v) == 1 ? 0 : -1;
}

static void check_ruleset(struct vstate *v)
{
	char line[512], chain[128] = "", bad[256] = "";
	bool early = false;
	size_t n = 0;
	FILE *fp;
	int prio;

	fp = popen("nft list ruleset 2>/dev/null", "re");
	if (!fp) {
		check(v, UPG_WARNING, 0, "ruleset", "cannot run nft to read the ruleset");
		return;
	}
	while (fgets(line, sizeof(line), fp)) {
		char *p;

		if (sscanf(line, " chain %127s", chain) == 1) {
			early = false;
			continue;
		}
		p = strstr(line, "priority ");
		if (strstr(line, "type filter hook") && p && !prio_value(p + 9, &prio))
			early = prio < SYNWIN_HOOK_PRIO &&
				(strstr(line, "prerouting") || strstr(line, "forward") ||
				 strstr(line, "input") || strstr(line, "output"));
		if (early && strstr(line, "ct state") &&
		    (strstr(line, "drop") || strstr(line, "reject")) && n < sizeof(bad) - 1)
			n += (size_t)snprintf(bad + n, sizeof(bad) - n, "%s%s", n ? ", " : "",
					      chain);
	}
	pclose(fp);
	if (n)
		check(v, UPG_WARNING, 0, "ruleset",
		      "chains before the SYN-check window's hook (priority < %d) drop by ct state "
		      "(%s): mid-stream TCP is dropped there even with the window open",
		      SYNWIN_HOOK_PRIO, bad);
	else
		check(v, UPG_PASS, 0, "ruleset",
		      "no chain drops by ct state before the SYN-check window's hook");
}

/* ------------------------------------------------------------ modules */

static void check_module(struct vstate *v, const struct mod_state *m,
			 const char *path, const char *release, struct journal *j)
{
	uint32_t rmin, rmax, wmin, wmax, write = m->format_max;
	char err[256], enforce[8] = "";
	struct modinfo mi;
	char vm[128];

	if (!path) {
		check(v, UPG_WARNING, 0, "module",
		      "no --module: the new issu.ko is not checked (vermagic, formats)");
		return;
	}
	if (modinfo_read(path, &mi, err, sizeof(err))) {
		check(v, UPG_FAIL, EXIT_V_MODULE, "module", "%s", err);
		return;
	}
	snprintf(vm, sizeof(vm), "%.*s", (int)strcspn(mi.vermagic, " "), mi.vermagic);
	if (strcmp(mi.name, "issu"))
		check(v, UPG_FAIL, EXIT_V_MODULE, "module", "%s is module '%s', not issu",
		      path, mi.name);
	else if (release && strcmp(vm, release))
		check(v, UPG_FAIL, EXIT_V_MODULE, "vermagic",
		      "%s is built for %s, the new image is %s", path, vm, release);
	else
		check(v, UPG_PASS, 0, "vermagic", "%s %s built for %s", path, mi.version, vm);

	upg_read_line("/sys/module/module/parameters/sig_enforce", enforce, sizeof(enforce));
	if (enforce[0] == 'Y' && !mi.signed_)
		check(v, UPG_FAIL, EXIT_V_SIGNATURE, "signature",
		      "%s is not signed and the kernel enforces module signatures", path);
	else
		check(v, UPG_PASS, 0, "signature", "%s%s", mi.signed_ ? "signed" : "unsigned",
		      enforce[0] == 'Y' ? ", signatures enforced" : ", signatures not enforced");

	if (!mi.format_read[0] || format_range(mi.format_read, &rmin, &rmax)) {
		check(v, UPG_FAIL, EXIT_V_FORMAT, "format",
		      "%s declares no readable checkpoint formats (issu_format_read)", path);
		return;
	}
	if (write < rmin || write > rmax) {
		check(v, UPG_FAIL, EXIT_V_FORMAT, "format",
		      "the running module writes format %u, the new one reads %u-%u", write,
		      rmin, rmax);
		return;
	}
	check(v, UPG_PASS, 0, "format", "the running module writes %u, the new one reads %u-%u",
	      write, rmin, rmax);
	/* rollback: the new module must write what the running one reads */
	if (format_range(mi.format_write, &wmin, &wmax) || wmin > m->format_max)
		check(v, UPG_WARNING, 0, "rollback",
		      "the new module writes formats %s, the running one reads %u-%u: a rollback "
		      "would not preserve state", mi.format_write[0] ? mi.format_write : "(none)",
		      m->format_min, m->format_max);
	else
		check(v, UPG_PASS, 0, "rollback",
		      "a rollback writes format %u, which the running module reads",
		      wmax < m->format_max ? wmax : m->format_max);
	if (j)
		j->prev_format_max = wmax < m->format_max ? wmax : m->format_max;
}

/*
 * No --module: the new release's issu.ko from where DKMS or `make install`
 * put it. Says which (validate: a check line; upgrade: on stderr).
 */
static const char *default_module(struct vstate *v, const char *cmd, const char *release,
				  char *path, size_t size)
{
	char tried[320], err[256], vm[128];
	struct modinfo mi;

	if (modpath_find(release, path, size, tried, sizeof(tried))) {
		check(v, UPG_FAIL, EXIT_V_MODULE, "module-file",
		      "no --module and no issu.ko for %s: tried %s; install issu-dkms and "
		      "linux-headers-%s (DKMS builds it), or give --module", release, tried,
		      release);
		return NULL;
	}
	if (modinfo_read(path, &mi, err, sizeof(err))) {
		check(v, UPG_FAIL, EXIT_V_MODULE, "module-file", "no --module: chose %s: %s",
		      path, err);
		return NULL;
	}
	snprintf(vm, sizeof(vm), "%.*s", (int)strcspn(mi.vermagic, " "), mi.vermagic);
	check(v, UPG_PASS, 0, "module-file", "no --module: chose %s (%s %s, built for %s)",
	      path, mi.name, mi.version, vm);
	if (!v->print)
		fprintf(stderr, "%s: %s: no --module: chose %s (%s %s, built for %s)\n", PROG,
			cmd, path, mi.name, mi.version, vm);
	return path;
}

/* -------------------------------------------------------------- kexec */

static void check_kexec(struct vstate *v)
{
	char buf[128] = "";

	if (!upg_read_line("/proc/sys/kernel/kexec_load_disabled", buf, sizeof(buf)) &&
	    buf[0] == '1') {
		check(v, UPG_FAIL, EXIT_V_KEXEC, "kexec",
		      "kexec is disabled (kernel.kexec_load_disabled=1, until reboot)");
		return;
	}
	buf[0] = '\0';
	upg_read_line("/sys/kernel/security/lockdown", buf, sizeof(buf));
	if (strstr(buf, "[integrity]") || strstr(buf, "[confidentiality]"))
		check(v, UPG_WARNING, 0, "kexec",
		      "kernel lockdown (%s): kexec_file_load takes only signed images", buf);
	else if (upg_kexec_loaded())
		check(v, UPG_WARNING, 0, "kexec",
		      "a kernel is already staged for kexec: the upgrade replaces it");
	else
		check(v, UPG_PASS, 0, "kexec", "kexec_file_load allowed, no lockdown");
}

static void check_space(struct vstate *v, const char *dir)
{
	char parent[PATH_MAX], *slash;
	struct statvfs sv;
	uint64_t avail;

	snprintf(parent, sizeof(parent), "%s", dir);
	while (statvfs(parent, &sv)) {
		slash = strrchr(parent, '/');
		if (!slash || slash == parent) {
			snprintf(parent, sizeof(parent), "/");
			if (statvfs(parent, &sv)) {
				check(v, UPG_FAIL, EXIT_V_SPACE, "state-dir", "cannot stat %s: %s",
				      dir, strerror(errno));
				return;
			}
			break;
		}
		*slash = '\0';
	}
	avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	if (avail < STATE_DIR_MIN_FREE || (sv.f_files && sv.f_favail < 8))
		check(v, UPG_FAIL, EXIT_V_SPACE, "state-dir",
		      "only %" PRIu64 " bytes free for the journal in %s (at least %d needed)",
		      avail, parent, STATE_DIR_MIN_FREE);
	else if (sv.f_flag & ST_RDONLY)
		check(v, UPG_FAIL, EXIT_V_SPACE, "state-dir", "%s is read-only", parent);
	else
		check(v, UPG_PASS, 0, "state-dir", "%" PRIu64 " MiB free in %s", avail >> 20,
		      parent);
}

/**
 * validate_run() - every check, printed or (upgrade) only what is not a pass
 * @c: context
 * @img: the new image
 * @j: filled with what the upgrade records (release, previous image), or NULL
 * @print: print every check (validate), else warnings and failures on stderr
 *
 * Return: 0, or the exit code of the first failure.
 */
int validate_run(const struct upg_ctx *c, const struct upg_image *img,
		 struct journal *j, bool print)
{
	struct vstate v = { .print = print };
	char release[65] = "", err[256], cmdline[UPG_CMDLINE_MAX] = "";
	char found[PATH_MAX];
	const char *module = img->module;
	struct mod_flows f;
	struct mod_state m;
	struct stat st;

	if (print) {
		open_json_array("checks");
		if (!print_is_json())
			print_text("%-8s %-14s %s\n", "RESULT", "CHECK", "REASON");
	}
	if (mod_state_get(&m, c->o->cmd->name))
		check(&v, UPG_FAIL, EXIT_V_STATE, "module", "issu.ko is not loaded");
	else if (m.store_state != ISSU_STORE_STATE_READY)
		check(&v, UPG_FAIL, EXIT_V_STATE, "store", "no preserved memory: %s",
		      m.store_reason[0] ? m.store_reason : "not configured");
	else
		check(&v, UPG_PASS, 0, "store", "issu %s, store of %" PRIu64 " bytes ready",
		      m.version, m.store_size);

	if (kernel_image_release(img->kernel, release, sizeof(release), err, sizeof(err)))
		check(&v, UPG_FAIL, EXIT_V_KERNEL, "kernel", "%s", err);
	else
		check(&v, UPG_PASS, 0, "kernel", "%s is release %s", img->kernel, release);
	if (img->initrd && stat(img->initrd, &st))
		check(&v, UPG_FAIL, EXIT_V_KERNEL, "initrd", "%s: %s", img->initrd,
		      strerror(errno));
	if (!module && release[0])
		module = default_module(&v, c->o->cmd->name, release, found, sizeof(found));
	if (j && module && !img->module)
		snprintf(j->module, sizeof(j->module), "%s", module);
	if (m.loaded && (module || !release[0]))
		check_module(&v, &m, module, release[0] ? release : NULL, j);
	else
		skip(&v, module_checks, ARRAY_SIZE(module_checks), "issu.ko is not loaded");

	if (img->cmdline)
		snprintf(cmdline, sizeof(cmdline), "%s", img->cmdline);
	else
		upg_read_line("/proc/cmdline", cmdline, sizeof(cmdline));
	if (m.loaded && !mod_flows_get(&f, c->o->cmd->name)) {
		check_cmdline(&v, &m, cmdline);
		check_size(&v, &m, &f);
		check_helpers(&v, &f);
	} else {
		skip(&v, state_checks, ARRAY_SIZE(state_checks), m.loaded ?
		     "the module's conntrack summary is not available" :
		     "issu.ko is not loaded");
	}
	check_space(&v, c->state_dir);
	check_kexec(&v);
	check_netns(&v);
	check_macs(&v);
	check_ruleset(&v);
	if (print) {
		close_json_array();
		if (module)
			print_string(PRINT_JSON, "module", NULL, module);
		pr_str("result", "result", v.failures ? "fail" : v.warnings ? "warning" : "pass");
		pr_u32("warnings", "warnings", v.warnings);
		pr_u32("failures", "failures", v.failures);
		pr_u32("skipped", "skipped", v.skipped);
	}
	if (j) {
		snprintf(j->release, sizeof(j->release), "%s", release);
		snprintf(j->cmdline, sizeof(j->cmdline), "%s", cmdline);
	}
	return v.first_fail;
}

int cmd_validate(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "initrd", required_argument, NULL, OPT_INITRD },
		{ "module", required_argument, NULL, OPT_MODULE },
		{ "append", required_argument, NULL, OPT_APPEND },
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ NULL, 0, NULL, 0 },
	};
	struct upg_image img = { 0 };
	struct upg_ctx c;
	int ch, rc;

	rc = upg_ctx_init(&c, o);
	if (rc)
		return rc;
	while ((ch = cmd_getopt(argc, argv, COMMON_SHORTOPTS, longopts, o)) != -1) {
		switch (ch) {
		case OPT_KERNEL:
			img.kernel = optarg;
			break;
		case OPT_INITRD:
			img.initrd = optarg;
			break;
		case OPT_MODULE:
			img.module = optarg;
			break;
		case OPT_APPEND:
			img.cmdline = optarg;
			break;
		case OPT_STATE_DIR:
			c.state_dir = optarg;
			break;
		default:
			return cmd_opt_exit(ch);
		}
	}
	if (optind < argc)
		return cmd_usage_error(o, "unexpected argument '%s'", argv[optind]);
	if (!img.kernel)
		return cmd_usage_error(o, "--kernel IMAGE is required");
	print_init_opts(o, false);
	open_json_object(NULL);
	rc = validate_run(&c, &img, NULL, true);
	close_json_object();
	return output_end(rc);
}
