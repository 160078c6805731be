/*
 * switchd.conf -> struct sw_conf.
 *
 * The tokenizing (comments, white space, key = value) is Debian's libinih. In
 * Debian's build the handler gets no line number and no call for a section
 * header, so parsing goes through ini_parse_stream() with our own reader: it
 * counts lines (the handler runs right after its line was read, so the count
 * is the key's line) and sees section headers itself, which is how empty and
 * duplicate sections and lines inih would reject are reported with their
 * line. Everything is checked after the file is read, so one run reports
 * every error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <grp.h>
#include <ini.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <switchd/proto.h>

#include "conf.h"

enum section_type { SEC_NONE, SEC_SWITCHD, SEC_NIC, SEC_BRIDGE, SEC_TAP, SEC_SYSCTL, SEC_VIP, SEC_BAD };

struct parser {
	const char *file;
	struct sw_conf *conf;
	conf_error_fn errfn;
	void *arg;
	int errors;
	int line;
	enum section_type sec;
	size_t index; /* of the current nic/bridge/tap */
	int socket_line;
	int sysctl_line;
	/* the reader's source: a FILE or a string */
	FILE *f;
	const char *text;
	/* keys seen in the current section (duplicates are errors) */
	char seen[32][16];
	int nseen;
};

static void conf_error(struct parser *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void conf_error(struct parser *p, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->errors++;
	if (p->errfn)
		p->errfn(p->arg, p->file, line, msg);
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static bool check_name(struct parser *p, int line, const char *what, const char *name)
{
	const char *why;

	if (ifname_check(name, &why) == 0)
		return true;
	conf_error(p, line, "%s \"%s\": invalid interface name: %s", what, name, why);
	return false;
}

static void *grow(void *v, size_t n, size_t size)
{
	return realloc(v, (n + 1) * size);
}

static void sysctl_unset(struct sw_sysctl_set *set)
{
	for (int k = 0; k < SK_NCONF; k++) {
		set->v[k] = -1;
		set->line[k] = 0;
	}
}

/* "[type name]" seen by the reader: open a section. */
static void set_default_announce(struct sw_conf_bridge *b);

static void open_section(struct parser *p, char *hdr)
{
	struct sw_conf *c = p->conf;
	char *end = strchr(hdr, ']'), *type, *name;

	p->nseen = 0;
	p->sec = SEC_BAD;
	if (!end) {
		conf_error(p, p->line, "section header without ']'");
		return;
	}
	*end = '\0';
	if (*trim(end + 1) && *trim(end + 1) != '#' && *trim(end + 1) != ';') {
		conf_error(p, p->line, "unexpected text after the section header");
		return;
	}
	type = trim(hdr + 1);
	name = type + strcspn(type, " \t");
	if (*name)
		*name++ = '\0';
	name = trim(name);

	if (strcmp(type, "switchd") == 0) {
		if (*name) {
			conf_error(p, p->line, "[switchd] takes no name");
			return;
		}
		p->sec = SEC_SWITCHD;
		return;
	}
	if (strcmp(type, "sysctl") == 0) {
		if (*name) {
			conf_error(p, p->line, "[sysctl] takes no name");
			return;
		}
		if (p->sysctl_line) {
			conf_error(p, p->line, "[sysctl] is given twice (first at line %d)",
				   p->sysctl_line);
			return;
		}
		p->sysctl_line = p->line;
		p->sec = SEC_SYSCTL;
		return;
	}
	if (strcmp(type, "vip") == 0) {
		struct sw_conf_vip *v;
		struct in_addr ia;

		if (!*name || inet_pton(AF_INET, name, &ia) != 1) {
			conf_error(p, p->line, "[vip %s]: needs an IPv4 address: [vip 198.18.9.10]",
				   name);
			return;
		}
		for (size_t i = 0; i < c->nvips; i++)
			if (c->vips[i].ip == ia.s_addr) {
				conf_error(p, p->line, "[vip %s] is defined twice (first at line %d)",
					   name, c->vips[i].line);
				return;
			}
		v = grow(c->vips, c->nvips, sizeof(*v));
		if (!v)
			goto nomem;
		c->vips = v;
		memset(&v[c->nvips], 0, sizeof(*v));
		v[c->nvips].ip = ia.s_addr;
		inet_ntop(AF_INET, &ia, v[c->nvips].text, sizeof(v[c->nvips].text));
		v[c->nvips].mode = SW_VIP_DR;
		v[c->nvips].line = p->line;
		p->index = c->nvips++;
		p->sec = SEC_VIP;
		return;
	}
	if (strcmp(type, "nic") && strcmp(type, "bridge") && strcmp(type, "tap")) {
		conf_error(p, p->line, "unknown section [%s]", type);
		return;
	}
	if (!*name) {
		conf_error(p, p->line, "[%s] needs a name: [%s NAME]", type, type);
		return;
	}
	if (strpbrk(name, " \t")) {
		conf_error(p, p->line, "%s \"%s\": invalid interface name: contains white space",
			   type, name);
		return;
	}
	if (!check_name(p, p->line, type, name))
		return;
	/* duplicates of the same type */
	for (size_t i = 0; i < c->nnics && !strcmp(type, "nic"); i++)
		if (!strcmp(c->nics[i].name, name)) {
			conf_error(p, p->line, "[nic %s] is defined twice (first at line %d)", name,
				   c->nics[i].line);
			return;
		}
	for (size_t i = 0; i < c->nbridges && !strcmp(type, "bridge"); i++)
		if (!strcmp(c->bridges[i].name, name)) {
			conf_error(p, p->line, "[bridge %s] is defined twice (first at line %d)", name,
				   c->bridges[i].line);
			return;
		}
	for (size_t i = 0; i < c->ntaps && !strcmp(type, "tap"); i++)
		if (!strcmp(c->taps[i].name, name)) {
			conf_error(p, p->line, "[tap %s] is defined twice (first at line %d)", name,
				   c->taps[i].line);
			return;
		}
	if (!strcmp(type, "nic")) {
		struct sw_conf_nic *v = grow(c->nics, c->nnics, sizeof(*v));

		if (!v)
			goto nomem;
		c->nics = v;
		memset(&v[c->nnics], 0, sizeof(*v));
		sw_strlcpy(v[c->nnics].name, name, SW_IFNAMSIZ);
		sysctl_unset(&v[c->nnics].sysctl);
		v[c->nnics].line = p->line;
		p->index = c->nnics++;
		p->sec = SEC_NIC;
	} else if (!strcmp(type, "bridge")) {
		struct sw_conf_bridge *v = grow(c->bridges, c->nbridges, sizeof(*v));

		if (!v)
			goto nomem;
		c->bridges = v;
		memset(&v[c->nbridges], 0, sizeof(*v));
		sw_strlcpy(v[c->nbridges].name, name, SW_IFNAMSIZ);
		/* failover defaults: see switchd.conf(5) */
		v[c->nbridges].updelay = 2;
		v[c->nbridges].hold_down = 30;
		v[c->nbridges].flap_window = 10;
		v[c->nbridges].flap_limit = 10;
		v[c->nbridges].carrier_poll = 0.005;
		v[c->nbridges].replay = 0.1;
		set_default_announce(&v[c->nbridges]);
		v[c->nbridges].watch_window = 10;
		sysctl_unset(&v[c->nbridges].sysctl);
		v[c->nbridges].line = p->line;
		p->index = c->nbridges++;
		p->sec = SEC_BRIDGE;
	} else {
		struct sw_conf_tap *v = grow(c->taps, c->ntaps, sizeof(*v));

		if (!v)
			goto nomem;
		c->taps = v;
		memset(&v[c->ntaps], 0, sizeof(*v));
		sw_strlcpy(v[c->ntaps].name, name, SW_IFNAMSIZ);
		v[c->ntaps].line = p->line;
		p->index = c->ntaps++;
		p->sec = SEC_TAP;
	}
	return;
nomem:
	conf_error(p, p->line, "out of memory");
}

/* Look at each line before inih does: count it, open sections, flag lines
 * inih would reject (so every one is reported, with its line). */
static void inspect_line(struct parser *p, const char *raw)
{
	char buf[4096];
	char *s;

	sw_strlcpy(buf, raw, sizeof(buf));
	s = trim(buf);
	if (!*s || *s == '#' || *s == ';')
		return;
	if (*s == '[') {
		open_section(p, s);
		return;
	}
	if (!strchr(s, '=')) {
		conf_error(p, p->line, "expected \"key = value\", \"[section]\" or a comment");
		return;
	}
}

static char *reader_common(struct parser *p, char *str, int num, char *got)
{
	if (!got)
		return NULL;
	p->line++;
	if (!strchr(got, '\n') && (int)strlen(got) == num - 1) {
		int c;

		conf_error(p, p->line, "line longer than %d bytes", num - 2);
		/* skip the rest of the line */
		if (p->f)
			while ((c = fgetc(p->f)) != EOF && c != '\n')
				;
		else
			while (*p->text && *p->text++ != '\n')
				;
		str[0] = '\0';
		return str;
	}
	inspect_line(p, got);
	/* a bad line has been reported: hand inih a blank line instead */
	if (*trim(str) && *trim(str) != '[' && *trim(str) != '#' && *trim(str) != ';' &&
	    !strchr(str, '='))
		str[0] = '\0';
	return str;
}

static char *file_reader(char *str, int num, void *stream)
{
	struct parser *p = stream;

	return reader_common(p, str, num, fgets(str, num, p->f));
}

static char *string_reader(char *str, int num, void *stream)
{
	struct parser *p = stream;
	int n = 0;

	if (!*p->text)
		return NULL;
	while (n < num - 1 && p->text[n] && p->text[n] != '\n')
		n++;
	if (p->text[n] == '\n' && n < num - 1)
		n++;
	memcpy(str, p->text, (size_t)n);
	str[n] = '\0';
	p->text += n;
	return reader_common(p, str, num, str);
}

static bool parse_bool(const char *v, bool *out)
{
	static const char *yes[] = { "yes", "on", "true", "1" }, *no[] = { "no", "off", "false", "0" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return true;
		}
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return true;
		}
	}
	return false;
}

