// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ksadv — the adversarial suite's sender (tests/adversarial/). Bounded: every
 * mode stops after --count rounds or --duration-ms, whichever comes first,
 * and prints one line per flow when done (also on SIGTERM/SIGINT):
 *
 *     NAME sent=N eperm=N err=N [errors=ENAME:N,...]
 *
 * Modes:
 *   send [--dev IF] [--src4 A] [--src6 A] TARGET...
 *        TARGET: udp4:A:P udp6:[A]:P tcp4:A:P tcp6:[A]:P (one non-blocking
 *        connect per round) icmp4:A icmp6:A (raw echo requests)
 *        raw4:A:P (IPPROTO_RAW, IP_HDRINCL: a whole IPv4/UDP packet)
 *        raw6:A:P (IPPROTO_RAW on AF_INET6, IPV6_HDRINCL)
 *        --dev: SO_BINDTODEVICE; --src4/--src6: bind() to that source.
 *   stream TARGET...      TARGET tcp4:A:P / tcp6:[A]:P: connect (3 s), then
 *                         one 512-byte write per round on the open connection
 *   sink PORT ADDR...     TCP and UDP on ADDR:PORT: accept, read, discard
 *                         (until SIGTERM or --duration-ms); the line of each
 *                         ADDR counts datagrams + connections as "sent"
 *   frames --if IF --dmac MAC --src4 A --dst4 A --src6 A --dst6 A --ep4 A
 *          [--kinds K,K...] [--bypass] [--compat]
 *        crafted Ethernet frames on an AF_PACKET socket (see KINDS below);
 *        --bypass first sets PACKET_QDISC_BYPASS (--compat: through the
 *        32-bit int 0x80 setsockopt; --compat-socketcall: through
 *        i386 socketcall) and reports it on a line
 *        "setsockopt PACKET_QDISC_BYPASS ok|EPERM|..."; frames are sent
 *        whatever the answer (an attacker would try).
 *   xdp --if IF --dmac MAC --src4 A --dst4 A [--compat] [--tx]
 *        an AF_XDP socket: XDP_UMEM_REG, fill/completion/TX rings, one line
 *        per step "xdp STEP ok|ERRNO"; with --tx, binds in copy mode and
 *        sends UDP frames through the TX ring (line "xdp-tx sent=...").
 *   kinds                 list the frame kinds
 *   compat-entry          exit 0 if int 0x80 works: without a 32-bit entry
 *                         (ia32_emulation=0) it faults, and there is no
 *                         compat path to guard
 *
 * Common: --count N (rounds, default 10), --duration-ms D (default 60000),
 * --interval-ms I (default 100), --tag T (in payloads).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef SOL_XDP
#define SOL_XDP 283
#endif
#ifndef AF_XDP
#define AF_XDP 44
#endif
#ifndef PACKET_QDISC_BYPASS
#define PACKET_QDISC_BYPASS 20
#endif
#ifndef IPV6_HDRINCL
#define IPV6_HDRINCL 36
#endif

#define MAXFLOWS 64
#define FRAME_MAX 1600

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static long opt_count = 10, opt_duration_ms = 60000, opt_interval_ms = 100;
static const char *opt_tag = "adv";

static const char *errname(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "?";
}

struct flow {
	char name[96];
	long sent, eperm, err;
	char errs[160];
};
static struct flow flows[MAXFLOWS];
static int nflows;

static struct flow *flow_new(const char *fmt, ...)
{
	struct flow *f;
	va_list ap;

	if (nflows == MAXFLOWS) {
		fprintf(stderr, "ksadv: too many flows\n");
		exit(2);
	}
	f = &flows[nflows++];
	va_start(ap, fmt);
	vsnprintf(f->name, sizeof(f->name), fmt, ap);
	va_end(ap);
	return f;
}

static void flow_error(struct flow *f, int e)
{
	char add[40];

	if (e == EPERM) {
		f->eperm++;
		return;
	}
	f->err++;
	if (strlen(f->errs) < sizeof(f->errs) - 40 && !strstr(f->errs, errname(e))) {
		snprintf(add, sizeof(add), "%s%s", f->errs[0] ? "," : "", errname(e));
		strcat(f->errs, add);
	}
}

