// SPDX-License-Identifier: GPL-2.0
/*
 * The cluster configuration file (default /etc/issu/cluster.conf), read
 * with libconfig and validated strictly: every key known, of its type and
 * in its range, required keys present, names and ids unique; each problem
 * is reported with the file, line and key (all of them, not only the
 * first). The format is documented in issu-helper(8) and
 * Documentation/issu/cluster.rst; Documentation/issu/examples/cluster.conf
 * is an example.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>
#include <linux/issu_ckpt.h>

#include "cluster.h"

void cl_problem(struct cl_report *r, enum cl_class cls, bool warning,
		const char *code, const char *file, unsigned int line,
		const char *key, int rg, const char *fmt, ...)
{
	struct cl_problem *p;
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	p = realloc(r->v, (r->n + 1) * sizeof(*r->v));
	if (!p) {
		fprintf(stderr, "%s: out of memory\n", PROG);
		exit(EXIT_FAIL);
	}
	r->v = p;
	p = &r->v[r->n++];
	p->cls = cls;
	p->warning = warning;
	p->code = code;
	p->file = file ? strdup(file) : NULL;
	p->line = line;
	p->key = key ? strdup(key) : NULL;
	p->rg = rg;
	p->text = strdup(buf);
	if ((file && !p->file) || (key && !p->key) || !p->text) {
		fprintf(stderr, "%s: out of memory\n", PROG);
		exit(EXIT_FAIL);
	}
}

void cl_report_free(struct cl_report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->v[i].file);
		free(r->v[i].key);
		free(r->v[i].text);
	}
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

const char *cluster_conf_path(const char *opt)
{
	const char *env = getenv("ISSU_CLUSTER_CONF");

	if (opt)
		return opt;
	return env && *env ? env : CLUSTER_CONF_DEFAULT;
}

struct ctx {
	struct cl_report *r;
	const char *path;
	int rg;		/* the RG being read, -1 outside */
	int errors;
};

static const char *sfile(const struct ctx *c, const config_setting_t *s)
{
	const char *f = s ? config_setting_source_file(s) : NULL;

	return f ? f : c->path;
}

static void __printf(5, 6)
bad(struct ctx *c, const config_setting_t *s, const char *key,
    const char *code, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cl_problem(c->r, CL_CONF, false, code, sfile(c, s),
		   s ? config_setting_source_line(s) : 0, key, c->rg, "%s", buf);
	c->errors++;
}

/* "prefix.name" (or "name" at the top) */
static void keyname(char *buf, size_t size, const char *prefix, const char *name)
{
	if (*prefix)
		snprintf(buf, size, "%s.%s", prefix, name);
	else
		snprintf(buf, size, "%s", name);
}

/* Every member of @g is one of @known. */
static void only_known(struct ctx *c, const config_setting_t *g,
		       const char *prefix, const char *const *known)
{
	const config_setting_t *m;
	const char *const *k;
	char key[256];
	int i;

	for (i = 0; (m = config_setting_get_elem(g, (unsigned int)i)); i++) {
		for (k = known; *k; k++)
			if (!strcmp(config_setting_name(m), *k))
				break;
		if (*k)
			continue;
		keyname(key, sizeof(key), prefix, config_setting_name(m));
		bad(c, m, key, "conf-unknown-key", "unknown key '%s'", key);
	}
}

/* A group member @name of @g: the setting, or NULL (reported if @required). */
static const config_setting_t *member(struct ctx *c, const config_setting_t *g,
				      const char *prefix, const char *name,
				      bool required)
{
	config_setting_t *s = config_setting_get_member(g, name);
	char key[256];

	if (!s && required) {
		keyname(key, sizeof(key), prefix, name);
		bad(c, g, key, "conf-missing-key", "'%s' is required", key);
	}
	return s;
}

