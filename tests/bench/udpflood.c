// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Small UDP packets from ordinary sockets, for the end-to-end packet-rate
 * benchmark (tests/bench/e2e.sh). AF_PACKET generators and pktgen would skip
 * the hooks under test (cgroup_skb, nftables output); these packets take the
 * path every application's do.
 *
 *   udpflood send DST_IP BASE_PORT PORTS FLOWS SECONDS [PAYLOAD [BATCH]]
 *     FLOWS connected sockets (one source port each) to DST_IP, ports
 *     BASE_PORT .. BASE_PORT+PORTS-1, round-robin, BATCH messages per
 *     sendmmsg(), for SECONDS (at most 60). Prints one line:
 *       sent=N errors=N eperm=N seconds=S pps=R
 *   udpflood sink BIND_IP BASE_PORT PORTS SECONDS
 *     binds PORTS sockets and never reads them: packets reach a socket (no
 *     ICMP port unreachable goes back) and are dropped when its small
 *     receive buffer is full. Exits after SECONDS (at most 3600) or on
 *     SIGTERM.
 *   udpflood ping DST_IP PORT SECONDS [PAYLOAD]
 *     UDP ping-pong latency: one message in flight, blocking receive (as
 *     sockperf ping-pong does), the first 10% of the time is warm-up.
 *     Prints: rtt_p50_us=X rtt_p99_us=X rtt_max_us=X n=N
 *   udpflood echo BIND_IP PORT SECONDS
 *     the far end of ping: echoes every datagram back, for at most SECONDS.
 * (sockperf would do for ping-pong, but spends a fixed ~2.2 s per run
 * waiting before it starts, and the benchmark runs 120 of them.)
 * Exit status 0, or 1 when a socket call fails (other than the sends'
 * EPERM/ECONNREFUSED/ENOBUFS, which are counted).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_FLOWS 1024
#define MAX_BATCH 256
#define MAX_PAYLOAD 1400

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_addr(const char *text, struct sockaddr_in *sa, int port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((unsigned short)port);
	return inet_pton(AF_INET, text, &sa->sin_addr) == 1 ? 0 : -1;
}

static int do_send(int argc, char **argv)
{
	static int fds[MAX_FLOWS];
	static char payload[MAX_PAYLOAD];
	static struct mmsghdr msgs[MAX_BATCH];
	static struct iovec iov;
	unsigned long long sent = 0, errors = 0, eperm = 0;
	int base, ports, flows, payload_len = 18, batch = 32;
	double seconds, start, t;
	struct sockaddr_in sa;

	if (argc < 7)
		return 2;
	base = atoi(argv[3]);
	ports = atoi(argv[4]);
	flows = atoi(argv[5]);
	seconds = atof(argv[6]);
	if (argc > 7)
		payload_len = atoi(argv[7]);
	if (argc > 8)
		batch = atoi(argv[8]);
	if (base < 1 || ports < 1 || base + ports > 65536 || flows < 1 ||
	    flows > MAX_FLOWS || seconds <= 0 || seconds > 60 ||
	    payload_len < 1 || payload_len > MAX_PAYLOAD || batch < 1 ||
	    batch > MAX_BATCH) {
		fprintf(stderr, "udpflood: bad arguments\n");
		return 2;
	}
	for (int i = 0; i < flows; i++) {
		if (parse_addr(argv[2], &sa, base + i % ports)) {
			fprintf(stderr, "udpflood: bad address %s\n", argv[2]);
			return 2;
		}
		fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&sa, sizeof(sa))) {
			perror("udpflood: socket/connect");
			return 1;
		}
	}
	memset(payload, 'k', sizeof(payload));
	iov.iov_base = payload;
	iov.iov_len = (size_t)payload_len;
	for (int i = 0; i < batch; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	start = t = now_s();
	for (unsigned long long round = 0; t - start < seconds; round++) {
		int fd = fds[round % (unsigned)flows];
		int n = sendmmsg(fd, msgs, (unsigned)batch, 0);

		if (n > 0) {
			sent += (unsigned)n;
		} else if (errno == EPERM) {
			eperm++;	/* a cgroup program dropped it */
		} else if (errno == ECONNREFUSED || errno == ENOBUFS ||
			   errno == EAGAIN) {
			errors++;
		} else {
			perror("udpflood: sendmmsg");
			return 1;
		}
		if (!(round & 15))
			t = now_s();
	}
	t = now_s() - start;
	printf("sent=%llu errors=%llu eperm=%llu seconds=%.3f pps=%.0f\n", sent,
	       errors, eperm, t, (double)sent / t);
	return 0;
}

static void on_term(int sig)
{
	(void)sig;
	_exit(0);
}

