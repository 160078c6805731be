/*
 * See capture.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "capture.h"

void capture_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	char *nl;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	/* one line: pcap messages rarely carry a newline, but be sure */
	while ((nl = strchr(err, '\n')))
		*nl = ' ';
}

/* pcap_activate()'s verdict in words: its own message when it left one. */
static const char *activate_why(pcap_t *p, int rc)
{
	const char *msg = pcap_geterr(p);

	switch (rc) {
	case PCAP_ERROR:
	case PCAP_ERROR_NO_SUCH_DEVICE:
	case PCAP_ERROR_PERM_DENIED:
	case PCAP_ERROR_PROMISC_PERM_DENIED:
		if (msg && *msg)
			return msg;
		break;
	default:
		break;
	}
	return pcap_statustostr(rc);
}

pcap_t *capture_open(const char *ifname, const struct capture_opts *o, int *fd, char *err,
		     size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	pcap_t *p = pcap_create(ifname, ebuf);
	int rc;

	if (!p) {
		capture_seterr(err, errlen, "%s: pcap_create: %s", ifname, ebuf);
		return NULL;
	}
	/* these only fail on an activated handle: checked all the same */
	if (pcap_set_snaplen(p, o->snaplen) || pcap_set_promisc(p, o->promisc) ||
	    pcap_set_immediate_mode(p, 1) || pcap_set_buffer_size(p, o->bufsize)) {
		capture_seterr(err, errlen, "%s: pcap options: %s", ifname, pcap_geterr(p));
		goto fail;
	}
	rc = pcap_activate(p);
	if (rc < 0) {
		capture_seterr(err, errlen, "%s: pcap_activate: %s", ifname, activate_why(p, rc));
		goto fail;
	}
	/* rc > 0 is a warning (say, promiscuous mode unsupported): carry on */
	if (pcap_datalink(p) != DLT_EN10MB) {
		capture_seterr(err, errlen, "%s: %s: not an Ethernet device (link type %d)", ifname,
			       o->what, pcap_datalink(p));
		goto fail;
	}
	if (o->in_only && pcap_setdirection(p, PCAP_D_IN)) {
		capture_seterr(err, errlen, "%s: pcap_setdirection: %s", ifname, pcap_geterr(p));
		goto fail;
	}
	if (pcap_compile(p, &prog, o->filter, 1, PCAP_NETMASK_UNKNOWN)) {
		capture_seterr(err, errlen, "%s: pcap_compile: %s", ifname, pcap_geterr(p));
		goto fail;
	}
	rc = pcap_setfilter(p, &prog);
	pcap_freecode(&prog);
	if (rc) {
		capture_seterr(err, errlen, "%s: pcap_setfilter: %s", ifname, pcap_geterr(p));
		goto fail;
	}
	if (pcap_setnonblock(p, 1, ebuf) < 0) {
		capture_seterr(err, errlen, "%s: pcap_setnonblock: %s", ifname, ebuf);
		goto fail;
	}
	*fd = pcap_get_selectable_fd(p);
	if (*fd < 0) {
		capture_seterr(err, errlen, "%s: pcap_get_selectable_fd: no descriptor to poll",
			       ifname);
		goto fail;
	}
	return p;
fail:
	pcap_close(p);
	return NULL;
}