/* Split a white-space separated list in place; calls fn for each word. */
static void each_word(char *v, void (*fn)(struct parser *, const char *, void *), struct parser *p,
		      void *data)
{
	for (char *tok = strtok(v, " \t"); tok; tok = strtok(NULL, " \t"))
		fn(p, tok, data);
}

static void add_port(struct parser *p, const char *w, void *data)
{
	struct sw_conf_bridge *b = data;
	char (*v)[SW_IFNAMSIZ];

	if (!check_name(p, p->line, "port", w))
		return;
	for (size_t i = 0; i < b->nports; i++)
		if (!strcmp(b->ports[i], w)) {
			conf_error(p, p->line, "bridge %s: port %s is listed twice", b->name, w);
			return;
		}
	v = grow(b->ports, b->nports, sizeof(*v));
	if (!v) {
		conf_error(p, p->line, "out of memory");
		return;
	}
	b->ports = v;
	sw_strlcpy(v[b->nports++], w, SW_IFNAMSIZ);
}

static void add_claim_match(struct parser *p, const char *w, void *data)
{
	struct sw_conf *c = data;
	char **v = grow(c->claim_match, c->nclaim_match, sizeof(*v));

	if (!v || !(v[c->nclaim_match] = strdup(w))) {
		if (v)
			c->claim_match = v;
		conf_error(p, p->line, "out of memory");
		return;
	}
	c->claim_match = v;
	c->nclaim_match++;
}

static void add_guest(struct parser *p, const char *w, void *data)
{
	struct sw_conf_bridge *b = data;
	char **v = grow(b->guests, b->nguests, sizeof(*v));

	if (!v || !(v[b->nguests] = strdup(w))) {
		if (v)
			b->guests = v;
		conf_error(p, p->line, "out of memory");
		return;
	}
	b->guests = v;
	b->nguests++;
}

struct addr_words {
	struct sw_conf_bridge *b;
	bool keep, none, bad;
};