static void report(void)
{
	for (int i = 0; i < nflows; i++) {
		printf("%s sent=%ld eperm=%ld err=%ld", flows[i].name, flows[i].sent,
		       flows[i].eperm, flows[i].err);
		if (flows[i].errs[0])
			printf(" errors=%s", flows[i].errs);
		printf("\n");
	}
	fflush(stdout);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (!stop && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Rounds: until --count, --duration-ms or a signal. */
static long t_start;
static int next_round(long round)
{
	if (stop || round >= opt_count || now_ms() - t_start >= opt_duration_ms)
		return 0;
	if (round > 0)
		sleep_ms(opt_interval_ms);
	return !stop && now_ms() - t_start < opt_duration_ms;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "ksadv: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

/* ------------------------------------------------------------ checksums */
static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* ------------------------------------------------------------ compat */
/*
 * setsockopt() through the 32-bit system call entry (int 0x80, i386 number
 * 366, or socketcall 102). The kernel skips cgroup/setsockopt programs for compat system calls
 * (__sys_setsockopt: if (!in_compat_syscall()) BPF_CGROUP_RUN_PROG_SETSOCKOPT).
 * Pointers must be below 4 GiB: the option value is copied to a MAP_32BIT page.
 */
static void *low_page;
static int opt_compat;	/* 1: setsockopt (366), 2: socketcall (102) */

static int setsockopt_compat(int fd, int level, int optname, const void *val,
			     socklen_t len)
{
#if defined(__x86_64__)
	long ret;

	if (!low_page) {
		low_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
		if (low_page == MAP_FAILED) {
			low_page = NULL;
			return -1;
		}
	}
	if (len > 2048) {
		errno = EINVAL;
		return -1;
	}
	memcpy(low_page, val, len);
	/* socketcall(SYS_SETSOCKOPT, args): the arguments in memory, after
	 * the value (old i386 binaries call it this way) */
	uint32_t *args = (uint32_t *)((char *)low_page + 2048);
	args[0] = (uint32_t)fd;
	args[1] = (uint32_t)level;
	args[2] = (uint32_t)optname;
	args[3] = (uint32_t)(uintptr_t)low_page;
	args[4] = (uint32_t)len;
	register long rbx __asm__("rbx") = opt_compat == 2 ? 14 : fd;
	register long rcx __asm__("rcx") = opt_compat == 2 ? (long)(uintptr_t)args : level;
	register long rdx __asm__("rdx") = optname;
	register long rsi __asm__("rsi") = (long)(uintptr_t)low_page;
	register long rdi __asm__("rdi") = (long)len;
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(opt_compat == 2 ? 102L : 366L), "r"(rbx), "r"(rcx),
			   "r"(rdx), "r"(rsi), "r"(rdi)
			 : "memory", "r8", "r9", "r10", "r11");
	if (ret < 0 && ret > -4096) {
		errno = (int)-ret;
		return -1;
	}
	return 0;
#else
	(void)fd; (void)level; (void)optname; (void)val; (void)len;
	errno = ENOSYS;
	return -1;
#endif
}

static int do_setsockopt(int fd, int level, int optname, const void *val,
			 socklen_t len)
{
	if (opt_compat)
		return setsockopt_compat(fd, level, optname, val, len);
	return setsockopt(fd, level, optname, val, len);
}


/* ------------------------------------------------------------ addresses */
struct addr {
	int family;
	struct in_addr a4;
	struct in6_addr a6;
	int port;
};

static void parse_ip(const char *s, struct addr *a)
{
	char buf[128];
	size_t n = strlen(s);

	if (n && s[0] == '[' && s[n - 1] == ']') {
		snprintf(buf, sizeof(buf), "%.*s", (int)(n - 2), s + 1);
		s = buf;
	}
	if (inet_pton(AF_INET, s, &a->a4) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, s, &a->a6) == 1)
		a->family = AF_INET6;
	else
		die("bad address '%s'", s);
}

/* "kind:ADDR[:PORT]"; the kind's last character says the family. */
static void parse_target(const char *spec, char *kind, size_t klen,
			 struct addr *a, int want_port)
{
	const char *c = strchr(spec, ':');
	char rest[160];

	if (!c || (size_t)(c - spec) >= klen)
		die("bad target '%s'", spec);
	snprintf(kind, klen, "%.*s", (int)(c - spec), spec);
	snprintf(rest, sizeof(rest), "%s", c + 1);
	a->port = 0;
	if (want_port) {
		char *p = strrchr(rest, ':');

		if (!p)
			die("target '%s' needs a port", spec);
		*p = 0;
		a->port = atoi(p + 1);
	}
	parse_ip(rest, a);
}

static socklen_t to_sockaddr(const struct addr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_addr = a->a4;
		s4->sin_port = htons((uint16_t)a->port);
		return sizeof(*s4);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	s6->sin6_family = AF_INET6;
	s6->sin6_addr = a->a6;
	s6->sin6_port = htons((uint16_t)a->port);
	return sizeof(*s6);
}

/* ------------------------------------------------------------ send */
static const char *opt_dev, *opt_src4, *opt_src6;

/* SO_BINDTODEVICE and a bound source address, as asked. */
static int prepare_socket(int fd, int family, struct flow *f)
{
	if (opt_dev && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, opt_dev,
				  (socklen_t)strlen(opt_dev) + 1)) {
		flow_error(f, errno);
		return -1;
	}
	const char *src = family == AF_INET ? opt_src4 : opt_src6;

	if (src) {
		struct addr a = { 0 };
		struct sockaddr_storage ss;

		parse_ip(src, &a);
		if (a.family != family)
			die("--src%d %s: wrong family", family == AF_INET ? 4 : 6, src);
		if (bind(fd, (struct sockaddr *)&ss, to_sockaddr(&a, &ss))) {
			flow_error(f, errno);
			return -1;
		}
	}
	return 0;
}

struct target {
	char kind[16];
	struct addr a;
	int fd;
	struct flow *f;
};

static size_t payload(char *buf, size_t len, const char *what, long seq)
{
	int n = snprintf(buf, len, "ksadv:%s:%s:%ld:", what, opt_tag, seq);

	return n < 0 ? 0 : (size_t)n;
}

static void send_one(struct target *t, long seq)
{
	struct sockaddr_storage ss;
	socklen_t sl = to_sockaddr(&t->a, &ss);
	char buf[512];
	size_t n = payload(buf, sizeof(buf), t->kind, seq);
	ssize_t r;

	if (!strncmp(t->kind, "tcp", 3)) {
		int fd = socket(t->a.family, SOCK_STREAM | SOCK_NONBLOCK, 0);

		if (fd < 0 || prepare_socket(fd, t->a.family, t->f)) {
			if (fd < 0)
				flow_error(t->f, errno);
			else
				close(fd);
			return;
		}
		if (connect(fd, (struct sockaddr *)&ss, sl) && errno != EINPROGRESS)
			flow_error(t->f, errno);
		else
			t->f->sent++;
		sleep_ms(3);	/* let the SYN leave */
		close(fd);
		return;
	}
	if (t->fd < 0)
		return;
	if (!strncmp(t->kind, "icmp", 4)) {
		uint8_t pkt[256] = { 0 };

		pkt[0] = t->a.family == AF_INET ? 8 : 128;
		pkt[4] = 0x4b; pkt[5] = 0x53;	/* identifier */
		pkt[6] = (uint8_t)(seq >> 8); pkt[7] = (uint8_t)seq;
		memcpy(pkt + 8, buf, n);
		if (t->a.family == AF_INET) {
			uint16_t c = csum_fold(csum_add(0, pkt, 8 + n));

			pkt[2] = (uint8_t)(c >> 8); pkt[3] = (uint8_t)c;
		}
		r = sendto(t->fd, pkt, 8 + n, 0, (struct sockaddr *)&ss, sl);
	} else if (!strcmp(t->kind, "raw4")) {
		uint8_t pkt[600] = { 0 };
		struct iphdr *ip = (struct iphdr *)pkt;
		uint8_t *udp = pkt + 20;
		struct in_addr src = { 0 };

		if (opt_src4)
			inet_pton(AF_INET, opt_src4, &src);
		ip->version = 4; ip->ihl = 5; ip->ttl = 64;
		ip->protocol = IPPROTO_UDP;
		ip->tot_len = htons((uint16_t)(28 + n));
		ip->saddr = src.s_addr;	/* 0: the kernel fills it in */
		ip->daddr = t->a.a4.s_addr;
		udp[0] = 0x9c; udp[1] = 0xa5;	/* source port 40101 */
		udp[2] = (uint8_t)(t->a.port >> 8); udp[3] = (uint8_t)t->a.port;
		udp[4] = (uint8_t)((8 + n) >> 8); udp[5] = (uint8_t)(8 + n);
		memcpy(udp + 8, buf, n);
		r = sendto(t->fd, pkt, 28 + n, 0, (struct sockaddr *)&ss, sl);
	} else if (!strcmp(t->kind, "raw6")) {
		uint8_t pkt[600] = { 0 };
		struct in6_addr src = IN6ADDR_ANY_INIT;
		uint8_t *udp = pkt + 40;
		struct sockaddr_in6 *d6 = (struct sockaddr_in6 *)&ss;

		if (opt_src6)
			inet_pton(AF_INET6, opt_src6, &src);
		pkt[0] = 0x60;
		pkt[4] = (uint8_t)((8 + n) >> 8); pkt[5] = (uint8_t)(8 + n);
		pkt[6] = IPPROTO_UDP; pkt[7] = 64;
		memcpy(pkt + 8, &src, 16);
		memcpy(pkt + 24, &t->a.a6, 16);
		udp[0] = 0x9c; udp[1] = 0xa5;
		udp[2] = (uint8_t)(t->a.port >> 8); udp[3] = (uint8_t)t->a.port;
		udp[4] = (uint8_t)((8 + n) >> 8); udp[5] = (uint8_t)(8 + n);
		memcpy(udp + 8, buf, n);
		d6->sin6_port = 0;	/* raw IPv6: port must be 0 or the protocol */
		r = sendto(t->fd, pkt, 48 + n, 0, (struct sockaddr *)&ss, sl);
	} else {
		r = sendto(t->fd, buf, n, 0, (struct sockaddr *)&ss, sl);
	}
	if (r < 0)
		flow_error(t->f, errno);
	else
		t->f->sent++;
}

