#ifndef SWITCHD_SHOW_TEXT_H
#define SWITCHD_SHOW_TEXT_H

#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>

/* s with control characters escaped (\x1b) for a terminal; malloc'd. */
char *text_escape(const char *s);
/* v with every string and key escaped so: v itself (a new reference) when
 * nothing needs it, else a deep copy. */
json_t *text_escape_json(const json_t *v);

/* o's string member key, or dflt; whether its member key is true. */
const char *text_str(const json_t *o, const char *key, const char *dflt);
bool text_flag(const json_t *o, const char *key);

/* A show result (already escaped) as the tree switchctl prints; verbose adds
 * what each NIC hears. */
void show_text(FILE *f, json_t *result, bool verbose);
/* A cable result (already escaped): each bridge's network, then each NIC. */
void cable_text(FILE *f, json_t *result);

#endif
