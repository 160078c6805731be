#ifndef SWITCHCTL_OUTPUT_H
#define SWITCHCTL_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>

/* Print a method's result as text (or JSON with json = true): one call site. */
void output_result(FILE *f, const char *method, json_t *result, bool json);
/* show -j: the reply line of request id 1 (without its newline) printed as
 * output_result(json = true) would print its result, without parsing it;
 * -1 (nothing printed) when the line is not a reply in jansson's compact
 * form that this can be sure of: parse it then. */
int output_json_reply(FILE *f, const char *line, size_t len);
/* Text output with the details (show -v: cable fingerprints). */
void output_verbose(bool on);
/* One monitor event: a text line, or a JSON line. */
void output_event(FILE *f, json_t *event, bool json);

#endif
