/*
 * switchctl: a command table -> one request to switchd -> text or JSON.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <switchd/proto.h>

#include "output.h"
#include "show_text.h"

#define REPLY_TIMEOUT_MS 10000

struct command {
	const char *words;  /* "tap add" */
	const char *method; /* "tap-add" */
	int min_args, max_args;
	const char *usage;
	/* names of the positional arguments, in order */
	const char *params[2];
	bool confirmable; /* takes --confirm T: undone unless confirmed within T */
};

static const struct command commands[] = {
	{ "status", SW_M_STATUS, 0, 0, "status", { NULL }, false },
	{ "show", SW_M_SHOW, 0, 1, "show [-v] [BRIDGE]  (-v: what each NIC hears)", { "bridge" },
	  false },
	{ "cable", SW_M_CABLE, 0, 1, "cable [NIC] (the network behind each NIC)", { "nic" }, false },
	{ "swap", SW_M_SWAP, 2, 2, "swap BRIDGE PORT [--confirm T]", { "bridge", "port" }, true },
	{ "attach", SW_M_ATTACH, 2, 2, "attach BRIDGE PORT [--confirm T]", { "bridge", "port" }, true },
	{ "detach", SW_M_DETACH, 2, 2, "detach BRIDGE PORT [--confirm T]", { "bridge", "port" }, true },
	{ "tap add", SW_M_TAP_ADD, 2, 6, "tap add NAME BRIDGE [owner USER] [group GROUP]",
	  { "name", "bridge" }, false },
	{ "tap del", SW_M_TAP_DEL, 1, 1, "tap del NAME", { "name" }, false },
	{ "reload", SW_M_RELOAD, 0, 0, "reload [--confirm T]", { NULL }, true },
	{ "confirm", SW_M_CONFIRM, 0, 0, "confirm     (keep the change made with --confirm)", { NULL }, false },
	{ "monitor", SW_M_MONITOR, 0, 0, "monitor", { NULL }, false },
	{ "doctor", SW_M_DOCTOR, 0, 0, "doctor      (exit 1 when it finds hazards)", { NULL }, false },
	/* run by wait_ready(), not by the one-request path */
	{ "wait", "wait", 0, 0, "wait [--timeout T] [BRIDGE...]  (until up, carrier, addresses)",
	  { NULL }, false },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: switchctl [-s SOCKET] [-j] COMMAND ...\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].usage);
	fprintf(f, "\n  -s SOCKET  control socket (default %s)\n  -j         JSON output\n"
		   "  -v         more detail (show: what each NIC hears)\n",
		SW_DEFAULT_SOCKET);
}

static int usage_error(const char *msg)
{
	fprintf(stderr, "switchctl: %s\n(switchctl -h lists the commands)\n", msg);
	return 2;
}

/* "60s", "90" (seconds), "2m", "500ms", "1h": seconds > 0, or -1. */
static double parse_seconds(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || !(v > 0) || v > 86400 * 1000.0)
		return -1;
	if (!*end || !strcmp(end, "s"))
		return v;
	if (!strcmp(end, "ms"))
		return v / 1000;
	if (!strcmp(end, "m"))
		return v * 60;
	if (!strcmp(end, "h"))
		return v * 3600;
	return -1;
}

/* Take "--confirm T" out of the arguments of a command that takes it.
 * Returns 0 (*seconds 0 if absent) or an exit code. */
static int take_confirm(const struct command *c, int *argc, char **argv, double *seconds)
{
	*seconds = 0;
	for (int a = 0; a < *argc; a++) {
		if (strcmp(argv[a], "--confirm"))
			continue;
		if (!c->confirmable) {
			fprintf(stderr, "switchctl: %s: --confirm is for reload, swap, attach and detach\n",
				c->words);
			return 2;
		}
		if (a + 1 >= *argc || (*seconds = parse_seconds(argv[a + 1])) <= 0 || *seconds > 86400) {
			fprintf(stderr, "switchctl: %s: --confirm needs a time, 0 < T <= 24h (60s, 2m)\n",
				c->words);
			return 2;
		}
		memmove(&argv[a], &argv[a + 2], (size_t)(*argc - a - 2) * sizeof(*argv));
		*argc -= 2;
		return 0;
	}
	return 0;
}

