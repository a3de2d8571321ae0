// SPDX-License-Identifier: GPL-2.0
/*
 * A redundancy group's state on this node (rgstate.h): its VIPs on the
 * interfaces (an RTM_GETADDR dump, libmnl; never `ip` output), its track
 * file read and written.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>

#include "issu-helper.h"
#include "keepalived.h"
#include "rgstate.h"

struct vip {
	int family;
	uint8_t addr[16];
	bool seen;
};

struct vips {
	struct vip v[CLUSTER_MAX_VIPS];
	size_t n;
};

/* "192.0.2.1" or "2001:db8::1/64" into @v. Return: 0, or -1. */
static int vip_parse(const char *s, struct vip *v)
{
	char buf[64], *slash;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	memset(v, 0, sizeof(*v));
	if (inet_pton(AF_INET, buf, v->addr) == 1)
		v->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, v->addr) == 1)
		v->family = AF_INET6;
	else
		return -1;
	return 0;
}

static int addr_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, IFA_MAX) < 0)
		return MNL_CB_OK;
	if ((type == IFA_ADDRESS || type == IFA_LOCAL) &&
	    mnl_attr_get_payload_len(a) != 4 && mnl_attr_get_payload_len(a) != 16)
		return MNL_CB_OK;
	tb[type] = a;
	return MNL_CB_OK;
}

static void mark(struct vips *vs, int family, const struct nlattr *a)
{
	size_t i, len = family == AF_INET ? 4 : 16;

	if (!a || mnl_attr_get_payload_len(a) != len)
		return;
	for (i = 0; i < vs->n; i++)
		if (vs->v[i].family == family &&
		    !memcmp(vs->v[i].addr, mnl_attr_get_payload(a), len))
			vs->v[i].seen = true;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IFA_MAX + 1] = { NULL };
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return MNL_CB_OK;
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return MNL_CB_OK;
	if (mnl_attr_parse(nlh, sizeof(*ifa), addr_attr, tb) < 0)
		return MNL_CB_OK;
	mark(data, ifa->ifa_family, tb[IFA_LOCAL]);
	mark(data, ifa->ifa_family, tb[IFA_ADDRESS]);
	return MNL_CB_OK;
}

static int vips_held_once(const struct cl_rg *rg, unsigned int *held, char *why, size_t size)
{
	char buf[32768];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	struct vips vs = { .n = 0 };
	unsigned int seq, portid;
	size_t i;
	int r, err = 0;

	for (i = 0; i < rg->nvips; i++) {
		if (vip_parse(rg->vips[i], &vs.v[vs.n]) < 0) {
			snprintf(why, size, "VIP '%s' is not an address", rg->vips[i]);
			return -EINVAL;
		}
		vs.n++;
	}
	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		snprintf(why, size, "rtnetlink: %s", strerror(errno));
		if (nl)
			mnl_socket_close(nl);
		return err;
	}
	portid = mnl_socket_get_portid(nl);
	seq = (unsigned int)time(NULL);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		err = -errno;
		goto out;
	}
	for (;;) {
		r = (int)mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (r < 0) {
			err = -errno;
			goto out;
		}
		r = mnl_cb_run(buf, (size_t)r, seq, portid, addr_cb, &vs);
		if (r < 0) {
			err = -errno;
			goto out;
		}
		if (r == MNL_CB_STOP)
			break;
	}
	*held = 0;
	for (i = 0; i < vs.n; i++)
		*held += vs.v[i].seen;
out:
	if (err)
		snprintf(why, size, "RTM_GETADDR: %s", strerror(-err));
	mnl_socket_close(nl);
	return err;
}

/*
 * A dump that the kernel marks NLM_F_DUMP_INTR (the addresses changed while
 * it ran: keepalived adding or removing VIPs, the moment a failover
 * watches) makes mnl_cb_run() fail with EINTR; its answer is not
 * consistent. Ask again, a few times.
 */
#define VIPS_DUMP_TRIES	10

int rg_vips_held(const struct cl_rg *rg, unsigned int *held, char *why, size_t size)
{
	int i, err = -EINTR;

	for (i = 0; i < VIPS_DUMP_TRIES && err == -EINTR; i++)
		err = vips_held_once(rg, held, why, size);
	return err;
}

int rg_track_read(const char *path, int32_t *v)
{
	char buf[32], *end;
	FILE *fp = fopen(path, "re");
	long x;

	if (!fp)
		return -errno;
	if (!fgets(buf, sizeof(buf), fp)) {
		fclose(fp);
		return -EINVAL;
	}
	fclose(fp);
	errno = 0;
	x = strtol(buf, &end, 10);
	if (end == buf || errno || x < INT32_MIN || x > INT32_MAX ||
	    (*end && *end != '\n'))
		return -EINVAL;
	*v = (int32_t)x;
	return 0;
}

int rg_track_write(const char *path, int32_t v, char *why, size_t size)
{
	char line[16];
	int n;

	n = snprintf(line, sizeof(line), "%d\n", (int)v);
	return write_file_atomic(path, line, (size_t)n, why, size);
}

