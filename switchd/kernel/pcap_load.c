/*
 * libpcap, loaded when the first capture is opened, not at exec.
 *
 * libpcap links libdbus (its D-Bus capture source), and libdbus links
 * libsystemd, which links libgcrypt, libgpg-error, liblzma, libzstd, liblz4
 * and libcap: linked into switchd they are all mapped and relocated at
 * exec, about 1.2 MiB of RSS, in a daemon that opens a capture only with
 * watch_arp = yes or for cable identification. So the daemon is not linked
 * with libpcap: these are the libpcap functions it calls, by name and with
 * pcap.h's prototypes, each forwarding to the library dlopen()ed by the
 * first pcap_create() (PCAP_SONAME, from configure). A failed load is
 * pcap_create()'s failure, with the reason in its errbuf; every other
 * function takes a handle, so the library is loaded already. Linked
 * together with libpcap (the unit tests), the forwards find the same
 * library.
 */
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <pcap/pcap.h>

#include "capture.h"
#include "log.h"

/* X(return type, name, (parameters), (arguments)) */
#define PCAP_FUNCS(X)                                                                           \
	X(int, pcap_activate, (pcap_t * p), (p))                                                \
	X(int, pcap_compile, (pcap_t * p, struct bpf_program *fp, const char *s, int o,         \
			      bpf_u_int32 m), (p, fp, s, o, m))                                 \
	X(int, pcap_datalink, (pcap_t * p), (p))                                                \
	X(int, pcap_dispatch, (pcap_t * p, int n, pcap_handler cb, u_char *u), (p, n, cb, u))   \
	X(int, pcap_fileno, (pcap_t * p), (p))                                                  \
	X(int, pcap_get_selectable_fd, (pcap_t * p), (p))                                       \
	X(char *, pcap_geterr, (pcap_t * p), (p))                                               \
	X(int, pcap_inject, (pcap_t * p, const void *b, size_t n), (p, b, n))                   \
	X(int, pcap_set_buffer_size, (pcap_t * p, int n), (p, n))                               \
	X(int, pcap_set_immediate_mode, (pcap_t * p, int on), (p, on))                          \
	X(int, pcap_set_promisc, (pcap_t * p, int on), (p, on))                                 \
	X(int, pcap_set_snaplen, (pcap_t * p, int n), (p, n))                                   \
	X(int, pcap_setdirection, (pcap_t * p, pcap_direction_t d), (p, d))                     \
	X(int, pcap_setfilter, (pcap_t * p, struct bpf_program *fp), (p, fp))                   \
	X(int, pcap_setnonblock, (pcap_t * p, int on, char *e), (p, on, e))                     \
	X(const char *, pcap_statustostr, (int e), (e))
#define PCAP_VOIDS(X)                                                                           \
	X(void, pcap_breakloop, (pcap_t * p), (p))                                              \
	X(void, pcap_close, (pcap_t * p), (p))                                                  \
	X(void, pcap_freecode, (struct bpf_program * fp), (fp))

static struct {
#define X(ret, name, params, args) ret(*name) params;
	PCAP_FUNCS(X)
	PCAP_VOIDS(X)
#undef X
	pcap_t *(*pcap_create)(const char *, char *);
	bool loaded;
} lib;

/* 0, or -1 with the reason in why */
static int pcap_load(char *why, size_t len)
{
	/* another libpcap than the one configure found (a path or a soname) */
	const char *so = getenv("SWITCHD_LIBPCAP");
	void *h;

	if (lib.loaded)
		return 0;
	if (!so || !*so)
		so = PCAP_SONAME;
	h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(why, len, "cannot load %s", dlerror());
		return -1;
	}
#define X(ret, name, params, args)                                                              \
	if (!(lib.name = (ret(*) params)dlsym(h, #name))) {                                     \
		snprintf(why, len, "%s is not libpcap (no %s)", so, #name);                     \
		dlclose(h);                                                                     \
		return -1;                                                                      \
	}
	PCAP_FUNCS(X)
	PCAP_VOIDS(X)
	X(pcap_t *, pcap_create, (const char *d, char *e), (d, e))
#undef X
	lib.loaded = true;
	log_debug("%s loaded for the first capture", so);
	return 0;
}

int capture_available(char *why, size_t len)
{
	return pcap_load(why, len);
}

pcap_t *pcap_create(const char *dev, char *errbuf)
{
	if (pcap_load(errbuf, PCAP_ERRBUF_SIZE) < 0)
		return NULL;
	return lib.pcap_create(dev, errbuf);
}

/* The others take a handle: from pcap_create() in the daemon, so the library
 * is there; from libpcap itself where a program links it (pcap_open_dead in
 * the unit tests), so it loads. */
static void pcap_need(void)
{
	char why[256];

	if (pcap_load(why, sizeof(why)) < 0) {
		log_warnx("%s", why);
		abort();
	}
}

#define X(ret, name, params, args)                                                              \
	ret name params                                                                         \
	{                                                                                       \
		pcap_need();                                                                    \
		return lib.name args;                                                           \
	}
PCAP_FUNCS(X)
#undef X
#define X(ret, name, params, args)                                                              \
	ret name params                                                                         \
	{                                                                                       \
		pcap_need();                                                                    \
		lib.name args;                                                                  \
	}
PCAP_VOIDS(X)
#undef X
