/*
 * A hostile control client for the integration tests (t-ctl-abuse.sh).
 *
 *   ctlclient SOCK hold N
 *	open N connections, send one status request on each, print each reply
 *	line (or "closed"), print "ready" and keep them open until killed.
 *   ctlclient SOCK oversized-at-cap
 *	fill the daemon's output buffer for this connection to just under its
 *	cap (never reading), then send a request longer than SW_MSG_MAX.
 *   ctlclient SOCK monitor-at-cap BRIDGE PORT
 *	the same on a monitor connection, then ask it to swap BRIDGE to PORT:
 *	the swap's event does not fit.
 *
 * How full the daemon's buffer is, is known exactly: every reply has the
 * same length, SIOCINQ tells what the kernel took, and a status request on a
 * second connection, answered after the first one's input was all read
 * (SIOCOUTQ 0), says the daemon has processed it.
 */
#include <errno.h>
#include <linux/sockios.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define CAP (1024 * 1024) /* control_conn_default_limits.max_output */
#define MSG_MAX 65536	  /* SW_MSG_MAX */
#define REQ "{\"v\":1,\"id\":1,\"method\":\"x\"}\n"
#define STATUS "{\"v\":1,\"id\":1,\"method\":\"status\"}\n"
#define MONITOR "{\"v\":1,\"id\":1,\"method\":\"monitor\"}\n"

static const char *sock_path;

static int connect_to(void)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock_path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "ctlclient: %s: %s\n", sock_path, strerror(errno));
		exit(1);
	}
	return fd;
}

/* 0, or -1 when switchd closed the connection (a refusal: its reason is
 * still there to read). */
static int try_write(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "ctlclient: write: %s\n", strerror(errno));
			exit(1);
		}
		buf += n;
		len -= (size_t)n;
	}
}

/* One line from fd (blocking); its length with the '\n', 0 on EOF. */
static size_t read_line(int fd, char *buf, size_t len)
{
	size_t used = 0;

	while (used + 1 < len) {
		ssize_t n = read(fd, buf + used, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (buf[used++] == '\n')
			break;
	}
	buf[used] = '\0';
	return used;
}

static size_t reply_len(const char *req)
{
	char line[4096];
	int fd = connect_to();
	size_t n;

	write_all(fd, req, strlen(req));
	n = read_line(fd, line, sizeof(line));
	close(fd);
	return n;
}

/* Until the daemon has read and answered everything sent on fd. */
static void sync_daemon(int fd)
{
	char line[4096];
	int outq, other;

	for (;;) {
		if (ioctl(fd, SIOCOUTQ, &outq) < 0) {
			perror("ctlclient: SIOCOUTQ");
			exit(1);
		}
		if (!outq)
			break;
		usleep(1000);
	}
	other = connect_to();
	write_all(other, STATUS, strlen(STATUS));
	read_line(other, line, sizeof(line));
	close(other);
}

static int inq(int fd)
{
	int n;

	if (ioctl(fd, SIOCINQ, &n) < 0) {
		perror("ctlclient: SIOCINQ");
		exit(1);
	}
	return n;
}

static long queued; /* bytes of replies asked for on the filled connection */

/* What switchd holds for fd: what it was asked for, less what the kernel took. */
static long held(int fd)
{
	sync_daemon(fd);
	return queued - inq(fd);
}

/* Send requests on fd, never reading, until the daemon holds more than
 * cap - len(reply) but at most cap bytes for it. Whatever the kernel takes
 * meanwhile only makes the daemon hold less: it never overshoots. */
static void fill(int fd)
{
	size_t L = reply_len(REQ);
	long h;

	while ((h = held(fd)) + (long)L <= CAP)
		for (long k = (CAP - h) / (long)L; k > 0; k--) {
			write_all(fd, REQ, sizeof(REQ) - 1);
			queued += (long)L;
		}
}

static void say_held(int fd)
{
	printf("switchd holds %ld of %d bytes for this client\n", held(fd), CAP);
}

/* Read what the daemon still sends, to EOF, and say how it ended. */
static void finish(int fd)
{
	static char buf[1 << 20];
	struct pollfd p = {.fd = fd, .events = POLLIN};
	bool too_large = false;
	size_t tail = 0;
	ssize_t n;

	for (;;) {
		if (poll(&p, 1, 20000) <= 0) {
			printf("switchd neither answered nor closed within 20 s\n");
			return;
		}
		n = read(fd, buf + tail, sizeof(buf) - tail - 1);
		if (n <= 0)
			break;
		size_t total = tail + (size_t)n, keep = total > 64 ? 64 : total;

		buf[total] = '\0';
		too_large |= strstr(buf, "request too large") != NULL;
		/* keep the last bytes: a match may straddle two reads */
		memmove(buf, buf + total - keep, keep);
		tail = keep;
	}
	printf("closed by switchd%s\n", too_large ? " after \"request too large\"" : "");
}

static int hold(int n)
{
	char line[4096];

	for (int i = 0; i < n; i++) {
		int fd = connect_to();

		try_write(fd, STATUS, strlen(STATUS));
		if (!read_line(fd, line, sizeof(line)))
			snprintf(line, sizeof(line), "closed\n");
		printf("%d %s", i, line);
		fflush(stdout);
	}
	printf("ready\n");
	fflush(stdout);
	pause(); /* until killed */
	return 0;
}

int main(int argc, char **argv)
{
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: ctlclient SOCK hold N | oversized-at-cap | "
				"monitor-at-cap BRIDGE PORT\n");
		return 2;
	}
	sock_path = argv[1];
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[2], "hold") && argc == 4)
		return hold(atoi(argv[3]));
	if (!strcmp(argv[2], "oversized-at-cap")) {
		char *big = malloc(MSG_MAX + 100);

		fd = connect_to();
		fill(fd);
		memset(big, 'x', MSG_MAX + 100);
		/* most of it first: the flushes its reads cause happen before
		 * the count is taken */
		write_all(fd, big, MSG_MAX - 1000);
		say_held(fd);
		write_all(fd, big, 1100);
		free(big);
		finish(fd);
		return 0;
	}
	if (!strcmp(argv[2], "monitor-at-cap") && argc == 5) {
		char req[256];

		fd = connect_to();
		queued = (long)reply_len(MONITOR);
		write_all(fd, MONITOR, strlen(MONITOR));
		fill(fd);
		say_held(fd);
		snprintf(req, sizeof(req),
			 "{\"v\":1,\"id\":2,\"method\":\"swap\",\"params\":{\"bridge\":\"%s\","
			 "\"port\":\"%s\"}}\n",
			 argv[3], argv[4]);
		write_all(fd, req, strlen(req));
		finish(fd);
		return 0;
	}
	fprintf(stderr, "ctlclient: unknown command %s\n", argv[2]);
	return 2;
}