/* Return: 1 read, 0 absent, -1 invalid (reported). */
static int get_str(struct ctx *c, const config_setting_t *g, const char *prefix,
		   const char *name, bool required, char *buf, size_t size)
{
	const config_setting_t *s = member(c, g, prefix, name, required);
	const char *v;
	char key[256];

	if (!s)
		return required ? -1 : 0;
	keyname(key, sizeof(key), prefix, name);
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		bad(c, s, key, "conf-type", "'%s' must be a string", key);
		return -1;
	}
	v = config_setting_get_string(s);
	if (!*v) {
		bad(c, s, key, "conf-value", "'%s' is empty", key);
		return -1;
	}
	if (strlen(v) >= size) {
		bad(c, s, key, "conf-range", "'%s' is longer than %zu characters",
		    key, size - 1);
		return -1;
	}
	snprintf(buf, size, "%s", v);
	return 1;
}

/* Return: 1 read, 0 absent, -1 invalid (reported). */
static int get_int(struct ctx *c, const config_setting_t *g, const char *prefix,
		   const char *name, bool required, long long min, long long max,
		   long long *val)
{
	const config_setting_t *s = member(c, g, prefix, name, required);
	char key[256];
	long long v;

	if (!s)
		return required ? -1 : 0;
	keyname(key, sizeof(key), prefix, name);
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) {
		bad(c, s, key, "conf-type", "'%s' must be an integer", key);
		return -1;
	}
	v = config_setting_get_int64(s);
	if (v < min || v > max) {
		bad(c, s, key, "conf-range", "'%s' is %lld, not in %lld..%lld",
		    key, v, min, max);
		return -1;
	}
	*val = v;
	return 1;
}

static const config_setting_t *group(struct ctx *c, const config_setting_t *g,
				     const char *name, bool required)
{
	const config_setting_t *s = member(c, g, "", name, required);

	if (s && config_setting_type(s) != CONFIG_TYPE_GROUP) {
		bad(c, s, name, "conf-type", "'%s' must be a group: %s = { ... };",
		    name, name);
		return NULL;
	}
	return s;
}

/* A node name: what `issu-helper node set name` accepts, printable, no blanks. */
static bool good_name(const char *s)
{
	for (; *s; s++)
		if (*s <= ' ' || *s == 0x7f || *s == '/')
			return false;
	return true;
}

/* An IPv4 or IPv6 address, with an optional /prefix. */
static bool good_ip(const char *s)
{
	char addr[64], *slash, *end;
	unsigned char b[16];
	long plen;
	int af;

	if (strlen(s) >= sizeof(addr))
		return false;
	snprintf(addr, sizeof(addr), "%s", s);
	slash = strchr(addr, '/');
	if (slash)
		*slash++ = '\0';
	af = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(af, addr, b) != 1)
		return false;
	if (!slash)
		return true;
	plen = strtol(slash, &end, 10);
	return *slash && !*end && plen >= 0 && plen <= (af == AF_INET ? 32 : 128);
}

/* A host name (RFC 1123 letters, digits, '-', '.') or an address. */
static bool good_host(const char *s)
{
	const char *p;

	if (good_ip(s) && !strchr(s, '/'))
		return true;
	if (strchr(s, ':') || *s == '-' || *s == '.')
		return false;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			return false;
	return true;
}

/* An optional absolute path. */
static void get_path(struct ctx *c, const config_setting_t *g, const char *prefix,
		     const char *name, char *buf, size_t size)
{
	char key[256];

	if (get_str(c, g, prefix, name, false, buf, size) <= 0 || buf[0] == '/')
		return;
	keyname(key, sizeof(key), prefix, name);
	bad(c, config_setting_get_member(g, name), key, "conf-value",
	    "'%s' must be an absolute path", key);
	buf[0] = '\0';
}