static int mode_send(int argc, char **argv)
{
	struct target t[MAXFLOWS];
	int nt = 0;

	for (int i = 0; i < argc && nt < MAXFLOWS; i++, nt++) {
		int want_port = strncmp(argv[i], "icmp", 4) != 0;
		struct target *x = &t[nt];

		parse_target(argv[i], x->kind, sizeof(x->kind), &x->a, want_port);
		x->f = flow_new("%s%s%s", argv[i], opt_dev ? "@" : "", opt_dev ?: "");
		x->fd = -1;
		if (!strcmp(x->kind, "udp4") || !strcmp(x->kind, "udp6"))
			x->fd = socket(x->a.family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		else if (!strcmp(x->kind, "icmp4"))
			x->fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_ICMP);
		else if (!strcmp(x->kind, "icmp6"))
			x->fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_ICMPV6);
		else if (!strcmp(x->kind, "raw4"))
			x->fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_RAW);
		else if (!strcmp(x->kind, "raw6")) {
			int one = 1;

			x->fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_RAW);
			if (x->fd >= 0 && setsockopt(x->fd, IPPROTO_IPV6, IPV6_HDRINCL,
						     &one, sizeof(one)))
				flow_error(x->f, errno);
		} else if (strcmp(x->kind, "tcp4") && strcmp(x->kind, "tcp6"))
			die("unknown target kind '%s'", x->kind);
		if ((x->a.family == AF_INET) != (x->kind[strlen(x->kind) - 1] == '4'))
			die("target '%s': address family does not match", argv[i]);
		if (strncmp(x->kind, "tcp", 3)) {
			if (x->fd < 0)
				flow_error(x->f, errno);
			else if (prepare_socket(x->fd, x->a.family, x->f)) {
				close(x->fd);
				x->fd = -1;
			}
		}
	}
	for (long round = 0; next_round(round); round++)
		for (int i = 0; i < nt && !stop; i++)
			send_one(&t[i], round + 1);
	return 0;
}

