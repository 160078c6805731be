#!/bin/bash
# make check: every fuzz target's seed corpus and regression inputs (crashes
# found by make fuzz) replayed through the target by a plain main(). A
# target that crashes or trips its property check on any of them fails.
set -u
fails=0
for t in ${FUZZ_TARGETS:?set by make check}; do
	bin=tests/fuzz/replay_$t
	if [ ! -x "$bin" ]; then
		echo "FAIL - $bin was not built"
		fails=$((fails + 1))
		continue
	fi
	if out=$("$bin" 2>&1); then
		echo "ok - $out"
	else
		echo "FAIL - fuzz_$t on its corpus and regression inputs:"
		echo "$out" | tail -40
		fails=$((fails + 1))
	fi
done
[ "$fails" = 0 ]