/* Seconds, integer or fractional, as milliseconds. Return: 1, 0 absent, -1. */
static int get_ms(struct ctx *c, const config_setting_t *g, const char *prefix,
		  const char *name, uint32_t min_ms, uint32_t max_ms, uint32_t *ms)
{
	const config_setting_t *s = member(c, g, prefix, name, false);
	char key[256];
	double v;

	if (!s)
		return 0;
	keyname(key, sizeof(key), prefix, name);
	if (config_setting_type(s) == CONFIG_TYPE_INT ||
	    config_setting_type(s) == CONFIG_TYPE_INT64)
		v = (double)config_setting_get_int64(s);
	else if (config_setting_type(s) == CONFIG_TYPE_FLOAT)
		v = config_setting_get_float(s);
	else {
		bad(c, s, key, "conf-type", "'%s' must be a number of seconds", key);
		return -1;
	}
	if (!(v * 1000 >= min_ms && v * 1000 <= max_ms)) {
		bad(c, s, key, "conf-range", "'%s' is %g s, not in %g..%g s", key, v,
		    min_ms / 1000.0, max_ms / 1000.0);
		return -1;
	}
	*ms = (uint32_t)(v * 1000 + 0.5);
	return 1;
}

const char *cluster_timers_check(uint32_t heartbeat_ms, uint32_t dead_ms)
{
	if (heartbeat_ms < PEER_HEARTBEAT_MIN_MS || heartbeat_ms > PEER_HEARTBEAT_MAX_MS)
		return "the heartbeat is not in 0.1..60 s";
	if (dead_ms > PEER_DEAD_MAX_MS)
		return "the dead time is more than 600 s";
	if (dead_ms < 2 * heartbeat_ms)
		return "the dead time is less than twice the heartbeat: a live peer would be declared lost";
	return NULL;
}

/* peer.heartbeat, peer.dead_time (seconds), checked together. */
static void read_timers(struct ctx *c, const config_setting_t *g,
			struct cluster_conf *cc)
{
	const char *why;
	int a, b;

	a = get_ms(c, g, "peer", "heartbeat", PEER_HEARTBEAT_MIN_MS,
		   PEER_HEARTBEAT_MAX_MS, &cc->heartbeat_ms);
	b = get_ms(c, g, "peer", "dead_time", 2 * PEER_HEARTBEAT_MIN_MS,
		   PEER_DEAD_MAX_MS, &cc->dead_ms);
	if (a < 0 || b < 0)
		return;
	why = cluster_timers_check(cc->heartbeat_ms, cc->dead_ms);
	if (why)
		bad(c, config_setting_get_member(g, b ? "dead_time" : "heartbeat"),
		    b ? "peer.dead_time" : "peer.heartbeat", "conf-value",
		    "peer.heartbeat %u ms, peer.dead_time %u ms: %s", cc->heartbeat_ms,
		    cc->dead_ms, why);
}

static void read_identity(struct ctx *c, const config_setting_t *root,
			  struct cluster_conf *cc)
{
	static const char *const cluster_keys[] = { "id", NULL };
	static const char *const node_keys[] = { "name", "id", NULL };
	static const char *const peer_keys[] = {
		"name", "id", "address", "ssh", "heartbeat", "dead_time", NULL,
	};
	static const char *const ssh_keys[] = {
		"user", "key", "port", "known_hosts", "config", "connect_timeout", NULL,
	};
	static const char *const ka_keys[] = { "config", NULL };
	const config_setting_t *g, *ssh;
	long long v;