/* ------------------------------------------------------------ stream */
static int mode_stream(int argc, char **argv)
{
	struct target t[MAXFLOWS];
	int nt = 0;
	char buf[512];

	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < argc && nt < MAXFLOWS; i++, nt++) {
		struct target *x = &t[nt];
		struct sockaddr_storage ss;
		socklen_t sl;
		struct pollfd pfd;
		int e = 0;
		socklen_t el = sizeof(e);

		parse_target(argv[i], x->kind, sizeof(x->kind), &x->a, 1);
		if (strcmp(x->kind, "tcp4") && strcmp(x->kind, "tcp6"))
			die("stream: tcp4/tcp6 targets only");
		x->f = flow_new("stream:%s", argv[i] + 5);
		sl = to_sockaddr(&x->a, &ss);
		x->fd = socket(x->a.family, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (x->fd < 0 || prepare_socket(x->fd, x->a.family, x->f))
			goto bad;
		if (connect(x->fd, (struct sockaddr *)&ss, sl) && errno != EINPROGRESS)
			goto bad;
		pfd = (struct pollfd){ .fd = x->fd, .events = POLLOUT };
		if (poll(&pfd, 1, 3000) != 1) {
			errno = ETIMEDOUT;
			goto bad;
		}
		getsockopt(x->fd, SOL_SOCKET, SO_ERROR, &e, &el);
		if (e) {
			errno = e;
			goto bad;
		}
		continue;
bad:
		flow_error(x->f, errno);
		strcat(x->f->errs, x->f->errs[0] ? ",connect" : "connect");
		if (x->fd >= 0)
			close(x->fd);
		x->fd = -1;
	}
	printf("streams connected\n");
	fflush(stdout);
	for (long round = 0; next_round(round); round++)
		for (int i = 0; i < nt && !stop; i++) {
			if (t[i].fd < 0)
				continue;
			if (send(t[i].fd, buf, sizeof(buf), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				flow_error(t[i].f, errno);
			else
				t[i].f->sent++;
		}
	return 0;
}

/* ------------------------------------------------------------ sink */
/* TCP and UDP on each ADDR:PORT; one flow per address whose "got" counts the
 * datagrams and connections that reached it. */
static int mode_sink(int argc, char **argv)
{
	struct pollfd p[MAXFLOWS];
	struct flow *owner[MAXFLOWS];
	int nl = 0, n;

	if (argc < 2)
		die("sink PORT ADDR...");
	for (int i = 1; i < argc && nl < MAXFLOWS / 2 - 2; i++) {
		struct addr a = { 0 };
		struct sockaddr_storage ss;
		struct flow *f;

		parse_ip(argv[i], &a);
		a.port = atoi(argv[0]);
		f = flow_new("sink:%s:%s", argv[i], argv[0]);
		for (int udp = 0; udp < 2; udp++) {
			int one = 1, fd;

			fd = socket(a.family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK, 0);
			if (fd < 0)
				die("socket: %s", strerror(errno));
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			if (a.family == AF_INET6)
				setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
			if (bind(fd, (struct sockaddr *)&ss, to_sockaddr(&a, &ss)) ||
			    (!udp && listen(fd, 64)))
				die("listen on %s:%s: %s", argv[i], argv[0], strerror(errno));
			owner[nl] = f;
			p[nl++] = (struct pollfd){ .fd = fd, .events = POLLIN };
		}
	}
	n = nl;
	printf("sink listening\n");
	fflush(stdout);
	while (!stop && now_ms() - t_start < opt_duration_ms) {
		if (poll(p, (nfds_t)n, 200) <= 0)
			continue;
		for (int i = 0; i < n; i++) {
			char buf[4096];
			int type = 0;
			socklen_t tl = sizeof(type);

			if (!(p[i].revents & (POLLIN | POLLERR | POLLHUP)))
				continue;
			if (i < nl) {
				getsockopt(p[i].fd, SOL_SOCKET, SO_TYPE, &type, &tl);
				if (type == SOCK_DGRAM) {
					while (recv(p[i].fd, buf, sizeof(buf), 0) >= 0)
						owner[i]->sent++;
					continue;
				}
				int c = accept4(p[i].fd, NULL, NULL, SOCK_NONBLOCK);

				if (c >= 0)
					owner[i]->sent++;
				if (c >= 0 && n < MAXFLOWS)
					p[n++] = (struct pollfd){ .fd = c, .events = POLLIN };
				else if (c >= 0)
					close(c);
				continue;
			}
			ssize_t r = read(p[i].fd, buf, sizeof(buf));

			if (r == 0 || (r < 0 && errno != EAGAIN)) {
				close(p[i].fd);
				p[i--] = p[--n];
			}
		}
	}
	return 0;
}

/* ------------------------------------------------------------ frames */
struct fctx {
	uint8_t dmac[6], smac[6];
	struct in_addr src4, dst4, ep4;
	struct in6_addr src6, dst6;
	long seq;
};

static uint8_t *put_eth(uint8_t *p, const struct fctx *c, uint16_t type)
{
	memcpy(p, c->dmac, 6);
	memcpy(p + 6, c->smac, 6);
	p[12] = (uint8_t)(type >> 8);
	p[13] = (uint8_t)type;
	return p + 14;
}

static uint8_t *put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

/* IPv4 header; returns the end of it. len: payload length after it. */
static uint8_t *put_ip4(uint8_t *p, struct in_addr s, struct in_addr d,
			uint8_t proto, size_t len, uint16_t frag, int optwords)
{
	size_t hl = 20 + 4 * (size_t)optwords;

	memset(p, 0, hl);
	p[0] = (uint8_t)(0x40 | (hl / 4));
	put_u16(p + 2, (uint16_t)(hl + len));
	put_u16(p + 4, 0x1234);
	put_u16(p + 6, frag);
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, &s, 4);
	memcpy(p + 16, &d, 4);
	for (size_t i = 20; i < hl; i++)
		p[i] = 1;	/* NOP options */
	put_u16(p + 10, csum_fold(csum_add(0, p, hl)));
	return p + hl;
}

static uint8_t *put_ip6(uint8_t *p, const struct in6_addr *s,
			const struct in6_addr *d, uint8_t nh, size_t len,
			uint8_t hlim)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	put_u16(p + 4, (uint16_t)len);
	p[6] = nh;
	p[7] = hlim;
	memcpy(p + 8, s, 16);
	memcpy(p + 24, d, 16);
	return p + 40;
}

/* UDP header + payload marker; returns the end. */
static uint8_t *put_udp(uint8_t *p, uint16_t dport, const char *kind, long seq)
{
	char m[96];
	size_t n = payload(m, sizeof(m), kind, seq);

	put_u16(p, 40100);
	put_u16(p + 2, dport);
	put_u16(p + 4, (uint16_t)(8 + n));
	put_u16(p + 6, 0);
	memcpy(p + 8, m, n);
	return p + 8 + n;
}

static uint8_t *put_marker(uint8_t *p, const char *kind, long seq)
{
	char m[96];
	size_t n = payload(m, sizeof(m), kind, seq);

	memcpy(p, m, n);
	return p + n;
}

/* ICMPv6 with a correct checksum over the pseudo-header. */
static uint8_t *put_icmp6(uint8_t *p, const struct in6_addr *s,
			  const struct in6_addr *d, uint8_t type,
			  const struct in6_addr *target, const char *kind, long seq)
{
	uint8_t *start = p, *end;
	uint32_t sum;
	uint8_t ph[8] = { 0 };

	memset(p, 0, 8);
	p[0] = type;
	end = p + 8;
	if (target) {
		memcpy(end, target, 16);
		end += 16;
	}
	end = put_marker(end, kind, seq);
	if ((end - start) & 1)
		*end++ = 0;
	ph[2] = (uint8_t)((end - start) >> 8);
	ph[3] = (uint8_t)(end - start);
	ph[7] = IPPROTO_ICMPV6;
	sum = csum_add(0, s, 16);
	sum = csum_add(sum, d, 16);
	sum = csum_add(sum, ph, 8);
	sum = csum_add(sum, start, (size_t)(end - start));
	put_u16(start + 2, csum_fold(sum));
	return end;
}

/* Builds frame KIND into buf; returns its length (0: unknown kind). The
 * length fields are exact unless the kind is about them being wrong. */
static size_t build(const char *kind, struct fctx *c, uint8_t *buf)
{
	uint8_t tmp[FRAME_MAX], *p, *q;
	size_t l;
	long s = c->seq;
	struct in_addr lo4 = { htonl(INADDR_LOOPBACK) };
	struct in6_addr lo6 = IN6ADDR_LOOPBACK_INIT;

	memset(buf, 0, FRAME_MAX);
	memset(tmp, 0, sizeof(tmp));
	/* an IPv4 UDP packet to dst4:40200 and an IPv6 one to dst6:40200 */
#define INNER4(port) (q = put_udp(put_ip4(tmp, c->src4, c->dst4, IPPROTO_UDP, \
	(size_t)(put_udp(tmp + 20, port, kind, s) - (tmp + 20)), 0, 0), port, kind, s), \
	(size_t)(q - tmp))