static void add_address(struct parser *p, const char *w, void *data)
{
	struct addr_words *aw = data;
	struct sw_conf_bridge *b = aw->b;
	struct sw_cidr c, *v;

	if (!strcmp(w, "keep")) {
		aw->keep = true;
		return;
	}
	if (!strcmp(w, "none")) {
		aw->none = true;
		return;
	}
	if (cidr_parse(w, &c) < 0) {
		aw->bad = true;
		conf_error(p, p->line, "bridge %s: \"%s\" is not an address (CIDR such as 198.18.0.2/24)",
			   b->name, w);
		return;
	}
	v = grow(b->addrs, b->naddrs, sizeof(*v));
	if (!v) {
		conf_error(p, p->line, "out of memory");
		return;
	}
	b->addrs = v;
	v[b->naddrs++] = c;
}

/* "500ms", "2s", "0": seconds in *out. */
static bool parse_duration(const char *v, double *out)
{
	char *end;
	double d = strtod(v, &end);

	if (end == v || d < 0 || d > 86400)
		return false;
	if (!strcmp(end, "ms"))
		d /= 1000;
	else if (strcmp(end, "s") && !(d == 0 && !*end))
		return false;
	*out = d;
	return true;
}

/* QEMU's announce-self schedule: 5 rounds at 0, 50, 200, 450, 800 ms */
static void set_default_announce(struct sw_conf_bridge *b)
{
	static const double at[] = { 0, 0.05, 0.2, 0.45, 0.8 };

	memcpy(b->announce, at, sizeof(at));
	b->nannounce = (int)ARRAY_SIZE(at);
}

