#!/usr/bin/env bash
# Load test of issue 7: requests per second of a trivial handler behind
# stytchmw's middleware, as a share of the same server without it, under
# loopback load from wrk with a hot set of distinct session JWTs.
#
# It builds cmd/loadserver, starts one server per variant (each with its own
# in-process stytchtest emulator, which issues the tokens), warms both up,
# then measures them in ROUNDS rounds, each running both variants back to
# back (alternating which goes first, so that a drift in the machine's other
# load favours neither). A round's ratio is stytchmw's requests/sec over
# plain's; the verdict is on the median of the rounds' ratios. It also
# prints the server's CPU time per request (from /proc), which does not
# depend on how fast wrk is. Exit status: 0 when the median ratio reaches
# TARGET, 2 when it does not, 1 on any error (a non-2xx answer or a socket
# error included).
#
# Needs Go, Linux's /proc and wrk (Debian: apt-get install -y wrk).
# Tunables, as environment variables: DURATION (5s), WARMUP (3s), ROUNDS (5),
# CONNECTIONS (64), THREADS (1: wrk on one core, the server on the other),
# TOKENS (1000), TARGET (0.85).
set -euo pipefail

DURATION=${DURATION:-5s}
WARMUP=${WARMUP:-3s}
ROUNDS=${ROUNDS:-5}
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
declare -A pid_of
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
	pid_of[$mode]=$!
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

# cpu_ticks MODE: the CPU time the server of a variant has used, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/${pid_of[$1]}/stat"; }

# load MODE DURATION: runs wrk against a variant and prints its requests/sec
# and the server's CPU microseconds per request.
load() {
	local mode=$1 duration=$2 out before after
	before=$(cpu_ticks "$mode")
	out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration" -s "$here/load/rotate.lua" \
		"$(cat "$work/url-$mode")/" -- "$work/tokens-$mode")
	after=$(cpu_ticks "$mode")
	if grep -qE "Non-2xx|Socket errors" <<<"$out"; then
		echo "load.sh: $mode: errors under load:" >&2
		echo "$out" >&2
		exit 1
	fi
	awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '
		/^Requests\/sec:/ { rps = $2 }
		/ requests in / { n = $1 }
		END { printf "%s %.2f\n", rps, 1e6 * ticks / hz / n }' <<<"$out"
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

plain=() mw=() ratios=() plain_cpu=() mw_cpu=()
for round in $(seq 1 "$ROUNDS"); do
	if ((round % 2)); then
		read -r p pc < <(load plain "$DURATION")
		read -r m mc < <(load stytchmw "$DURATION")
	else
		read -r m mc < <(load stytchmw "$DURATION")
		read -r p pc < <(load plain "$DURATION")
	fi
	r=$(awk -v m="$m" -v p="$p" 'BEGIN { printf "%.3f", m / p }')
	plain+=("$p") mw+=("$m") ratios+=("$r") plain_cpu+=("$pc") mw_cpu+=("$mc")
	printf 'round %d: plain %8.0f req/s (%5.2f µs CPU/req), stytchmw %8.0f req/s (%5.2f µs CPU/req), ratio %s\n' \
		"$round" "$p" "$pc" "$m" "$mc" "$r"
done

p=$(printf '%s\n' "${plain[@]}" | median)
m=$(printf '%s\n' "${mw[@]}" | median)
pc=$(printf '%s\n' "${plain_cpu[@]}" | median)
mc=$(printf '%s\n' "${mw_cpu[@]}" | median)
ratio=$(printf '%s\n' "${ratios[@]}" | median)
printf 'median: plain %.0f req/s, stytchmw %.0f req/s; server CPU per request: plain %s µs, stytchmw %s µs\n' "$p" "$m" "$pc" "$mc"
echo "median of the rounds' ratios: $ratio (target >= $TARGET)"
if awk -v r="$ratio" -v t="$TARGET" 'BEGIN { exit !(r >= t) }'; then
	echo "PASS"
else
	echo "BELOW TARGET"
	exit 2
fi
