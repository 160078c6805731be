/*
 * See udev.h.
 */
#include <errno.h>
#include <stdlib.h>

#include "link.h"
#include "link_sync.h"
#include "log.h"
#include "runtime.h"
#include "switchd.h"
#include "udev.h"

#define SLOT feature_slot(&udev_feature)
/* udev takes a few ms a device (a .link file, a rename, sysctl.d) */
#define UDEV_POLL 0.05

struct ud_state {
	struct sw_ctx *ctx;
	ev_timer poll;
};

static struct ud_state *ud(const struct sw_ctx *ctx)
{
	return ctx->rt.priv[SLOT];
}

bool udev_any_pending(const struct sw_ctx *ctx)
{
	for (size_t i = 0; i < ctx->db.nlinks; i++)
		if (ctx->db.links[i].udev_pending)
			return true;
	return false;
}

static void on_poll(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ud_state *s = container_of(w, struct ud_state, poll);
	struct sw_ctx *ctx = s->ctx;
	bool left = false;

	(void)revents;
	for (size_t i = 0; i < ctx->db.nlinks; i++) {
		const struct sw_link *l = &ctx->db.links[i];

		if (!l->udev_pending)
			continue;
		if (linkdb_udev_done(l->ifindex)) {
			log_info("%s: udev is done with it", l->name);
		} else if (linkdb_udev_waited(l) >= ctx->conf.udev_wait) {
			log_warnx("%s: udev has not finished with it after %gs (udev_wait): taken as it is",
				  l->name, ctx->conf.udev_wait);
		} else {
			left = true;
			continue;
		}
		linkdb_udev_settled(&ctx->db, l->ifindex);
		ctx->rt.pending = true;
	}
	if (!left)
		ev_timer_stop(loop, w);
}

static int ud_init(struct sw_ctx *ctx)
{
	struct ud_state *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->ctx = ctx;
	ev_timer_init(&s->poll, on_poll, UDEV_POLL, UDEV_POLL);
	ctx->rt.priv[SLOT] = s;
	/* devices udev had not finished with at start-up */
	if (udev_any_pending(ctx))
		ev_timer_start(ctx->loop, &s->poll);
	return 0;
}

static void ud_fini(struct sw_ctx *ctx)
{
	struct ud_state *s = ud(ctx);

	if (!s)
		return;
	ev_timer_stop(ctx->loop, &s->poll);
	free(s);
	ctx->rt.priv[SLOT] = NULL;
}

static void ud_link_event(struct sw_ctx *ctx, const struct link_event *ev)
{
	struct ud_state *s = ud(ctx);

	if ((ev->type == LINK_ADDED || ev->type == LINK_CHANGED) && ev->link->udev_pending &&
	    !ev_is_active(&s->poll))
		ev_timer_start(ctx->loop, &s->poll);
}

const struct sw_feature udev_feature = {
	.name = "udev",
	.init = ud_init,
	.fini = ud_fini,
	.link_event = ud_link_event,
};