/* announce = yes | no | T... (ms, or with a unit), ascending, at most 60 s */
static void parse_announce(struct parser *p, struct sw_conf_bridge *b, char *value)
{
	bool on;
	int n = 0;

	if (parse_bool(value, &on)) {
		if (on)
			set_default_announce(b);
		else
			b->nannounce = 0;
		return;
	}
	for (char *save = NULL, *w = strtok_r(value, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		char *end;
		double t = strtod(w, &end);

		if (end != w && !*end)
			t /= 1000; /* a bare number: milliseconds */
		else if (!parse_duration(w, &t))
			t = -1;
		if (t < 0 || t > 60) {
			conf_error(p, p->line,
				   "bridge %s: announce: \"%s\" is not a time after the swap (ms, 0-60s)",
				   b->name, w);
			return;
		}
		if (n == SW_ANNOUNCE_MAX) {
			conf_error(p, p->line, "bridge %s: announce: more than %d rounds", b->name,
				   SW_ANNOUNCE_MAX);
			return;
		}
		if (n && t < b->announce[n - 1]) {
			conf_error(p, p->line,
				   "bridge %s: announce: %s comes before the round ahead of it; list the "
				   "rounds in order",
				   b->name, w);
			return;
		}
		b->announce[n++] = t;
	}
	if (!n) {
		conf_error(p, p->line, "bridge %s: announce needs yes, no or times", b->name);
		return;
	}
	b->nannounce = n;
}

static void bridge_duration(struct parser *p, struct sw_conf_bridge *b, const char *key,
			    const char *value, double *out)
{
	if (!parse_duration(value, out))
		conf_error(p, p->line, "bridge %s: %s: \"%s\" is not a duration (500ms, 2s)",
			   b->name, key, value);
}

static bool key_once(struct parser *p, const char *key)
{
	for (int i = 0; i < p->nseen; i++)
		if (!strcmp(p->seen[i], key)) {
			conf_error(p, p->line, "\"%s\" is given twice in this section", key);
			return false;
		}
	if (p->nseen < (int)ARRAY_SIZE(p->seen))
		sw_strlcpy(p->seen[p->nseen++], key, sizeof(p->seen[0]));
	return true;
}

static void unknown_key(struct parser *p, const char *sec, const char *key)
{
	conf_error(p, p->line, "unknown key \"%s\" in [%s]", key, sec);
}

static const char *const sysctl_names[SK_NCONF] = {
	[SK_ARP_IGNORE] = "arp_ignore",	  [SK_ARP_ANNOUNCE] = "arp_announce",
	[SK_ARP_FILTER] = "arp_filter",	  [SK_RP_FILTER] = "rp_filter",
	[SK_PROXY_ARP] = "proxy_arp",
};

const char *conf_sysctl_name(enum sw_sysctl_key k)
{
	static const char *const derived[] = { "forwarding", "proxy_delay", "disable_ipv6" };

	if ((int)k < SK_NCONF)
		return sysctl_names[k];
	if (k < SK_NKEYS)
		return derived[k - SK_NCONF];
	return NULL;
}

static int sysctl_key(const char *key)
{
	for (int k = 0; k < SK_NCONF; k++)
		if (!strcmp(key, sysctl_names[k]))
			return k;
	return -1;
}

/* A value the kernel gives a meaning to (ip-sysctl.rst); yes/no for 1/0. */
static bool sysctl_value(int k, const char *v, int *out)
{
	static const int max[SK_NCONF] = { [SK_ARP_IGNORE] = 8, [SK_ARP_ANNOUNCE] = 2,
					   [SK_ARP_FILTER] = 1, [SK_RP_FILTER] = 2,
					   [SK_PROXY_ARP] = 1 };
	char *end;
	long n;
	bool b;

	if (max[k] == 1 && parse_bool(v, &b)) {
		*out = b;
		return true;
	}
	n = strtol(v, &end, 10);
	if (end == v || *end || n < 0 || n > max[k])
		return false;
	if (k == SK_ARP_IGNORE && n > 3 && n < 8)
		return false; /* 4-7 are reserved: the kernel treats them as 0 */
	*out = (int)n;
	return true;
}

static const char *const sysctl_help[SK_NCONF] = {
	[SK_ARP_IGNORE] = "0-3 or 8",
	[SK_ARP_ANNOUNCE] = "0-2",
	[SK_ARP_FILTER] = "0 or 1",
	[SK_RP_FILTER] = "0 (off), 1 (strict) or 2 (loose)",
	[SK_PROXY_ARP] = "0 or 1",
};

/* One sysctl key in [sysctl], [bridge] or [nic]: true if key was one. */
static bool handle_sysctl(struct parser *p, const char *what, const char *key, const char *value,
			  struct sw_sysctl_set *set)
{
	int k = sysctl_key(key), v;

	if (k < 0)
		return false;
	if (!sysctl_value(k, value, &v)) {
		conf_error(p, p->line, "%s: %s: \"%s\" is not a valid value (%s)", what, key, value,
			   sysctl_help[k]);
		return true;
	}
	set->v[k] = v;
	set->line[k] = p->line;
	return true;
}

static void handle_nic(struct parser *p, const char *key, char *value)
{
	struct sw_conf_nic *n = &p->conf->nics[p->index];
	char what[40];

	snprintf(what, sizeof(what), "nic %s", n->name);
	if (handle_sysctl(p, what, key, value, &n->sysctl)) {
		;
	} else if (!strcmp(key, "mac")) {
		n->mac_line = p->line; /* given, even if wrong: no "needs mac or name" too */
		if (mac_parse(value, n->mac) < 0) {
			conf_error(p, p->line, "nic %s: \"%s\" is not a MAC address (02:00:c6:12:00:10)",
				   n->name, value);
			return;
		}
		n->has_mac = true;
	} else if (!strcmp(key, "path")) {
		const char *dash = strchr(value, '-');

		n->path_line = p->line;
		/* BUS-DEVICE, as udev's ID_PATH: pci-0000:03:00.0 */
		if (!dash || dash == value || !dash[1] || strlen(value) >= sizeof(n->path) ||
		    strpbrk(value, " \t/")) {
			conf_error(p, p->line, "nic %s: \"%s\" is not a bus path (pci-0000:03:00.0)",
				   n->name, value);
			return;
		}
		sw_strlcpy(n->path, value, sizeof(n->path));
	} else if (!strcmp(key, "name")) {
		n->name_line = p->line;
		if (!check_name(p, p->line, "name", value))
			return;
		sw_strlcpy(n->match_name, value, SW_IFNAMSIZ);
	} else {
		unknown_key(p, "nic", key);
	}
}

static void add_proxy(struct parser *p, const char *w, void *data)
{
	struct sw_conf_bridge *b = data;
	struct in_addr ia;
	uint32_t *v;

	if (inet_pton(AF_INET, w, &ia) != 1) {
		conf_error(p, p->line,
			   "bridge %s: proxy_arp: \"%s\" is not an IPv4 address (198.18.7.10) "
			   "or 0/1",
			   b->name, w);
		return;
	}
	for (size_t i = 0; i < b->nproxy; i++)
		if (b->proxy[i] == ia.s_addr) {
			conf_error(p, p->line, "bridge %s: proxy_arp: %s is listed twice", b->name, w);
			return;
		}
	v = grow(b->proxy, b->nproxy, sizeof(*v));
	if (!v) {
		conf_error(p, p->line, "out of memory");
		return;
	}
	b->proxy = v;
	v[b->nproxy++] = ia.s_addr;
}

static void handle_bridge(struct parser *p, const char *key, char *value)
{
	struct sw_conf_bridge *b = &p->conf->bridges[p->index];
	char what[40];

	snprintf(what, sizeof(what), "bridge %s", b->name);
	if (!strcmp(key, "proxy_arp") && !strchr(value, '.')) {
		/* 0/1/yes/no: the route-based proxy_arp sysctl */
		handle_sysctl(p, what, key, value, &b->sysctl);
	} else if (!strcmp(key, "proxy_arp")) {
		b->proxy_line = p->line;
		each_word(value, add_proxy, p, b);
	} else if (handle_sysctl(p, what, key, value, &b->sysctl)) {
		;
	} else if (!strcmp(key, "spares")) {
		b->spares_any = !strcmp(value, "any");
		if (!b->spares_any && strcmp(value, "none"))
			conf_error(p, p->line, "bridge %s: spares: \"%s\" is not any or none", b->name,
				   value);
	} else if (!strcmp(key, "watch_arp")) {
		if (!parse_bool(value, &b->watch_arp))
			conf_error(p, p->line, "bridge %s: watch_arp: \"%s\" is not yes or no",
				   b->name, value);
	} else if (!strcmp(key, "watch_window")) {
		bridge_duration(p, b, key, value, &b->watch_window);
		if (b->watch_window == 0)
			conf_error(p, p->line, "bridge %s: watch_window must be more than 0",
				   b->name);
	} else if (!strcmp(key, "ports")) {
		b->ports_line = p->line;
		each_word(value, add_port, p, b);
	} else if (!strcmp(key, "address")) {
		struct addr_words aw = { b, false, false, false };

		b->address_line = p->line;
		b->has_address = true;
		each_word(value, add_address, p, &aw);
		if ((aw.keep || aw.none) && (b->naddrs || (aw.keep && aw.none)))
			conf_error(p, p->line,
				   "bridge %s: address = keep or none cannot be mixed with anything else",
				   b->name);
		else if (!aw.keep && !aw.none && !b->naddrs && !aw.bad)
			conf_error(p, p->line, "bridge %s: address needs keep, none or CIDRs", b->name);
		b->addr_mode = aw.keep ? SW_ADDR_KEEP : aw.none ? SW_ADDR_NONE : SW_ADDR_STATIC;
	} else if (!strcmp(key, "stp")) {
		if (!parse_bool(value, &b->stp))
			conf_error(p, p->line, "bridge %s: stp: \"%s\" is not yes or no", b->name, value);
	} else if (!strcmp(key, "guests")) {
		each_word(value, add_guest, p, b);
	} else if (!strcmp(key, "preempt")) {
		if (!parse_bool(value, &b->preempt))
			conf_error(p, p->line, "bridge %s: preempt: \"%s\" is not yes or no", b->name,
				   value);
	} else if (!strcmp(key, "updelay")) {
		bridge_duration(p, b, key, value, &b->updelay);
	} else if (!strcmp(key, "hold_down")) {
		bridge_duration(p, b, key, value, &b->hold_down);
	} else if (!strcmp(key, "flap_window")) {
		bridge_duration(p, b, key, value, &b->flap_window);
	} else if (!strcmp(key, "carrier_poll")) {
		bridge_duration(p, b, key, value, &b->carrier_poll);
	} else if (!strcmp(key, "announce")) {
		parse_announce(p, b, value);
	} else if (!strcmp(key, "replay")) {
		bool on;

		if (parse_bool(value, &on))
			b->replay = on ? 0.1 : 0;
		else if (!parse_duration(value, &b->replay) || b->replay > 1)
			conf_error(p, p->line,
				   "bridge %s: replay: \"%s\" is not yes, no or a duration up to 1s",
				   b->name, value);
	} else if (!strcmp(key, "flap_limit")) {
		char *end;
		long n = strtol(value, &end, 10);

		if (*end || n < 0 || n > 1000)
			conf_error(p, p->line, "bridge %s: flap_limit: \"%s\" is not a number 0-1000",
				   b->name, value);
		else
			b->flap_limit = (int)n;
	} else {
		unknown_key(p, "bridge", key);
	}
}

static void handle_tap(struct parser *p, const char *key, char *value)
{
	struct sw_conf_tap *t = &p->conf->taps[p->index];

	if (!strcmp(key, "bridge")) {
		if (check_name(p, p->line, "bridge", value))
			sw_strlcpy(t->bridge, value, SW_IFNAMSIZ);
		t->bridge_line = p->line;
	} else if (!strcmp(key, "owner") || !strcmp(key, "group")) {
		bool owner = key[0] == 'o';
		char *end;
		unsigned long id = strtoul(value, &end, 10);

		if (strlen(value) >= sizeof(t->owner)) {
			conf_error(p, p->line, "tap %s: %s \"%s\" is too long", t->name, key, value);
			return;
		}
		if (owner) {
			struct passwd *pw = getpwnam(value);

			if (!pw && (*end || !*value)) {
				conf_error(p, p->line, "tap %s: owner %s: no such user", t->name, value);
				return;
			}
			t->uid = pw ? pw->pw_uid : (uid_t)id;
			t->has_owner = true;
			sw_strlcpy(t->owner, value, sizeof(t->owner));
			t->owner_line = p->line;
		} else {
			struct group *gr = getgrnam(value);

			if (!gr && (*end || !*value)) {
				conf_error(p, p->line, "tap %s: group %s: no such group", t->name, value);
				return;
			}
			t->gid = gr ? gr->gr_gid : (gid_t)id;
			t->has_group = true;
			sw_strlcpy(t->group, value, sizeof(t->group));
			t->group_line = p->line;
		}
	} else {
		unknown_key(p, "tap", key);
	}
}

static void handle_vip(struct parser *p, const char *key, char *value)
{
	struct sw_conf_vip *v = &p->conf->vips[p->index];

	if (!strcmp(key, "mode")) {
		v->mode_line = p->line;
		if (!strcmp(value, "dr"))
			v->mode = SW_VIP_DR;
		else if (!strcmp(value, "tun"))
			v->mode = SW_VIP_TUN;
		else
			conf_error(p, p->line, "vip %s: mode: \"%s\" is not dr or tun", v->text,
				   value);
	} else if (!strcmp(key, "device")) {
		if (check_name(p, p->line, "device", value))
			sw_strlcpy(v->device, value, sizeof(v->device));
	} else {
		unknown_key(p, "vip", key);
	}
}

static int conf_handler(void *user, const char *section, const char *key, const char *cvalue)
{
	struct parser *p = user;
	char value[4096];

	(void)section;
	sw_strlcpy(value, cvalue, sizeof(value));
	switch (p->sec) {
	case SEC_NONE:
		conf_error(p, p->line, "\"%s\" is outside any section", key);
		return 1;
	case SEC_BAD:
		return 1; /* the section was reported already */
	default:
		break;
	}
	if (!key_once(p, key))
		return 1;
	if (!*value) {
		conf_error(p, p->line, "\"%s\" has no value", key);
		return 1;
	}
	switch (p->sec) {
	case SEC_SWITCHD:
		if (!strcmp(key, "socket")) {
			if (value[0] != '/' || strlen(value) >= sizeof(p->conf->socket_path))
				conf_error(p, p->line,
					   "socket \"%s\": needs an absolute path shorter than %zu bytes",
					   value, sizeof(p->conf->socket_path));
			else
				sw_strlcpy(p->conf->socket_path, value, sizeof(p->conf->socket_path));
			p->socket_line = p->line;
		} else if (!strcmp(key, "claim")) {
			p->conf->claim_line = p->line;
			if (!parse_bool(value, &p->conf->claim))
				conf_error(p, p->line, "claim: \"%s\" is not yes or no", value);
		} else if (!strcmp(key, "claim_delay")) {
			if (!parse_duration(value, &p->conf->claim_delay))
				conf_error(p, p->line, "claim_delay: \"%s\" is not a duration (500ms, 2s)",
					   value);
		} else if (!strcmp(key, "claim_match")) {
			each_word(value, add_claim_match, p, p->conf);
		} else if (!strcmp(key, "boot_wait")) {
			if (!parse_duration(value, &p->conf->boot_wait))
				conf_error(p, p->line, "boot_wait: \"%s\" is not a duration (500ms, 30s)",
					   value);
		} else {
			unknown_key(p, "switchd", key);
		}
		break;
	case SEC_NIC:
		handle_nic(p, key, value);
		break;
	case SEC_BRIDGE:
		handle_bridge(p, key, value);
		break;
	case SEC_TAP:
		handle_tap(p, key, value);
		break;
	case SEC_SYSCTL:
		if (!handle_sysctl(p, "sysctl", key, value, &p->conf->sysctl))
			conf_error(p, p->line,
				   "unknown key \"%s\" in [sysctl] (arp_ignore, arp_announce, "
				   "arp_filter, rp_filter, proxy_arp)",
				   key);
		break;
	case SEC_VIP:
		handle_vip(p, key, value);
		break;
	default:
		break;
	}
	return 1;
}

/* ---- checks across sections -------------------------------------------- */

static void validate(struct parser *p)
{
	struct sw_conf *c = p->conf;

	for (size_t i = 0; i < c->nnics; i++) {
		struct sw_conf_nic *n = &c->nics[i];

		if (!!n->mac_line + !!n->name_line + !!n->path_line != 1)
			conf_error(p, n->line, "nic %s: needs exactly one of mac =, path = or name =",
				   n->name);
		for (size_t j = 0; j < i; j++) {
			if (n->has_mac && c->nics[j].has_mac && !memcmp(n->mac, c->nics[j].mac, 6))
				conf_error(p, n->mac_line, "nic %s: same MAC as nic %s (line %d)",
					   n->name, c->nics[j].name, c->nics[j].line);
			if (n->path[0] && !strcmp(n->path, c->nics[j].path))
				conf_error(p, n->path_line, "nic %s: same path as nic %s (line %d)",
					   n->name, c->nics[j].name, c->nics[j].line);
			if (n->match_name[0] && !strcmp(n->match_name, c->nics[j].match_name))
				conf_error(p, n->name_line, "nic %s: same name = as nic %s (line %d)",
					   n->name, c->nics[j].name, c->nics[j].line);
		}
	}
	for (size_t i = 0; i < c->nbridges; i++) {
		struct sw_conf_bridge *b = &c->bridges[i];

		if (conf_find_nic(c, b->name))
			conf_error(p, b->line, "bridge %s: a [nic] has the same name", b->name);
		for (size_t k = 0; k < b->nports; k++) {
			if (!conf_find_nic(c, b->ports[k])) {
				conf_error(p, b->ports_line, "bridge %s: port %s is not a [nic]", b->name,
					   b->ports[k]);
				continue;
			}
			for (size_t j = 0; j < i; j++)
				for (size_t m = 0; m < c->bridges[j].nports; m++)
					if (!strcmp(c->bridges[j].ports[m], b->ports[k]))
						conf_error(p, b->ports_line,
							   "bridge %s: nic %s is already a port of bridge %s",
							   b->name, b->ports[k], c->bridges[j].name);
		}
		if (!b->has_address)
			b->addr_mode = b->nports ? SW_ADDR_KEEP : SW_ADDR_NONE;
		else if (b->addr_mode == SW_ADDR_KEEP && !b->nports)
			conf_error(p, b->address_line,
				   "bridge %s: address = keep needs ports to take the addresses from",
				   b->name);
	}
	for (size_t i = 0; i < c->ntaps; i++) {
		struct sw_conf_tap *t = &c->taps[i];

		if (conf_find_nic(c, t->name) || conf_find_bridge(c, t->name))
			conf_error(p, t->line, "tap %s: a [nic] or [bridge] has the same name", t->name);
		if (!t->bridge[0])
			conf_error(p, t->line, "tap %s: needs bridge =", t->name);
		else if (!conf_find_bridge(c, t->bridge))
			conf_error(p, t->bridge_line, "tap %s: bridge %s is not a [bridge]", t->name,
				   t->bridge);
	}
}

static const char *const sysctl_rule[SK_NCONF] = {
	[SK_ARP_IGNORE] = "max", [SK_ARP_ANNOUNCE] = "max", [SK_ARP_FILTER] = "or",
	[SK_RP_FILTER] = "max",	 [SK_PROXY_ARP] = "or",
};

/* A per-device value that [sysctl] (conf/all) overrides cannot take effect. */
static void check_device_sysctl(struct parser *p, const char *what, const char *dev,
				const struct sw_sysctl_set *set)
{
	const struct sw_sysctl_set *g = &p->conf->sysctl;

	for (int k = 0; k < SK_NCONF; k++) {
		if (set->v[k] < 0 || g->v[k] < 0 || g->v[k] <= set->v[k])
			continue;
		conf_error(p, set->line[k],
			   "%s: %s = %d cannot take effect: [sysctl] %s = %d (line %d) and the "
			   "kernel uses %s(all, %s) = %d; lower it in [sysctl]",
			   what, sysctl_names[k], set->v[k], sysctl_names[k], g->v[k], g->line[k],
			   sysctl_rule[k], dev, g->v[k]);
	}
}

/* What an address-less ARP-proxy bridge needs (kernel-reference 1.6). */
static void check_proxy_bridge(struct parser *p, const struct sw_conf_bridge *b)
{
	static const int keys[] = { SK_RP_FILTER, SK_ARP_IGNORE };
	static const char *const why[] = {
		"requests from a bridge without an address pass reverse-path filtering only with "
		"rp_filter 0",
		"with arp_ignore above 0 it does not answer for this host's own addresses",
	};
	const struct sw_sysctl_set *g = &p->conf->sysctl;

	if (b->addr_mode != SW_ADDR_NONE || !b->nproxy)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		int k = keys[i];

		if (b->sysctl.v[k] > 0)
			conf_error(p, b->sysctl.line[k],
				   "bridge %s: %s = %d: it is an address-less ARP proxy, and %s",
				   b->name, sysctl_names[k], b->sysctl.v[k], why[i]);
		else if (g->v[k] > 0)
			conf_error(p, g->line[k],
				   "[sysctl] %s = %d: bridge %s is an address-less ARP proxy, and %s; "
				   "the kernel uses max(all, %s), so all must be 0",
				   sysctl_names[k], g->v[k], b->name, why[i], b->name);
	}
}

