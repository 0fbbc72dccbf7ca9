#!/usr/bin/env bash
# Fleet mode in one script: a redis-server, one Stytch emulator, and three
# replicas of examples/chi sharing them (STYTCH_REDIS_URL). It logs a
# session out on the first replica and shows the two others refusing it
# at once. Needs redis-server (Debian: apt-get install redis-server), curl
# and jq. Everything listens on loopback and stops when the script ends.
#
#   examples/fleet/demo.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

REDIS_PORT=${REDIS_PORT:-6391}
EMU_ADDR=${EMU_ADDR:-127.0.0.1:4011}
PORTS=(8081 8082 8083)
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

echo "building…"
go build -o "$work/chi" ./examples/chi
go build -o "$work/emulator" ./stytchtest/cmd/stytch-emulator

redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
	--dir "$work" --logfile "$work/redis.log" &
pids+=($!)

"$work/emulator" -addr "$EMU_ADDR" >"$work/emulator.json" 2>"$work/emulator.log" &
pids+=($!)
for _ in $(seq 50); do [ -s "$work/emulator.json" ] && break; sleep 0.1; done
base=$(jq -r .base_url "$work/emulator.json")
project=$(jq -r .project_id "$work/emulator.json")
secret=$(jq -r .secret "$work/emulator.json")

for port in "${PORTS[@]}"; do
	STYTCH_PROJECT_ID=$project STYTCH_SECRET=$secret STYTCH_API_URL=$base \
		STYTCH_REDIS_URL="redis://127.0.0.1:$REDIS_PORT" ADDR="127.0.0.1:$port" \
		"$work/chi" >"$work/chi-$port.out" 2>"$work/chi-$port.log" &
	pids+=($!)
done
for port in "${PORTS[@]}"; do
	ready=
	for _ in $(seq 100); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")" = 200 ] && ready=1 && break
		sleep 0.1
	done
	[ -n "$ready" ] || { echo "replica :$port not ready; its log:"; cat "$work/chi-$port.log"; exit 1; }
	echo "replica :$port ready (/healthz 200: the fleet's revocations are loaded)"
done

# A user with the role "editor" and a session, through the emulator's admin API.
admin=(-s -u "$project:$secret" -H 'Content-Type: application/json')
user=$(curl "${admin[@]}" -d '{"email":"fleet@example.com","roles":["editor"]}' "$base/emulator/users" | jq -r .user_id)
jwt=$(curl "${admin[@]}" -d "{\"user_id\":\"$user\",\"session_duration_minutes\":60}" "$base/emulator/sessions" | jq -r .session_jwt)

status() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $jwt" "http://127.0.0.1:$1/me"; }
echo
for port in "${PORTS[@]}"; do echo "GET /me on :$port -> $(status "$port")"; done
echo
echo "POST /logout on :${PORTS[0]} -> $(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $jwt" "http://127.0.0.1:${PORTS[0]}/logout")"
for port in "${PORTS[@]}"; do echo "GET /me on :$port -> $(status "$port")"; done
echo
echo "The JWT still verifies locally for minutes; every replica refuses it because the revocation came through Redis."