#define INNER6(port) (q = put_udp(put_ip6(tmp, &c->src6, &c->dst6, IPPROTO_UDP, \
	(size_t)(put_udp(tmp + 40, port, kind, s) - (tmp + 40)), 64), port, kind, s), \
	(size_t)(q - tmp))

	if (!strcmp(kind, "plain4")) {		/* control: nothing special */
		l = INNER4(40200);
		memcpy(put_eth(buf, c, ETH_P_IP), tmp, l);
		return 14 + l;
	}
	if (!strcmp(kind, "plain6")) {
		l = INNER6(40200);
		memcpy(put_eth(buf, c, ETH_P_IPV6), tmp, l);
		return 14 + l;
	}
	if (!strcmp(kind, "vlan4") || !strcmp(kind, "vlan6") || !strcmp(kind, "vlan0_4")) {
		int six = kind[4] == '6';

		l = six ? INNER6(40200) : INNER4(40200);
		p = put_eth(buf, c, 0x8100);
		p = put_u16(p, !strcmp(kind, "vlan0_4") ? 0x6000 : 10);	/* prio-only / VID 10 */
		p = put_u16(p, six ? ETH_P_IPV6 : ETH_P_IP);
		memcpy(p, tmp, l);
		return (size_t)(p - buf) + l;
	}
	if (!strcmp(kind, "qinq4")) {
		l = INNER4(40200);
		p = put_eth(buf, c, 0x88a8);
		p = put_u16(p, 20);
		p = put_u16(p, 0x8100);
		p = put_u16(p, 10);
		p = put_u16(p, ETH_P_IP);
		memcpy(p, tmp, l);
		return (size_t)(p - buf) + l;
	}
	if (!strncmp(kind, "v6_", 3)) {
		/* IPv6 with extension headers, then UDP (or a fragment tail) */
		uint8_t ext[600], *e = ext, nh0;
		uint8_t *nhp = &nh0;
		int n_dst = !strcmp(kind, "v6_ext9") ? 9 : 0;

		memset(ext, 0, sizeof(ext));
		if (!strcmp(kind, "v6_hbh") || !strcmp(kind, "v6_ext9")) {
			*nhp = 0; nhp = e; e[1] = 0; e[2] = 1; e[3] = 4; e += 8;	/* PadN */
		}
		if (!strcmp(kind, "v6_rt_dst")) {
			*nhp = 43; nhp = e; e[1] = 0; e[2] = 0; e[3] = 0; e += 8;	/* type 0, segleft 0 */
			*nhp = 60; nhp = e; e[2] = 1; e[3] = 4; e += 8;
		}
		for (int i = 0; i < n_dst; i++) {
			*nhp = 60; nhp = e; e[2] = 1; e[3] = 4; e += 8;
		}
		if (!strcmp(kind, "v6_ah")) {
			*nhp = 51; nhp = e; e[1] = 4; e += 24;	/* (4+2)*4 = 24 bytes */
		}
		if (!strcmp(kind, "v6_frag1") || !strcmp(kind, "v6_fragn")) {
			*nhp = 44; nhp = e;
			put_u16(e + 2, !strcmp(kind, "v6_frag1") ? 0x0001 : (uint16_t)(8 << 3));
			e[4] = 0x12; e[7] = 0x34;
			e += 8;
		}
		*nhp = IPPROTO_UDP;
		if (!strcmp(kind, "v6_fragn")) {
			e = put_marker(e, kind, s);
		} else {
			e = put_udp(e, 40200, kind, s);
		}
		l = (size_t)(e - ext);
		p = put_ip6(put_eth(buf, c, ETH_P_IPV6), &c->src6, &c->dst6, nh0, l, 64);
		memcpy(p, ext, l);
		return (size_t)(p - buf) + l;
	}
	if (!strcmp(kind, "v4_frag1") || !strcmp(kind, "v4_fragn") ||
	    !strcmp(kind, "v4_tinyfrag") || !strcmp(kind, "v4_opts")) {
		uint8_t body[200];
		size_t bl;
		uint16_t frag = 0;
		int optw = 0;

		if (!strcmp(kind, "v4_fragn")) {
			bl = (size_t)(put_marker(body, kind, s) - body);
			frag = 0x2000 | 3;	/* MF, offset 24 bytes */
		} else if (!strcmp(kind, "v4_tinyfrag")) {
			body[0] = 0x9c; body[1] = 0xa4;	/* 4 bytes: ports only... */
			body[2] = 0x9d; body[3] = 0x08;
			bl = 4;		/* ...no length/checksum: a truncated UDP header */
			frag = 0x2000;
		} else {
			bl = (size_t)(put_udp(body, 40200, kind, s) - body);
			if (!strcmp(kind, "v4_frag1"))
				frag = 0x2000;
			else
				optw = 10;
		}
		p = put_ip4(put_eth(buf, c, ETH_P_IP), c->src4, c->dst4, IPPROTO_UDP,
			    bl, frag, optw);
		memcpy(p, body, bl);
		return (size_t)(p - buf) + bl;
	}
	if (!strcmp(kind, "ip4in6")) {		/* IPv6 next header 4 */
		l = INNER4(40200);
		p = put_ip6(put_eth(buf, c, ETH_P_IPV6), &c->src6, &c->dst6, 4, l, 64);
		memcpy(p, tmp, l);
		return (size_t)(p - buf) + l;
	}
	if (!strcmp(kind, "ip6in4") || !strcmp(kind, "ip6in4_ep")) {	/* protocol 41 */
		l = INNER6(40200);
		p = put_ip4(put_eth(buf, c, ETH_P_IP), c->src4,
			    !strcmp(kind, "ip6in4_ep") ? c->ep4 : c->dst4, 41, l, 0, 0);
		memcpy(p, tmp, l);
		return (size_t)(p - buf) + l;
	}
	if (!strcmp(kind, "gre4")) {		/* GRE carrying IPv4 */
		l = INNER4(40200);
		p = put_ip4(put_eth(buf, c, ETH_P_IP), c->src4, c->dst4, 47, 4 + l, 0, 0);
		p = put_u16(p, 0);
		p = put_u16(p, ETH_P_IP);
		memcpy(p, tmp, l);
		return (size_t)(p - buf) + l;
	}
	if (!strcmp(kind, "type_v4_has_v6")) {	/* ethertype IPv4, IPv6 inside */
		l = INNER6(40200);
		memcpy(put_eth(buf, c, ETH_P_IP), tmp, l);
		return 14 + l;
	}
	if (!strcmp(kind, "type_v6_has_v4")) {
		l = INNER4(40200);
		memcpy(put_eth(buf, c, ETH_P_IPV6), tmp, l);
		return 14 + l;
	}
	if (!strcmp(kind, "ihl4")) {		/* IHL 4: shorter than the minimum */
		l = INNER4(40200);
		tmp[0] = 0x44;
		memcpy(put_eth(buf, c, ETH_P_IP), tmp, l);
		return 14 + l;
	}
	if (!strcmp(kind, "badlen4")) {		/* total length beyond the frame */
		l = INNER4(40200);
		put_u16(tmp + 2, 2000);
		memcpy(put_eth(buf, c, ETH_P_IP), tmp, l);
		return 14 + l;
	}
	if (!strcmp(kind, "trunc_eth")) {	/* an Ethernet header, nothing more */
		put_eth(buf, c, ETH_P_IP);
		return 14;
	}
	if (!strcmp(kind, "trunc_ip4")) {
		l = INNER4(40200);
		memcpy(put_eth(buf, c, ETH_P_IP), tmp, 10);
		return 24;
	}
	if (!strcmp(kind, "trunc_ip6")) {
		l = INNER6(40200);
		memcpy(put_eth(buf, c, ETH_P_IPV6), tmp, 20);
		return 34;
	}
	if (!strcmp(kind, "trunc_udp4")) {	/* IPv4 header, 2 bytes of UDP */
		l = INNER4(40200);
		memcpy(put_eth(buf, c, ETH_P_IP), tmp, 22);
		return 36;
	}
	if (!strcmp(kind, "trunc_udp6")) {
		l = INNER6(40200);
		memcpy(put_eth(buf, c, ETH_P_IPV6), tmp, 42);
		return 56;
	}
	if (!strcmp(kind, "short_frame")) {	/* less than an Ethernet header */
		put_eth(buf, c, ETH_P_IP);
		return 10;
	}
	if (!strcmp(kind, "ethertype_88b5")) {	/* unknown (local experimental) */
		l = INNER4(40200);
		memcpy(put_eth(buf, c, 0x88b5), tmp, l);
		return 14 + l;
	}
	if (!strcmp(kind, "pppoe4")) {		/* PPPoE session, PPP IPv4 */
		l = INNER4(40200);
		p = put_eth(buf, c, 0x8864);
		*p++ = 0x11; *p++ = 0;
		p = put_u16(p, 1);
		p = put_u16(p, (uint16_t)(2 + l));
		p = put_u16(p, 0x0021);
		memcpy(p, tmp, l);
		return (size_t)(p - buf) + l;
	}
	if (!strcmp(kind, "mpls4")) {		/* one MPLS label, bottom of stack */
		l = INNER4(40200);
		p = put_eth(buf, c, 0x8847);
		*p++ = 0; *p++ = 0x10; *p++ = 0x01; *p++ = 64;
		memcpy(p, tmp, l);
		return (size_t)(p - buf) + l;
	}
	if (!strcmp(kind, "snap4")) {		/* 802.3 length + LLC/SNAP + IPv4 */
		l = INNER4(40200);
		p = put_eth(buf, c, (uint16_t)(8 + l));
		memcpy(p, "\xaa\xaa\x03\x00\x00\x00\x08\x00", 8);
		memcpy(p + 8, tmp, l);
		return (size_t)(p - buf) + 8 + l;
	}
	if (!strcmp(kind, "spoofmac4")) {	/* another source MAC and address */
		uint8_t save[6];
		struct in_addr s4 = c->src4;

		memcpy(save, c->smac, 6);
		memcpy(c->smac, "\x02\x00\x5e\xad\xbe\xef", 6);
		inet_pton(AF_INET, "203.0.113.77", &c->src4);
		l = INNER4(40200);
		memcpy(put_eth(buf, c, ETH_P_IP), tmp, l);
		memcpy(c->smac, save, 6);
		c->src4 = s4;
		return 14 + l;
	}
	if (!strcmp(kind, "tcpsyn4")) {
		uint8_t tcp[20] = { 0x9c, 0xa4, 0x01, 0xbb };

		tcp[12] = 0x50;
		tcp[13] = 0x02;		/* SYN */
		tcp[14] = 0xff;
		p = put_ip4(put_eth(buf, c, ETH_P_IP), c->src4, c->dst4, IPPROTO_TCP, 20, 0, 0);
		memcpy(p, tcp, 20);
		return (size_t)(p - buf) + 20;
	}
	if (!strcmp(kind, "echo6")) {
		p = put_eth(buf, c, ETH_P_IPV6);
		q = put_icmp6(p + 40, &c->src6, &c->dst6, 128, NULL, kind, s);
		put_ip6(p, &c->src6, &c->dst6, IPPROTO_ICMPV6, (size_t)(q - (p + 40)), 64);
		return (size_t)(q - buf);
	}
	if (!strcmp(kind, "dns4")) {
		l = INNER4(53);
		memcpy(put_eth(buf, c, ETH_P_IP), tmp, l);
		return 14 + l;
	}
	if (!strcmp(kind, "ep_port4")) {	/* the endpoint address, another port */
		struct in_addr d = c->dst4;

		c->dst4 = c->ep4;
		l = INNER4(51999);
		c->dst4 = d;
		memcpy(put_eth(buf, c, ETH_P_IP), tmp, l);
		return 14 + l;
	}
	if (!strcmp(kind, "ns_remote_hl64") || !strcmp(kind, "mld_remote") ||
	    !strcmp(kind, "ns_remote_hl255")) {
		/* neighbour solicitation / MLDv2 report to a remote address */
		int mld = !strcmp(kind, "mld_remote");

		p = put_eth(buf, c, ETH_P_IPV6);
		q = put_icmp6(p + 40, &c->src6, &c->dst6, mld ? 143 : 135,
			      mld ? NULL : &c->dst6, kind, s);
		put_ip6(p, &c->src6, &c->dst6, IPPROTO_ICMPV6, (size_t)(q - (p + 40)),
			!strcmp(kind, "ns_remote_hl255") ? 255 : 64);
		return (size_t)(q - buf);
	}
	if (!strcmp(kind, "lo4")) {		/* to 127.0.0.1 out of an uplink */
		struct in_addr d = c->dst4;

		c->dst4 = lo4;
		l = INNER4(40200);
		c->dst4 = d;
		memcpy(put_eth(buf, c, ETH_P_IP), tmp, l);
		return 14 + l;
	}
	if (!strcmp(kind, "lo6")) {		/* to ::1 out of an uplink */
		struct in6_addr d = c->dst6;

		c->dst6 = lo6;
		l = INNER6(40200);
		c->dst6 = d;
		memcpy(put_eth(buf, c, ETH_P_IPV6), tmp, l);
		return 14 + l;
	}
	return 0;
