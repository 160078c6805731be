#ifndef SWITCHCTL_OUTPUT_H
#define SWITCHCTL_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>

/* Print a method's result as text (or JSON with json = true): one call site. */
void output_result(FILE *f, const char *method, json_t *result, bool json);
/* One monitor event: a text line, or a JSON line. */
void output_event(FILE *f, json_t *event, bool json);

#endif
