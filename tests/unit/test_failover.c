/* The failover policy: observations in, one decision out. */
#include <criterion/criterion.h>
#include <string.h>

#include "failover.h"

static const struct fo_params P = { .preempt = false, .updelay = 2, .hold_down = 30,
				    .flap_window = 10, .flap_limit = 4 };

static struct fo_port up(bool attached)
{
	struct fo_port p = { .present = true, .carrier = true, .attached = attached };
	return p;
}

Test(failover, a_working_active_port_stays)
{
	struct fo_port ports[2] = { up(true), up(false) };
	struct fo_decision d;

	fo_decide(&P, ports, 2, false, 100, &d);
	cr_assert_eq(d.kind, FO_NOTHING);
}

Test(failover, carrier_loss_swaps_to_the_first_standby_with_carrier)
{
	struct fo_port ports[3] = { up(true), up(false), up(false) };
	struct fo_decision d;

	ports[0].carrier = false;
	ports[1].carrier = false;
	fo_decide(&P, ports, 3, false, 100, &d);
	cr_assert_eq(d.kind, FO_SWAP);
	cr_assert_eq(d.to, 2);
	cr_assert_eq(d.from, 0);
	cr_assert_str_eq(d.reason, "carrier lost");
}

Test(failover, a_removed_card_is_replaced)
{
	struct fo_port ports[2] = { up(false), up(false) };
	struct fo_decision d;

	ports[0].present = false; /* gone: the kernel detached it */
	ports[0].carrier = false;
	fo_decide(&P, ports, 2, false, 100, &d);
	cr_assert_eq(d.kind, FO_ATTACH);
	cr_assert_eq(d.to, 1);
}

Test(failover, nothing_with_carrier_means_wait_then_first_to_return_wins)
{
	struct fo_port ports[2] = { up(true), up(false) };
	struct fo_decision d;

	ports[0].carrier = ports[1].carrier = false;
	fo_decide(&P, ports, 2, false, 100, &d);
	cr_assert_eq(d.kind, FO_NOTHING);
	ports[1].carrier = true;
	fo_decide(&P, ports, 2, false, 101, &d);
	cr_assert_eq(d.kind, FO_SWAP);
	cr_assert_eq(d.to, 1);
}

Test(failover, operator_detach_suspends_and_held_ports_are_never_chosen)
{
	struct fo_port ports[2] = { up(false), up(false) };
	struct fo_decision d;

	fo_decide(&P, ports, 2, true, 100, &d);
	cr_assert_eq(d.kind, FO_NOTHING, "the operator took the host off this network");
	ports[0].operator_held = true;
	fo_decide(&P, ports, 2, false, 100, &d);
	cr_assert_eq(d.to, 1);
}

Test(failover, preempt_waits_for_updelay)
{
	struct fo_params p = P;
	struct fo_port ports[2] = { up(false), up(true) };
	struct fo_decision d;

	p.preempt = true;
	ports[0].carrier_up_since = 100;
	fo_decide(&p, ports, 2, false, 101, &d);
	cr_assert_eq(d.kind, FO_NOTHING, "not stable for updelay yet");
	cr_assert_float_eq(d.next_deadline, 102, 1e-9, "decide again when updelay ends");
	fo_decide(&p, ports, 2, false, 102.5, &d);
	cr_assert_eq(d.kind, FO_SWAP);
	cr_assert_eq(d.to, 0);
	cr_assert_str_eq(d.reason, "preempt");
	fo_decide(&P, ports, 2, false, 102.5, &d);
	cr_assert_eq(d.kind, FO_NOTHING, "preempt off: stay on the working standby");
}

Test(failover, a_flapping_port_is_held_down_once)
{
	struct fo_port ports[2] = { up(false), up(true) };
	struct fo_decision d;
	int holds = 0;

	/* 50 carrier changes within one second */
	for (int i = 0; i < 50; i++)
		holds += fo_note_flaps(&ports[0], &P, 1, 100 + i * 0.02);
	cr_assert_eq(holds, 1, "one hold-down, logged once");
	cr_assert_float_eq(ports[0].hold_until, 100 + 4 * 0.02 + 30, 1e-9);
	ports[1].carrier = false;
	fo_decide(&P, ports, 2, false, 101, &d);
	cr_assert_eq(d.kind, FO_NOTHING, "a held-down port is not chosen");
	cr_assert_float_eq(d.next_deadline, ports[0].hold_until, 1e-9);
	fo_decide(&P, ports, 2, false, ports[0].hold_until, &d);
	cr_assert_eq(d.kind, FO_SWAP, "after the hold-down it is eligible again");
}

Test(failover, slow_flaps_are_not_held_down)
{
	struct fo_port p = up(false);

	for (int i = 0; i < 20; i++)
		cr_assert_not(fo_note_flaps(&p, &P, 1, 100 + i * 5.0), "one change every 5 s");
}