	g = group(c, root, "cluster", true);
	if (g) {
		only_known(c, g, "cluster", cluster_keys);
		if (get_int(c, g, "cluster", "id", true, 1, UINT32_MAX, &v) > 0)
			cc->cluster_id = (uint32_t)v;
	}
	g = group(c, root, "node", true);
	if (g) {
		only_known(c, g, "node", node_keys);
		if (get_str(c, g, "node", "name", true, cc->node_name,
			    ISSU_NODE_NAME_MAX) > 0 && !good_name(cc->node_name))
			bad(c, config_setting_get_member(g, "name"), "node.name",
			    "conf-value", "'node.name' has blanks, '/' or control characters");
		if (get_int(c, g, "node", "id", true, 1, UINT32_MAX, &v) > 0)
			cc->node_id = (uint32_t)v;
	}
	g = group(c, root, "peer", true);
	if (g) {
		only_known(c, g, "peer", peer_keys);
		if (get_str(c, g, "peer", "name", true, cc->peer_name,
			    ISSU_NODE_NAME_MAX) > 0 && !good_name(cc->peer_name))
			bad(c, config_setting_get_member(g, "name"), "peer.name",
			    "conf-value", "'peer.name' has blanks, '/' or control characters");
		if (get_int(c, g, "peer", "id", true, 1, UINT32_MAX, &v) > 0)
			cc->peer_id = (uint32_t)v;
		if (get_str(c, g, "peer", "address", true, cc->peer_address,
			    sizeof(cc->peer_address)) > 0 && !good_host(cc->peer_address))
			bad(c, config_setting_get_member(g, "address"), "peer.address",
			    "conf-value",
			    "'peer.address' '%s' is neither an address nor a host name",
			    cc->peer_address);
		if (cc->node_id && cc->node_id == cc->peer_id)
			bad(c, config_setting_get_member(g, "id"), "peer.id", "conf-value",
			    "'peer.id' is this node's id %u", cc->peer_id);
		if (*cc->node_name && !strcmp(cc->node_name, cc->peer_name))
			bad(c, config_setting_get_member(g, "name"), "peer.name", "conf-value",
			    "'peer.name' is this node's name '%s'", cc->peer_name);
		ssh = member(c, g, "peer", "ssh", false);
		if (ssh && config_setting_type(ssh) != CONFIG_TYPE_GROUP) {
			bad(c, ssh, "peer.ssh", "conf-type", "'peer.ssh' must be a group");
		} else if (ssh) {
			only_known(c, ssh, "peer.ssh", ssh_keys);
			if (get_str(c, ssh, "peer.ssh", "user", false, cc->ssh_user,
				    sizeof(cc->ssh_user)) > 0 && !good_name(cc->ssh_user))
				bad(c, config_setting_get_member(ssh, "user"), "peer.ssh.user",
				    "conf-value",
				    "'peer.ssh.user' has blanks or control characters");
			if (get_str(c, ssh, "peer.ssh", "key", false, cc->ssh_key,
				    sizeof(cc->ssh_key)) > 0 && cc->ssh_key[0] != '/')
				bad(c, config_setting_get_member(ssh, "key"), "peer.ssh.key",
				    "conf-value", "'peer.ssh.key' must be an absolute path");
			if (get_int(c, ssh, "peer.ssh", "port", false, 1, 65535, &v) > 0)
				cc->ssh_port = (uint32_t)v;
			get_path(c, ssh, "peer.ssh", "known_hosts", cc->ssh_known_hosts,
				 sizeof(cc->ssh_known_hosts));
			get_path(c, ssh, "peer.ssh", "config", cc->ssh_config,
				 sizeof(cc->ssh_config));
			if (get_int(c, ssh, "peer.ssh", "connect_timeout", false, 1, 600, &v) > 0)
				cc->connect_timeout = (uint32_t)v;
		}
		read_timers(c, g, cc);
	}
	g = group(c, root, "keepalived", false);
	if (g) {
		only_known(c, g, "keepalived", ka_keys);
		if (get_str(c, g, "keepalived", "config", false, cc->keepalived_conf,
			    sizeof(cc->keepalived_conf)) > 0 && cc->keepalived_conf[0] != '/')
			bad(c, config_setting_get_member(g, "config"), "keepalived.config",
			    "conf-value", "'keepalived.config' must be an absolute path");
	}
}