/* A DR/TUN VIP must stay hidden from ARP on every device with addresses. */
static void check_vip_hidden(struct parser *p, const char *what, const struct sw_sysctl_set *set)
{
	const struct sw_conf_vip *v = p->conf->vips;

	if (!p->conf->nvips)
		return;
	if (set->v[SK_ARP_IGNORE] == 0 || set->v[SK_ARP_IGNORE] == 3)
		conf_error(p, set->line[SK_ARP_IGNORE],
			   "%s: arp_ignore = %d makes the host answer ARP for vip %s (line %d); "
			   "use 1 or 2",
			   what, set->v[SK_ARP_IGNORE], v->text, v->line);
	if (set->v[SK_ARP_ANNOUNCE] >= 0 && set->v[SK_ARP_ANNOUNCE] < 2)
		conf_error(p, set->line[SK_ARP_ANNOUNCE],
			   "%s: arp_announce = %d lets the host use vip %s (line %d) as the source "
			   "of its ARP requests; use 2",
			   what, set->v[SK_ARP_ANNOUNCE], v->text, v->line);
}

static void validate_claim(struct parser *p)
{
	struct sw_conf *c = p->conf;
	bool any = false;

	for (size_t i = 0; i < c->nbridges; i++)
		any |= c->bridges[i].spares_any;
	if (c->claim && !any)
		conf_error(p, c->claim_line,
			   "claim = yes needs a [bridge] with spares = any to put claimed NICs in");
	if (c->nclaim_match && !c->claim)
		conf_error(p, c->claim_line, "claim_match without claim = yes does nothing");
}

