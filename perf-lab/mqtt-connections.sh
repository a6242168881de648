#!/usr/bin/env bash
# Memory per idle MQTT connection: Isthmus's embedded broker with one and with two event loops
# against mosquitto, all on this machine; every server is started by this script.
#
#   perf-lab/mqtt-connections.sh [--connections N] [--sources K] [--tools T] [--rate R]
#                                [--settle SECONDS] [--io nio|uring|auto]
#
# One server at a time: its RSS (VmRSS of /proc/PID/status) once it has idled for --settle
# seconds, then N idle MQTT 3.1.1 connections opened by T `isthmus bench mqtt conn` processes
# (keep alive 600 s: not a packet after CONNECT/CONNACK), spread over K source addresses
# 127.0.0.2... (--ifaddr), R connections a second in all; once the server has N established
# connections and --settle seconds have passed, its RSS again. Reported: both RSS figures, the
# difference per connection in KiB, and the RSS extrapolated to 100,000 connections (idle RSS +
# 100,000 x the per-connection figure). The per-process file-descriptor limit here is 20,000 and
# cannot be raised, so N stays below it for the servers and each tool process holds N/T.
#
# The figure includes everything the connections made the process take: the Java heap that grew
# for them (and garbage not yet collected: no GC is forced), direct memory the transport took
# while they connected (io_uring's provided-buffer ring grows under a burst of CONNECTs and keeps
# its buffers), thread stacks, malloc. Kernel socket buffers are not in RSS for anyone.
# Results and the command line are appended to perf-lab/RESULTS.md.
set -euo pipefail

command_line="perf-lab/mqtt-connections.sh${*:+ $*}"
connections=18000
sources=4
tools=2
rate=2000
settle=5
io=auto
while [ $# -gt 0 ]; do
  case "$1" in
    --connections) connections=$2; shift 2 ;;
    --sources) sources=$2; shift 2 ;;
    --tools) tools=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --settle) settle=$2; shift 2 ;;
    --io) io=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
fd_limit=$(ulimit -n)
per_tool=$(( (connections + tools - 1) / tools ))
if [ "$connections" -gt $((fd_limit - 200)) ] || [ "$per_tool" -gt $((fd_limit - 200)) ]; then
  echo "perf-lab: $connections connections ($per_tool per tool process) do not fit under the file-descriptor limit" \
    "of $fd_limit per process; use fewer --connections or more --tools" >&2
  exit 2
fi
if [ "$sources" -lt 1 ] || [ "$sources" -gt 250 ]; then
  echo "perf-lab: --sources must be 1..250" >&2
  exit 2
fi

root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
# shellcheck source=perf-lab/common.sh
. "$root/perf-lab/common.sh"
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || {
  echo "perf-lab: mosquitto is required (apt-get install mosquitto)" >&2; exit 1; }
mosquitto_bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
"$root/isthmus" bench mqtt conn --help >/dev/null  # builds on first use

