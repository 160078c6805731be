/*
 * switchd.conf -> struct sw_conf.
 *
 * The tokenizing (comments, white space, key = value) is Debian's libinih. In
 * Debian's build the handler gets no line number and no call for a section
 * header, so parsing goes through ini_parse_stream() with our own reader: it
 * counts lines (the handler runs right after its line was read, so the count
 * is the key's line) and sees section headers itself, which is how empty and
 * duplicate sections and lines inih would reject are reported with their
 * line. The file is read whole first (bounded: SW_CONF_MAX_SIZE), so a read
 * error is an error and not an early end of file. Everything is checked after
 * the files are read, so one run reports every error.
 *
 * Each section's keys are one table (key, type, field, default, help): the
 * parser, the defaults, conf_print, conf_equal and the check of the manual
 * all walk the same rows.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <grp.h>
#include <ini.h>
#include <math.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <switchd/proto.h>

#include "conf.h"

enum section_type { SEC_NONE, SEC_SWITCHD, SEC_NIC, SEC_BRIDGE, SEC_TAP, SEC_SYSCTL, SEC_VIP, SEC_BAD };

/* A location: the file's index in conf->files, and the line in it. */
#define LOC_FILE_SHIFT 21 /* SW_CONF_MAX_SIZE bytes have at most 2^20 + 1 lines */
#define LOC(file, line) ((int)((file) << LOC_FILE_SHIFT) | (line))
#define CONF_MAX_FILES 256 /* the main file and its drop-ins */

struct opened {
	enum section_type sec;
	size_t index;
	int loc;
};

struct parser {
	struct sw_conf *conf;
	conf_error_fn errfn;
	void *arg;
	int errors;
	int line; /* a location: LOC(file, line) */
	size_t file;
	enum section_type sec;
	size_t index;	/* of the current nic/bridge/tap/vip */
	char what[48];	/* "bridge eth0: ", the prefix of the section's messages */
	/* the reader's source: the text of one file */
	const char *pos, *end;
	/* sections opened in the current file (twice in one file is an error;
	 * in a later file, one is opened again and its keys override) */
	struct opened *opened;
	size_t nopened;
	/* keys seen in the current section (duplicates are errors) */
	char seen[32][32];
	int nseen;
	/* nics, bridges and taps by name: a config of thousands of [tap]s
	 * would otherwise compare every new section with all the others */
	struct section_slot {
		char name[SW_IFNAMSIZ];
		int sec;	/* section_type + 1; 0: empty */
		size_t index;
	} *names;
	size_t names_cap, names_used;
	/* the last owner and group resolved: thousands of [tap]s with the same
	 * owner = read /etc/passwd once, not once a tap */
	struct id_cache {
		char name[32];
		unsigned int id;
		bool valid;
	} owner_cache, group_cache;
};

const char *conf_file(const struct sw_conf *c, int loc)
{
	size_t i = (size_t)loc >> LOC_FILE_SHIFT;

	return i < c->nfiles ? c->files[i] : NULL;
}