#undef INNER4
#undef INNER6
}

/* Frames that must never reach the wire. */
static const char *const leak_kinds[] = {
	"plain4", "plain6", "vlan4", "vlan6", "vlan0_4", "qinq4", "v6_hbh",
	"v6_rt_dst", "v6_frag1", "v6_fragn", "v6_ext9", "v6_ah", "v4_frag1",
	"v4_fragn", "v4_tinyfrag", "v4_opts", "ip4in6", "ip6in4", "ip6in4_ep",
	"gre4", "type_v4_has_v6", "type_v6_has_v4", "ihl4", "badlen4",
	"trunc_eth", "trunc_ip4", "trunc_ip6", "trunc_udp4", "trunc_udp6",
	"short_frame", "ethertype_88b5", "pppoe4", "mpls4", "snap4",
	"spoofmac4", "tcpsyn4", "echo6", "dns4", "ep_port4", "ns_remote_hl64",
	"mld_remote", NULL
};
/* Frames the policy lets through (docs/policy.md), tried separately. */
static const char *const policy_kinds[] = { "ns_remote_hl255", "lo4", "lo6", NULL };

static void parse_mac(const char *s, uint8_t *m)
{
	unsigned int b[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		die("bad MAC '%s'", s);
	for (int i = 0; i < 6; i++)
		m[i] = (uint8_t)b[i];
}

static const char *opt_if, *opt_dmac, *opt_dst4, *opt_dst6, *opt_ep4, *opt_kinds;
static int opt_bypass, opt_tx;

static int packet_socket(struct fctx *c, int *ifindex)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	socklen_t sl = sizeof(sll);
	int fd;

	if (!opt_if || !opt_dmac)
		die("--if and --dmac are needed");
	/* The interface may not exist yet (hot-plug): wait for it. */
	while (!(*ifindex = (int)if_nametoindex(opt_if)) && !stop &&
	       now_ms() - t_start < opt_duration_ms)
		sleep_ms(5);
	if (!*ifindex)
		die("no interface %s", opt_if);
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0)
		die("AF_PACKET socket: %s", strerror(errno));
	sll.sll_ifindex = *ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)))
		die("bind to %s: %s", opt_if, strerror(errno));
	getsockname(fd, (struct sockaddr *)&sll, &sl);
	memcpy(c->smac, sll.sll_addr, 6);
	parse_mac(opt_dmac, c->dmac);
	if (opt_src4 && inet_pton(AF_INET, opt_src4, &c->src4) != 1)
		die("bad --src4");
	if (opt_dst4 && inet_pton(AF_INET, opt_dst4, &c->dst4) != 1)
		die("bad --dst4");
	if (opt_ep4 && inet_pton(AF_INET, opt_ep4, &c->ep4) != 1)
		die("bad --ep4");
	if (opt_src6 && inet_pton(AF_INET6, opt_src6, &c->src6) != 1)
		die("bad --src6");
	if (opt_dst6 && inet_pton(AF_INET6, opt_dst6, &c->dst6) != 1)
		die("bad --dst6");
	return fd;
}

