// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Writes LAN CIDRs straight into a loaded ksbpf's pinned LPM trie, as
 * `ksbpf allow lan CIDR` would one by one (origin: run-time, so a later
 * `ksbpf load` keeps them), for the benchmarks' large allowlists.
 *
 *   lanfill PINNED_MAP CIDR_FILE
 *
 * PINNED_MAP is BPFFS_DIR/ksbpf_lan4 (IPv4 CIDRs) or .../ksbpf_lan6 (IPv6);
 * CIDR_FILE holds one CIDR per line. Prints how many entries it wrote.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "ksbpf.h"

int main(int argc, char **argv)
{
	struct bpf_map_info info = { 0 };
	__u32 info_len = sizeof(info);
	struct ksbpf_lan val = { .origin = KSBPF_ORIGIN_RUNTIME };
	char line[128], addr[INET6_ADDRSTRLEN];
	unsigned long n = 0, lineno = 0;
	int fd, v6;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: lanfill PINNED_MAP CIDR_FILE\n");
		return 2;
	}
	fd = bpf_obj_get(argv[1]);
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &info_len)) {
		fprintf(stderr, "lanfill: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (info.type != BPF_MAP_TYPE_LPM_TRIE ||
	    (info.key_size != sizeof(struct ksbpf_lan4_key) &&
	     info.key_size != sizeof(struct ksbpf_lan6_key))) {
		fprintf(stderr, "lanfill: %s is not ksbpf's LAN trie\n", argv[1]);
		return 1;
	}
	v6 = info.key_size == sizeof(struct ksbpf_lan6_key);
	f = fopen(argv[2], "re");
	if (!f) {
		fprintf(stderr, "lanfill: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		struct ksbpf_lan6_key key = { 0 };	/* v4 keys are a prefix of it */
		char *slash = strchr(line, '/');
		int len;

		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		len = slash ? atoi(slash + 1) : (v6 ? 128 : 32);
		snprintf(addr, sizeof(addr), "%.*s",
			 slash ? (int)(slash - line) : (int)strlen(line), line);
		if (len < 0 || len > (v6 ? 128 : 32) ||
		    inet_pton(v6 ? AF_INET6 : AF_INET, addr, key.addr) != 1) {
			fprintf(stderr, "lanfill: %s:%lu: bad CIDR '%s'\n", argv[2],
				lineno, line);
			fclose(f);
			return 1;
		}
		key.prefixlen = (__u32)len;
		if (bpf_map_update_elem(fd, &key, &val, BPF_ANY)) {
			fprintf(stderr, "lanfill: %s: entry %lu (%s): %s\n", argv[1],
				n + 1, line, strerror(errno));
			fclose(f);
			return 1;
		}
		n++;
	}
	fclose(f);
	printf("lanfill: %lu entries written to %s\n", n, argv[1]);
	return 0;
}
