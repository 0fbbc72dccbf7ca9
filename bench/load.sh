#!/usr/bin/env bash
# Load test of issue 7: requests per second of a trivial handler behind
# stytchmw's middleware, as a share of the same server without it, under
# loopback load from wrk with a hot set of distinct session JWTs.
#
# It builds cmd/loadserver, starts one server per variant (each with its own
# in-process stytchtest emulator, which issues the tokens), warms both up,
# then measures them alternately ROUNDS times and prints the medians and
# their ratio. Exit status: 0 when the ratio reaches TARGET, 2 when it does
# not, 1 on any error (a non-2xx answer or a socket error included).
#
# Needs Go and wrk (Debian: apt-get install -y wrk). Tunables, as
# environment variables: DURATION (10s), WARMUP (3s), ROUNDS (3),
# CONNECTIONS (64), THREADS (1), TOKENS (1000), TARGET (0.85).
set -euo pipefail

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-3s}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-1}
TOKENS=${TOKENS:-1000}
TARGET=${TARGET:-0.85}

here=$(cd "$(dirname "$0")" && pwd)
if ! command -v wrk >/dev/null; then
	echo "load.sh: wrk is not installed (Debian: apt-get install -y wrk)" >&2
	exit 1
fi

work=$(mktemp -d)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

(cd "$here" && go build -o "$work/loadserver" ./cmd/loadserver)

# start MODE: starts the server of a variant and waits until it listens.
start() {
	local mode=$1
	"$work/loadserver" -mode "$mode" -tokens "$TOKENS" \
		-tokens-file "$work/tokens-$mode" -ready-file "$work/url-$mode" 2>"$work/log-$mode" &
	pids+=($!)
	for _ in $(seq 1 600); do
		if [ -s "$work/url-$mode" ]; then
			return
		fi
		sleep 0.1
	done
	echo "load.sh: the $mode server did not start:" >&2
	cat "$work/log-$mode" >&2
	exit 1
}

# load MODE DURATION: runs wrk against a variant and prints its requests/sec.
load() {
	local mode=$1 duration=$2 out
	out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration" -s "$here/load/rotate.lua" \
		"$(cat "$work/url-$mode")/" -- "$work/tokens-$mode")
	if grep -qE "Non-2xx|Socket errors" <<<"$out"; then
		echo "load.sh: $mode: errors under load:" >&2
		echo "$out" >&2
		exit 1
	fi
	awk '/^Requests\/sec:/ { print $2 }' <<<"$out"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "load test: $(date -u +%Y-%m-%dT%H:%MZ), $(go version | cut -d' ' -f3), $(nproc) CPUs," \
	"$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $TOKENS distinct session JWTs in rotation, $ROUNDS rounds"

start plain
start stytchmw
for mode in plain stytchmw; do
	load "$mode" "$WARMUP" >/dev/null
done

plain=() mw=()
for round in $(seq 1 "$ROUNDS"); do
	p=$(load plain "$DURATION")
	m=$(load stytchmw "$DURATION")
	plain+=("$p") mw+=("$m")
	printf 'round %d: plain %s req/s, stytchmw %s req/s (%s)\n' "$round" "$p" "$m" \
		"$(awk -v m="$m" -v p="$p" 'BEGIN { printf "%.1f%%", 100 * m / p }')"
done

p=$(printf '%s\n' "${plain[@]}" | median)
m=$(printf '%s\n' "${mw[@]}" | median)
ratio=$(awk -v m="$m" -v p="$p" 'BEGIN { printf "%.3f", m / p }')
echo "median: plain $p req/s, stytchmw $m req/s, ratio $ratio (target >= $TARGET)"
if awk -v r="$ratio" -v t="$TARGET" 'BEGIN { exit !(r >= t) }'; then
	echo "PASS"
else
	echo "BELOW TARGET"
	exit 2
fi