/* Match the command words; build params. Returns 0 or an exit code. */
static int parse_command(int argc, char **argv, const struct command **cmd, json_t **params)
{
	*cmd = NULL;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct command *c = &commands[i];
		int nwords = strchr(c->words, ' ') ? 2 : 1;
		char first[16];

		snprintf(first, sizeof(first), "%.*s", (int)strcspn(c->words, " "), c->words);
		if (strcmp(argv[0], first))
			continue;
		if (nwords == 2 && (argc < 2 || strcmp(argv[1], strchr(c->words, ' ') + 1)))
			continue;
		*cmd = c;
		argc -= nwords;
		argv += nwords;
		double confirm;
		int rc = take_confirm(c, &argc, argv, &confirm);

		if (rc)
			return rc;
		if (argc < c->min_args || argc > c->max_args) {
			fprintf(stderr, "switchctl: %s: wrong number of arguments\nusage: switchctl %s\n",
				c->words, c->usage);
			return 2;
		}
		*params = json_object();
		if (confirm > 0)
			json_object_set_new(*params, "confirm", json_real(confirm));
		for (int a = 0; a < argc; a++) {
			if (a < 2 && c->params[a]) {
				json_object_set_new(*params, c->params[a], json_string(argv[a]));
				continue;
			}
			/* tap add: keyword pairs */
			if ((!strcmp(argv[a], "owner") || !strcmp(argv[a], "group")) && a + 1 < argc) {
				json_object_set_new(*params, argv[a], json_string(argv[a + 1]));
				a++;
				continue;
			}
			json_decref(*params);
			fprintf(stderr, "switchctl: %s: unexpected \"%s\"\nusage: switchctl %s\n",
				c->words, argv[a], c->usage);
			return 2;
		}
		return 0;
	}
	char msg[128];

	if (!strcmp(argv[0], "tap"))
		return usage_error("tap: expected \"tap add\" or \"tap del\"");
	snprintf(msg, sizeof(msg), "unknown command \"%.64s\"", argv[0]);
	return usage_error(msg);
}

static int connect_socket(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "switchctl: %s: socket path too long\n", path);
		return -1;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "switchctl: %s: %s (is switchd running?)\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Read one line; timeout_ms < 0: wait forever. Returns its length, -1 on error. */
static ssize_t read_line(int fd, char **buf, size_t *len, size_t *used, int timeout_ms)
{
	for (;;) {
		char *nl = *used ? memchr(*buf, '\n', *used) : NULL;

		if (nl)
			return nl - *buf;
		if (*used == *len) {
			size_t n = *len ? *len * 2 : 4096;
			char *b = realloc(*buf, n);

			if (!b || n > 16 * SW_MSG_MAX)
				return -1;
			*buf = b;
			*len = n;
		}
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, timeout_ms);

		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (r < 0 && errno == EINTR)
			continue;
		ssize_t n = read(fd, *buf + *used, *len - *used);

		if (n <= 0) {
			errno = n == 0 ? ECONNRESET : errno;
			return -1;
		}
		*used += (size_t)n;
	}
}

/* ---- switchctl wait ------------------------------------------------------ */

#define WAIT_POLL_MS 100
#define WAIT_DEFAULT_S 60

/* One show request on a fresh connection; NULL (quietly) while switchd
 * is not there yet: at boot, wait may run before the socket exists. */
static json_t *wait_query(const char *sock, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	json_t *result = NULL, *params = json_object();
	char *line, *buf = NULL;
	size_t len = 0, used = 0;
	ssize_t n;
	int fd;

	err[0] = '\0';
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		snprintf(err, errlen, "%s: %s (is switchd running?)", sock, strerror(errno));
		json_decref(params);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	line = proto_request_line(1, "show", params);
	if (line && write(fd, line, strlen(line)) == (ssize_t)strlen(line) &&
	    (n = read_line(fd, &buf, &len, &used, REPLY_TIMEOUT_MS)) >= 0 &&
	    proto_parse_reply(buf, (size_t)n, &result, err, errlen) != 0) {
		if (!err[0])
			snprintf(err, errlen, "%s: unexpected reply to show", sock);
		json_decref(result);
		result = NULL;
	}
	free(line);
	free(buf);
	close(fd);
	return result;
}

/* The bridge's carrier is not enough: its replay tap keeps it on with
 * every cable out. Its active uplink must have carrier. */
static bool wait_uplink(json_t *br)
{
	json_t *port;
	size_t i;

	if (!json_is_true(json_object_get(br, "carrier")))
		return false;
	json_array_foreach(json_object_get(br, "ports"), i, port)
		if (!strcmp(json_string_value(json_object_get(port, "role")) ?: "", "active") &&
		    json_is_true(json_object_get(port, "carrier")))
			return true;
	return false;
}