static void read_vips(struct ctx *c, const config_setting_t *s,
		      const char *prefix, struct cl_rg *rg)
{
	const config_setting_t *e;
	char key[256];
	unsigned int i;

	keyname(key, sizeof(key), prefix, "vips");
	if (config_setting_type(s) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(s) != CONFIG_TYPE_LIST) {
		bad(c, s, key, "conf-type", "'%s' must be an array of strings: [ \"192.0.2.1\" ]",
		    key);
		return;
	}
	for (i = 0; (e = config_setting_get_elem(s, i)); i++) {
		if (config_setting_type(e) != CONFIG_TYPE_STRING ||
		    !good_ip(config_setting_get_string(e))) {
			bad(c, e, key, "conf-value", "'%s' element %u is not an IP address",
			    key, i);
			continue;
		}
		if (rg->nvips == CLUSTER_MAX_VIPS) {
			bad(c, e, key, "conf-range", "'%s' has more than %d addresses",
			    key, CLUSTER_MAX_VIPS);
			return;
		}
		snprintf(rg->vips[rg->nvips++], sizeof(rg->vips[0]), "%s",
			 config_setting_get_string(e));
	}
}

static void read_rg(struct ctx *c, const config_setting_t *g, unsigned int idx,
		    struct cl_rg *rg)
{
	static const char *const rg_keys[] = {
		"id", "name", "vrrp_instance", "vrrp_sync_group", "track_file",
		"weight", "peer_priority", "vips", NULL,
	};
	const config_setting_t *s;
	char prefix[64];
	long long v;
	int a, b, errors;

	snprintf(prefix, sizeof(prefix), "redundancy_groups.[%u]", idx);
	rg->line = config_setting_source_line(g);
	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		bad(c, g, prefix, "conf-type", "'%s' must be a group { ... }", prefix);
		rg->id = UINT32_MAX;
		return;
	}
	errors = c->errors;
	if (get_int(c, g, prefix, "id", true, 0, CLUSTER_MAX_RG - 1, &v) > 0) {
		rg->id = (uint32_t)v;
		c->rg = (int)v;
	} else {
		rg->id = UINT32_MAX;
	}
	only_known(c, g, prefix, rg_keys);
	if (!get_str(c, g, prefix, "name", false, rg->name, sizeof(rg->name)))
		snprintf(rg->name, sizeof(rg->name), rg->id == 0 ? "control" : "rg%u",
			 rg->id);
	a = get_str(c, g, prefix, "vrrp_instance", false, rg->instance,
		    sizeof(rg->instance));
	b = get_str(c, g, prefix, "vrrp_sync_group", false, rg->sync_group,
		    sizeof(rg->sync_group));
	if (!a && !b)
		bad(c, g, prefix, "conf-binding",
		    "'%s' names neither a vrrp_instance nor a vrrp_sync_group", prefix);
	else if (a > 0 && b > 0)
		bad(c, g, prefix, "conf-binding",
		    "'%s' names both a vrrp_instance and a vrrp_sync_group: one of them",
		    prefix);
	if (get_str(c, g, prefix, "track_file", true, rg->track_file,
		    sizeof(rg->track_file)) > 0 && rg->track_file[0] != '/') {
		char key[256];

		keyname(key, sizeof(key), prefix, "track_file");
		bad(c, config_setting_get_member(g, "track_file"), key, "conf-value",
		    "'%s' must be an absolute path", key);
	}
	if (get_int(c, g, prefix, "weight", true, -254, 254, &v) > 0)
		rg->weight = (int)v;
	/* a move by weight has to know the gap to the peer's priority */
	if (get_int(c, g, prefix, "peer_priority", rg->weight != 0, 1, 254, &v) > 0)
		rg->peer_priority = (int)v;
	s = config_setting_get_member(g, "vips");
	if (s)
		read_vips(c, s, prefix, rg);
	rg->valid = c->errors == errors;
	c->rg = -1;
}

static void read_rgs(struct ctx *c, const config_setting_t *root,
		     struct cluster_conf *cc)
{
	const config_setting_t *l = member(c, root, "", "redundancy_groups", true);
	unsigned int i, j, n;
	char key[64];

