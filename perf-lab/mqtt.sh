#!/usr/bin/env bash
# MQTT broker side by side: Isthmus's embedded broker with one and with two event loops against
# mosquitto, all on this machine, driven by `isthmus bench mqtt` (emqtt-bench's flags and
# lines); every server is started by this script.
#
#   perf-lab/mqtt.sh [--rounds N] [--duration SECONDS] [--size BYTES]
#
# Scenarios, each at QoS 0 and QoS 1, publishers as fast as acknowledgements and sockets allow
# (-I 0; QoS 1 with -F 32 in flight per publisher):
#   one-to-one  1 publisher  -> 1 subscriber
#   fan-in      100 publishers (bench/in/%i) -> 1 subscriber (bench/in/+)
#   fan-out     1 publisher  -> 100 subscribers (one topic)
# Reported per contender: messages/s received by the subscribers (their recv total over the
# run), and the subscribers' p99 end-to-end latency (send timestamp in the payload); medians over
# alternating rounds and ratios against mosquitto. Under a flood the latency is mostly queueing:
# compare it between contenders, not with a paced run. Results and the command line are appended
# to perf-lab/RESULTS.md.
set -euo pipefail

command_line="perf-lab/mqtt.sh${*:+ $*}"
rounds=3
duration=8
size=64
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
# shellcheck source=perf-lab/common.sh
. "$root/perf-lab/common.sh"
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || {
  echo "perf-lab: mosquitto is required (apt-get install mosquitto)" >&2; exit 1; }
mosquitto_bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
"$root/isthmus" bench mqtt pub --help >/dev/null  # builds on first use

work=$(mktemp -d /tmp/isthmus-perf-mqtt.XXXXXX)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

names=(mosquitto isthmus-1 isthmus-2)
declare -A port_of pid_of
for name in "${names[@]}"; do take_port "port_of[$name]"; done

cat > "$work/mosquitto.conf" <<CONF
listener ${port_of[mosquitto]} 127.0.0.1
allow_anonymous true
persistence false
CONF
"$mosquitto_bin" -c "$work/mosquitto.conf" > "$work/mosquitto.log" 2>&1 & pids+=($!); pid_of[mosquitto]=$!
for threads in 1 2; do
  "$root/isthmus" run --mqtt-listen "127.0.0.1:${port_of[isthmus-$threads]}" --threads "$threads" \
    > "$work/isthmus-$threads.log" 2>&1 & pids+=($!); pid_of[isthmus-$threads]=$!
done
for name in "${names[@]}"; do
  for _ in $(seq 100); do ss -Htln "( sport = :${port_of[$name]} )" | grep -q . && break; sleep 0.1; done
  ss -Htln "( sport = :${port_of[$name]} )" | grep -q . || { echo "perf-lab: $name did not listen" >&2; cat "$work/$name.log" >&2; exit 1; }
done

bench() { "$root/isthmus" bench mqtt "$@"; }

# One measurement: prints "<msg/s> <p99 us>".
measure() { # port scenario qos
  local port=$1 scenario=$2 qos=$3 subs pubs sub_topic pub_topic flight=()
  case "$scenario" in
    one-to-one) subs=1; pubs=1; sub_topic=bench/one; pub_topic=bench/one ;;
    fan-in) subs=1; pubs=100; sub_topic='bench/in/+'; pub_topic='bench/in/%i' ;;
    fan-out) subs=100; pubs=1; sub_topic=bench/out; pub_topic=bench/out ;;
  esac
  [ "$qos" = 1 ] && flight=(-F 32)
  bench sub -h 127.0.0.1 -p "$port" -c "$subs" -t "$sub_topic" -q "$qos" --duration $((duration + 3)) \
    > "$work/sub.out" 2>&1 &
  local sub_pid=$!
  sleep 2
  bench pub -h 127.0.0.1 -p "$port" -c "$pubs" -t "$pub_topic" -q "$qos" -I 0 -s "$size" "${flight[@]}" \
    --duration "$duration" > "$work/pub.out" 2>&1 || true
  wait "$sub_pid" || true
  local received p99
  received=$( (grep -o 'recv total=[0-9]*' "$work/sub.out" || true) | tail -1 | cut -d= -f2)
  p99=$( (grep -o 'p99=[0-9]*' "$work/sub.out" || true) | tail -1 | cut -d= -f2)
  echo "$(awk -v n="${received:-0}" -v d="$duration" 'BEGIN { printf "%.0f", n / d }') ${p99:-n/a}"
}

scenarios=(one-to-one fan-in fan-out)
declare -A rates latencies
for round in $(seq "$rounds"); do
  order=("${names[@]}")
  [ $((round % 2)) = 0 ] && order=(isthmus-2 isthmus-1 mosquitto)
  for scenario in "${scenarios[@]}"; do
    for qos in 0 1; do
      for name in "${order[@]}"; do
        read -r rate p99 < <(measure "${port_of[$name]}" "$scenario" "$qos")
        if ! kill -0 "${pid_of[$name]}" 2>/dev/null; then
          echo "perf-lab: $name died during $scenario QoS $qos:" >&2; tail -20 "$work/$name.log" >&2; exit 1
        fi
        echo "round $round $scenario qos$qos $name: $rate msg/s p99 ${p99} us"
        rates[$scenario,$qos,$name]+="$rate "
        latencies[$scenario,$qos,$name]+="$p99 "
      done
    done
  done
done

commit=$(git -C "$root" rev-parse --short HEAD)
{
  echo
  echo "## MQTT broker against mosquitto ($(date -u '+%Y-%m-%d %H:%M') UTC)"
  echo
  echo "Command: \`$command_line\` — $(getconf _NPROCESSORS_ONLN) cores, $(uname -r), $rounds alternating rounds of ${duration}s,"
  echo "$size-byte payloads, load from \`isthmus bench mqtt\` (one loop per tool process) on the same machine."
  echo "Isthmus $commit \`run --mqtt-listen ... --threads 1|2\`, launcher defaults; $("$mosquitto_bin" -h 2>&1 | head -1 | sed 's/ is an MQTT.*//'),"
  echo "persistence off, defaults otherwise. msg/s: messages the subscribers received over the run; p99: their end-to-end latency."
  echo
  echo "| scenario | QoS | contender | msg/s (median) | vs mosquitto | p99 us (median) |"
  echo "|---|---|---|---|---|---|"
  for scenario in "${scenarios[@]}"; do
    for qos in 0 1; do
      base=$(echo "${rates[$scenario,$qos,mosquitto]}" | tr ' ' '\n' | grep . | median)
      for name in "${names[@]}"; do
        rate=$(echo "${rates[$scenario,$qos,$name]}" | tr ' ' '\n' | grep . | median)
        p99=$(echo "${latencies[$scenario,$qos,$name]}" | tr ' ' '\n' | grep -v 'n/a' | grep . | median || echo n/a)
        echo "| $scenario | $qos | $name | $rate | $(ratio "$rate" "$base") | ${p99:-n/a} |"
      done
    done
  done
} | tee -a "$root/perf-lab/RESULTS.md"