/* Why a bridge of show's reply is not ready ("" when it is): it exists, is
 * up, has carrier if it has uplinks (a bridge of guests only has carrier
 * when a guest runs) through its active port, and addresses unless it is configured without. */
static void wait_missing(json_t *br, char *why, size_t len)
{
	const char *name = json_string_value(json_object_get(br, "name"));
	const char *mode = json_string_value(json_object_get(br, "address"));

	why[0] = '\0';
	if (!json_is_true(json_object_get(br, "present")))
		snprintf(why, len, "%s does not exist", name);
	else if (!json_is_true(json_object_get(br, "up")))
		snprintf(why, len, "%s is down", name);
	else if (json_array_size(json_object_get(br, "ports")) && !wait_uplink(br))
		snprintf(why, len, "%s has no carrier", name);
	else if ((!mode || strcmp(mode, "none")) &&
		 !json_array_size(json_object_get(br, "addresses")))
		snprintf(why, len, "%s has no address", name);
}

/* "30", "30s", "500ms": milliseconds, or -1. */
static long wait_parse_timeout(const char *v)
{
	char *end;
	double d = strtod(v, &end);

	if (end == v || d < 0 || d > 86400)
		return -1;
	if (!strcmp(end, "ms"))
		return (long)d;
	if (*end && strcmp(end, "s"))
		return -1;
	return (long)(d * 1000);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* switchctl wait [--timeout T] [BRIDGE...]: 0 once every named (or
 * configured) bridge is ready, 1 with what is missing on timeout. A short
 * poll of show: the conditions span links and addresses, and a poll also
 * covers the time before switchd's socket exists. */
static int wait_ready(const char *sock, int argc, char **argv)
{
	long timeout = WAIT_DEFAULT_S * 1000L, deadline;
	char missing[512], err[512];
	int nnames = 0;

	for (int i = 0; i < argc; i++) {
		const char *v = NULL;

		if (!strcmp(argv[i], "--timeout") || !strcmp(argv[i], "-t")) {
			if (i + 1 == argc) {
				fprintf(stderr, "switchctl: wait: %s needs a duration (30s, 500ms)\n",
					argv[i]);
				return 2;
			}
			v = argv[++i];
		} else if (!strncmp(argv[i], "--timeout=", 10)) {
			v = argv[i] + 10;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "switchctl: wait: unknown option \"%s\"\n", argv[i]);
			return 2;
		} else {
			argv[nnames++] = argv[i];
			continue;
		}
		if ((timeout = wait_parse_timeout(v)) < 0) {
			fprintf(stderr, "switchctl: wait: --timeout \"%s\": not a duration (30s, 500ms)\n",
				v);
			return 2;
		}
	}
	deadline = now_ms() + timeout;
	for (;;) {
		json_t *result = wait_query(sock, err, sizeof(err));
		json_t *bridges = json_object_get(result, "bridges"), *br;
		size_t used = 0, i;

		missing[0] = '\0';
		if (!result)
			snprintf(missing, sizeof(missing), "%s", err);
		for (int k = 0; result && k < nnames; k++) {
			bool found = false;

			json_array_foreach(bridges, i, br)
				found |= !strcmp(json_string_value(json_object_get(br, "name")), argv[k]);
			if (!found) {
				fprintf(stderr, "switchctl: wait: bridge %s: no such bridge in the config\n",
					argv[k]);
				json_decref(result);
				return 2;
			}
		}
		json_array_foreach(bridges, i, br) {
			const char *name = json_string_value(json_object_get(br, "name"));
			bool wanted = !nnames;
			char why[128];

			for (int k = 0; k < nnames; k++)
				wanted |= !strcmp(name, argv[k]);
			if (!wanted)
				continue;
			wait_missing(br, why, sizeof(why));
			if (why[0] && used < sizeof(missing))
				used += (size_t)snprintf(missing + used, sizeof(missing) - used, "%s%s",
							 used ? "; " : "", why);
		}
		json_decref(result);
		if (!missing[0])
			return 0;
		if (now_ms() >= deadline)
			break;
		poll(NULL, 0, WAIT_POLL_MS);
	}
	fprintf(stderr, "switchctl: wait: not ready after %gs: %s\n", timeout / 1000.0, missing);
	return 1;
}

