/*
 * switchd: options, init in order with unwinding, signals, the event loop.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <switchd/proto.h>

#include "arp.h"
#include "capture.h"
#include "control.h"
#include "doctor.h"
#include "engine.h"
#include "events.h"
#include "link_sync.h"
#include "log.h"
#include "notify.h"
#include "plan.h"
#include "privilege.h"
#include "switchd.h"
#include "undo.h"

struct options {
	const char *conf_path;
	const char *socket_path;
	bool check, plan, verbose, doctor, json, undo;
	int log_stderr; /* -1: auto (stderr on a terminal) */
	int ev_rcvbuf;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: switchd [-c FILE] [-s SOCKET] [-v] [-l stderr|syslog] [--check | --plan | --undo [--plan]]\n"
		"  -c, --config FILE   configuration (default %s)\n"
		"  -s, --socket PATH   control socket (overrides the config)\n"
		"  -n, --check         validate the configuration and exit (-v: print it back)\n"
		"  -p, --plan          print the steps it would take on this host; change nothing\n"
		"  -u, --undo          give the host back its plain NICs (with --plan: print it)\n"
		"  -d, --doctor        report ARP / rp_filter hazards of this host and exit\n"
		"                      (exit 1 if any; -j: JSON; compares with -c FILE if it exists)\n"
		"  -v, --verbose       debug logging\n"
		"  -l, --log WHERE     stderr or syslog (default: stderr on a terminal, else syslog)\n"
		"  -V, --version       print the version\n",
		SW_DEFAULT_CONF);
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "check", no_argument, NULL, 'n' },
		{ "plan", no_argument, NULL, 'p' },
		{ "doctor", no_argument, NULL, 'd' },
		{ "undo", no_argument, NULL, 'u' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "log", required_argument, NULL, 'l' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		/* for tests: a small event socket buffer provokes ENOBUFS */
		{ "nl-rcvbuf", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct options){ .conf_path = SW_DEFAULT_CONF, .log_stderr = -1 };
	while ((c = getopt_long(argc, argv, "c:s:npudjvl:Vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->conf_path = optarg;
			break;
		case 's':
			o->socket_path = optarg;
			break;
		case 'n':
			o->check = true;
			break;
		case 'p':
			o->plan = true;
			break;
		case 'd':
			o->doctor = true;
			break;
		case 'u':
			o->undo = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'l':
			if (strcmp(optarg, "stderr") == 0)
				o->log_stderr = 1;
			else if (strcmp(optarg, "syslog") == 0)
				o->log_stderr = 0;
			else {
				fprintf(stderr, "switchd: --log %s: must be stderr or syslog\n", optarg);
				return 2;
			}
			break;
		case 'R':
			o->ev_rcvbuf = atoi(optarg);
			break;
		case 'V':
			printf("switchd %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "switchd: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (o->check + o->plan + o->doctor > 1 || (o->undo && (o->check || o->doctor))) {
		fprintf(stderr, "switchd: --check, --plan, --doctor and --undo exclude each other "
				"(but --undo --plan prints the undo)\n");
		return 2;
	}
	return -1;
}

static void print_conf_error(void *arg, const char *file, int line, const char *msg)
{
	(void)arg;
	if (line > 0)
		fprintf(stderr, "%s:%d: %s\n", file, line, msg);
	else
		fprintf(stderr, "%s: %s\n", file, msg);
}

static void on_netlink(struct ev_loop *loop, ev_io *w, int revents)
{
	struct sw_ctx *ctx = container_of(w, struct sw_ctx, nl_watcher);

	(void)loop;
	(void)revents;
	engine_refresh(ctx); /* what the events ask for runs in the settle, next */
}

static void on_sighup(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct sw_ctx *ctx = w->data;
	char err[512];

	(void)loop;
	(void)revents;
	log_info("SIGHUP: reloading %s", ctx->conf_path);
	if (engine_reload(ctx, err, sizeof(err)) < 0)
		log_warnx("%s", err);
}

static void on_sigterm(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)revents;
	log_info("signal %d: exiting; bridges, ports and taps stay as they are", w->signum);
	ev_break(loop, EVBREAK_ALL);
}

static int plan_only(struct sw_ctx *ctx)
{
	struct plan_input in = { .conf = &ctx->conf, .db = &ctx->db };
	struct sw_plan plan;
	int errors;

	char err[256];

	if (plan_build(&in, &plan) < 0) {
		fprintf(stderr, "switchd: cannot plan: out of memory\n");
		return 1;
	}
	/* the ARP policy of the devices that exist now (bridges still to be
	 * created get theirs when they exist) */
	if (arp_plan(&ctx->nl, &ctx->conf, NULL, &ctx->db, &plan, err, sizeof(err)) < 0) {
		fprintf(stderr, "switchd: ARP policy: %s\n", err);
		plan_free(&plan);
		return 1;
	}
	errors = plan_print(stdout, &plan);
	if (!plan.n && !errors)
		printf("nothing to do: the host is as configured\n");
	plan_free(&plan);
	return errors ? 1 : 0;
}

/* switchd --doctor: no daemon needed. With a readable config, what differs
 * from it is reported too. */
static int doctor_only(const struct options *o)
{
	struct sw_conf conf, *cp = NULL;
	struct sw_linkdb db;
	struct sw_nl nl;
	char err[512];
	json_t *report;
	int ret = 2;

	if (access(o->conf_path, R_OK) == 0) {
		if (conf_load(o->conf_path, &conf, print_conf_error, NULL) != 0)
			return 2;
		cp = &conf;
	}
	linkdb_init(&db);
	linkdb_sync_init(&db);
	if ((ret = nl_open(&nl, 0)) < 0) {
		fprintf(stderr, "switchd: netlink: %s\n", strerror(-ret));
		ret = 2;
		goto out;
	}
	ret = 2;
	if (linkdb_resync(&db, &nl, err, sizeof(err)) < 0) {
		fprintf(stderr, "switchd: reading the kernel's links: %s\n", err);
	} else if (!(report = arp_doctor(&nl, cp, &db, err, sizeof(err)))) {
		fprintf(stderr, "switchd: doctor: %s\n", err);
	} else {
		if (o->json) {
			char *s = json_dumps(report, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

			if (s)
				printf("%s\n", s);
			free(s);
		} else {
			doctor_print(stdout, report);
		}
		ret = json_array_size(json_object_get(report, "hazards")) ? 1 : 0;
		json_decref(report);
	}
	nl_close(&nl);
out:
	linkdb_free(&db);
	if (cp)
		conf_free(cp);
	return ret;
}

/* Monitor clients are one of the event sinks. */
static void monitor_sink(void *arg, const char *type, const char *message, json_t *ev)
{
	struct sw_ctx *ctx = arg;

	(void)type;
	(void)message;
	if (ev && ctx->control)
		control_broadcast(ctx, json_incref(ev));
}

/* The configuration applied for the first time: the host is ready. */
static void convert(struct sw_ctx *ctx)
{
	ctx->rt.replan = false; /* NICs that appeared during boot_wait: this plan has them */
	engine_start(ctx);
	log_info("ready: %zu bridges, control socket %s", ctx->conf.nbridges,
		 ctx->conf.socket_path);
	notify_ready(ctx);
}

static int run_daemon(struct sw_ctx *ctx)
{
	ev_signal sighup, sigterm, sigint;
	struct notify notify;
	char err[512];
	int ret = 1;

	ctx->loop = EV_DEFAULT;
	signal(SIGPIPE, SIG_IGN);
	/* the socket first: a second daemon must stop before touching anything */
	if (control_init(ctx, ctx->conf.socket_path, ctx->conf.socket_mode,
			 ctx->conf.socket_group, err, sizeof(err)) < 0) {
		log_warnx("%s", err);
		return 1;
	}
	/* everything after this needs CAP_NET_ADMIN and CAP_NET_RAW only */
	if (privilege_drop(err, sizeof(err)) < 0)
		log_warnx("%s; running with the capabilities it was started with", err);
	else
		log_debug("capabilities: CAP_NET_ADMIN and CAP_NET_RAW only");
	events_subscribe(&ctx->events, monitor_sink, ctx);
	/* every feature's state and timers exist before the first plan runs */
	if (engine_init(ctx) < 0) {
		log_warnx("cannot start the engine");
		goto out_control;
	}
	ev_io_init(&ctx->nl_watcher, on_netlink, nl_event_fd(&ctx->nl), EV_READ);
	ev_io_start(ctx->loop, &ctx->nl_watcher);
	ev_signal_init(&sighup, on_sighup, SIGHUP);
	sighup.data = ctx;
	ev_signal_start(ctx->loop, &sighup);
	ev_signal_init(&sigterm, on_sigterm, SIGTERM);
	ev_signal_start(ctx->loop, &sigterm);
	ev_signal_init(&sigint, on_sigterm, SIGINT);
	ev_signal_start(ctx->loop, &sigint);

	/* at once, or when boot_wait's NICs are there (or its time is up) */
	notify_start(&notify, ctx, convert);
	ev_run(ctx->loop, 0);
	ret = 0;

	notify_stop(&notify);
	engine_fini(ctx);
	ev_io_stop(ctx->loop, &ctx->nl_watcher);
	ev_signal_stop(ctx->loop, &sighup);
	ev_signal_stop(ctx->loop, &sigterm);
	ev_signal_stop(ctx->loop, &sigint);
out_control:
	control_fini(ctx);
	return ret;
}

int main(int argc, char **argv)
{
	struct options o;
	struct sw_ctx ctx;
	char err[512];
	int ret = parse_options(argc, argv, &o);

	if (ret >= 0)
		return ret;
	memset(&ctx, 0, sizeof(ctx));
	ctx.conf_path = o.conf_path;
	ctx.verbose = o.verbose;
	ctx.ev_rcvbuf = o.ev_rcvbuf;
	ctx.started = time(NULL);

	if (o.doctor)
		return doctor_only(&o);
	ret = conf_load(o.conf_path, &ctx.conf, print_conf_error, NULL);
	if (ret != 0) {
		if (ret > 0)
			fprintf(stderr, "%s: %d error%s\n", o.conf_path, ret, ret == 1 ? "" : "s");
		return 1;
	}
	if (o.check) {
		char user[128], why[512];

		if (o.verbose)
			conf_print(stdout, &ctx.conf);
		else
			printf("%s: configuration OK\n", o.conf_path);
		/* valid, but what it asks for would fail at the first capture:
		 * said now (the network itself comes up without libpcap, so
		 * this is not a failure of the check) */
		if (conf_capture_user(&ctx.conf, user, sizeof(user)) &&
		    capture_available(why, sizeof(why)) < 0)
			fprintf(stderr, "switchd: warning: %s needs libpcap: %s; switchd would not capture\n",
				user, why);
		conf_free(&ctx.conf);
		return 0;
	}
	if (o.socket_path)
		snprintf(ctx.conf.socket_path, sizeof(ctx.conf.socket_path), "%s", o.socket_path);

	log_init(o.log_stderr < 0 ? isatty(STDERR_FILENO) : o.log_stderr == 1, o.verbose);
	events_subscribe(&ctx.events, events_log_sink, NULL);
	linkdb_init(&ctx.db);
	linkdb_sync_init(&ctx.db);
	/* before the first dump: a NIC udev is still naming is left to it */
	if (!o.plan && !o.undo && ctx.conf.udev_wait > 0)
		linkdb_sync_udev(linkdb_udev_probe());
	ret = nl_open(&ctx.nl, ctx.ev_rcvbuf);
	if (ret < 0) {
		fprintf(stderr, "switchd: netlink: %s\n", strerror(-ret));
		ret = 1;
		goto out_conf;
	}
	if (linkdb_resync(&ctx.db, &ctx.nl, err, sizeof(err)) < 0) {
		fprintf(stderr, "switchd: reading the kernel's links: %s\n", err);
		ret = 1;
		goto out_nl;
	}
	ret = o.undo ? undo_run(&ctx, o.plan) : o.plan ? plan_only(&ctx) : run_daemon(&ctx);
out_nl:
	nl_close(&ctx.nl);
	linkdb_free(&ctx.db);
out_conf:
	conf_free(&ctx.conf);
	return ret;
}