int32_t rg_drain_value(const struct cl_rg *rg)
{
	return rg->weight > 0 ? -1 : 1;
}

const struct cl_rg *rg_find(const struct cluster_conf *cc, const char *name)
{
	uint32_t id;
	char *end;
	size_t i;
	const char *num = !strncmp(name, "rg", 2) ? name + 2 : name;

	id = (uint32_t)strtoul(num, &end, 10);
	for (i = 0; i < cc->nrg; i++) {
		if (*num && !*end && cc->rg[i].id == id)
			return &cc->rg[i];
		if (!strcmp(cc->rg[i].name, name))
			return &cc->rg[i];
	}
	return NULL;
}

const char *rg_ka_state_path(void)
{
	const char *p = getenv("ISSU_KA_STATE_FILE");

	return p && *p ? p : CLUSTER_KA_STATE;
}

int rg_ka_state(const struct cl_rg *rg, char *state, size_t size)
{
	const char *kind = *rg->sync_group ? "GROUP" : "INSTANCE";
	const char *name = *rg->sync_group ? rg->sync_group : rg->instance;
	char line[512], k[16], n[128], st[24];
	FILE *fp = fopen(rg_ka_state_path(), "re");
	int found = -ENOENT;

	if (!fp)
		return -ENOENT;
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "%15s %127s %23s", k, n, st) == 3 && !strcmp(k, kind) &&
		    !strcmp(n, name)) {
			snprintf(state, size, "%s", st);
			found = 0;
		}
	fclose(fp);
	return found;
}

int rg_inst_prio(const struct ka_node *inst)
{
	const struct ka_node *n = ka_child(inst, "priority", NULL);
	char *end;
	long v;

	if (!n || !ka_arg(n))
		return 100;
	v = strtol(ka_arg(n), &end, 10);
	return end == ka_arg(n) || *end || v < 1 || v > 255 ? 0 : (int)v;
}

int rg_inst_advert_ms(const struct ka_node *inst)
{
	const struct ka_node *n = ka_child(inst, "advert_int", NULL);
	char *end;
	double v;

	if (!n || !ka_arg(n))
		return 1000;
	v = strtod(ka_arg(n), &end);
	return end == ka_arg(n) || *end || v <= 0 || v > 255 ? 0 : (int)(v * 1000 + 0.5);
}

/* 1 where the instance has nopreempt (a number, as the others' folds). */
static int inst_nopreempt(const struct ka_node *inst)
{
	return ka_child(inst, "nopreempt", NULL) ? 1 : 0;
}

/*
 * @get of the RG's vrrp_instance, or the smallest (@largest: the largest)
 * of its sync group's members'; 0 when unknown: the file unreadable, an
 * instance missing, or (@zero_unknown) @get 0 for one of them. A fold
 * whose value may be 0 (inst_nopreempt) is a largest one without
 * @zero_unknown.
 */
static int rg_fold(const char *ka_path, const struct cl_rg *rg,
		   int (*get)(const struct ka_node *), bool largest, bool zero_unknown)
{
	const struct ka_node *sg, *members, *inst;
	struct ka_conf kc = { 0 };
	int p, r = 0;
	size_t i;

	if (ka_load(&kc, ka_path) < 0)
		goto out;
	if (*rg->instance) {
		inst = ka_child(&kc.root, "vrrp_instance", rg->instance);
		r = inst ? get(inst) : 0;
		goto out;
	}
	sg = ka_child(&kc.root, "vrrp_sync_group", rg->sync_group);
	members = sg ? ka_child(sg, "group", NULL) : NULL;
	for (i = 0; members && i < members->nkids; i++) {
		inst = ka_child(&kc.root, "vrrp_instance", members->kids[i].words[0]);
		if (!inst) {
			r = 0;
			break;
		}
		p = get(inst);
		if (!p && zero_unknown) {
			r = 0;
			break;
		}
		if (!r || (largest ? p > r : p < r))
			r = p;
	}
out:
	ka_free(&kc);
	return r;
}

int rg_priority(const char *ka_path, const struct cl_rg *rg)
{
	return rg_fold(ka_path, rg, rg_inst_prio, false, true);
}

int rg_advert_ms(const char *ka_path, const struct cl_rg *rg)
{
	return rg_fold(ka_path, rg, rg_inst_advert_ms, true, true);
}

bool rg_nopreempt(const char *ka_path, const struct cl_rg *rg)
{
	return rg_fold(ka_path, rg, inst_nopreempt, true, false) > 0;
}

int rg_effective(int prio, int weight, int32_t v, bool *fault)
{
	int64_t x = (int64_t)v * weight;

	*fault = false;
	if (prio == 255)
		return prio;
	if ((!weight && v) || x < -253) {
		*fault = true;
		return 0;
	}
	x += prio;
	return x < 1 ? 1 : x > 254 ? 254 : (int)x;
}
