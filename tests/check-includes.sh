#!/bin/bash
# The daemon's modules must not include each other in a cycle: a module is
# foo.c with its foo.h; an edge is an #include "bar.h" of one of bar's files.
# tsort finds the loops. Exit 1 (with the loop) if there is any, 77 if the
# source tree is not there.
set -u
top=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
dir=$top/switchd
[ -d "$dir" ] || { echo "SKIP: no $dir" >&2; exit 77; }

declare -A known
while IFS= read -r f; do
	b=$(basename "$f")
	known[${b%.*}]=1
done < <(find "$dir" -name '*.[ch]')

edges=$(
	find "$dir" -name '*.[ch]' | sort | while IFS= read -r f; do
		b=$(basename "$f")
		m=${b%.*}
		sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)\.h".*/\1/p' "$f" |
			while IFS= read -r inc; do
				d=$(basename "$inc")
				[ "$d" != "$m" ] && [ -n "${known[$d]:-}" ] && echo "$m $d"
			done
	done | sort -u
)
nedges=$(printf '%s\n' "$edges" | grep -c .)
loops=$(printf '%s\n' "$edges" | tsort 2>&1 >/dev/null)
if [ -n "$loops" ]; then
	echo "include cycle among the daemon's modules:"
	printf '%s\n' "$loops" | grep -v '^tsort: .*input contains a loop:$' | sed 's/^tsort: /  /'
	exit 1
fi
echo "no include cycle among ${#known[@]} modules ($nedges edges)"
exit 0