	if (!l)
		return;
	if (config_setting_type(l) != CONFIG_TYPE_LIST) {
		bad(c, l, "redundancy_groups", "conf-type",
		    "'redundancy_groups' must be a list of groups: ( { ... }, { ... } )");
		return;
	}
	n = (unsigned int)config_setting_length(l);
	if (n > CLUSTER_MAX_RG) {
		bad(c, l, "redundancy_groups", "conf-range",
		    "more than %d redundancy groups", CLUSTER_MAX_RG);
		n = CLUSTER_MAX_RG;
	}
	for (i = 0; i < n; i++)
		read_rg(c, config_setting_get_elem(l, i), i, &cc->rg[i]);
	cc->nrg = n;
	for (i = 0; i < n; i++) {
		struct cl_rg *a = &cc->rg[i];

		for (j = 0; j < i; j++) {
			struct cl_rg *b = &cc->rg[j];

			snprintf(key, sizeof(key), "redundancy_groups.[%u]", i);
			c->rg = (int)a->id;
			if (a->id != UINT32_MAX && a->id == b->id)
				bad(c, config_setting_get_elem(l, i), key, "conf-duplicate",
				    "RG%u is defined twice (also at line %u)", a->id, b->line);
			if (*a->instance && !strcmp(a->instance, b->instance))
				bad(c, config_setting_get_elem(l, i), key, "conf-duplicate",
				    "vrrp_instance '%s' is bound to two RGs (also at line %u)",
				    a->instance, b->line);
			if (*a->sync_group && !strcmp(a->sync_group, b->sync_group))
				bad(c, config_setting_get_elem(l, i), key, "conf-duplicate",
				    "vrrp_sync_group '%s' is bound to two RGs (also at line %u)",
				    a->sync_group, b->line);
			if (*a->track_file && !strcmp(a->track_file, b->track_file))
				bad(c, config_setting_get_elem(l, i), key, "conf-duplicate",
				    "track file %s is used by two RGs (also at line %u)",
				    a->track_file, b->line);
			c->rg = -1;
		}
	}
	for (i = 0; i < n; i++)
		if (cc->rg[i].id == 0)
			return;
	bad(c, l, "redundancy_groups", "conf-no-rg0",
	    "no RG0: the control group (id = 0) is required");
}

int cluster_conf_load(struct cluster_conf *cc, const char *path,
		      struct cl_report *r)
{
	static const char *const top_keys[] = {
		"cluster", "node", "peer", "keepalived", "redundancy_groups", NULL,
	};
	struct ctx c = { .r = r, .path = path, .rg = -1 };
	const config_setting_t *root;
	config_t cfg;
	FILE *fp;

	memset(cc, 0, sizeof(*cc));
	snprintf(cc->path, sizeof(cc->path), "%s", path);
	snprintf(cc->keepalived_conf, sizeof(cc->keepalived_conf), "%s",
		 CLUSTER_KA_DEFAULT);
	cc->ssh_port = 22;
	cc->connect_timeout = PEER_CONNECT_TIMEOUT;
	cc->heartbeat_ms = PEER_HEARTBEAT_MS;
	cc->dead_ms = PEER_DEAD_MS;
	fp = fopen(path, "re");
	if (!fp) {
		cl_problem(r, CL_CONF, false, "conf-read", path, 0, NULL, -1,
			   "cannot read %s: %m", path);
		return -1;
	}
	fclose(fp);
	config_init(&cfg);
	if (!config_read_file(&cfg, path)) {
		cl_problem(r, CL_CONF, false, "conf-syntax",
			   config_error_file(&cfg) ? config_error_file(&cfg) : path,
			   (unsigned int)config_error_line(&cfg), NULL, -1, "%s",
			   config_error_text(&cfg));
		config_destroy(&cfg);
		return -1;
	}
	cc->parsed = true;
	root = config_root_setting(&cfg);
	only_known(&c, root, "", top_keys);
	read_identity(&c, root, cc);
	read_rgs(&c, root, cc);
	config_destroy(&cfg);
	return c.errors ? -1 : 0;
}
