// SPDX-License-Identifier: GPL-2.0
/*
 * Seeds for fuzz_cu_record: bodies of cluster upgrade records (the key
 * lines between the header and the end line, as cu_journal_text() writes
 * them) at a few states, one file each in DIR.
 *
 * usage: mkseed_cu DIR
 */
#include <stdio.h>

static const char *const bodies[] = {
	"id=1765000000-4242\nstate=running\nstep=sync\nowner=4242\nboot_id=0f1e2d3c\n"
	"node=rtr-a\npeer=rtr-b\nkernel=/boot/vmlinuz-6.1.0-57-amd64\ninitrd=\nmodule=\n"
	"append=quiet\\x0aevil\npeer_kernel=\npeer_initrd=\npeer_module=\nhooks_dir=\n"
	"release=6.1.0-57-amd64\nno_sync=0\nno_validate=0\nno_copy=0\nunlink=1\n"
	"synwin_s=7200\nrollback_min=0\npeer_timeout_s=1800\nrgs_here=3\nrgs_peer=0\nhold=0\n"
	"s=refuse 1765000000000000000 1765000001000000000 ok done in 1.0 s\n"
	"s=consolidate 1765000001000000000 1765000002000000000 ok done in 1.0 s\n"
	"s=sync 1765000009000000000 0 running \n",
	"id=1-2\nstate=complete\nstep=done\nowner=0\nnode=rtr-a\npeer=rtr-b\n"
	"rollback_at_ns=1765000100000000000\ntimer_pid=77\nrollback_min=5\nhold=3\n"
	"s=done 1 2 ok upgraded: 6.12.118+deb12-amd64\n",
	"id=x\nstate=aborted\nstep=refuse\nowner=0\nnode=rtr-a\npeer=rtr-b\n"
	"s=refuse 5 6 failed refused: rtr-b is the RG0 primary\n",
};

int main(int argc, char **argv)
{
	char path[4096];
	unsigned int i;
	FILE *fp;

	if (argc != 2) {
		fprintf(stderr, "usage: mkseed_cu DIR\n");
		return 2;
	}
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		snprintf(path, sizeof(path), "%s/cu-%u", argv[1], i);
		fp = fopen(path, "w");
		if (!fp || fputs(bodies[i], fp) < 0 || fclose(fp)) {
			perror(path);
			return 1;
		}
	}
	return 0;
}
