#!/usr/bin/env bash
# MQTT bridge side by side: an edge broker bridging one topic tree to a "cloud" mosquitto, the
# edge being Isthmus (embedded broker, one event loop, mqtt.bridges) or mosquitto (its own
# bridge), all on this machine, driven by `isthmus bench mqtt`; every server is started here.
#
#   perf-lab/mqtt-bridge.sh [--rounds N] [--duration SECONDS] [--size BYTES]
#
# One publisher publishes to the edge as fast as acknowledgements and sockets allow (-I 0; QoS 1
# with -F 32 in flight), the bridge forwards bench/# out at the same QoS, and one subscriber at
# the cloud broker receives. Both bridges speak MQTT 3.1.1 with their defaults (clean session
# off; mosquitto: try_private on, notifications off here so they do not count as traffic).
# Reported per edge: messages/s the cloud subscriber received over the run and its p99
# end-to-end latency (send timestamp in the payload), medians over alternating rounds, and the
# ratio against mosquitto. A flood can outrun a bridge (the edge acknowledges the publisher at
# once, the cloud acknowledges the bridge one window at a time): what a bridge's bounded queue
# drops then is simply not received. Results and the command line are appended to perf-lab/RESULTS.md.
set -euo pipefail

command_line="perf-lab/mqtt-bridge.sh${*:+ $*}"
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
# shellcheck source=perf-lab/common.sh
. "$root/perf-lab/common.sh"
mqtt_options "$@"
require_mosquitto
"$root/isthmus" bench mqtt pub --help >/dev/null  # builds on first use
work_directory bridge

names=(mosquitto isthmus)
declare -A port_of pid_of
take_port cloud_port
for name in "${names[@]}"; do take_port "port_of[$name]"; done

cat > "$work/cloud.conf" <<CONF
listener $cloud_port 127.0.0.1
allow_anonymous true
persistence false
CONF
cat > "$work/mosquitto.conf" <<CONF
listener ${port_of[mosquitto]} 127.0.0.1
allow_anonymous true
persistence false
connection cloud
address 127.0.0.1:$cloud_port
remote_clientid edge-mosquitto
notifications false
topic bench/# out 1
CONF
cat > "$work/isthmus.yaml" <<CONF
threads: 1
mqtt:
  listen: "127.0.0.1:${port_of[isthmus]}"
  bridges:
    - { name: cloud, address: "127.0.0.1:$cloud_port", client-id: edge-isthmus, topics: "bench/# out 1" }
CONF
"$mosquitto_bin" -c "$work/cloud.conf" > "$work/cloud.log" 2>&1 & pids+=($!); cloud_pid=$!
"$mosquitto_bin" -c "$work/mosquitto.conf" > "$work/mosquitto.log" 2>&1 & pids+=($!); pid_of[mosquitto]=$!
"$root/isthmus" run --config "$work/isthmus.yaml" > "$work/isthmus.log" 2>&1 & pids+=($!); pid_of[isthmus]=$!
for port in "$cloud_port" "${port_of[mosquitto]}" "${port_of[isthmus]}"; do
  for _ in $(seq 100); do ss -Htln "( sport = :$port )" | grep -q . && break; sleep 0.1; done
  ss -Htln "( sport = :$port )" | grep -q . || { echo "perf-lab: nothing listens on $port" >&2; tail "$work"/*.log >&2; exit 1; }
done
sleep 2  # both bridges connect and subscribe

bench() { "$root/isthmus" bench mqtt "$@"; }

# One measurement through edge $1 at QoS $2 on topics under $3 (a tree of its own, so what a
# bridge still forwards from an earlier measurement is not counted): prints "<msg/s> <p99 us>".
measure() {
  local port=$1 qos=$2 tree=$3 flight=()
  [ "$qos" = 1 ] && flight=(-F 32)
  bench sub -h 127.0.0.1 -p "$cloud_port" -c 1 -t "$tree/#" -q "$qos" --duration $((duration + 3)) \
    > "$work/sub.out" 2>&1 &
  local sub_pid=$!
  sleep 2
  bench pub -h 127.0.0.1 -p "$port" -c 1 -t "$tree/x" -q "$qos" -I 0 -s "$size" "${flight[@]}" \
    --duration "$duration" > "$work/pub.out" 2>&1 || true
  wait "$sub_pid" || true
  local received p99
  received=$( (grep -o 'recv total=[0-9]*' "$work/sub.out" || true) | tail -1 | cut -d= -f2)
  p99=$( (grep -o 'p99=[0-9]*' "$work/sub.out" || true) | tail -1 | cut -d= -f2)
  echo "$(awk -v n="${received:-0}" -v d="$duration" 'BEGIN { printf "%.0f", n / d }') ${p99:-n/a}"
}

declare -A rates latencies
for round in $(seq "$rounds"); do
  order=("${names[@]}")
  [ $((round % 2)) = 0 ] && order=(isthmus mosquitto)
  for qos in 0 1; do
    for name in "${order[@]}"; do
      read -r rate p99 < <(measure "${port_of[$name]}" "$qos" "bench/$name/r$round/q$qos")
      for pid in "${pid_of[$name]}" "$cloud_pid"; do
        kill -0 "$pid" 2>/dev/null || { echo "perf-lab: a broker died during $name QoS $qos" >&2; tail -20 "$work"/*.log >&2; exit 1; }
      done
      echo "round $round qos$qos edge $name: $rate msg/s p99 ${p99} us"
      rates[$qos,$name]+="$rate "
      latencies[$qos,$name]+="$p99 "
    done
  done
done

commit=$(git -C "$root" rev-parse --short HEAD)
{
  echo
  echo "## MQTT bridge to a cloud mosquitto, Isthmus against mosquitto as the edge ($(date -u '+%Y-%m-%d %H:%M') UTC)"
  echo
  echo "Command: \`$command_line\` — $(getconf _NPROCESSORS_ONLN) cores, $(uname -r), $rounds alternating rounds of ${duration}s,"
  echo "$size-byte payloads, one publisher at the edge, one subscriber at the cloud broker, load from \`isthmus bench mqtt\`"
  echo "on the same machine. Isthmus $commit with one loop and \`mqtt.bridges\` (\`bench/# out 1\`, defaults otherwise);"
  echo "$("$mosquitto_bin" -h 2>&1 | head -1 | sed 's/ is an MQTT.*//') as the edge (\`topic bench/# out 1\`, notifications off) and as the cloud broker."
  echo
  echo "| QoS | edge | msg/s at the cloud (median) | vs mosquitto | p99 us (median) |"
  echo "|---|---|---|---|---|"
  for qos in 0 1; do
    base=$(echo "${rates[$qos,mosquitto]}" | tr ' ' '\n' | grep . | median)
    for name in "${names[@]}"; do
      rate=$(echo "${rates[$qos,$name]}" | tr ' ' '\n' | grep . | median)
      p99=$(echo "${latencies[$qos,$name]}" | tr ' ' '\n' | grep -v 'n/a' | grep . | median || echo n/a)
      echo "| $qos | $name | $rate | $(ratio "$rate" "$base") | ${p99:-n/a} |"
    done
  done
} | tee -a "$root/perf-lab/RESULTS.md"