static int mode_frames(void)
{
	const char *kinds[128];
	char list[2048];
	int nk = 0, ifindex, fd;
	struct fctx c = { 0 };
	struct flow *f[128];
	uint8_t buf[FRAME_MAX];

	fd = packet_socket(&c, &ifindex);
	if (opt_bypass) {
		int one = 1;

		if (do_setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)))
			printf("setsockopt%s PACKET_QDISC_BYPASS %s\n",
			       opt_compat ? "(compat)" : "", errname(errno));
		else
			printf("setsockopt%s PACKET_QDISC_BYPASS ok\n",
			       opt_compat ? "(compat)" : "");
		fflush(stdout);
	}
	if (!opt_kinds || !strcmp(opt_kinds, "leaks")) {
		for (int i = 0; leak_kinds[i]; i++)
			kinds[nk++] = leak_kinds[i];
	} else if (!strcmp(opt_kinds, "policy")) {
		for (int i = 0; policy_kinds[i]; i++)
			kinds[nk++] = policy_kinds[i];
	} else {
		snprintf(list, sizeof(list), "%s", opt_kinds);
		for (char *k = strtok(list, ","); k && nk < 128; k = strtok(NULL, ","))
			kinds[nk++] = k;
	}
	for (int i = 0; i < nk; i++) {
		c.seq = 1;
		if (!build(kinds[i], &c, buf))
			die("unknown frame kind '%s'", kinds[i]);
		f[i] = flow_new("frame:%s", kinds[i]);
	}
	for (long round = 0; next_round(round); round++)
		for (int i = 0; i < nk && !stop; i++) {
			size_t len;

			c.seq = round + 1;
			len = build(kinds[i], &c, buf);
			if (send(fd, buf, len, 0) < 0)
				flow_error(f[i], errno);
			else
				f[i]->sent++;
		}
	return 0;
}

/* ------------------------------------------------------------ AF_XDP */
static void step(const char *what, int ok)
{
	printf("xdp%s %s %s\n", opt_compat ? "(compat)" : "", what, ok ? "ok" : errname(errno));
	fflush(stdout);
}

