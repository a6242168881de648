#!/usr/bin/env bash
# The MQTT proxy mode in front of mosquitto: clients talk to mosquitto through Isthmus
# (`run --mqtt-listen ... --mqtt-upstream mosquitto`, pass-through) on each transport, against
# the same clients talking to mosquitto directly; all on this machine, driven by
# `isthmus bench mqtt`; every server is started by this script.
#
#   perf-lab/mqtt-proxy.sh [--rounds N] [--duration SECONDS] [--size BYTES] [--threads N]
#
# Scenarios, each at QoS 0 and QoS 1, publishers as fast as acknowledgements and sockets allow
# (-I 0; QoS 1 with -F 32 in flight per publisher):
#   one-to-one  1 publisher  -> 1 subscriber
#   fan-in      100 publishers (bench/in/%i) -> 1 subscriber (bench/in/+)
# Contenders: direct (mosquitto's own port), proxy-nio (--io nio: chunks forwarded without a
# copy), proxy-uring (--io uring: bytes spliced inside the kernel, the default) and
# proxy-uring-nosplice (--io uring with mqtt.splice: false, io_uring's own receive and send).
# mosquitto starts afresh before every measurement (same port), so that what a flood left
# queued in it cannot slow the next contender down. Reported: messages/s the
# subscribers received, their p99 end-to-end latency, medians over alternating rounds and the
# ratio against direct (the target is at least 0.9). Appended to perf-lab/RESULTS.md with the
# command line.
set -euo pipefail

command_line="perf-lab/mqtt-proxy.sh${*:+ $*}"
rounds=3
duration=8
size=64
threads=1
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
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

work=$(mktemp -d /tmp/isthmus-perf-mqtt-proxy.XXXXXX)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

names=(direct proxy-nio proxy-uring proxy-uring-nosplice)
declare -A port_of pid_of
take_port mosquitto_port
port_of[direct]=$mosquitto_port
take_port "port_of[proxy-nio]"
take_port "port_of[proxy-uring]"
take_port "port_of[proxy-uring-nosplice]"

cat > "$work/mosquitto.conf" <<CONF
listener $mosquitto_port 127.0.0.1
allow_anonymous true
persistence false
CONF
mosquitto_pid=
# A new mosquitto on the same port: stops the last one, starts one, waits until it listens.
fresh_mosquitto() {
  if [ -n "$mosquitto_pid" ]; then kill "$mosquitto_pid" 2>/dev/null || true; wait "$mosquitto_pid" 2>/dev/null || true; fi
  "$mosquitto_bin" -c "$work/mosquitto.conf" >> "$work/direct.log" 2>&1 & mosquitto_pid=$!; pids+=($!); pid_of[direct]=$!
  for _ in $(seq 100); do ss -Htln "( sport = :$mosquitto_port )" | grep -q . && return; sleep 0.05; done
  echo "perf-lab: mosquitto did not listen on $mosquitto_port" >&2; cat "$work/direct.log" >&2; exit 1
}
fresh_mosquitto
for io in nio uring; do
  "$root/isthmus" run --mqtt-listen "127.0.0.1:${port_of[proxy-$io]}" --mqtt-upstream "127.0.0.1:$mosquitto_port" \
    --threads "$threads" --io "$io" > "$work/proxy-$io.log" 2>&1 & pids+=($!); pid_of[proxy-$io]=$!
done
cat > "$work/nosplice.yaml" <<YAML
threads: $threads
io: uring
mqtt:
  listen: "127.0.0.1:${port_of[proxy-uring-nosplice]}"
  upstreams: [ "127.0.0.1:$mosquitto_port" ]
  splice: false