static void conf_error(struct parser *p, int loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void conf_error(struct parser *p, int loc, const char *fmt, ...)
{
	const char *file = conf_file(p->conf, loc);
	char msg[512];
	va_list ap;

	p->errors++;
	if (!p->errfn || p->errors > SW_CONF_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->errfn(p->arg, file ? file : "?", conf_line(loc), msg);
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

/* ---- value syntax ----------------------------------------------------- */

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

/* A decimal number: strtod(3) also takes "nan", "inf", signs and hex, none
 * of which is a time ("nanms" once stopped the carrier poll for good). */
static bool parse_number(const char *v, double *out, char **end)
{
	if (!((*v >= '0' && *v <= '9') || *v == '.'))
		return false;
	*out = strtod(v, end);
	return *end != v && isfinite(*out);
}

/* "500ms", "2s", "0": seconds in *out. */
static bool parse_duration(const char *v, double *out)
{
	char *end;
	double d;

	if (!parse_number(v, &d, &end) || d > 86400)
		return false;
	if (!strcmp(end, "ms"))
		d /= 1000;
	else if (strcmp(end, "s") && !(d == 0 && !*end))
		return false;
	*out = d;
	return true;
}

/* The shortest text that reads back as exactly d seconds: in ms where that
 * is exact (as the manual writes them), else in s. */
static const char *format_duration(double d, char buf[40])
{
	for (int prec = 6; prec <= 17; prec++) {
		snprintf(buf, 40, "%.*gms", prec, d * 1000);
		if (strtod(buf, NULL) / 1000 == d)
			return buf;
	}
	for (int prec = 6; prec <= 17; prec++) {
		snprintf(buf, 40, "%.*gs", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	return buf;
}

/* A uid/gid written as a number: digits only, at most 4294967294. */
static int parse_id(const char *v, unsigned long long *out)
{
	unsigned long long n = 0;

	if (!*v)
		return -EINVAL;
	for (const char *c = v; *c; c++) {
		if (*c < '0' || *c > '9')
			return -EINVAL;
		n = n * 10 + (unsigned long long)(*c - '0');
		if (n >= 0xffffffffULL)
			return -ERANGE;
	}
	*out = n;
	return 0;
}

/* All digits: a number, never looked up (no NSS module is loaded for it, and
 * a user or group called by digits alone is refused by useradd anyway);
 * anything else: a name. */
int conf_resolve_owner(const char *owner, uid_t *uid, char *err, size_t errlen)
{
	struct passwd *pw;
	unsigned long long id;
	int ret;

	ret = parse_id(owner, &id);
	if (ret == -ERANGE) {
		snprintf(err, errlen, "owner %s: uid out of range (0-4294967294)", owner);
		return -ERANGE;
	}
	if (ret == 0) {
		*uid = (uid_t)id;
		return 0;
	}
	pw = *owner ? getpwnam(owner) : NULL;
	if (!pw) {
		snprintf(err, errlen, "owner %s: no such user", owner);
		return -ENOENT;
	}
	*uid = pw->pw_uid;
	return 0;
}

int conf_resolve_group(const char *group, gid_t *gid, char *err, size_t errlen)
{
	struct group *gr;
	unsigned long long id;
	int ret;

	ret = parse_id(group, &id);
	if (ret == -ERANGE) {
		snprintf(err, errlen, "group %s: gid out of range (0-4294967294)", group);
		return -ERANGE;
	}
	if (ret == 0) {
		*gid = (gid_t)id;
		return 0;
	}
	gr = *group ? getgrnam(group) : NULL;
	if (!gr) {
		snprintf(err, errlen, "group %s: no such group", group);
		return -ENOENT;
	}
	*gid = gr->gr_gid;
	return 0;
}

/* ---- key types -------------------------------------------------------- */

struct conf_key;

/* parse: value (trimmed, not empty) into the field, errors with p->line.
 * print: "key = value\n", or nothing when the value is not printed.
 * equal: the fields of a and b configure the same.
 * reset: back to zero/unset, freeing what parse allocated. */
struct key_type {
	void (*parse)(struct parser *p, const struct conf_key *k, void *obj, char *value);
	void (*print)(FILE *f, const struct sw_conf *c, const struct conf_key *k, const void *obj);
	bool (*equal)(const struct conf_key *k, const void *a, const void *b);
	void (*reset)(const struct conf_key *k, void *obj);
};

struct conf_key {
	const char *key;
	const struct key_type *type;
	size_t off;	/* the field in the section's struct */
	size_t off2;	/* a list's count; a sysctl set's key */
	long line_off;	/* an int field set to where the key is, or -1 */
	int arg;	/* the type's: a maximum, a style */
	const char *def; /* the default in config syntax; NULL: zero / unset / computed */
	/* printed only if this says so (NULL: always) */
	bool (*shown)(const struct sw_conf *c, const void *obj);
	const char *help;
};

#define FIELD(obj, k, T) ((T *)(void *)((char *)(obj) + (k)->off))
#define CFIELD(obj, k, T) ((const T *)(const void *)((const char *)(obj) + (k)->off))
#define COUNT(obj, k) ((size_t *)(void *)((char *)(obj) + (k)->off2))
#define CCOUNT(obj, k) ((const size_t *)(const void *)((const char *)(obj) + (k)->off2))

/* bool; arg: 1 prints on/off, else yes/no */
static void bool_parse(struct parser *p, const struct conf_key *k, void *obj, char *value)
{
	if (!parse_bool(value, FIELD(obj, k, bool)))
		conf_error(p, p->line, "%s%s: \"%s\" is not yes or no", p->what, k->key, value);
}

static void bool_print(FILE *f, const struct sw_conf *c, const struct conf_key *k, const void *obj)
{
	bool v = *CFIELD(obj, k, bool);

	(void)c;
	fprintf(f, "%s = %s\n", k->key, k->arg == 1 ? (v ? "on" : "off") : (v ? "yes" : "no"));
}

static bool bool_equal(const struct conf_key *k, const void *a, const void *b)
{
	return *CFIELD(a, k, bool) == *CFIELD(b, k, bool);
}

static void bool_reset(const struct conf_key *k, void *obj)
{
	*FIELD(obj, k, bool) = false;
}

static const struct key_type t_bool = { bool_parse, bool_print, bool_equal, bool_reset };

/* double seconds; arg: 1 = must be more than 0 */
static void duration_parse(struct parser *p, const struct conf_key *k, void *obj, char *value)
{
	double *d = FIELD(obj, k, double);

	if (!parse_duration(value, d))
		conf_error(p, p->line, "%s%s: \"%s\" is not a duration (500ms, 2s)", p->what,
			   k->key, value);
	else if (k->arg == 1 && *d == 0)
		conf_error(p, p->line, "%s%s must be more than 0", p->what, k->key);
}

static void duration_print(FILE *f, const struct sw_conf *c, const struct conf_key *k,
			   const void *obj)
{
	char buf[40];

	(void)c;
	fprintf(f, "%s = %s\n", k->key, format_duration(*CFIELD(obj, k, double), buf));
}

static bool double_equal(const struct conf_key *k, const void *a, const void *b)
{
	return *CFIELD(a, k, double) == *CFIELD(b, k, double);
}

static void double_reset(const struct conf_key *k, void *obj)
{
	*FIELD(obj, k, double) = 0;
}

static const struct key_type t_duration = { duration_parse, duration_print, double_equal,
					    double_reset };

/* int 0..arg */
static void int_parse(struct parser *p, const struct conf_key *k, void *obj, char *value)
{
	char *end;
	long n = strtol(value, &end, 10);

	if (end == value || *end || n < 0 || n > k->arg)
		conf_error(p, p->line, "%s%s: \"%s\" is not a number 0-%d", p->what, k->key, value,
			   k->arg);
	else
		*FIELD(obj, k, int) = (int)n;
}

static void int_print(FILE *f, const struct sw_conf *c, const struct conf_key *k, const void *obj)
{
	(void)c;
	fprintf(f, "%s = %d\n", k->key, *CFIELD(obj, k, int));
}

static bool int_equal(const struct conf_key *k, const void *a, const void *b)
{
	return *CFIELD(a, k, int) == *CFIELD(b, k, int);
}

static void int_reset(const struct conf_key *k, void *obj)
{
	*FIELD(obj, k, int) = 0;
}

static const struct key_type t_int = { int_parse, int_print, int_equal, int_reset };

/* a char[arg] string; printed when not empty */
static void string_print(FILE *f, const struct sw_conf *c, const struct conf_key *k,
			 const void *obj)
{
	const char *s = CFIELD(obj, k, char);

	(void)c;
	if (*s)
		fprintf(f, "%s = %s\n", k->key, s);
}

static bool string_equal(const struct conf_key *k, const void *a, const void *b)
{
	return !strcmp(CFIELD(a, k, char), CFIELD(b, k, char));
}

static void string_reset(const struct conf_key *k, void *obj)
{
	FIELD(obj, k, char)[0] = '\0';
}

/* an interface name (char[SW_IFNAMSIZ]) */
static void ifname_parse(struct parser *p, const struct conf_key *k, void *obj, char *value)
{
	if (check_name(p, p->line, k->key, value))
		sw_strlcpy(FIELD(obj, k, char), value, SW_IFNAMSIZ);
}

static const struct key_type t_ifname = { ifname_parse, string_print, string_equal, string_reset };

/* a list of words: char ** at off, its count at off2 */
static void words_parse(struct parser *p, const struct conf_key *k, void *obj, char *value)
{
	char ***list = FIELD(obj, k, char **);
	size_t *n = COUNT(obj, k);

	for (char *save = NULL, *w = strtok_r(value, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		char **v = grow(*list, *n, sizeof(*v));

		if (v)
			*list = v;
		if (!v || !(v[*n] = strdup(w))) {
			conf_error(p, p->line, "out of memory");
			return;
		}
		(*n)++;
	}
}

static void words_print(FILE *f, const struct sw_conf *c, const struct conf_key *k,
			const void *obj)
{
	char *const *list = *(char **const *)(const void *)((const char *)obj + k->off);
	size_t n = *CCOUNT(obj, k);

	(void)c;
	if (!n)
		return;
	fprintf(f, "%s =", k->key);
	for (size_t i = 0; i < n; i++)
		fprintf(f, " %s", list[i]);
	fputc('\n', f);
}

static bool words_equal(const struct conf_key *k, const void *a, const void *b)
{
	char *const *la = *(char **const *)(const void *)((const char *)a + k->off);
	char *const *lb = *(char **const *)(const void *)((const char *)b + k->off);
	size_t n = *CCOUNT(a, k);

	if (n != *CCOUNT(b, k))
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(la[i], lb[i]))
			return false;
	return true;
}

static void words_reset(const struct conf_key *k, void *obj)
{
	char ***list = FIELD(obj, k, char **);
	size_t *n = COUNT(obj, k);

	for (size_t i = 0; i < *n; i++)
		free((*list)[i]);
	free(*list);
	*list = NULL;
	*n = 0;
}

static const struct key_type t_words = { words_parse, words_print, words_equal, words_reset };

/* one IPv4 sysctl of a struct sw_sysctl_set at off; off2: the key */
static const char *const sysctl_names[SK_NCONF] = {
	[SK_ARP_IGNORE] = "arp_ignore",	  [SK_ARP_ANNOUNCE] = "arp_announce",
	[SK_ARP_FILTER] = "arp_filter",	  [SK_RP_FILTER] = "rp_filter",
	[SK_PROXY_ARP] = "proxy_arp",
};

static const char *const sysctl_help[SK_NCONF] = {
	[SK_ARP_IGNORE] = "0-3 or 8",
	[SK_ARP_ANNOUNCE] = "0-2",
	[SK_ARP_FILTER] = "0 or 1",
	[SK_RP_FILTER] = "0 (off), 1 (strict) or 2 (loose)",
	[SK_PROXY_ARP] = "0 or 1",
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

static void sysctl_parse(struct parser *p, const struct conf_key *k, void *obj, char *value)
{
	struct sw_sysctl_set *set = FIELD(obj, k, struct sw_sysctl_set);
	int key = (int)k->off2, v;

	if (!sysctl_value(key, value, &v)) {
		/* "bridge eth0: arp_ignore: ...", "sysctl: arp_ignore: ..." */
		conf_error(p, p->line, "%s%s: \"%s\" is not a valid value (%s)", p->what, k->key,
			   value, sysctl_help[key]);
		return;
	}
	set->v[key] = v;
	set->line[key] = p->line;
}

static void sysctl_print(FILE *f, const struct sw_conf *c, const struct conf_key *k,
			 const void *obj)
{
	const struct sw_sysctl_set *set = CFIELD(obj, k, struct sw_sysctl_set);

	(void)c;
	if (set->v[k->off2] >= 0)
		fprintf(f, "%s = %d\n", k->key, set->v[k->off2]);
}

static bool sysctl_equal(const struct conf_key *k, const void *a, const void *b)
{
	return CFIELD(a, k, struct sw_sysctl_set)->v[k->off2] ==
	       CFIELD(b, k, struct sw_sysctl_set)->v[k->off2];
}

static void sysctl_reset(const struct conf_key *k, void *obj)
{
	struct sw_sysctl_set *set = FIELD(obj, k, struct sw_sysctl_set);

	set->v[k->off2] = -1;
	set->line[k->off2] = 0;
}

static const struct key_type t_sysctl = { sysctl_parse, sysctl_print, sysctl_equal, sysctl_reset };

/* ---- [switchd] keys ---------------------------------------------------- */

static void socket_parse(struct parser *p, const struct conf_key *k, void *obj, char *value)
{
	char *path = FIELD(obj, k, char);

	if (value[0] != '/' || strlen(value) >= (size_t)k->arg)
		conf_error(p, p->line, "socket \"%s\": needs an absolute path shorter than %d bytes",
			   value, k->arg);
	else
		sw_strlcpy(path, value, (size_t)k->arg);
}

static const struct key_type t_socket = { socket_parse, string_print, string_equal, string_reset };

static void socket_group_parse(struct parser *p, const struct conf_key *k, void *obj, char *value)
{
	char err[160];
	gid_t gid;

	if (strlen(value) >= (size_t)k->arg) {
		conf_error(p, p->line, "socket_group \"%s\" is too long", value);
		return;
	}
	if (conf_resolve_group(value, &gid, err, sizeof(err)) < 0) {
		conf_error(p, p->line, "socket_%s", err);
		return;
	}
	sw_strlcpy(FIELD(obj, k, char), value, (size_t)k->arg);
}

static const struct key_type t_socket_group = { socket_group_parse, string_print, string_equal,
						string_reset };

static void mode_parse(struct parser *p, const struct conf_key *k, void *obj, char *value)
{
	char *end;
	unsigned long m = strtoul(value, &end, 8);

	if (value[0] < '0' || value[0] > '7' || *end || m > 0777) {
		conf_error(p, p->line, "%s: \"%s\" is not an octal mode (0600, 0660)", k->key,
			   value);
		return;
	}
	/* the socket changes the host's network: never for anyone */
	if (m & 0007) {
		conf_error(p, p->line,
			   "%s: %s lets every user of the host connect; use 0600 or 0660 with "
			   "socket_group",
			   k->key, value);
		return;
	}
	*FIELD(obj, k, unsigned int) = (unsigned int)m;
}

static void mode_print(FILE *f, const struct sw_conf *c, const struct conf_key *k, const void *obj)
{
	(void)c;
	fprintf(f, "%s = 0%03o\n", k->key, *CFIELD(obj, k, unsigned int));
}

static bool mode_equal(const struct conf_key *k, const void *a, const void *b)
{
	return *CFIELD(a, k, unsigned int) == *CFIELD(b, k, unsigned int);
}

static void mode_reset(const struct conf_key *k, void *obj)
{
	*FIELD(obj, k, unsigned int) = 0;
}

static const struct key_type t_mode = { mode_parse, mode_print, mode_equal, mode_reset };

static bool if_claim(const struct sw_conf *c, const void *obj)
{
	(void)obj;
	return c->claim;
}

static bool if_mode_not_default(const struct sw_conf *c, const void *obj)
{
	(void)obj;
	return c->socket_mode != 0600;
}

static bool if_boot_wait(const struct sw_conf *c, const void *obj)
{
	(void)obj;
	return c->boot_wait > 0;
}

static bool if_udev_wait_not_default(const struct sw_conf *c, const void *obj)
{
	(void)obj;
	return c->udev_wait != 5;
}

static void hooks_parse(struct parser *p, const struct conf_key *k, void *obj, char *value)
{
	if (value[0] != '/' || strlen(value) >= (size_t)k->arg)
		conf_error(p, p->line, "hooks \"%s\": needs an absolute path shorter than %d bytes",
			   value, k->arg);
	else
		sw_strlcpy(FIELD(obj, k, char), value, (size_t)k->arg);
}

static const struct key_type t_hooks = { hooks_parse, string_print, string_equal, string_reset };

static void hook_failure_parse(struct parser *p, const struct conf_key *k, void *obj, char *value)
{
	bool *ignore = FIELD(obj, k, bool);

	if (!strcmp(value, "ignore"))
		*ignore = true;
	else if (!strcmp(value, "block"))
		*ignore = false;
	else
		conf_error(p, p->line, "hook_failure: \"%s\" is not block or ignore", value);
}

static void hook_failure_print(FILE *f, const struct sw_conf *c, const struct conf_key *k,
			       const void *obj)
{
	(void)c;
	fprintf(f, "%s = %s\n", k->key, *CFIELD(obj, k, bool) ? "ignore" : "block");
}

static const struct key_type t_hook_failure = { hook_failure_parse, hook_failure_print, bool_equal,
						bool_reset };

static bool if_hooks_not_default(const struct sw_conf *c, const void *obj)
{
	(void)obj;
	return strcmp(c->hooks_dir, SW_DEFAULT_HOOKS) != 0;
}

static bool if_hook_timeout_not_default(const struct sw_conf *c, const void *obj)
{
	(void)obj;
	return c->hook_timeout != 5;
}

static bool if_hook_failure_ignore(const struct sw_conf *c, const void *obj)
{
	(void)obj;
	return c->hook_failure_ignore;
}

/* cable_check = report | attach | off; cable_probe = arp | off */
static const char *const cable_modes[] = {
	[CABLE_MODE_DEFAULT] = "", [CABLE_MODE_REPORT] = "report", [CABLE_MODE_ATTACH] = "attach",
	[CABLE_MODE_OFF] = "off",
};

static void cable_mode_parse(struct parser *p, const struct conf_key *k, void *obj, char *value)
{
	for (int m = CABLE_MODE_REPORT; m <= CABLE_MODE_OFF; m++)
		if (!strcmp(value, cable_modes[m])) {
			*FIELD(obj, k, int) = m;
			return;
		}
	conf_error(p, p->line, "%s%s: \"%s\" is not report, attach or off", p->what, k->key,
		   value);
}

static void cable_mode_print(FILE *f, const struct sw_conf *c, const struct conf_key *k,
			     const void *obj)
{
	int m = *CFIELD(obj, k, int);

	(void)c;
	if (m > CABLE_MODE_DEFAULT && m <= CABLE_MODE_OFF)
		fprintf(f, "%s = %s\n", k->key, cable_modes[m]);
}

static const struct key_type t_cable_mode = { cable_mode_parse, cable_mode_print, int_equal,
					      int_reset };

static void cable_probe_parse(struct parser *p, const struct conf_key *k, void *obj, char *value)
{
	bool *b = FIELD(obj, k, bool);

	if (!strcmp(value, "arp"))
		*b = true;
	else if (!strcmp(value, "off") || !strcmp(value, "no"))
		*b = false;
	else
		conf_error(p, p->line, "%s%s: \"%s\" is not arp or off", p->what, k->key, value);
}

static void cable_probe_print(FILE *f, const struct sw_conf *c, const struct conf_key *k,
			      const void *obj)
{
	(void)c;
	fprintf(f, "%s = %s\n", k->key, *CFIELD(obj, k, bool) ? "arp" : "off");
}

static const struct key_type t_cable_probe = { cable_probe_parse, cable_probe_print, bool_equal,
					       bool_reset };

static bool if_cable_not_default(const struct sw_conf *c, const void *obj)
{
	(void)obj;
	return c->cable_check != CABLE_MODE_REPORT;
}

static bool if_cable_probe(const struct sw_conf *c, const void *obj)
{
	(void)obj;
	return c->cable_probe;
}

#define SW(field) offsetof(struct sw_conf, field)

static const struct conf_key switchd_keys[] = {
	{ "socket", &t_socket, SW(socket_path), 0, -1, sizeof(((struct sw_conf *)0)->socket_path),
	  SW_DEFAULT_SOCKET, NULL, "the control socket" },
	{ "socket_group", &t_socket_group, SW(socket_group), 0, -1,
	  sizeof(((struct sw_conf *)0)->socket_group), NULL, NULL,
	  "the group that may use the control socket (name or number)" },
	{ "socket_mode", &t_mode, SW(socket_mode), 0, -1, 0, "0600", if_mode_not_default,
	  "the control socket's mode: 0600 or 0660, never for others" },
	{ "boot_wait", &t_duration, SW(boot_wait), 0, -1, 0, "0", if_boot_wait,
	  "how long to wait at start-up for the configured NICs to appear (0: do not)" },
	{ "udev_wait", &t_duration, SW(udev_wait), 0, -1, 0, "5s", if_udev_wait_not_default,
	  "how long a new device is left to udev (renames, .link files) at most (0: not at all)" },
	{ "claim", &t_bool, SW(claim), 0, SW(claim_line), 0, "no", if_claim,
	  "unknown NICs become hwethN spares" },
	{ "claim_delay", &t_duration, SW(claim_delay), 0, -1, 0, "2s", if_claim,
	  "how long a new NIC must stay unused before it is claimed" },
	{ "claim_match", &t_words, SW(claim_match), SW(nclaim_match), -1, 0, NULL, if_claim,
	  "virtual devices claimed too (fnmatch patterns)" },
	{ "hooks", &t_hooks, SW(hooks_dir), 0, -1, sizeof(((struct sw_conf *)0)->hooks_dir),
	  SW_DEFAULT_HOOKS, if_hooks_not_default,
	  "the directory of executables run on bridge events (run-parts order)" },
	{ "hook_timeout", &t_duration, SW(hook_timeout), 0, -1, 1, "5s",
	  if_hook_timeout_not_default, "how long a hook may run before its process group is killed" },
	{ "hook_failure", &t_hook_failure, SW(hook_failure_ignore), 0, -1, 0, "block",
	  if_hook_failure_ignore,
	  "block: a failed pre-up hook keeps its bridge from forwarding; ignore: logged only" },
	{ "cable_check", &t_cable_mode, SW(cable_check), 0, -1, 0, "report", if_cable_not_default,
	  "what a NIC cabled to another bridge's network gets: report, attach or off" },
	{ "cable_probe", &t_cable_probe, SW(cable_probe), 0, -1, 0, "off", if_cable_probe,
	  "arp: ask each bridge's gateway from NICs that heard nothing (RFC 5227 probe)" },
};

/* ---- [sysctl] and the sysctl keys of [nic] and [bridge] ----------------- */

static const struct conf_key sysctl_keys[] = {
	{ "arp_ignore", &t_sysctl, SW(sysctl), SK_ARP_IGNORE, -1, 0, NULL, NULL,
	  "conf/all and conf/default arp_ignore: 0-3 or 8" },
	{ "arp_announce", &t_sysctl, SW(sysctl), SK_ARP_ANNOUNCE, -1, 0, NULL, NULL,
	  "conf/all and conf/default arp_announce: 0-2" },
	{ "arp_filter", &t_sysctl, SW(sysctl), SK_ARP_FILTER, -1, 0, NULL, NULL,
	  "conf/all and conf/default arp_filter: 0 or 1" },
	{ "rp_filter", &t_sysctl, SW(sysctl), SK_RP_FILTER, -1, 0, NULL, NULL,
	  "conf/all and conf/default rp_filter: 0-2" },
	{ "proxy_arp", &t_sysctl, SW(sysctl), SK_PROXY_ARP, -1, 0, NULL, NULL,
	  "conf/all and conf/default proxy_arp: 0 or 1" },
};

/* ---- [nic NAME] -------------------------------------------------------- */

static void mac_parse_key(struct parser *p, const struct conf_key *k, void *obj, char *value)
{
	struct sw_conf_nic *n = obj;

	(void)k;
	if (mac_parse(value, n->mac) < 0) {
		conf_error(p, p->line, "nic %s: \"%s\" is not a MAC address (02:00:c6:12:00:10)",
			   n->name, value);
		return;
	}
	n->has_mac = true;
}

static void mac_print(FILE *f, const struct sw_conf *c, const struct conf_key *k, const void *obj)
{
	const struct sw_conf_nic *n = obj;
	char buf[SW_MACSTR];

	(void)c;
	if (n->has_mac)
		fprintf(f, "%s = %s\n", k->key, mac_format(n->mac, buf));
}

static bool mac_equal(const struct conf_key *k, const void *a, const void *b)
{
	const struct sw_conf_nic *x = a, *y = b;

	(void)k;
	return x->has_mac == y->has_mac && (!x->has_mac || !memcmp(x->mac, y->mac, 6));
}

static void mac_reset(const struct conf_key *k, void *obj)
{
	struct sw_conf_nic *n = obj;

	(void)k;
	n->has_mac = false;
	memset(n->mac, 0, sizeof(n->mac));
}

static const struct key_type t_mac = { mac_parse_key, mac_print, mac_equal, mac_reset };

static void path_parse(struct parser *p, const struct conf_key *k, void *obj, char *value)
{
	struct sw_conf_nic *n = obj;
	const char *dash = strchr(value, '-');

	(void)k;
	/* BUS-DEVICE, as udev's ID_PATH: pci-0000:03:00.0 */
	if (!dash || dash == value || !dash[1] || strlen(value) >= sizeof(n->path) ||
	    strpbrk(value, " \t/")) {
		conf_error(p, p->line, "nic %s: \"%s\" is not a bus path (pci-0000:03:00.0)",
			   n->name, value);
		return;
	}
	sw_strlcpy(n->path, value, sizeof(n->path));
}

static const struct key_type t_path = { path_parse, string_print, string_equal, string_reset };

#define NIC(field) offsetof(struct sw_conf_nic, field)

static const struct conf_key nic_keys[] = {
	{ "mac", &t_mac, 0, 0, NIC(mac_line), 0, NULL, NULL,
	  "find it by its permanent (else current) MAC" },
	{ "path", &t_path, NIC(path), 0, NIC(path_line), 0, NULL, NULL,
	  "find it by the slot it sits in (udev's ID_PATH)" },
	{ "name", &t_ifname, NIC(match_name), 0, NIC(name_line), 0, NULL, NULL,
	  "find it by the name it has when first seen" },
	{ "arp_ignore", &t_sysctl, NIC(sysctl), SK_ARP_IGNORE, -1, 0, NULL, NULL,
	  "this NIC's arp_ignore" },
	{ "arp_announce", &t_sysctl, NIC(sysctl), SK_ARP_ANNOUNCE, -1, 0, NULL, NULL,
	  "this NIC's arp_announce" },
	{ "arp_filter", &t_sysctl, NIC(sysctl), SK_ARP_FILTER, -1, 0, NULL, NULL,
	  "this NIC's arp_filter" },
	{ "rp_filter", &t_sysctl, NIC(sysctl), SK_RP_FILTER, -1, 0, NULL, NULL,
	  "this NIC's rp_filter" },
	{ "proxy_arp", &t_sysctl, NIC(sysctl), SK_PROXY_ARP, -1, 0, NULL, NULL,
	  "this NIC's proxy_arp sysctl" },
};

/* ---- [bridge NAME] ----------------------------------------------------- */

static void ports_parse(struct parser *p, const struct conf_key *k, void *obj, char *value)
{
	struct sw_conf_bridge *b = obj;

	(void)k;
	for (char *save = NULL, *w = strtok_r(value, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		char (*v)[SW_IFNAMSIZ];
		bool twice = false;

		if (!check_name(p, p->line, "port", w))
			continue;
		for (size_t i = 0; i < b->nports && !twice; i++)
			twice = !strcmp(b->ports[i], w);
		if (twice) {
			conf_error(p, p->line, "bridge %s: port %s is listed twice", b->name, w);
			continue;
		}
		v = grow(b->ports, b->nports, sizeof(*v));
		if (!v) {
			conf_error(p, p->line, "out of memory");
			return;
		}
		b->ports = v;
		sw_strlcpy(v[b->nports++], w, SW_IFNAMSIZ);
	}
}

/* NICs claimed at run time are not part of the file */
static bool port_listed(const struct sw_conf *c, const char *port)
{
	const struct sw_conf_nic *n = conf_find_nic(c, port);

	return !n || !n->claimed;
}

static void ports_print(FILE *f, const struct sw_conf *c, const struct conf_key *k, const void *obj)
{
	const struct sw_conf_bridge *b = obj;
	size_t listed = 0;

	for (size_t i = 0; i < b->nports; i++)
		listed += port_listed(c, b->ports[i]);
	if (!listed)
		return;
	fprintf(f, "%s =", k->key);
	for (size_t i = 0; i < b->nports; i++)
		if (port_listed(c, b->ports[i]))
			fprintf(f, " %s", b->ports[i]);
	fputc('\n', f);
}

static bool ports_equal(const struct conf_key *k, const void *a, const void *b)
{
	const struct sw_conf_bridge *x = a, *y = b;

	(void)k;
	if (x->nports != y->nports)
		return false;
	for (size_t i = 0; i < x->nports; i++)
		if (strcmp(x->ports[i], y->ports[i]))
			return false;
	return true;
}

static void ports_reset(const struct conf_key *k, void *obj)
{
	struct sw_conf_bridge *b = obj;

	(void)k;
	free(b->ports);
	b->ports = NULL;
	b->nports = 0;
}

static const struct key_type t_ports = { ports_parse, ports_print, ports_equal, ports_reset };

static void spares_parse(struct parser *p, const struct conf_key *k, void *obj, char *value)
{
	struct sw_conf_bridge *b = obj;

	(void)k;
	b->spares_any = !strcmp(value, "any");
	if (!b->spares_any && strcmp(value, "none"))
		conf_error(p, p->line, "bridge %s: spares: \"%s\" is not any or none", b->name,
			   value);
}

static void spares_print(FILE *f, const struct sw_conf *c, const struct conf_key *k,
			 const void *obj)
{
	(void)c;
	if (((const struct sw_conf_bridge *)obj)->spares_any)
		fprintf(f, "%s = any\n", k->key);
}

static const struct key_type t_spares = { spares_parse, spares_print, bool_equal, bool_reset };

static void address_parse(struct parser *p, const struct conf_key *k, void *obj, char *value)
{
	struct sw_conf_bridge *b = obj;
	bool keep = false, none = false, bad = false;

	(void)k;
	b->has_address = true;
	for (char *save = NULL, *w = strtok_r(value, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		struct sw_cidr cidr, *v;

		if (!strcmp(w, "keep")) {
			keep = true;
			continue;
		}
		if (!strcmp(w, "none")) {
			none = true;
			continue;
		}
		if (cidr_parse(w, &cidr) < 0) {
			bad = true;
			conf_error(p, p->line,
				   "bridge %s: \"%s\" is not an address (CIDR such as 198.18.0.2/24)",
				   b->name, w);
			continue;
		}
		v = grow(b->addrs, b->naddrs, sizeof(*v));
		if (!v) {
			conf_error(p, p->line, "out of memory");
			return;
		}
		b->addrs = v;
		v[b->naddrs++] = cidr;
	}
	if ((keep || none) && (b->naddrs || (keep && none)))
		conf_error(p, p->line,
			   "bridge %s: address = keep or none cannot be mixed with anything else",
			   b->name);
	else if (!keep && !none && !b->naddrs && !bad)
		conf_error(p, p->line, "bridge %s: address needs keep, none or CIDRs", b->name);
	b->addr_mode = keep ? SW_ADDR_KEEP : none ? SW_ADDR_NONE : SW_ADDR_STATIC;
}

static void address_print(FILE *f, const struct sw_conf *c, const struct conf_key *k,
			  const void *obj)
{
	const struct sw_conf_bridge *b = obj;
	char buf[80];

	(void)c;
	if (b->addr_mode != SW_ADDR_STATIC) {
		fprintf(f, "%s = %s\n", k->key, b->addr_mode == SW_ADDR_KEEP ? "keep" : "none");
		return;
	}
	fprintf(f, "%s =", k->key);
	for (size_t i = 0; i < b->naddrs; i++)
		fprintf(f, " %s", cidr_format(&b->addrs[i], buf, sizeof(buf)));
	fputc('\n', f);
}

/* has_address is how the file said it, not what it configures */
static bool address_equal(const struct conf_key *k, const void *a, const void *b)
{
	const struct sw_conf_bridge *x = a, *y = b;

	(void)k;
	if (x->addr_mode != y->addr_mode || x->naddrs != y->naddrs)
		return false;
	for (size_t i = 0; i < x->naddrs; i++)
		if (x->addrs[i].family != y->addrs[i].family ||
		    x->addrs[i].prefixlen != y->addrs[i].prefixlen ||
		    memcmp(x->addrs[i].addr, y->addrs[i].addr, sizeof(x->addrs[i].addr)))
			return false;
	return true;
}

static void address_reset(const struct conf_key *k, void *obj)
{
	struct sw_conf_bridge *b = obj;

	(void)k;
	free(b->addrs);
	b->addrs = NULL;
	b->naddrs = 0;
	b->has_address = false;
	b->addr_mode = SW_ADDR_KEEP;
}

static const struct key_type t_address = { address_parse, address_print, address_equal,
					   address_reset };

/* announce = yes | no | T... (ms, or with a unit), ascending, at most 60 s;
 * yes is QEMU's announce-self schedule: 5 rounds at 0, 50, 200, 450, 800 ms */
static void announce_parse(struct parser *p, const struct conf_key *k, void *obj, char *value)
{
	static const double at[] = { 0, 0.05, 0.2, 0.45, 0.8 };
	struct sw_conf_bridge *b = obj;
	bool on;
	int n = 0;

	(void)k;
	if (parse_bool(value, &on)) {
		memcpy(b->announce, at, sizeof(at));
		b->nannounce = on ? (int)ARRAY_SIZE(at) : 0;
		return;
	}
	for (char *save = NULL, *w = strtok_r(value, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		char *end;
		double t;

		if (parse_number(w, &t, &end) && !*end)
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

static void announce_print(FILE *f, const struct sw_conf *c, const struct conf_key *k,
			   const void *obj)
{
	const struct sw_conf_bridge *b = obj;
	char buf[40];

	(void)c;
	if (!b->nannounce) {
		fprintf(f, "%s = no\n", k->key);
		return;
	}
	fprintf(f, "%s =", k->key);
	for (int i = 0; i < b->nannounce; i++)
		fprintf(f, " %s", format_duration(b->announce[i], buf));
	fputc('\n', f);
}

static bool announce_equal(const struct conf_key *k, const void *a, const void *b)
{
	const struct sw_conf_bridge *x = a, *y = b;

	(void)k;
	if (x->nannounce != y->nannounce)
		return false;
	for (int i = 0; i < x->nannounce; i++)
		if (x->announce[i] != y->announce[i])
			return false;
	return true;
}

static void announce_reset(const struct conf_key *k, void *obj)
{
	struct sw_conf_bridge *b = obj;

	(void)k;
	b->nannounce = 0;
}

static const struct key_type t_announce = { announce_parse, announce_print, announce_equal,
					    announce_reset };

/* replay = yes (100ms) | no | a duration up to 1s */
static void replay_parse(struct parser *p, const struct conf_key *k, void *obj, char *value)
{
	struct sw_conf_bridge *b = obj;
	double d;
	bool on;

	(void)k;
	if (parse_bool(value, &on))
		b->replay = on ? 0.1 : 0;
	else if (!parse_duration(value, &d) || d > 1)
		conf_error(p, p->line,
			   "bridge %s: replay: \"%s\" is not yes, no or a duration up to 1s", b->name,
			   value);
	else
		b->replay = d;
}

static void replay_print(FILE *f, const struct sw_conf *c, const struct conf_key *k,
			 const void *obj)
{
	const struct sw_conf_bridge *b = obj;
	char buf[40];

	(void)c;
	fprintf(f, "%s = %s\n", k->key, b->replay > 0 ? format_duration(b->replay, buf) : "no");
}

static const struct key_type t_replay = { replay_parse, replay_print, double_equal, double_reset };

/* proxy_arp = IP...: NTF_PROXY entries; 0/1/yes/no: the route-based sysctl */
static void proxy_parse(struct parser *p, const struct conf_key *k, void *obj, char *value)
{
	struct sw_conf_bridge *b = obj;
	static const struct conf_key sysctl_row = { "proxy_arp", &t_sysctl,
						    offsetof(struct sw_conf_bridge, sysctl),
						    SK_PROXY_ARP, -1, 0, NULL, NULL, NULL };

	(void)k;
	if (!strchr(value, '.')) {
		sysctl_parse(p, &sysctl_row, obj, value);
		return;
	}
	b->proxy_line = p->line;
	for (char *save = NULL, *w = strtok_r(value, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		struct in_addr ia;
		bool twice = false;
		uint32_t *v;

		if (inet_pton(AF_INET, w, &ia) != 1) {
			conf_error(p, p->line,
				   "bridge %s: proxy_arp: \"%s\" is not an IPv4 address (198.18.7.10) "
				   "or 0/1",
				   b->name, w);
			continue;
		}
		for (size_t i = 0; i < b->nproxy && !twice; i++)
			twice = b->proxy[i] == ia.s_addr;
		if (twice) {
			conf_error(p, p->line, "bridge %s: proxy_arp: %s is listed twice", b->name, w);
			continue;
		}
		v = grow(b->proxy, b->nproxy, sizeof(*v));
		if (!v) {
			conf_error(p, p->line, "out of memory");
			return;
		}
		b->proxy = v;
		v[b->nproxy++] = ia.s_addr;
	}
}

static void proxy_print(FILE *f, const struct sw_conf *c, const struct conf_key *k,
			const void *obj)
{
	const struct sw_conf_bridge *b = obj;
	char buf[INET_ADDRSTRLEN];

	(void)c;
	if (!b->nproxy) {
		if (b->sysctl.v[SK_PROXY_ARP] >= 0)
			fprintf(f, "%s = %d\n", k->key, b->sysctl.v[SK_PROXY_ARP]);
		return;
	}
	fprintf(f, "%s =", k->key);
	for (size_t i = 0; i < b->nproxy; i++)
		fprintf(f, " %s", inet_ntop(AF_INET, &b->proxy[i], buf, sizeof(buf)));
	fputc('\n', f);
}

static bool proxy_equal(const struct conf_key *k, const void *a, const void *b)
{
	const struct sw_conf_bridge *x = a, *y = b;

	(void)k;
	return x->sysctl.v[SK_PROXY_ARP] == y->sysctl.v[SK_PROXY_ARP] && x->nproxy == y->nproxy &&
	       (!x->nproxy || !memcmp(x->proxy, y->proxy, x->nproxy * sizeof(*x->proxy)));
}

static void proxy_reset(const struct conf_key *k, void *obj)
{
	struct sw_conf_bridge *b = obj;

	(void)k;
	free(b->proxy);
	b->proxy = NULL;
	b->nproxy = 0;
	b->proxy_line = 0;
	b->sysctl.v[SK_PROXY_ARP] = -1;
	b->sysctl.line[SK_PROXY_ARP] = 0;
}

static const struct key_type t_proxy = { proxy_parse, proxy_print, proxy_equal, proxy_reset };

static bool if_ports(const struct sw_conf *c, const void *obj)
{
	(void)c;
	return ((const struct sw_conf_bridge *)obj)->nports > 0;
}

static bool if_watch_arp(const struct sw_conf *c, const void *obj)
{
	(void)c;
	return ((const struct sw_conf_bridge *)obj)->watch_arp;
}

#define BR(field) offsetof(struct sw_conf_bridge, field)

/* In the order conf_print writes them. */
static const struct conf_key bridge_keys[] = {
	{ "ports", &t_ports, 0, 0, BR(ports_line), 0, NULL, NULL, "[nic] names, preferred first" },
	{ "spares", &t_spares, BR(spares_any), 0, -1, 0, "none", NULL,
	  "any: NICs claimed at run time become standbys here" },
	{ "address", &t_address, 0, 0, BR(address_line), 0, NULL, NULL,
	  "keep (default with ports), none (default without) or CIDRs" },
	{ "stp", &t_bool, BR(stp), 0, -1, 1, "off", NULL, "spanning tree" },
	{ "preempt", &t_bool, BR(preempt), 0, -1, 0, "no", if_ports,
	  "return to the first port once it has had carrier for updelay" },
	{ "updelay", &t_duration, BR(updelay), 0, -1, 0, "2s", if_ports,
	  "how long a port must have carrier before it is used" },
	{ "hold_down", &t_duration, BR(hold_down), 0, -1, 0, "30s", if_ports,
	  "how long a flapping port is kept out" },
	{ "flap_limit", &t_int, BR(flap_limit), 0, -1, 1000, "10", if_ports,
	  "carrier changes within flap_window that make a port flapping (0: off)" },
	{ "flap_window", &t_duration, BR(flap_window), 0, -1, 0, "10s", if_ports,
	  "the window flap_limit counts in" },
	{ "carrier_poll", &t_duration, BR(carrier_poll), 0, -1, 0, "5ms", if_ports,
	  "how often the active port's carrier is read (0: events only)" },
	{ "announce", &t_announce, 0, 0, -1, 0, "yes", if_ports,
	  "announcement rounds after a swap (yes, no or times)" },
	{ "replay", &t_replay, BR(replay), 0, -1, 0, "yes", if_ports,
	  "replay frames that reached a standby this long before a swap (yes = 100ms, no)" },
	{ "guests", &t_words, BR(guests), BR(nguests), -1, 0, NULL, NULL,
	  "devices attached whenever they appear (fnmatch patterns)" },
	{ "arp_ignore", &t_sysctl, BR(sysctl), SK_ARP_IGNORE, -1, 0, NULL, NULL,
	  "this bridge's arp_ignore" },
	{ "arp_announce", &t_sysctl, BR(sysctl), SK_ARP_ANNOUNCE, -1, 0, NULL, NULL,
	  "this bridge's arp_announce" },
	{ "arp_filter", &t_sysctl, BR(sysctl), SK_ARP_FILTER, -1, 0, NULL, NULL,
	  "this bridge's arp_filter" },
	{ "rp_filter", &t_sysctl, BR(sysctl), SK_RP_FILTER, -1, 0, NULL, NULL,
	  "this bridge's rp_filter" },
	{ "proxy_arp", &t_proxy, 0, 0, -1, 0, NULL, NULL,
	  "proxy-ARP entries for these IPv4 addresses, or the proxy_arp sysctl (0/1)" },
	{ "watch_arp", &t_bool, BR(watch_arp), 0, -1, 0, "no", if_watch_arp,
	  "report addresses answered by more than one MAC" },
	{ "watch_window", &t_duration, BR(watch_window), 0, -1, 1, "10s", if_watch_arp,
	  "the window watch_arp looks at" },
	{ "cable_check", &t_cable_mode, BR(cable_check), 0, -1, 0, NULL, NULL,
	  "report, attach or off: [switchd]'s unless set" },
};

/* ---- [tap NAME] -------------------------------------------------------- */

static void owner_parse(struct parser *p, const struct conf_key *k, void *obj, char *value)
{
	struct sw_conf_tap *t = obj;
	bool owner = !strcmp(k->key, "owner");
	char err[160];
	int ret;

	if (strlen(value) >= sizeof(t->owner)) {
		conf_error(p, p->line, "tap %s: %s \"%s\" is too long", t->name, k->key, value);
		return;
	}
	struct id_cache *c = owner ? &p->owner_cache : &p->group_cache;

	if (c->valid && !strcmp(c->name, value)) {
		ret = 0;
		if (owner)
			t->uid = (uid_t)c->id;
		else
			t->gid = (gid_t)c->id;
	} else {
		ret = owner ? conf_resolve_owner(value, &t->uid, err, sizeof(err))
			    : conf_resolve_group(value, &t->gid, err, sizeof(err));
		if (ret == 0 && strlen(value) < sizeof(c->name)) {
			sw_strlcpy(c->name, value, sizeof(c->name));
			c->id = owner ? (unsigned int)t->uid : (unsigned int)t->gid;
			c->valid = true;
		}
	}
	if (ret < 0) {
		conf_error(p, p->line, "tap %s: %s", t->name, err);
		return;
	}
	if (owner) {
		t->has_owner = true;
		sw_strlcpy(t->owner, value, sizeof(t->owner));
	} else {
		t->has_group = true;
		sw_strlcpy(t->group, value, sizeof(t->group));
	}
}

static bool owner_equal(const struct conf_key *k, const void *a, const void *b)
{
	const struct sw_conf_tap *x = a, *y = b;

	if (!strcmp(k->key, "owner"))
		return x->has_owner == y->has_owner && !strcmp(x->owner, y->owner) &&
		       x->uid == y->uid;
	return x->has_group == y->has_group && !strcmp(x->group, y->group) && x->gid == y->gid;
}

static void owner_reset(const struct conf_key *k, void *obj)
{
	struct sw_conf_tap *t = obj;

	if (!strcmp(k->key, "owner")) {
		t->has_owner = false;
		t->owner[0] = '\0';
		t->uid = 0;
	} else {
		t->has_group = false;
		t->group[0] = '\0';
		t->gid = 0;
	}
}

static const struct key_type t_owner = { owner_parse, string_print, owner_equal, owner_reset };

#define TAP(field) offsetof(struct sw_conf_tap, field)

static const struct conf_key tap_keys[] = {
	{ "bridge", &t_ifname, TAP(bridge), 0, TAP(bridge_line), 0, NULL, NULL,
	  "the [bridge] it is attached to (required)" },
	{ "owner", &t_owner, TAP(owner), 0, TAP(owner_line), 0, NULL, NULL,
	  "the user who may open it (name or number)" },
	{ "group", &t_owner, TAP(group), 0, TAP(group_line), 0, NULL, NULL,
	  "the group that may open it (name or number)" },
};

/* ---- [vip ADDRESS] ----------------------------------------------------- */

static void vip_mode_parse(struct parser *p, const struct conf_key *k, void *obj, char *value)
{
	struct sw_conf_vip *v = obj;

	(void)k;
	if (!strcmp(value, "dr"))
		v->mode = SW_VIP_DR;
	else if (!strcmp(value, "tun"))
		v->mode = SW_VIP_TUN;
	else
		conf_error(p, p->line, "vip %s: mode: \"%s\" is not dr or tun", v->text, value);
}

static void vip_mode_print(FILE *f, const struct sw_conf *c, const struct conf_key *k,
			   const void *obj)
{
	(void)c;
	fprintf(f, "%s = %s\n", k->key, ((const struct sw_conf_vip *)obj)->mode == SW_VIP_DR ? "dr"
											   : "tun");
}

static bool vip_mode_equal(const struct conf_key *k, const void *a, const void *b)
{
	(void)k;
	return ((const struct sw_conf_vip *)a)->mode == ((const struct sw_conf_vip *)b)->mode;
}

static void vip_mode_reset(const struct conf_key *k, void *obj)
{
	(void)k;
	((struct sw_conf_vip *)obj)->mode = SW_VIP_DR;
}

static const struct key_type t_vip_mode = { vip_mode_parse, vip_mode_print, vip_mode_equal,
					    vip_mode_reset };

#define VIP(field) offsetof(struct sw_conf_vip, field)

static const struct conf_key vip_keys[] = {
	{ "mode", &t_vip_mode, 0, 0, VIP(mode_line), 0, "dr", NULL,
	  "dr: on lo, hidden from ARP; tun: on the tunnel device" },
	{ "device", &t_ifname, VIP(device), 0, -1, 0, NULL, NULL,
	  "instead of lo (dr) or tunl0 (tun)" },
};

/* ---- sections ---------------------------------------------------------- */

struct section_def {
	const char *name;
	const struct conf_key *keys;
	size_t nkeys;
	size_t where; /* the int where[SW_CONF_MAXKEYS] in the section's object */
	bool list_keys; /* "unknown key" names the keys */
};

static const struct section_def sections[] = {
	[SEC_SWITCHD] = { "switchd", switchd_keys, ARRAY_SIZE(switchd_keys), SW(switchd_where) },
	[SEC_NIC] = { "nic", nic_keys, ARRAY_SIZE(nic_keys), NIC(where) },
	[SEC_BRIDGE] = { "bridge", bridge_keys, ARRAY_SIZE(bridge_keys), BR(where) },
	[SEC_TAP] = { "tap", tap_keys, ARRAY_SIZE(tap_keys), TAP(where) },
	[SEC_SYSCTL] = { "sysctl", sysctl_keys, ARRAY_SIZE(sysctl_keys), SW(sysctl_where), true },
	[SEC_VIP] = { "vip", vip_keys, ARRAY_SIZE(vip_keys), VIP(where) },
};

_Static_assert(ARRAY_SIZE(bridge_keys) <= SW_CONF_MAXKEYS, "SW_CONF_MAXKEYS too small");
_Static_assert(ARRAY_SIZE(switchd_keys) <= SW_CONF_MAXKEYS, "SW_CONF_MAXKEYS too small");
_Static_assert(ARRAY_SIZE(nic_keys) <= SW_CONF_MAXKEYS, "SW_CONF_MAXKEYS too small");

void conf_each_key(void (*fn)(void *arg, const char *section, const char *key, const char *def,
			      const char *help),
		   void *arg)
{
	for (size_t s = 0; s < ARRAY_SIZE(sections); s++)
		for (size_t i = 0; i < sections[s].nkeys; i++)
			fn(arg, sections[s].name, sections[s].keys[i].key, sections[s].keys[i].def,
			   sections[s].keys[i].help);
}

/* The object a section's keys are fields of. */
static void *section_object(struct sw_conf *c, enum section_type sec, size_t index)
{
	switch (sec) {
	case SEC_SWITCHD:
	case SEC_SYSCTL:
		return c;
	case SEC_NIC:
		return &c->nics[index];
	case SEC_BRIDGE:
		return &c->bridges[index];
	case SEC_TAP:
		return &c->taps[index];
	case SEC_VIP:
		return &c->vips[index];
	default:
		return NULL;
	}
}

static int *where_of(const struct section_def *def, void *obj)
{
	return (int *)(void *)((char *)obj + def->where);
}

/* Every key to its default: a new section, or [switchd] and [sysctl] before
 * anything is read (they exist whether the file has them or not). */
static void apply_defaults(struct parser *p, enum section_type sec, void *obj)
{
	const struct section_def *def = &sections[sec];
	int line = p->line;

	p->line = 0;
	for (size_t i = 0; i < def->nkeys; i++) {
		const struct conf_key *k = &def->keys[i];
		char value[128];

		k->type->reset(k, obj);
		if (!k->def)
			continue;
		sw_strlcpy(value, k->def, sizeof(value));
		k->type->parse(p, k, obj, value);
	}
	p->line = line;
}

static void free_section(enum section_type sec, void *obj)
{
	const struct section_def *def = &sections[sec];

	for (size_t i = 0; i < def->nkeys; i++)
		def->keys[i].type->reset(&def->keys[i], obj);
}

/* ---- reading ----------------------------------------------------------- */

/* Opened already in this file? Then its location, else 0; and note it. */
static int opened_before(struct parser *p, enum section_type sec, size_t index)
{
	struct opened *v;

	for (size_t i = 0; i < p->nopened; i++)
		if (p->opened[i].sec == sec && p->opened[i].index == index)
			return p->opened[i].loc;
	v = grow(p->opened, p->nopened, sizeof(*v));
	if (v) {
		p->opened = v;
		v[p->nopened++] = (struct opened){ sec, index, p->line };
	}
	return 0;
}

static void enter(struct parser *p, enum section_type sec, size_t index, const char *what)
{
	p->sec = sec;
	p->index = index;
	snprintf(p->what, sizeof(p->what), "%s", what);
}

static size_t section_hash(int sec, const char *name)
{
	size_t h = 2166136261u ^ (size_t)sec; /* FNV-1a */

	while (*name)
		h = (h ^ (unsigned char)*name++) * 16777619u;
	return h;
}

/* The index of the section of that type and name, or -1. */
static long section_find(const struct parser *p, enum section_type sec, const char *name)
{
	if (!p->names_cap)
		return -1;
	for (size_t i = section_hash(sec, name) & (p->names_cap - 1);;
	     i = (i + 1) & (p->names_cap - 1)) {
		const struct section_slot *sl = &p->names[i];

		if (!sl->sec)
			return -1;
		if (sl->sec == (int)sec + 1 && !strcmp(sl->name, name))
			return (long)sl->index;
	}
}

static void section_note(struct parser *p, enum section_type sec, const char *name, size_t index)
{
	if ((p->names_used + 1) * 2 > p->names_cap) {
		size_t cap = p->names_cap ? p->names_cap * 2 : 64;
		struct section_slot *v = calloc(cap, sizeof(*v)), *old = p->names;
		size_t oldcap = p->names_cap;

		if (!v)
			return; /* open_named falls back to the walk */
		p->names = v;
		p->names_cap = cap;
		p->names_used = 0;
		for (size_t i = 0; i < oldcap; i++)
			if (old[i].sec)
				section_note(p, (enum section_type)(old[i].sec - 1), old[i].name,
					     old[i].index);
		free(old);
	}
	for (size_t i = section_hash(sec, name) & (p->names_cap - 1);;
	     i = (i + 1) & (p->names_cap - 1))
		if (!p->names[i].sec) {
			sw_strlcpy(p->names[i].name, name, sizeof(p->names[i].name));
			p->names[i].sec = (int)sec + 1;
			p->names[i].index = index;
			p->names_used++;
			return;
		}
}

/* Note a section just made in this file: it cannot have been opened. */
static void opened_new(struct parser *p, enum section_type sec, size_t index)
{
	struct opened *v = grow(p->opened, p->nopened, sizeof(*v));

	if (v) {
		p->opened = v;
		v[p->nopened++] = (struct opened){ sec, index, p->line };
	}
}

/* [nic|bridge|tap NAME]: find or add it. */
static void open_named(struct parser *p, const char *type, const char *name)
{
	struct sw_conf *c = p->conf;
	enum section_type sec = !strcmp(type, "nic") ? SEC_NIC : !strcmp(type, "bridge") ? SEC_BRIDGE
											  : SEC_TAP;
	size_t n = sec == SEC_NIC ? c->nnics : sec == SEC_BRIDGE ? c->nbridges : c->ntaps;
	size_t size = sec == SEC_NIC	  ? sizeof(*c->nics)
		      : sec == SEC_BRIDGE ? sizeof(*c->bridges)
					  : sizeof(*c->taps);
	void **arr = sec == SEC_NIC ? (void **)&c->nics
		     : sec == SEC_BRIDGE ? (void **)&c->bridges
					 : (void **)&c->taps;
	char what[48];
	void *obj;
	int first;

	snprintf(what, sizeof(what), "%s %s: ", type, name);
	long found = p->names_cap || !n ? section_find(p, sec, name) : -1;

	for (size_t i = found >= 0 ? (size_t)found : p->names_cap ? n : 0; i < n; i++) {
		const char *have = sec == SEC_NIC ? c->nics[i].name
				   : sec == SEC_BRIDGE ? c->bridges[i].name
						       : c->taps[i].name;

		if (strcmp(have, name))
			continue;
		first = opened_before(p, sec, i);
		if (first) {
			conf_error(p, p->line, "[%s %s] is defined twice (first at line %d)", type,
				   name, conf_line(first));
			return;
		}
		enter(p, sec, i, what); /* again, in a drop-in: its keys override */
		return;
	}
	obj = grow(*arr, n, size);
	if (!obj) {
		conf_error(p, p->line, "out of memory");
		return;
	}
	*arr = obj;
	obj = (char *)obj + n * size;
	memset(obj, 0, size);
	if (sec == SEC_NIC) {
		sw_strlcpy(c->nics[n].name, name, SW_IFNAMSIZ);
		sysctl_unset(&c->nics[n].sysctl);
		c->nics[n].line = p->line;
		c->nnics++;
	} else if (sec == SEC_BRIDGE) {
		sw_strlcpy(c->bridges[n].name, name, SW_IFNAMSIZ);
		sysctl_unset(&c->bridges[n].sysctl);
		c->bridges[n].line = p->line;
		c->nbridges++;
	} else {
		sw_strlcpy(c->taps[n].name, name, SW_IFNAMSIZ);
		c->taps[n].line = p->line;
		c->ntaps++;
	}
	apply_defaults(p, sec, obj);
	opened_new(p, sec, n);
	section_note(p, sec, name, n);
	enter(p, sec, n, what);
}

static void open_vip(struct parser *p, const char *name)
{
	struct sw_conf *c = p->conf;
	struct sw_conf_vip *v;
	struct in_addr ia;
	char what[48];
	int first;

	if (!*name || inet_pton(AF_INET, name, &ia) != 1) {
		conf_error(p, p->line, "[vip %s]: needs an IPv4 address: [vip 198.18.9.10]", name);
		return;
	}
	snprintf(what, sizeof(what), "vip %s: ", name);
	for (size_t i = 0; i < c->nvips; i++) {
		if (c->vips[i].ip != ia.s_addr)
			continue;
		first = opened_before(p, SEC_VIP, i);
		if (first) {
			conf_error(p, p->line, "[vip %s] is defined twice (first at line %d)", name,
				   conf_line(first));
			return;
		}
		enter(p, SEC_VIP, i, what);
		return;
	}
	v = grow(c->vips, c->nvips, sizeof(*v));
	if (!v) {
		conf_error(p, p->line, "out of memory");
		return;
	}
	c->vips = v;
	v = &c->vips[c->nvips];
	memset(v, 0, sizeof(*v));
	v->ip = ia.s_addr;
	inet_ntop(AF_INET, &ia, v->text, sizeof(v->text));
	v->line = p->line;
	apply_defaults(p, SEC_VIP, v);
	opened_before(p, SEC_VIP, c->nvips);
	enter(p, SEC_VIP, c->nvips++, what);
}

/* [switchd] / [sysctl]: one of each, defaults set already. */
static void open_single(struct parser *p, enum section_type sec, const char *type, const char *name)
{
	int first;

	if (*name) {
		conf_error(p, p->line, "[%s] takes no name", type);
		return;
	}
	first = opened_before(p, sec, 0);
	if (first) {
		conf_error(p, p->line, "[%s] is given twice (first at line %d)", type,
			   conf_line(first));
		return;
	}
	enter(p, sec, 0, sec == SEC_SYSCTL ? "sysctl: " : "");
}

/* "[type name]" seen by the reader: open a section. */
static void open_section(struct parser *p, char *hdr)
{
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

	if (!strcmp(type, "switchd") || !strcmp(type, "sysctl")) {
		open_single(p, type[1] == 'w' ? SEC_SWITCHD : SEC_SYSCTL, type, name);
		return;
	}
	if (!strcmp(type, "vip")) {
		open_vip(p, name);
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
	open_named(p, type, name);
}

/* Look at each line before inih does: open sections, flag lines inih would
 * reject (so every one is reported, with its line). false: a bad line. */
static bool inspect_line(struct parser *p, const char *raw)
{
	char buf[SW_CONF_MAX_LINE + 4];
	char *s;

	sw_strlcpy(buf, raw, sizeof(buf));
	s = trim(buf);
	if (!*s || *s == '#' || *s == ';')
		return true;
	if (*s == '[') {
		open_section(p, s);
		return true;
	}
	if (!strchr(s, '=')) {
		conf_error(p, p->line, "expected \"key = value\", \"[section]\" or a comment");
		return false;
	}
	return true;
}

/* inih's fgets: one line of the file's text. The first line may start with a
 * UTF-8 byte-order mark (editors on other systems write one). A line that
 * is too long or holds a NUL byte is reported and handed on as blank. */
static char *text_reader(char *str, int num, void *stream)
{
	struct parser *p = stream;
	const char *s = p->pos, *nl;
	size_t n, len, max = SW_CONF_MAX_LINE;

	if (p->pos >= p->end)
		return NULL;
	nl = memchr(s, '\n', (size_t)(p->end - s));
	n = nl ? (size_t)(nl - s) : (size_t)(p->end - s);
	p->pos = nl ? nl + 1 : p->end;
	p->line++;
	if (conf_line(p->line) == 1 && n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) {
		s += 3;
		n -= 3;
	}
	len = n && s[n - 1] == '\r' ? n - 1 : n;
	if (num < 3)
		return NULL;
	if ((size_t)num - 3 < max)
		max = (size_t)num - 3; /* inih's buffer: the line, "\r\n" and the NUL */
	str[0] = '\0';
	if (len > max) {
		conf_error(p, p->line, "line longer than %zu bytes", max);
		return str;
	}
	if (memchr(s, '\0', n)) {
		conf_error(p, p->line, "line holds a NUL byte: not a text file");
		return str;
	}
	memcpy(str, s, n);
	str[n] = '\0';
	if (!inspect_line(p, str))
		str[0] = '\0';
	return str;
}

static const struct conf_key *find_key(const struct section_def *def, const char *key)
{
	for (size_t i = 0; i < def->nkeys; i++)
		if (!strcmp(def->keys[i].key, key))
			return &def->keys[i];
	return NULL;
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

static void unknown_key(struct parser *p, const struct section_def *def, const char *key)
{
	char list[256] = "";
	size_t len = 0;

	if (!def->list_keys) {
		conf_error(p, p->line, "unknown key \"%s\" in [%s]", key, def->name);
		return;
	}
	for (size_t i = 0; i < def->nkeys && len < sizeof(list); i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "",
					def->keys[i].key);
	conf_error(p, p->line, "unknown key \"%s\" in [%s] (%s)", key, def->name, list);
}

static int conf_handler(void *user, const char *section, const char *key, const char *cvalue)
{
	struct parser *p = user;
	const struct section_def *def;
	const struct conf_key *k;
	char value[SW_CONF_MAX_LINE + 4];
	void *obj;
	int *where;

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
	/* "key =#x" reads as the value "#x", but "key = #x" as a comment: no
	 * value of ours starts so, and --check -v must print what it read */
	if (value[0] == '#' || value[0] == ';') {
		conf_error(p, p->line, "%s%s: a value cannot start with '%c' (it reads as a comment)",
			   p->what, key, value[0]);
		return 1;
	}
	def = &sections[p->sec];
	k = find_key(def, key);
	if (!k) {
		unknown_key(p, def, key);
		return 1;
	}
	obj = section_object(p->conf, p->sec, p->index);
	where = where_of(def, obj);
	if (where[k - def->keys])
		k->type->reset(k, obj); /* given in an earlier file: this one overrides */
	where[k - def->keys] = p->line;
	if (k->line_off >= 0)
		*(int *)(void *)((char *)obj + k->line_off) = p->line; /* given, even if wrong */
	k->type->parse(p, k, obj, value);
	return 1;
}

/* ---- checks across sections -------------------------------------------- */

/* "line 12" in the main file, "FILE:12" in a drop-in: where another
 * value an error is about was given. */
static const char *at(const struct parser *p, int loc, char buf[300])
{
	if ((loc >> LOC_FILE_SHIFT) == 0)
		snprintf(buf, 300, "line %d", conf_line(loc));
	else
		snprintf(buf, 300, "%s:%d", conf_file(p->conf, loc), conf_line(loc));
	return buf;
}

static void validate(struct parser *p)
{
	struct sw_conf *c = p->conf;
	char buf[300];

	for (size_t i = 0; i < c->nnics; i++) {
		struct sw_conf_nic *n = &c->nics[i];

		if (!!n->mac_line + !!n->name_line + !!n->path_line != 1)
			conf_error(p, n->line, "nic %s: needs exactly one of mac =, path = or name =",
				   n->name);
		for (size_t j = 0; j < i; j++) {
			if (n->has_mac && c->nics[j].has_mac && !memcmp(n->mac, c->nics[j].mac, 6))
				conf_error(p, n->mac_line, "nic %s: same MAC as nic %s (%s)",
					   n->name, c->nics[j].name, at(p, c->nics[j].line, buf));
			if (n->path[0] && !strcmp(n->path, c->nics[j].path))
				conf_error(p, n->path_line, "nic %s: same path as nic %s (%s)",
					   n->name, c->nics[j].name, at(p, c->nics[j].line, buf));
			if (n->match_name[0] && !strcmp(n->match_name, c->nics[j].match_name))
				conf_error(p, n->name_line, "nic %s: same name = as nic %s (%s)",
					   n->name, c->nics[j].name, at(p, c->nics[j].line, buf));
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
	char buf[300];

	for (int k = 0; k < SK_NCONF; k++) {
		if (set->v[k] < 0 || g->v[k] < 0 || g->v[k] <= set->v[k])
			continue;
		conf_error(p, set->line[k],
			   "%s: %s = %d cannot take effect: [sysctl] %s = %d (%s) and the "
			   "kernel uses %s(all, %s) = %d; lower it in [sysctl]",
			   what, sysctl_names[k], set->v[k], sysctl_names[k], g->v[k], at(p, g->line[k], buf),
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
	char buf[300];

	if (!p->conf->nvips)
		return;
	if (set->v[SK_ARP_IGNORE] == 0 || set->v[SK_ARP_IGNORE] == 3)
		conf_error(p, set->line[SK_ARP_IGNORE],
			   "%s: arp_ignore = %d makes the host answer ARP for vip %s (%s); "
			   "use 1 or 2",
			   what, set->v[SK_ARP_IGNORE], v->text, at(p, v->line, buf));
	if (set->v[SK_ARP_ANNOUNCE] >= 0 && set->v[SK_ARP_ANNOUNCE] < 2)
		conf_error(p, set->line[SK_ARP_ANNOUNCE],
			   "%s: arp_announce = %d lets the host use vip %s (%s) as the source "
			   "of its ARP requests; use 2",
			   what, set->v[SK_ARP_ANNOUNCE], v->text, at(p, v->line, buf));
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
	 * an error). Its line buffer is ini_initial_alloc bytes whatever
	 * ini_max_line says (200 by default: a ports list of ~25 NICs), so both
	 * are set: a line, its "\r\n" and the NUL. */
	static char inline_prefixes[] = "#;";
	static char start_prefixes[] = "#;";

	ini_inline_comment_prefixes = inline_prefixes;
	ini_start_comment_prefixes = start_prefixes;
	ini_allow_inline_comments = true;
	ini_allow_multiline = false;
	ini_use_stack = false;
	ini_allow_realloc = false;
	ini_max_line = SW_CONF_MAX_LINE + 3;
	ini_initial_alloc = SW_CONF_MAX_LINE + 3;
	ini_stop_on_first_error = false;
}

/* Add a file to conf->files: its index, or -1 (reported). */
static int add_file(struct parser *p, const char *name)
{
	struct sw_conf *c = p->conf;
	char **v;

	if (c->nfiles >= CONF_MAX_FILES) {
		conf_error(p, LOC(0, 0), "%s: more than %d drop-ins", name, CONF_MAX_FILES - 1);
		return -1;
	}
	v = grow(c->files, c->nfiles, sizeof(*v));
	if (!v || !(v[c->nfiles] = strdup(name))) {
		if (v)
			c->files = v;
		conf_error(p, LOC(0, 0), "out of memory");
		return -1;
	}
	c->files = v;
	return (int)c->nfiles++;
}

/* One file's text (len bytes, may hold NULs) into p->conf. */
static void parse_text(struct parser *p, size_t file, const char *text, size_t len)
{
	p->file = file;
	p->line = LOC(file, 0);
	p->pos = text;
	p->end = text + len;
	p->sec = SEC_NONE;
	p->nseen = 0;
	p->nopened = 0;
	if (ini_parse_stream(text_reader, p, conf_handler, p) == -2)
		conf_error(p, LOC(file, 0), "out of memory");
}

/* Read a whole file, at most SW_CONF_MAX_SIZE bytes. 0, or -errno with
 * the reason in err. */
static int read_file(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	size_t size = 0, cap = 4096;
	char *buf = NULL;
	struct stat st;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot read: %s", strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = -EISDIR;
		snprintf(err, errlen, "cannot read: %s (not a configuration file)",
			 strerror(EISDIR));
		goto out;
	}
	for (;;) {
		ssize_t n;

		if (!buf || size == cap) {
			char *v = realloc(buf, cap * 2);

			if (!v) {
				ret = -ENOMEM;
				snprintf(err, errlen, "cannot read: out of memory");
				goto out;
			}
			buf = v;
			cap *= 2;
		}
		n = read(fd, buf + size, cap - size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* not the end of the file: half a file is another config */
			ret = -errno;
			snprintf(err, errlen, "cannot read: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		size += (size_t)n;
		if (size > SW_CONF_MAX_SIZE) {
			ret = -EFBIG;
			snprintf(err, errlen,
				 "cannot read: larger than %d bytes, the limit for a configuration file",
				 SW_CONF_MAX_SIZE);
			goto out;
		}
	}
	*text = buf;
	*len = size;
	buf = NULL;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return ret;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files PATH.d/NAME.conf, in C-locale name order (strcmp: not the user's locale, so
 * the order is the same for every admin and at boot). */
static void read_dropins(struct parser *p, const char *path)
{
	char dir[4096], file[4096 + 256], err[256];
	char **names = NULL;
	size_t n = 0;
	struct dirent *d;
	DIR *dp;
	int idx;

	if (snprintf(dir, sizeof(dir), "%s.d", path) >= (int)sizeof(dir))
		return;
	dp = opendir(dir);
	if (!dp) {
		if (errno != ENOENT && errno != ENOTDIR &&
		    (idx = add_file(p, dir)) >= 0)
			conf_error(p, LOC(idx, 0), "cannot read the drop-in directory: %s",
				   strerror(errno));
		return;
	}
	while ((d = readdir(dp))) {
		size_t len = strlen(d->d_name);
		char **v;

		/* hidden files are editors' and package managers' leftovers */
		if (d->d_name[0] == '.' || len < 6 || strcmp(d->d_name + len - 5, ".conf"))
			continue;
		v = grow(names, n, sizeof(*v));
		if (!v || !(v[n] = strdup(d->d_name))) {
			if (v)
				names = v;
			conf_error(p, LOC(0, 0), "out of memory");
			break;
		}
		names = v;
		n++;
	}
	closedir(dp);
	qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		char *text = NULL;
		size_t len = 0;

		snprintf(file, sizeof(file), "%s/%s", dir, names[i]);
		idx = add_file(p, file);
		if (idx < 0)
			break;
		if (read_file(file, &text, &len, err, sizeof(err)) < 0)
			conf_error(p, LOC(idx, 0), "%s", err);
		else
			parse_text(p, (size_t)idx, text, len);
		free(text);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static void parser_start(struct parser *p)
{
	struct sw_conf *c = p->conf;

	memset(c, 0, sizeof(*c));
	sysctl_unset(&c->sysctl);
	apply_defaults(p, SEC_SWITCHD, c);
	apply_defaults(p, SEC_SYSCTL, c);
	parser_settings();
}

static int cmp_tap(const void *a, const void *b, void *arg)
{
	const struct sw_conf *c = arg;

	return strcmp(c->taps[*(const size_t *)a].name, c->taps[*(const size_t *)b].name);
}

/* A host with thousands of guest taps looks one up for every event and every
 * line of show: by name, in O(log n). Without the index (out of memory) the
 * lookup walks the list. */
static void index_taps(struct sw_conf *c)
{
	free(c->tap_order);
	c->tap_order = c->ntaps ? malloc(c->ntaps * sizeof(*c->tap_order)) : NULL;
	if (!c->tap_order)
		return;
	for (size_t i = 0; i < c->ntaps; i++)
		c->tap_order[i] = i;
	qsort_r(c->tap_order, c->ntaps, sizeof(*c->tap_order), cmp_tap, c);
}

static int parser_finish(struct parser *p)
{
	struct sw_conf *c = p->conf;

	validate(p);
	validate_policy(p);
	validate_claim(p);
	free(p->opened);
	free(p->names);
	if (p->errors > SW_CONF_MAX_ERRORS && p->errfn) {
		char msg[64];

		snprintf(msg, sizeof(msg), "and %d more errors", p->errors - SW_CONF_MAX_ERRORS);
		p->errfn(p->arg, c->nfiles ? c->files[0] : "?", 0, msg);
	}
	if (p->errors)
		conf_free(c);
	else
		index_taps(c);
	return p->errors;
}

int conf_load(const char *path, struct sw_conf *conf, conf_error_fn errfn, void *arg)
{
	struct parser p = { .conf = conf, .errfn = errfn, .arg = arg };
	char err[256], *text = NULL;
	size_t len = 0;
	int ret;

	memset(conf, 0, sizeof(*conf));
	ret = read_file(path, &text, &len, err, sizeof(err));
	if (ret < 0) {
		if (errfn)
			errfn(arg, path, 0, err);
		return ret;
	}
	parser_start(&p);
	if (add_file(&p, path) == 0)
		parse_text(&p, 0, text, len);
	free(text);
	read_dropins(&p, path);
	return parser_finish(&p);
}

int conf_load_string(const char *text, const char *name, struct sw_conf *conf,
		     conf_error_fn errfn, void *arg)
{
	struct parser p = { .conf = conf, .errfn = errfn, .arg = arg };

	parser_start(&p);
	if (add_file(&p, name) == 0)
		parse_text(&p, 0, text, strlen(text));
	return parser_finish(&p);
}

void conf_free(struct sw_conf *c)
{
	for (size_t i = 0; i < c->nbridges; i++)
		free_section(SEC_BRIDGE, &c->bridges[i]);
	for (size_t i = 0; i < c->nnics; i++)
		free_section(SEC_NIC, &c->nics[i]);
	free_section(SEC_SWITCHD, c);
	for (size_t i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	free(c->tap_order);
	free(c->vips);
	free(c->nics);
	free(c->bridges);
	free(c->taps);
	memset(c, 0, sizeof(*c));
}

/* ---- printing back ------------------------------------------------------ */

static void print_where(FILE *f, const struct sw_conf *c, int loc)
{
	if (c->nfiles > 1 && loc)
		fprintf(f, "# from %s:%d\n", conf_file(c, loc), conf_line(loc));
}

static void print_keys(FILE *f, const struct sw_conf *c, enum section_type sec, const void *obj)
{
	const struct section_def *def = &sections[sec];
	const int *where = (const int *)(const void *)((const char *)obj + def->where);

	for (size_t i = 0; i < def->nkeys; i++) {
		const struct conf_key *k = &def->keys[i];

		if (k->shown && !k->shown(c, obj))
			continue;
		print_where(f, c, where[i]);
		k->type->print(f, c, k, obj);
	}
}

void conf_print(FILE *f, const struct sw_conf *c)
{
	bool any = false;

	fprintf(f, "[switchd]\n");
	print_keys(f, c, SEC_SWITCHD, c);
	for (int k = 0; k < SK_NCONF; k++)
		any |= c->sysctl.v[k] >= 0;
	if (any) {
		fprintf(f, "\n[sysctl]\n");
		print_keys(f, c, SEC_SYSCTL, c);
	}
	for (size_t i = 0; i < c->nvips; i++) {
		fputc('\n', f);
		print_where(f, c, c->vips[i].line);
		fprintf(f, "[vip %s]\n", c->vips[i].text);
		print_keys(f, c, SEC_VIP, &c->vips[i]);
	}
	for (size_t i = 0; i < c->nnics; i++) {
		if (c->nics[i].claimed)
			continue; /* not part of the file */
		fputc('\n', f);
		print_where(f, c, c->nics[i].line);
		fprintf(f, "[nic %s]\n", c->nics[i].name);
		print_keys(f, c, SEC_NIC, &c->nics[i]);
	}
	for (size_t i = 0; i < c->nbridges; i++) {
		fputc('\n', f);
		print_where(f, c, c->bridges[i].line);
		fprintf(f, "[bridge %s]\n", c->bridges[i].name);
		print_keys(f, c, SEC_BRIDGE, &c->bridges[i]);
	}
	for (size_t i = 0; i < c->ntaps; i++) {
		fputc('\n', f);
		print_where(f, c, c->taps[i].line);
		fprintf(f, "[tap %s]\n", c->taps[i].name);
		print_keys(f, c, SEC_TAP, &c->taps[i]);
	}
}

static bool keys_equal(enum section_type sec, const void *a, const void *b, const char *what,
		       char *why, size_t len)
{
	const struct section_def *def = &sections[sec];

	for (size_t i = 0; i < def->nkeys; i++)
		if (!def->keys[i].type->equal(&def->keys[i], a, b)) {
			snprintf(why, len, "%s: %s differs", what, def->keys[i].key);
			return false;
		}
	return true;
}

bool conf_equal(const struct sw_conf *a, const struct sw_conf *b, char *why, size_t len)
{
	char what[48];

	if (a->nnics != b->nnics || a->nbridges != b->nbridges || a->ntaps != b->ntaps ||
	    a->nvips != b->nvips) {
		snprintf(why, len, "the number of sections differs");
		return false;
	}
	if (!keys_equal(SEC_SWITCHD, a, b, "[switchd]", why, len) ||
	    !keys_equal(SEC_SYSCTL, a, b, "[sysctl]", why, len))
		return false;
	for (size_t i = 0; i < a->nnics; i++) {
		snprintf(what, sizeof(what), "nic %s", a->nics[i].name);
		if (strcmp(a->nics[i].name, b->nics[i].name) ||
		    a->nics[i].claimed != b->nics[i].claimed) {
			snprintf(why, len, "%s: name or claimed differs", what);
			return false;
		}
		if (!keys_equal(SEC_NIC, &a->nics[i], &b->nics[i], what, why, len))
			return false;
	}
	for (size_t i = 0; i < a->nbridges; i++) {
		snprintf(what, sizeof(what), "bridge %s", a->bridges[i].name);
		if (strcmp(a->bridges[i].name, b->bridges[i].name)) {
			snprintf(why, len, "%s: name differs", what);
			return false;
		}
		if (!keys_equal(SEC_BRIDGE, &a->bridges[i], &b->bridges[i], what, why, len))
			return false;
	}
	for (size_t i = 0; i < a->ntaps; i++) {
		snprintf(what, sizeof(what), "tap %s", a->taps[i].name);
		if (strcmp(a->taps[i].name, b->taps[i].name)) {
			snprintf(why, len, "%s: name differs", what);
			return false;
		}
		if (!keys_equal(SEC_TAP, &a->taps[i], &b->taps[i], what, why, len))
			return false;
	}
	for (size_t i = 0; i < a->nvips; i++) {
		snprintf(what, sizeof(what), "vip %s", a->vips[i].text);
		if (a->vips[i].ip != b->vips[i].ip || strcmp(a->vips[i].text, b->vips[i].text)) {
			snprintf(why, len, "%s: address differs", what);
			return false;
		}
		if (!keys_equal(SEC_VIP, &a->vips[i], &b->vips[i], what, why, len))
			return false;
	}
	return true;
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
	if (c->tap_order) {
		size_t lo = 0, hi = c->ntaps;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int d = strcmp(c->taps[c->tap_order[mid]].name, name);

			if (!d)
				return &c->taps[c->tap_order[mid]];
			if (d < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		return NULL;
	}
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

enum sw_cable_mode conf_cable_check(const struct sw_conf *c, const struct sw_conf_bridge *br)
{
	if (br && br->cable_check != CABLE_MODE_DEFAULT)
		return (enum sw_cable_mode)br->cable_check;
	return c->cable_check ? (enum sw_cable_mode)c->cable_check : CABLE_MODE_REPORT;
}

const char *conf_cable_mode_name(enum sw_cable_mode m)
{
	/* DEFAULT is never an effective mode: what conf_cable_check gives for it */
	if (m <= CABLE_MODE_DEFAULT || m > CABLE_MODE_OFF)
		m = CABLE_MODE_REPORT;
	return cable_modes[m];
}

const char *conf_capture_user(const struct sw_conf *c, char *buf, size_t len)
{
	for (size_t i = 0; i < c->nbridges; i++)
		if (c->bridges[i].watch_arp) {
			snprintf(buf, len, "bridge %s: watch_arp = yes", c->bridges[i].name);
			return buf;
		}
	/* cable identification listens on the NICs switchd manages */
	if (!c->nnics && !c->claim)
		return NULL;
	for (size_t i = 0; i < c->nbridges; i++) {
		const struct sw_conf_bridge *br = &c->bridges[i];
		enum sw_cable_mode m = conf_cable_check(c, br);

		if (m == CABLE_MODE_OFF)
			continue;
		snprintf(buf, len, "bridge %s: cable_check = %s%s", br->name, conf_cable_mode_name(m),
			 br->cable_check == CABLE_MODE_DEFAULT ? " (the default)" : "");
		return buf;
	}
	return NULL;
}

int conf_move_port(struct sw_conf *c, const char *from, const char *to, const char *nic)
{
	struct sw_conf_bridge *src = NULL, *dst = NULL;
	char (*ports)[SW_IFNAMSIZ];
	size_t k;

	for (size_t i = 0; i < c->nbridges; i++) {
		if (!strcmp(c->bridges[i].name, from))
			src = &c->bridges[i];
		if (!strcmp(c->bridges[i].name, to))
			dst = &c->bridges[i];
	}
	if (!src || !dst || src == dst)
		return -ENOENT;
	for (k = 0; k < src->nports && strcmp(src->ports[k], nic); k++)
		;
	if (k == src->nports)
		return -ENOENT;
	ports = grow(dst->ports, dst->nports, sizeof(*ports));
	if (!ports)
		return -ENOMEM;
	dst->ports = ports;
	sw_strlcpy(dst->ports[dst->nports++], nic, SW_IFNAMSIZ);
	memmove(&src->ports[k], &src->ports[k + 1], (src->nports - k - 1) * sizeof(*src->ports));
	src->nports--;
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