static int mode_xdp(void)
{
	const size_t nchunks = 64, chunk = 2048;
	struct xdp_mmap_offsets off;
	socklen_t ol = sizeof(off);
	struct fctx c = { 0 };
	int ifindex, pfd, fd, ring = 64, ok_all = 1;
	void *umem, *txmap, *cqmap;
	struct flow *f;

	/* Addresses and MACs come from an AF_PACKET socket on the interface. */
	pfd = packet_socket(&c, &ifindex);
	close(pfd);
	fd = socket(AF_XDP, SOCK_RAW, 0);
	step("socket", fd >= 0);
	if (fd < 0)
		return 1;
	umem = mmap(NULL, nchunks * chunk, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | (opt_compat ? MAP_32BIT : 0), -1, 0);
	if (umem == MAP_FAILED)
		die("mmap umem: %s", strerror(errno));
	/* The v1 layout (24 bytes) is the same for 32- and 64-bit callers. */
	struct { uint64_t addr, len; uint32_t chunk_size, headroom; } reg = {
		(uint64_t)(uintptr_t)umem, nchunks * chunk, (uint32_t)chunk, 0
	};
	ok_all &= !do_setsockopt(fd, SOL_XDP, XDP_UMEM_REG, &reg, sizeof(reg));
	step("XDP_UMEM_REG", ok_all);
	if (!ok_all)
		return 0;
	int r1 = do_setsockopt(fd, SOL_XDP, XDP_UMEM_FILL_RING, &ring, sizeof(ring));
	step("XDP_UMEM_FILL_RING", !r1);
	int r2 = do_setsockopt(fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, &ring, sizeof(ring));
	step("XDP_UMEM_COMPLETION_RING", !r2);
	int r3 = do_setsockopt(fd, SOL_XDP, XDP_TX_RING, &ring, sizeof(ring));
	step("XDP_TX_RING", !r3);
	if (r1 || r2 || r3 || !opt_tx)
		return 0;

	if (getsockopt(fd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &ol))
		die("XDP_MMAP_OFFSETS: %s", strerror(errno));
	txmap = mmap(NULL, off.tx.desc + ring * sizeof(struct xdp_desc),
		     PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, XDP_PGOFF_TX_RING);
	cqmap = mmap(NULL, off.cr.desc + ring * sizeof(uint64_t),
		     PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
		     XDP_UMEM_PGOFF_COMPLETION_RING);
	if (txmap == MAP_FAILED || cqmap == MAP_FAILED)
		die("mmap rings: %s", strerror(errno));
	struct sockaddr_xdp sx = {
		.sxdp_family = AF_XDP, .sxdp_flags = XDP_COPY,
		.sxdp_ifindex = (uint32_t)ifindex, .sxdp_queue_id = 0,
	};
	int rb = bind(fd, (struct sockaddr *)&sx, sizeof(sx));

	step("bind(copy mode)", !rb);
	if (rb)
		return 0;
	volatile uint32_t *tx_prod = (uint32_t *)((char *)txmap + off.tx.producer);
	struct xdp_desc *tx_desc = (struct xdp_desc *)((char *)txmap + off.tx.desc);
	volatile uint32_t *cq_prod = (uint32_t *)((char *)cqmap + off.cr.producer);
	volatile uint32_t *cq_cons = (uint32_t *)((char *)cqmap + off.cr.consumer);
	uint32_t prod = *tx_prod;

	f = flow_new("xdp-tx:udp4");
	for (long round = 0; next_round(round); round++) {
		uint64_t addr = (uint64_t)(round % (long)nchunks) * chunk;
		size_t len;

		c.seq = round + 1;
		len = build("plain4", &c, (uint8_t *)umem + addr);
		/* reclaim completions so the ring never fills */
		*cq_cons = *cq_prod;
		tx_desc[prod & (uint32_t)(ring - 1)] = (struct xdp_desc){ addr, (uint32_t)len, 0 };
		__atomic_thread_fence(__ATOMIC_RELEASE);
		*tx_prod = ++prod;
		if (sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 && errno != EAGAIN &&
		    errno != ENOBUFS && errno != EBUSY)
			flow_error(f, errno);
		else
			f->sent++;
	}
	return 0;
}

/* ------------------------------------------------------------ main */
static void usage(void)
{
	fprintf(stderr, "usage: ksadv [--count N] [--duration-ms D] [--interval-ms I] [--tag T]\n"
		"             send|stream|sink|frames|xdp|kinds ... (see the source's header)\n");
	exit(2);
}

static int mode_compat_entry(void)
{
	long pid;

	__asm__ volatile("int $0x80" : "=a"(pid) : "a"(20L) : "memory");	/* i386 getpid */
	printf("compat-entry %s\n", pid == getpid() ? "ok" : "odd");
	return pid == getpid() ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *mode = NULL;
	char **rest = NULL;
	int nrest = 0, ret = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
#define ARG() (i + 1 < argc ? argv[++i] : (usage(), ""))
		if (!strcmp(a, "--count")) opt_count = atol(ARG());
		else if (!strcmp(a, "--duration-ms")) opt_duration_ms = atol(ARG());
		else if (!strcmp(a, "--interval-ms")) opt_interval_ms = atol(ARG());
		else if (!strcmp(a, "--tag")) opt_tag = ARG();
		else if (!strcmp(a, "--dev")) opt_dev = ARG();
		else if (!strcmp(a, "--src4")) opt_src4 = ARG();
		else if (!strcmp(a, "--src6")) opt_src6 = ARG();
		else if (!strcmp(a, "--dst4")) opt_dst4 = ARG();
		else if (!strcmp(a, "--dst6")) opt_dst6 = ARG();
		else if (!strcmp(a, "--ep4")) opt_ep4 = ARG();
		else if (!strcmp(a, "--if")) opt_if = ARG();
		else if (!strcmp(a, "--dmac")) opt_dmac = ARG();
		else if (!strcmp(a, "--kinds")) opt_kinds = ARG();
		else if (!strcmp(a, "--bypass")) opt_bypass = 1;
		else if (!strcmp(a, "--compat")) opt_compat = 1;
		else if (!strcmp(a, "--compat-socketcall")) opt_compat = 2;
		else if (!strcmp(a, "--tx")) opt_tx = 1;
		else if (a[0] == '-' && a[1] == '-') usage();
		else if (!mode) mode = a;
		else {
			rest = argv + i;
			nrest = argc - i;
			break;
		}
#undef ARG
	}
	if (!mode)
		usage();
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	t_start = now_ms();
	if (!strcmp(mode, "send"))
		ret = mode_send(nrest, rest);
	else if (!strcmp(mode, "stream"))
		ret = mode_stream(nrest, rest);
	else if (!strcmp(mode, "sink"))
		ret = mode_sink(nrest, rest);
	else if (!strcmp(mode, "frames"))
		ret = mode_frames();
	else if (!strcmp(mode, "xdp"))
		ret = mode_xdp();
	else if (!strcmp(mode, "compat-entry"))
		return mode_compat_entry();
	else if (!strcmp(mode, "kinds")) {
		for (int i = 0; leak_kinds[i]; i++)
			printf("%s\n", leak_kinds[i]);
		for (int i = 0; policy_kinds[i]; i++)
			printf("%s (allowed by the policy)\n", policy_kinds[i]);
		return 0;
	} else
		usage();
	report();
	return ret;
}