static void validate_policy(struct parser *p)
{
	struct sw_conf *c = p->conf;
	char what[40];

	for (size_t i = 0; i < c->nbridges; i++) {
		struct sw_conf_bridge *b = &c->bridges[i];

		snprintf(what, sizeof(what), "bridge %s", b->name);
		check_device_sysctl(p, what, b->name, &b->sysctl);
		check_proxy_bridge(p, b);
		if (b->addr_mode != SW_ADDR_NONE)
			check_vip_hidden(p, what, &b->sysctl);
	}
	for (size_t i = 0; i < c->nnics; i++) {
		struct sw_conf_nic *n = &c->nics[i];

		snprintf(what, sizeof(what), "nic %s", n->name);
		check_device_sysctl(p, what, n->name, &n->sysctl);
		if (!conf_bridge_of_port(c, n->name))
			check_vip_hidden(p, what, &n->sysctl);
	}
	for (size_t i = 0; i < c->nvips; i++) {
		struct sw_conf_vip *v = &c->vips[i];

		if (!v->device[0])
			sw_strlcpy(v->device, v->mode == SW_VIP_DR ? "lo" : "tunl0",
				   sizeof(v->device));
		if (conf_find_bridge(c, v->device))
			conf_error(p, v->line,
				   "vip %s: device %s is a [bridge]: a VIP lives on lo (dr) or a "
				   "tunnel (tun), hidden from ARP",
				   v->text, v->device);
	}
}