static int do_sink(int argc, char **argv)
{
	int base, ports, seconds, rcvbuf = 4096;
	struct sockaddr_in sa;

	if (argc < 6)
		return 2;
	base = atoi(argv[3]);
	ports = atoi(argv[4]);
	seconds = atoi(argv[5]);
	if (base < 1 || ports < 1 || ports > MAX_FLOWS || base + ports > 65536 ||
	    seconds < 1 || seconds > 3600) {
		fprintf(stderr, "udpflood: bad arguments\n");
		return 2;
	}
	for (int i = 0; i < ports; i++) {
		int fd;

		if (parse_addr(argv[2], &sa, base + i)) {
			fprintf(stderr, "udpflood: bad address %s\n", argv[2]);
			return 2;
		}
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0 ||
		    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) ||
		    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
			perror("udpflood: sink socket/bind");
			return 1;
		}
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	printf("sink ready\n");
	fflush(stdout);
	sleep((unsigned)seconds);
	return 0;
}

static int cmp_ull(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a;
	unsigned long long y = *(const unsigned long long *)b;

	return (x > y) - (x < y);
}

#define MAX_PINGS 4000000

static int do_ping(int argc, char **argv)
{
	static char buf[MAX_PAYLOAD];
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
	unsigned long long *rtt, n = 0, lost = 0;
	double seconds, start, warm, t0, t1;
	int fd, payload_len = 64;
	struct sockaddr_in sa;

	if (argc < 5)
		return 2;
	seconds = atof(argv[4]);
	if (argc > 5)
		payload_len = atoi(argv[5]);
	if (parse_addr(argv[2], &sa, atoi(argv[3])) || seconds <= 0 ||
	    seconds > 60 || payload_len < 8 || payload_len > MAX_PAYLOAD) {
		fprintf(stderr, "udpflood: bad arguments\n");
		return 2;
	}
	rtt = calloc(MAX_PINGS, sizeof(*rtt));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (!rtt || fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("udpflood: ping socket");
		return 1;
	}
	memset(buf, 'p', sizeof(buf));
	start = now_s();
	warm = start + seconds / 10;
	for (unsigned long long seq = 0; n < MAX_PINGS; seq++) {
		ssize_t got;

		t0 = now_s();
		if (t0 - start >= seconds)
			break;
		memcpy(buf, &seq, sizeof(seq));
		if (send(fd, buf, (size_t)payload_len, 0) < 0) {
			perror("udpflood: ping send");
			return 1;
		}
		for (;;) {	/* skip late replies to earlier, lost pings */
			unsigned long long echoed;

			got = recv(fd, buf, sizeof(buf), 0);
			if (got < (ssize_t)sizeof(echoed))
				break;
			memcpy(&echoed, buf, sizeof(echoed));
			if (echoed == seq)
				break;
		}
		t1 = now_s();
		if (got < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != ECONNREFUSED) {
				perror("udpflood: ping recv");
				return 1;
			}
			lost++;
			continue;
		}
		if (t0 >= warm)
			rtt[n++] = (unsigned long long)((t1 - t0) * 1e9);
	}
	if (!n) {
		fprintf(stderr, "udpflood: no ping answered (%llu lost)\n", lost);
		return 1;
	}
	qsort(rtt, n, sizeof(*rtt), cmp_ull);
	printf("rtt_p50_us=%.3f rtt_p99_us=%.3f rtt_max_us=%.3f n=%llu lost=%llu\n",
	       rtt[n / 2] / 1e3, rtt[n * 99 / 100] / 1e3, rtt[n - 1] / 1e3, n, lost);
	return 0;
}

static int do_echo(int argc, char **argv)
{
	static char buf[MAX_PAYLOAD];
	struct timeval tv = { .tv_sec = 1, .tv_usec = 0 };
	struct sockaddr_in sa, from;
	double seconds, start;
	int fd;

	if (argc < 5)
		return 2;
	seconds = atof(argv[4]);
	if (parse_addr(argv[2], &sa, atoi(argv[3])) || seconds < 1 ||
	    seconds > 3600) {
		fprintf(stderr, "udpflood: bad arguments\n");
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("udpflood: echo socket");
		return 1;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	printf("echo ready\n");
	fflush(stdout);
	start = now_s();
	while (now_s() - start < seconds) {
		socklen_t len = sizeof(from);
		ssize_t got = recvfrom(fd, buf, sizeof(buf), 0,
				       (struct sockaddr *)&from, &len);

		if (got >= 0)
			sendto(fd, buf, (size_t)got, 0, (struct sockaddr *)&from, len);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 2;

	if (argc > 1 && !strcmp(argv[1], "send"))
		rc = do_send(argc, argv);
	else if (argc > 1 && !strcmp(argv[1], "sink"))
		rc = do_sink(argc, argv);
	else if (argc > 1 && !strcmp(argv[1], "ping"))
		rc = do_ping(argc, argv);
	else if (argc > 1 && !strcmp(argv[1], "echo"))
		rc = do_echo(argc, argv);
	if (rc == 2)
		fprintf(stderr, "usage: udpflood send DST_IP BASE_PORT PORTS FLOWS "
			"SECONDS [PAYLOAD [BATCH]]\n"
			"       udpflood sink BIND_IP BASE_PORT PORTS SECONDS\n"
			"       udpflood ping DST_IP PORT SECONDS [PAYLOAD]\n"
			"       udpflood echo BIND_IP PORT SECONDS\n");
	return rc;
}
