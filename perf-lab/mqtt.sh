#!/usr/bin/env bash
# MQTT broker side by side: Isthmus's embedded broker with one and with two event loops against
# mosquitto, all on this machine, driven by `isthmus bench mqtt` (emqtt-bench's flags and
# lines); every server is started by this script.
#
#   perf-lab/mqtt.sh [--rounds N] [--duration SECONDS] [--size BYTES] [--part flood|paced|all]
#
# Scenarios, each at QoS 0 and QoS 1:
#   one-to-one  1 publisher  -> 1 subscriber
#   fan-in      100 publishers (bench/in/%i) -> 1 subscriber (bench/in/+)
#   fan-out     1 publisher  -> 100 subscribers (one topic)
# Two parts:
#   flood  publishers as fast as the broker takes their messages (-I 0; QoS 1 with -F 32 in
#          flight per publisher). msg/s is what the subscribers received over the run; the
#          latency is mostly queueing in socket buffers, so compare it between contenders only.
#   paced  a fixed number of messages at a fixed rate every contender carries (one-to-one
#          1 msg/ms, fan-in 100 x 1 msg/10 ms, fan-out 1 msg/10 ms to 100): the subscribers' p99
#          end-to-end latency (send timestamp in the payload, corrected for coordinated omission)
#          and the share of the messages that arrived.
# Each contender gets one unrecorded warm-up pass first (the JIT compiles the hot path), then
# rounds alternate the order of the contenders. Medians and ratios against mosquitto are
# appended, with this command line, to perf-lab/RESULTS.md.
set -euo pipefail
trap 'echo "perf-lab: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

command_line="perf-lab/mqtt.sh${*:+ $*}"
rounds=3
duration=6
size=64
part=all
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --part) part=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
case "$part" in flood|paced|all) ;; *) echo "--part is flood, paced or all" >&2; exit 2 ;; esac

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
# mosquitto starts afresh before each of its measurements: after a flood it works through what it
# queued for minutes, which would slow the next scenario. (Isthmus holds publishers back instead and
# has nothing left over; it keeps running, so its hot path stays compiled.)
start_mosquitto() {
  if [ -n "${pid_of[mosquitto]:-}" ]; then kill "${pid_of[mosquitto]}" 2>/dev/null || true; wait "${pid_of[mosquitto]}" 2>/dev/null || true; fi
  "$mosquitto_bin" -c "$work/mosquitto.conf" >> "$work/mosquitto.log" 2>&1 & pids+=($!); pid_of[mosquitto]=$!
  for _ in $(seq 100); do ss -Htln "( sport = :${port_of[mosquitto]} )" | grep -q . && return; sleep 0.05; done
}
start_mosquitto
for threads in 1 2; do
  "$root/isthmus" run --mqtt-listen "127.0.0.1:${port_of[isthmus-$threads]}" --threads "$threads" \
    > "$work/isthmus-$threads.log" 2>&1 & pids+=($!); pid_of[isthmus-$threads]=$!
done
for name in "${names[@]}"; do
  for _ in $(seq 100); do ss -Htln "( sport = :${port_of[$name]} )" | grep -q . && break; sleep 0.1; done
  ss -Htln "( sport = :${port_of[$name]} )" | grep -q . || { echo "perf-lab: $name did not listen" >&2; cat "$work/$name.log" >&2; exit 1; }
done

bench() { "$root/isthmus" bench mqtt "$@"; }

# One measurement: prints "<msg/s> <p99 us> <received> <expected, paced only>".
measure() { # port scenario qos paced(0|1) seconds
  local port=$1 scenario=$2 qos=$3 paced=$4 seconds=$5 subs pubs sub_topic pub_topic interval rate
  local flight=() expect=() amount=(--duration "$seconds") expected=0
  case "$scenario" in
    one-to-one) subs=1; pubs=1; sub_topic=bench/one; pub_topic=bench/one; interval=1 ;;
    fan-in) subs=1; pubs=100; sub_topic='bench/in/+'; pub_topic='bench/in/%i'; interval=10 ;;
    fan-out) subs=100; pubs=1; sub_topic=bench/out; pub_topic=bench/out; interval=10 ;;
  esac
  [ "$qos" = 1 ] && flight=(-F 32)
  if [ "$paced" = 1 ]; then
    # A fixed number of messages at a fixed rate: the subscribers should get every one.
    rate=$((pubs * 1000 / interval))
    amount=(-L $((rate * seconds)) --duration $((seconds * 3)))
    expected=$((rate * seconds * subs))
    expect=(--expected-interval-us $((interval * 1000)))
  else
    interval=0
  fi
  bench sub -h 127.0.0.1 -p "$port" -c "$subs" -i 2 -t "$sub_topic" -q "$qos" --duration $((seconds + 5)) "${expect[@]}" \
    > "$work/sub.out" 2>&1 &
  local sub_pid=$!
  # Publishing starts once every subscriber holds its SUBACK (a loaded machine can take seconds).
  for _ in $(seq 150); do grep -q "sub total=$subs " "$work/sub.out" && break; sleep 0.1; done
  sleep 0.5
  bench pub -h 127.0.0.1 -p "$port" -c "$pubs" -i 2 -t "$pub_topic" -q "$qos" -I "$interval" -s "$size" "${flight[@]}" \
    "${amount[@]}" > "$work/pub.out" 2>&1 || true
  wait "$sub_pid" || true
  local received p99
  received=$( (grep -o 'recv total=[0-9]*' "$work/sub.out" || true) | tail -1 | cut -d= -f2)
  p99=$( (grep -o 'p99=[0-9]*' "$work/sub.out" || true) | tail -1 | cut -d= -f2)
  echo "$(awk -v n="${received:-0}" -v d="$seconds" 'BEGIN { printf "%.0f", n / d }') ${p99:-n/a} ${received:-0} $expected"
}