static void parser_settings(void)
{
	/* Debian's libinih exposes its build options as globals: '#' and ';'
	 * start comments, no multi-line values (a continuation line would hide
	 * an error), lines up to 4 KiB on the heap. */
	static char inline_prefixes[] = "#;";
	static char start_prefixes[] = "#;";

	ini_inline_comment_prefixes = inline_prefixes;
	ini_start_comment_prefixes = start_prefixes;
	ini_allow_inline_comments = true;
	ini_allow_multiline = false;
	ini_use_stack = false;
	ini_allow_realloc = false;
	ini_max_line = 4096;
	ini_stop_on_first_error = false;
}

static int parse(struct parser *p, ini_reader reader)
{
	struct sw_conf *c = p->conf;

	memset(c, 0, sizeof(*c));
	sysctl_unset(&c->sysctl);
	c->claim_delay = 2;
	sw_strlcpy(c->socket_path, SW_DEFAULT_SOCKET, sizeof(c->socket_path));
	parser_settings();
	if (ini_parse_stream(reader, p, conf_handler, p) == -2)
		conf_error(p, 0, "out of memory");
	validate(p);
	validate_policy(p);
	validate_claim(p);
	if (p->errors)
		conf_free(c);
	return p->errors;
}

int conf_load(const char *path, struct sw_conf *conf, conf_error_fn errfn, void *arg)
{
	struct parser p = { .file = path, .conf = conf, .errfn = errfn, .arg = arg };
	int ret;

	memset(conf, 0, sizeof(*conf));
	p.f = fopen(path, "r");
	if (!p.f) {
		ret = -errno;
		if (errfn) {
			char msg[256];

			snprintf(msg, sizeof(msg), "cannot read: %s", strerror(errno));
			errfn(arg, path, 0, msg);
		}
		return ret;
	}
	ret = parse(&p, file_reader);
	fclose(p.f);
	return ret;
}

int conf_load_string(const char *text, const char *name, struct sw_conf *conf,
		     conf_error_fn errfn, void *arg)
{
	struct parser p = { .file = name, .conf = conf, .errfn = errfn, .arg = arg, .text = text };

	return parse(&p, string_reader);
}

void conf_free(struct sw_conf *c)
{
	for (size_t i = 0; i < c->nbridges; i++) {
		free(c->bridges[i].ports);
		free(c->bridges[i].addrs);
		for (size_t k = 0; k < c->bridges[i].nguests; k++)
			free(c->bridges[i].guests[k]);
		free(c->bridges[i].guests);
		free(c->bridges[i].proxy);
	}
	free(c->vips);
	for (size_t i = 0; i < c->nclaim_match; i++)
		free(c->claim_match[i]);
	free(c->claim_match);
	free(c->nics);
	free(c->bridges);
	free(c->taps);
	memset(c, 0, sizeof(*c));
}

static void print_sysctl(FILE *f, const struct sw_sysctl_set *set)
{
	for (int k = 0; k < SK_NCONF; k++)
		if (set->v[k] >= 0)
			fprintf(f, "%s = %d\n", sysctl_names[k], set->v[k]);
}

