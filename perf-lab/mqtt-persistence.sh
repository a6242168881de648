#!/usr/bin/env bash
# What sessions on disk cost: QoS 1 messages to a persistent session (MQTT 5, clean start off,
# session expiry 1 s) through Isthmus's embedded broker with its sessions in memory, with them
# on disk (`mqtt.persistence`: each message written and fsynced before its PUBACK), and through
# mosquitto with `persistence true`, all on this machine, driven by `isthmus bench mqtt`; every
# server is started by this script.
#
#   perf-lab/mqtt-persistence.sh [--rounds N] [--duration SECONDS] [--size BYTES]
#
# Scenarios, QoS 1, publishers as fast as the broker acknowledges (-I 0, -F 32 in flight each):
#   one-to-one  1 publisher    -> 1 subscriber
#   fan-in      100 publishers -> 1 subscriber (bench/in/+)
# Isthmus runs one event loop (mosquitto has one thread). msg/s is what the subscriber received
# over the run. Rounds alternate the order of the contenders after one unrecorded warm-up pass;
# medians and ratios against Isthmus in memory are appended, with this command line, to
# perf-lab/RESULTS.md.
#
# mosquitto writes its persistence file every autosave_interval (30 min by default) and at
# shutdown, not before acknowledging: a crash loses what came since. Isthmus on disk loses
# nothing that was acknowledged; the comparison shows what that guarantee costs.
set -euo pipefail
trap 'echo "perf-lab: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

command_line="perf-lab/mqtt-persistence.sh${*:+ $*}"
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
# shellcheck source=perf-lab/common.sh
. "$root/perf-lab/common.sh"
mqtt_options "$@"
require_mosquitto
"$root/isthmus" bench mqtt pub --help >/dev/null  # builds on first use
work_directory mqtt-persistence

names=(isthmus-memory isthmus-disk mosquitto-disk)
declare -A port_of pid_of
for name in "${names[@]}"; do take_port "port_of[$name]"; done

mkdir -p "$work/mosquitto"
cat > "$work/mosquitto.conf" <<CONF
listener ${port_of[mosquitto-disk]} 127.0.0.1
allow_anonymous true
persistence true
persistence_location $work/mosquitto/
CONF
"$mosquitto_bin" -c "$work/mosquitto.conf" > "$work/mosquitto-disk.log" 2>&1 & pids+=($!); pid_of[mosquitto-disk]=$!
cat > "$work/memory.yaml" <<YAML
mqtt:
  listen: "127.0.0.1:${port_of[isthmus-memory]}"
YAML
cat > "$work/disk.yaml" <<YAML
mqtt:
  listen: "127.0.0.1:${port_of[isthmus-disk]}"
  persistence: $work/isthmus-sessions
YAML
for kind in memory disk; do
  "$root/isthmus" run --config "$work/$kind.yaml" --threads 1 > "$work/isthmus-$kind.log" 2>&1 & pids+=($!)
  pid_of[isthmus-$kind]=$!
done
for name in "${names[@]}"; do
  for _ in $(seq 100); do ss -Htln "( sport = :${port_of[$name]} )" | grep -q . && break; sleep 0.1; done
  ss -Htln "( sport = :${port_of[$name]} )" | grep -q . || { echo "perf-lab: $name did not listen" >&2; cat "$work/$name.log" >&2; exit 1; }
done

bench() { "$root/isthmus" bench mqtt "$@"; }
measurement=0

