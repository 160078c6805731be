/*
 * notify-recv PATH: the service manager's end of sd_notify(3) for tests.
 * Binds a datagram socket at PATH and prints each message it receives,
 * one per line with its newlines turned into spaces (in order: one reader,
 * unlike a forking relay), until killed. A PATH starting with '@' is an
 * abstract name, as in $NOTIFY_SOCKET (per network namespace: run it in
 * the daemon's). With --ready first, it exits 0 after the first message
 * that has a READY=1 line: a benchmark's end of "switchd is ready", with
 * the latency a service manager sees (tests/bench/scale.sh).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[4096];
	socklen_t salen = sizeof(sa);
	ssize_t n;
	int fd, until_ready = argc == 3 && !strcmp(argv[1], "--ready");

	argc -= until_ready;
	argv += until_ready;
	if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: notify-recv [--ready] PATH (shorter than %zu bytes)\n",
			sizeof(sa.sun_path));
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	if (argv[1][0] == '@') {
		sa.sun_path[0] = '\0';
		salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(argv[1]));
	}
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (argv[1][0] != '@')
		unlink(argv[1]);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, salen) < 0) {
		perror(argv[1]);
		return 1;
	}
	while ((n = recv(fd, buf, sizeof(buf) - 1, 0)) >= 0) {
		bool ready;

		buf[n] = '\0';
		ready = !strncmp(buf, "READY=1", 7) && (buf[7] == '\n' || !buf[7]);
		ready |= strstr(buf, "\nREADY=1\n") || (n >= 8 && !strcmp(buf + n - 8, "\nREADY=1"));
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] == '\n')
				buf[i] = ' ';
		buf[n] = '\0';
		printf("%s\n", buf);
		fflush(stdout);
		if (until_ready && ready)
			return 0;
	}
	perror("recv");
	return 1;
}