void conf_print(FILE *f, const struct sw_conf *c)
{
	char buf[80];
	bool any = false;

	fprintf(f, "[switchd]\nsocket = %s\n", c->socket_path);
	if (c->boot_wait > 0)
		fprintf(f, "boot_wait = %gms\n", c->boot_wait * 1000);
	if (c->claim) {
		fprintf(f, "claim = yes\nclaim_delay = %gms\n", c->claim_delay * 1000);
		if (c->nclaim_match) {
			fprintf(f, "claim_match =");
			for (size_t i = 0; i < c->nclaim_match; i++)
				fprintf(f, " %s", c->claim_match[i]);
			fputc('\n', f);
		}
	}
	for (int k = 0; k < SK_NCONF; k++)
		any |= c->sysctl.v[k] >= 0;
	if (any) {
		fprintf(f, "\n[sysctl]\n");
		print_sysctl(f, &c->sysctl);
	}
	for (size_t i = 0; i < c->nvips; i++)
		fprintf(f, "\n[vip %s]\nmode = %s\ndevice = %s\n", c->vips[i].text,
			c->vips[i].mode == SW_VIP_DR ? "dr" : "tun", c->vips[i].device);
	for (size_t i = 0; i < c->nnics; i++) {
		const struct sw_conf_nic *n = &c->nics[i];

		if (n->claimed)
			continue; /* not part of the file */
		fprintf(f, "\n[nic %s]\n", n->name);
		if (n->has_mac)
			fprintf(f, "mac = %s\n", mac_format(n->mac, buf));
		else if (n->path[0])
			fprintf(f, "path = %s\n", n->path);
		else
			fprintf(f, "name = %s\n", n->match_name);
		print_sysctl(f, &n->sysctl);
	}
	for (size_t i = 0; i < c->nbridges; i++) {
		const struct sw_conf_bridge *b = &c->bridges[i];

		fprintf(f, "\n[bridge %s]\n", b->name);
		size_t listed = 0;

		for (size_t k = 0; k < b->nports; k++)
			listed += !conf_find_nic(c, b->ports[k]) || !conf_find_nic(c, b->ports[k])->claimed;
		if (listed) {
			fprintf(f, "ports =");
			for (size_t k = 0; k < b->nports; k++)
				if (!conf_find_nic(c, b->ports[k]) || !conf_find_nic(c, b->ports[k])->claimed)
					fprintf(f, " %s", b->ports[k]);
			fputc('\n', f);
		}
		if (b->spares_any)
			fprintf(f, "spares = any\n");
		if (b->addr_mode == SW_ADDR_STATIC) {
			fprintf(f, "address =");
			for (size_t k = 0; k < b->naddrs; k++)
				fprintf(f, " %s", cidr_format(&b->addrs[k], buf, sizeof(buf)));
			fputc('\n', f);
		} else {
			fprintf(f, "address = %s\n", b->addr_mode == SW_ADDR_KEEP ? "keep" : "none");
		}
		fprintf(f, "stp = %s\n", b->stp ? "on" : "off");
		if (b->nports)
			fprintf(f,
				"preempt = %s\nupdelay = %gms\nhold_down = %gms\nflap_limit = %d\n"
				"flap_window = %gms\ncarrier_poll = %gms\n",
				b->preempt ? "yes" : "no", b->updelay * 1000, b->hold_down * 1000,
				b->flap_limit, b->flap_window * 1000, b->carrier_poll * 1000);
		if (b->nports && b->nannounce) {
			fprintf(f, "announce =");
			for (int k = 0; k < b->nannounce; k++)
				fprintf(f, " %gms", b->announce[k] * 1000);
			fputc('\n', f);
		} else if (b->nports) {
			fprintf(f, "announce = no\n");
		}
		if (b->nports && b->replay > 0)
			fprintf(f, "replay = %gms\n", b->replay * 1000);
		else if (b->nports)
			fprintf(f, "replay = no\n");
		if (b->nguests) {
			fprintf(f, "guests =");
			for (size_t k = 0; k < b->nguests; k++)
				fprintf(f, " %s", b->guests[k]);
			fputc('\n', f);
		}
		print_sysctl(f, &b->sysctl);
		if (b->nproxy) {
			fprintf(f, "proxy_arp =");
			for (size_t k = 0; k < b->nproxy; k++)
				fprintf(f, " %s", inet_ntop(AF_INET, &b->proxy[k], buf, sizeof(buf)));
			fputc('\n', f);
		}
		if (b->watch_arp)
			fprintf(f, "watch_arp = yes\nwatch_window = %gms\n", b->watch_window * 1000);
	}
	for (size_t i = 0; i < c->ntaps; i++) {
		const struct sw_conf_tap *t = &c->taps[i];

		fprintf(f, "\n[tap %s]\nbridge = %s\n", t->name, t->bridge);
		if (t->has_owner)
			fprintf(f, "owner = %s\n", t->owner);
		if (t->has_group)
			fprintf(f, "group = %s\n", t->group);
	}
}

const struct sw_conf_nic *conf_find_nic(const struct sw_conf *c, const char *name)
{
	for (size_t i = 0; i < c->nnics; i++)
		if (!strcmp(c->nics[i].name, name))
			return &c->nics[i];
	return NULL;
}

const struct sw_conf_bridge *conf_find_bridge(const struct sw_conf *c, const char *name)
{
	for (size_t i = 0; i < c->nbridges; i++)
		if (!strcmp(c->bridges[i].name, name))
			return &c->bridges[i];
	return NULL;
}

const struct sw_conf_tap *conf_find_tap(const struct sw_conf *c, const char *name)
{
	for (size_t i = 0; i < c->ntaps; i++)
		if (!strcmp(c->taps[i].name, name))
			return &c->taps[i];
	return NULL;
}

int conf_add_claimed(struct sw_conf *c, const char *bridge, const char *name,
		     const uint8_t mac[6])
{
	struct sw_conf_bridge *b = NULL;
	struct sw_conf_nic *v;
	char (*ports)[SW_IFNAMSIZ];

	for (size_t i = 0; i < c->nbridges; i++)
		if (!strcmp(c->bridges[i].name, bridge))
			b = &c->bridges[i];
	if (!b)
		return -ENOENT;
	v = grow(c->nics, c->nnics, sizeof(*v));
	if (!v)
		return -ENOMEM;
	c->nics = v;
	ports = grow(b->ports, b->nports, sizeof(*ports));
	if (!ports)
		return -ENOMEM;
	b->ports = ports;
	v = &c->nics[c->nnics++];
	memset(v, 0, sizeof(*v));
	sw_strlcpy(v->name, name, SW_IFNAMSIZ);
	memcpy(v->mac, mac, 6);
	v->has_mac = true;
	v->claimed = true;
	sysctl_unset(&v->sysctl);
	sw_strlcpy(b->ports[b->nports++], name, SW_IFNAMSIZ);
	return 0;
}

const struct sw_sysctl_set *conf_sysctl_of(const struct sw_conf *c, const char *dev)
{
	const struct sw_conf_bridge *b = conf_find_bridge(c, dev);
	const struct sw_conf_nic *n = conf_find_nic(c, dev);

	return b ? &b->sysctl : n ? &n->sysctl : NULL;
}

const struct sw_conf_bridge *conf_bridge_of_port(const struct sw_conf *c, const char *nic)
{
	for (size_t i = 0; i < c->nbridges; i++)
		for (size_t k = 0; k < c->bridges[i].nports; k++)
			if (!strcmp(c->bridges[i].ports[k], nic))
				return &c->bridges[i];
	return NULL;
}

const struct sw_conf_bridge *conf_bridge_of_guest(const struct sw_conf *c, const char *ifname)
{
	for (size_t i = 0; i < c->nbridges; i++)
		for (size_t k = 0; k < c->bridges[i].nguests; k++)
			if (fnmatch(c->bridges[i].guests[k], ifname, 0) == 0)
				return &c->bridges[i];
	return NULL;
}