int main(int argc, char **argv)
{
	const char *sock = SW_DEFAULT_SOCKET;
	const struct command *cmd;
	json_t *params = NULL, *result;
	bool json = false, verbose = false;
	char *line, *buf = NULL, err[512];
	size_t len = 0, used = 0;
	int c, fd, ret;

	while ((c = getopt(argc, argv, "+s:jvhV")) != -1) {
		switch (c) {
		case 'v':
			verbose = true;
			break;
		case 's':
			sock = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("switchctl %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc)
		return usage_error("no command given");
	/* -j may also follow the command: switchctl doctor -j; -v too:
	 * switchctl show -v eth0 */
	for (int i = optind + 1; i < argc; i++)
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "-v")) {
			if (!strcmp(argv[i], "-j"))
				json = true;
			else
				verbose = true;
			memmove(&argv[i], &argv[i + 1], (size_t)(argc - i) * sizeof(*argv));
			argc--;
			i--;
		}
	if (!strcmp(argv[optind], "wait"))
		return wait_ready(sock, argc - optind - 1, argv + optind + 1);
	output_verbose(verbose);
	ret = parse_command(argc - optind, argv + optind, &cmd, &params);
	if (ret)
		return ret;
	/* text show: the daemon renders it (a switchd that does not know
	 * "format" ignores it and replies with the JSON, rendered below) */
	if (!json && !strcmp(cmd->method, SW_M_SHOW)) {
		json_object_set_new(params, "format", json_string("text"));
		if (verbose)
			json_object_set_new(params, "verbose", json_true());
	}
	signal(SIGPIPE, SIG_IGN);
	fd = connect_socket(sock);
	if (fd < 0) {
		json_decref(params);
		return 1;
	}
	line = proto_request_line(1, cmd->method, params);
	if (!line || write(fd, line, strlen(line)) != (ssize_t)strlen(line)) {
		int saved = errno;
		ssize_t n = line ? read_line(fd, &buf, &len, &used, REPLY_TIMEOUT_MS) : -1;

		/* a refused connection ("too many connections") was closed after
		 * its reason was sent: show that rather than EPIPE */
		if (n >= 0 && proto_parse_reply(buf, (size_t)n, &result, err, sizeof(err)) == -1) {
			char *clean = text_escape(err);

			fprintf(stderr, "switchctl: %s\n", clean ? clean : "(out of memory)");
			free(clean);
		} else {
			fprintf(stderr, "switchctl: %s: cannot send the request: %s\n", sock,
				strerror(saved));
		}
		free(line);
		free(buf);
		close(fd);
		return 1;
	}
	free(line);
	for (bool first = true;; first = false) {
		ssize_t n = read_line(fd, &buf, &len, &used,
				      first || strcmp(cmd->method, SW_M_MONITOR) ? REPLY_TIMEOUT_MS : -1);

		if (n < 0) {
			fprintf(stderr, "switchctl: %s: %s\n", sock,
				errno == ETIMEDOUT ? "no reply from switchd within 10 s"
						   : "connection closed by switchd");
			ret = 1;
			break;
		}
		/* show -j: the result's bytes re-indented, not parsed and dumped */
		if (json && !strcmp(cmd->method, SW_M_SHOW) &&
		    output_json_reply(stdout, buf, (size_t)n) == 0) {
			ret = 0;
			break;
		}
		ret = proto_parse_reply(buf, (size_t)n, &result, err, sizeof(err));
		memmove(buf, buf + n + 1, used - (size_t)n - 1);
		used -= (size_t)n + 1;
		if (ret == 1) {
			output_event(stdout, result, json);
			json_decref(result);
			continue;
		}
		if (ret < 0) {
			char *clean = text_escape(err);

			fprintf(stderr, "switchctl: %s\n", clean ? clean : "(out of memory)");
			free(clean);
			ret = 1;
			break;
		}
		if (!json && !strcmp(cmd->method, SW_M_SHOW) &&
		    json_is_string(json_object_get(result, "text")))
			fputs(json_string_value(json_object_get(result, "text")), stdout);
		else if (strcmp(cmd->method, SW_M_MONITOR))
			output_result(stdout, cmd->method, result, json);
		if (!strcmp(cmd->method, SW_M_DOCTOR) &&
		    json_array_size(json_object_get(result, "hazards")))
			ret = 1;
		json_decref(result);
		if (strcmp(cmd->method, SW_M_MONITOR))
			break;
	}
	free(buf);
	close(fd);
	return ret;
}