YAML
"$root/isthmus" run --config "$work/nosplice.yaml" > "$work/proxy-uring-nosplice.log" 2>&1 & pids+=($!)
pid_of[proxy-uring-nosplice]=$!
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
  esac
  [ "$qos" = 1 ] && flight=(-F 32)
  bench sub -h 127.0.0.1 -p "$port" -c "$subs" -t "$sub_topic" -q "$qos" --duration $((duration + 12)) \
    > "$work/sub.out" 2>&1 &
  local sub_pid=$!
  # The publishers start once the subscriptions are in place: a JVM starts slowly on a loaded
  # machine, and QoS 0 messages published before that are lost. The subscribers outlast them.
  for _ in $(seq 100); do grep -q "sub total=$subs" "$work/sub.out" 2>/dev/null && break; sleep 0.1; done
  bench pub -h 127.0.0.1 -p "$port" -c "$pubs" -t "$pub_topic" -q "$qos" -I 0 -s "$size" "${flight[@]}" \
    --duration "$duration" > "$work/pub.out" 2>&1 || true
  wait "$sub_pid" || true
  local received p99
  received=$( (grep -o 'recv total=[0-9]*' "$work/sub.out" || true) | tail -1 | cut -d= -f2)
  p99=$( (grep -o 'p99=[0-9]*' "$work/sub.out" || true) | tail -1 | cut -d= -f2)
  echo "$(awk -v n="${received:-0}" -v d="$duration" 'BEGIN { printf "%.0f", n / d }') ${p99:-n/a}"
}

# The median of the numbers on stdin, or n/a when there are none.
median_or_na() { local values; values=$(grep -v 'n/a' | grep . || true); [ -n "$values" ] && echo "$values" | median || echo n/a; }

scenarios=(one-to-one fan-in)
declare -A rates latencies
for round in $(seq "$rounds"); do
  order=("${names[@]}")
  [ $((round % 2)) = 0 ] && order=(proxy-uring-nosplice proxy-uring proxy-nio direct)
  for scenario in "${scenarios[@]}"; do
    for qos in 0 1; do
      for name in "${order[@]}"; do
        fresh_mosquitto
        read -r rate p99 < <(measure "${port_of[$name]}" "$scenario" "$qos")
        for check in "${names[@]}"; do
          if ! kill -0 "${pid_of[$check]}" 2>/dev/null; then
            echo "perf-lab: $check died during $scenario QoS $qos ($name):" >&2; tail -20 "$work/$check.log" >&2; exit 1
          fi
        done
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
  echo "## MQTT proxy in front of mosquitto, against mosquitto directly ($(date -u '+%Y-%m-%d %H:%M') UTC)"
  echo
  echo "Command: \`$command_line\` — $(getconf _NPROCESSORS_ONLN) cores, $(uname -r), $rounds alternating rounds of ${duration}s,"
  echo "$size-byte payloads, load from \`isthmus bench mqtt\` (one loop per tool process) on the same machine."
  echo "Isthmus $commit \`run --mqtt-listen ... --mqtt-upstream mosquitto --threads $threads --io nio|uring\` (pass-through;"
  echo "nosplice: the same with \`mqtt.splice: false\` from a file), launcher defaults;"
  echo "$("$mosquitto_bin" -h 2>&1 | head -1 | sed 's/ is an MQTT.*//'), persistence off, started afresh before every measurement."
  echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other sessions share the machine)."
  echo "msg/s: messages the subscribers received over the run; p99: their end-to-end latency."
  echo
  echo "| scenario | QoS | contender | msg/s (median) | vs direct | p99 us (median) |"
  echo "|---|---|---|---|---|---|"
  for scenario in "${scenarios[@]}"; do
    for qos in 0 1; do
      base=$(echo "${rates[$scenario,$qos,direct]}" | tr ' ' '\n' | median_or_na)
      for name in "${names[@]}"; do
        rate=$(echo "${rates[$scenario,$qos,$name]}" | tr ' ' '\n' | median_or_na)
        p99=$(echo "${latencies[$scenario,$qos,$name]}" | tr ' ' '\n' | median_or_na)
        echo "| $scenario | $qos | $name | $rate | $(ratio "$rate" "$base") | $p99 |"
      done
    done
  done
} | tee -a "$root/perf-lab/RESULTS.md"