scenarios=(one-to-one fan-in fan-out)
parts=()
[ "$part" != paced ] && parts+=(0)
[ "$part" != flood ] && parts+=(1)
declare -A rates latencies complete

for name in "${names[@]}"; do
  for scenario in "${scenarios[@]}"; do
    for qos in 0 1; do
      measure "${port_of[$name]}" "$scenario" "$qos" 0 2 > /dev/null
    done
  done
  echo "warmed up $name"
done

for round in $(seq "$rounds"); do
  order=("${names[@]}")
  [ $((round % 2)) = 0 ] && order=(isthmus-2 isthmus-1 mosquitto)
  for paced in "${parts[@]}"; do
    for scenario in "${scenarios[@]}"; do
      for qos in 0 1; do
        for name in "${order[@]}"; do
          [ "$name" = mosquitto ] && start_mosquitto
          read -r rate p99 received expected < <(measure "${port_of[$name]}" "$scenario" "$qos" "$paced" "$duration")
          if ! kill -0 "${pid_of[$name]}" 2>/dev/null; then
            echo "perf-lab: $name died during $scenario QoS $qos:" >&2; tail -20 "$work/$name.log" >&2; exit 1
          fi
          echo "round $round $([ "$paced" = 1 ] && echo "paced $scenario qos$qos $name: $rate msg/s p99 ${p99} us ($received of $expected)" || echo "flood $scenario qos$qos $name: $rate msg/s p99 ${p99} us")"
          rates[$paced,$scenario,$qos,$name]+="$rate "
          latencies[$paced,$scenario,$qos,$name]+="$p99 "
          if [ "$paced" = 1 ]; then
            complete[$scenario,$qos,$name]+="$(awk -v r="$received" -v e="$expected" 'BEGIN { printf "%.4f", (e > 0 ? r / e : 0) }') "
          fi
        done
      done
    done
  done
done

commit=$(git -C "$root" rev-parse --short HEAD)
{
  echo
  echo "## MQTT broker against mosquitto ($(date -u '+%Y-%m-%d %H:%M') UTC)"
  echo
  echo "Command: \`$command_line\` — $(getconf _NPROCESSORS_ONLN) cores, $(uname -r), one warm-up pass, then $rounds"
  echo "alternating rounds of ${duration}s, $size-byte payloads, load from \`isthmus bench mqtt\` (one loop per tool"
  echo "process) on the same machine. Isthmus $commit \`run --mqtt-listen ... --threads 1|2\`, launcher defaults;"
  echo "$("$mosquitto_bin" -h 2>&1 | head -1 | sed 's/ is an MQTT.*//'), persistence off, defaults otherwise, started afresh before"
  echo "each of its measurements (Isthmus keeps running: after a flood it has nothing queued)."
  for paced in "${parts[@]}"; do
    echo
    if [ "$paced" = 0 ]; then
      echo "Flood (-I 0): msg/s the subscribers received; p99 is mostly queueing in socket buffers."
      echo
      echo "| scenario | QoS | contender | msg/s (median) | vs mosquitto | p99 us (median) |"
      echo "|---|---|---|---|---|---|"
    else
      echo "Paced (one-to-one 1 msg/ms, fan-in 100 x 1 msg/10 ms, fan-out 1 msg/10 ms to 100 subscribers):"
      echo "end-to-end p99 corrected for coordinated omission, and the share of messages that arrived (worst round)."
      echo
      echo "| scenario | QoS | contender | msg/s (median) | p99 us (median) | p99 vs mosquitto | arrived |"
      echo "|---|---|---|---|---|---|---|"
    fi
    for scenario in "${scenarios[@]}"; do
      for qos in 0 1; do
        base=$(echo "${rates[$paced,$scenario,$qos,mosquitto]}" | tr ' ' '\n' | grep . | median)
        base_p99=$(echo "${latencies[$paced,$scenario,$qos,mosquitto]}" | tr ' ' '\n' | grep -v 'n/a' | grep . | median || echo 0)
        for name in "${names[@]}"; do
          rate=$(echo "${rates[$paced,$scenario,$qos,$name]}" | tr ' ' '\n' | grep . | median)
          p99=$(echo "${latencies[$paced,$scenario,$qos,$name]}" | tr ' ' '\n' | grep -v 'n/a' | grep . | median || echo n/a)
          if [ "$paced" = 0 ]; then
            echo "| $scenario | $qos | $name | $rate | $(ratio "$rate" "$base") | ${p99:-n/a} |"
          else
            worst=$(echo "${complete[$scenario,$qos,$name]}" | tr ' ' '\n' | grep . | sort -g | head -1)
            echo "| $scenario | $qos | $name | $rate | ${p99:-n/a} | $(ratio "${p99:-0}" "${base_p99:-0}") | $worst |"
          fi
        done
      done
    done
  done
} | tee -a "$root/perf-lab/RESULTS.md"