work=$(mktemp -d /tmp/isthmus-perf-mqtt-connections.XXXXXX)
pids=()
tool_pids=()
cleanup() {
  for pid in "${tool_pids[@]}" "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

names=(mosquitto isthmus-1 isthmus-2)
declare -A port_of pid_of
for name in "${names[@]}"; do take_port "port_of[$name]"; done

cat > "$work/mosquitto.conf" <<CONF
listener ${port_of[mosquitto]} 127.0.0.1
allow_anonymous true
persistence false
max_connections -1
CONF
"$mosquitto_bin" -c "$work/mosquitto.conf" > "$work/mosquitto.log" 2>&1 & pids+=($!); pid_of[mosquitto]=$!
for threads in 1 2; do
  "$root/isthmus" run --mqtt-listen "127.0.0.1:${port_of[isthmus-$threads]}" --threads "$threads" --io "$io" \
    > "$work/isthmus-$threads.log" 2>&1 & pids+=($!); pid_of[isthmus-$threads]=$!
done
for name in "${names[@]}"; do
  for _ in $(seq 100); do ss -Htln "( sport = :${port_of[$name]} )" | grep -q . && break; sleep 0.1; done
  ss -Htln "( sport = :${port_of[$name]} )" | grep -q . || { echo "perf-lab: $name did not listen" >&2; cat "$work/$name.log" >&2; exit 1; }
done

ifaddr=$(seq -s, -f '127.0.0.%g' 2 $((sources + 1)))
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
established() { ss -Htn state established "( sport = :$1 )" | wc -l; }

declare -A idle_of busy_of count_of
for name in "${names[@]}"; do
  port=${port_of[$name]}
  pid=${pid_of[$name]}
  sleep "$settle"
  idle_of[$name]=$(rss_kib "$pid")
  tool_pids=()
  for t in $(seq 0 $((tools - 1))); do
    count=$per_tool
    [ $(( (t + 1) * per_tool )) -gt "$connections" ] && count=$((connections - t * per_tool))
    "$root/isthmus" bench mqtt conn -h 127.0.0.1 -p "$port" -V 4 -c "$count" -n $((t * per_tool)) \
      -R $(( (rate + tools - 1) / tools )) -k 600 --ifaddr "$ifaddr" --prefix "$name-$t" \
      > "$work/tool-$name-$t.log" 2>&1 & tool_pids+=($!)
  done
  deadline=$(( $(date +%s) + connections / rate + 120 ))
  while [ "$(established "$port")" -lt "$connections" ]; do
    if [ "$(date +%s)" -gt "$deadline" ]; then
      echo "perf-lab: $name has $(established "$port") of $connections connections:" >&2
      tail -5 "$work"/tool-"$name"-*.log "$work/$name.log" >&2
      exit 1
    fi
    for tool in "${tool_pids[@]}"; do
      kill -0 "$tool" 2>/dev/null || { echo "perf-lab: a load tool for $name ended early:" >&2; tail -5 "$work"/tool-"$name"-*.log >&2; exit 1; }
    done
    sleep 0.5
  done
  sleep "$settle"
  busy_of[$name]=$(rss_kib "$pid")
  count_of[$name]=$(established "$port")
  kill -0 "$pid" 2>/dev/null || { echo "perf-lab: $name died:" >&2; tail -20 "$work/$name.log" >&2; exit 1; }
  for tool in "${tool_pids[@]}"; do kill "$tool" 2>/dev/null || true; done
  for tool in "${tool_pids[@]}"; do wait "$tool" 2>/dev/null || true; done
  tool_pids=()
  for _ in $(seq 120); do [ "$(established "$port")" -eq 0 ] && break; sleep 0.5; done
  echo "$name: idle ${idle_of[$name]} KiB, with ${count_of[$name]} connections ${busy_of[$name]} KiB"
done

commit=$(git -C "$root" rev-parse --short HEAD)
transport=$(grep -o 'io: [a-z]*' "$work/isthmus-1.log" | head -1 | cut -d' ' -f2)
{
  echo
  echo "## MQTT idle connections: memory per connection ($(date -u '+%Y-%m-%d %H:%M') UTC)"
  echo
  echo "Command: \`$command_line\` — $(getconf _NPROCESSORS_ONLN) cores, $(uname -r), $connections idle MQTT 3.1.1"
  echo "connections per server (keep alive 600 s) from $tools \`isthmus bench mqtt conn\` processes over $sources source"
  echo "addresses ($ifaddr), $rate connections/s, RSS read $settle s after the last connection. Isthmus $commit"
  echo "\`run --mqtt-listen ... --threads 1|2 --io $io\` (transport: ${transport:-?}), launcher defaults;"
  echo "$("$mosquitto_bin" -h 2>&1 | head -1 | sed 's/ is an MQTT.*//'), persistence off. Per connection: (RSS with them - idle RSS) / connections."
  echo
  echo "| server | idle RSS MiB | RSS with $connections MiB | KiB per connection | 100k connections, extrapolated MiB |"
  echo "|---|---|---|---|---|"
  for name in "${names[@]}"; do
    awk -v n="$name" -v idle="${idle_of[$name]}" -v busy="${busy_of[$name]}" -v c="${count_of[$name]}" 'BEGIN {
      per = (busy - idle) / c
      printf "| %s | %.1f | %.1f | %.2f | %.0f |\n", n, idle / 1024, busy / 1024, per, (idle + per * 100000) / 1024
    }'
  done
} | tee -a "$root/perf-lab/RESULTS.md"
