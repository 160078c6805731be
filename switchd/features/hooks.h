/*
 * Hooks: `hooks = DIR` executables run on bridge events, pre-up before a
 * bridge forwards, the others in order per bridge without delaying anything
 * (hooks.c says how).
 */
#ifndef SWITCHD_HOOKS_H
#define SWITCHD_HOOKS_H

#include "feature.h"

extern const struct sw_feature hooks_feature;

#endif
