/*
 * Sequence-numbered UDP for outage measurements.
 *   udpseq send ADDR PORT INTERVAL_US   sends until killed
 *   udpseq recv PORT                    prints "gap MS lost N" for every hole
 *                                       of more than 2 ms between packets,
 *                                       and "received N lost M late K" when
 *                                       killed (TERM or INT); late = out of
 *                                       order (a later one came first)
 */
#include <arpa/inet.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET };

	if (argc >= 4 && !strcmp(argv[1], "send")) {
		uint64_t seq = 0;
		long interval = argc > 4 ? atol(argv[4]) : 1000;

		inet_pton(AF_INET, argv[2], &sin.sin_addr);
		sin.sin_port = htons((uint16_t)atoi(argv[3]));
		for (;;) {
			sendto(fd, &seq, sizeof(seq), MSG_DONTWAIT, (struct sockaddr *)&sin, sizeof(sin));
			seq++;
			usleep((useconds_t)interval);
		}
	}
	if (argc == 3 && !strcmp(argv[1], "recv")) {
		uint64_t seq, last = 0, received = 0, lost = 0, late = 0;
		double t_last = 0;
		struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART: recv returns */

		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);

		sin.sin_port = htons((uint16_t)atoi(argv[2]));
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
			perror("bind");
			return 1;
		}
		setvbuf(stdout, NULL, _IOLBF, 0);
		while (!stop) {
			if (recv(fd, &seq, sizeof(seq), 0) != sizeof(seq))
				continue;
			double t = now_ms();

			received++;
			if (received > 1 && seq <= last) {
				/* late: it fills a hole counted before */
				late++;
				lost -= lost ? 1 : 0;
				continue;
			}
			if (received > 1)
				lost += seq - last - 1;
			if (t_last && seq > last + 1 && t - t_last > 2)
				printf("gap %.1f lost %llu\n", t - t_last,
				       (unsigned long long)(seq - last - 1));
			last = seq;
			t_last = t;
		}
		printf("received %llu lost %llu late %llu\n", (unsigned long long)received,
		       (unsigned long long)lost, (unsigned long long)late);
		return 0;
	}
	fprintf(stderr, "usage: udpseq send ADDR PORT [INTERVAL_US] | udpseq recv PORT\n");
	return 2;
}
