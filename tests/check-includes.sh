#!/bin/bash
# The daemon's dependencies point one way (docs/design.md):
#   main -> control -> engine -> features -> kernel -> core
# 1. No module includes one of a layer above it (switchd/LAYER/ folders;
#    main.c is the top).
# 2. No include cycle among the modules at all: a module is foo.c with its
#    foo.h; an edge is an #include "bar.h" of one of bar's files (tsort
#    finds the loops).
# Exit 1 with what is wrong, 77 if the source tree is not there.
set -u
top=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
dir=$top/switchd
[ -d "$dir" ] || { echo "SKIP: no $dir" >&2; exit 77; }
declare -A rank=([core]=0 [kernel]=1 [features]=2 [engine]=3 [control]=4 [switchd]=5)

declare -A known layer
while IFS= read -r f; do
	b=$(basename "$f")
	known[${b%.*}]=1
	layer[${b%.*}]=$(basename "$(dirname "$f")")
done < <(find "$dir" -name '*.[ch]')

bad=0
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
while read -r m d; do
	[ -n "$m" ] || continue
	lm=${layer[$m]} ld=${layer[$d]}
	if [ "${rank[$ld]:-0}" -gt "${rank[$lm]:-0}" ]; then
		echo "layering: $m ($lm) includes $d.h of $ld, a layer above it"
		bad=1
	fi
done <<<"$edges"
nedges=$(printf '%s\n' "$edges" | grep -c .)
loops=$(printf '%s\n' "$edges" | tsort 2>&1 >/dev/null)
if [ -n "$loops" ]; then
	echo "include cycle among the daemon's modules:"
	printf '%s\n' "$loops" | grep -v '^tsort: .*input contains a loop:$' | sed 's/^tsort: /  /'
	bad=1
fi
[ "$bad" = 0 ] || exit 1
echo "no include cycle and no upward include among ${#known[@]} modules ($nedges edges)"
exit 0