# One measurement: prints "<msg/s> <p99 us>".
measure() { # port scenario seconds
  local port=$1 scenario=$2 seconds=$3 pubs sub_topic pub_topic
  case "$scenario" in
    one-to-one) pubs=1; sub_topic=bench/one; pub_topic=bench/one ;;
    fan-in) pubs=100; sub_topic='bench/in/+'; pub_topic='bench/in/%i' ;;
  esac
  measurement=$((measurement + 1))
  # A subscriber of its own each time (a new client id), whose session ends 1 s after it goes.
  bench sub -h 127.0.0.1 -p "$port" -V 5 -C false -x 1 --prefix "keeper$measurement" -c 1 -t "$sub_topic" -q 1 \
    --duration $((seconds + 5)) > "$work/sub.out" 2>&1 &
  local sub_pid=$!
  for _ in $(seq 150); do grep -q "sub total=1 " "$work/sub.out" && break; sleep 0.1; done
  sleep 0.5
  bench pub -h 127.0.0.1 -p "$port" -V 5 -c "$pubs" -i 2 -t "$pub_topic" -q 1 -I 0 -F 32 -s "$size" \
    --duration "$seconds" > "$work/pub.out" 2>&1 || true
  wait "$sub_pid" || true
  local received p99
  received=$( (grep -o 'recv total=[0-9]*' "$work/sub.out" || true) | tail -1 | cut -d= -f2)
  p99=$( (grep -o 'p99=[0-9]*' "$work/sub.out" || true) | tail -1 | cut -d= -f2)
  sleep 2  # the subscriber's session expires; nothing is left for the next measurement
  echo "$(awk -v n="${received:-0}" -v d="$seconds" 'BEGIN { printf "%.0f", n / d }') ${p99:-n/a}"
}

scenarios=(one-to-one fan-in)
declare -A rates latencies
for name in "${names[@]}"; do
  for scenario in "${scenarios[@]}"; do measure "${port_of[$name]}" "$scenario" 2 > /dev/null; done
  echo "warmed up $name"
done
for round in $(seq "$rounds"); do
  order=("${names[@]}")
  [ $((round % 2)) = 0 ] && order=(mosquitto-disk isthmus-disk isthmus-memory)
  for scenario in "${scenarios[@]}"; do
    for name in "${order[@]}"; do
      read -r rate p99 < <(measure "${port_of[$name]}" "$scenario" "$duration")
      kill -0 "${pid_of[$name]}" 2>/dev/null || { echo "perf-lab: $name died" >&2; tail -20 "$work/$name.log" >&2; exit 1; }
      echo "round $round $scenario $name: $rate msg/s p99 $p99 us"
      rates[$scenario,$name]+="$rate "
      latencies[$scenario,$name]+="$p99 "
    done
  done
done

commit=$(git -C "$root" rev-parse --short HEAD)
{
  echo
  echo "## MQTT sessions on disk: what they cost ($(date -u '+%Y-%m-%d %H:%M') UTC)"
  echo
  echo "Command: \`$command_line\` — $(getconf _NPROCESSORS_ONLN) cores, $(uname -r), $(df -T "$work" | awk 'NR==2 {print $2}') file system,"
  echo "one warm-up pass, then $rounds alternating rounds of ${duration}s, $size-byte QoS 1 messages (-I 0, -F 32 per"
  echo "publisher) to one MQTT 5 subscriber with a persistent session, load from \`isthmus bench mqtt\`. Isthmus"
  echo "$commit \`run --config ... --threads 1\` with sessions in memory, and with \`mqtt.persistence\` (written and"
  echo "fsynced before each PUBACK, one fsync per batch); $("$mosquitto_bin" -h 2>&1 | head -1 | sed 's/ is an MQTT.*//'),"
  echo "\`persistence true\` (saved every 30 min and at shutdown, not before acknowledging)."
  echo
  echo "| scenario | contender | msg/s (median) | vs Isthmus in memory | p99 us (median) |"
  echo "|---|---|---|---|---|"
  for scenario in "${scenarios[@]}"; do
    base=$(echo "${rates[$scenario,isthmus-memory]}" | tr ' ' '\n' | grep . | median)
    for name in "${names[@]}"; do
      rate=$(echo "${rates[$scenario,$name]}" | tr ' ' '\n' | grep . | median)
      p99=$(echo "${latencies[$scenario,$name]}" | tr ' ' '\n' | grep -v 'n/a' | grep . | median || echo n/a)
      echo "| $scenario | $name | $rate | $(ratio "$rate" "$base") | ${p99:-n/a} |"
    done
  done
} | tee -a "$root/perf-lab/RESULTS.md"
