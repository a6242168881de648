#!/usr/bin/env bash
# CoAP servers side by side: the Isthmus CoAP endpoint (`isthmus run --coap-listen`, one and two
# event loops) against libcoap's coap-server-notls and an Eclipse Californium server, all on this
# machine, driven by `isthmus bench coap`; every server is started by this script.
#
#   perf-lab/coap.sh [--rounds N] [--duration SECONDS] [--clients C] [--observers O] [--rates "R1 R2"]
#
# (a) GET  C clients (default 16), CON, closed loop (one request in flight per client) on a small
#          resource of each server: Isthmus /status (JSON), libcoap /time, Californium /hello (text):
#          requests/s and p99.
# (b) observe  O observers (default 16) on each server's observable resource (Isthmus /telemetry,
#          libcoap /example_data, Californium /obs), one publisher PUTting 16 bytes at a fixed rate
#          (default 2000/s and 8000/s: the first carried by every contender here, the second beyond
#          what any of them sends): notifications/s the observers received and their p99 (send
#          time in the payload, corrected for coordinated omission). libcoap sends notifications
#          CON by default and holds the next one until the ACK comes; it is measured as started
#          (`libcoap`) and with -N (`libcoap-N`: NON, every fifth CON). Isthmus and Californium
#          send NON with every 20th CON.
# (c) the resident memory (VmRSS) of each server after its load in each round, and its peak (VmHWM).
# Each contender gets one unrecorded warm-up pass first (the JIT compiles the hot path), then
# rounds alternate the order of the contenders. Medians and ratios of Isthmus against each
# reference are appended, with this command line, to perf-lab/RESULTS.md.
set -euo pipefail
trap 'echo "perf-lab: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

command_line="perf-lab/coap.sh${*:+ $*}"
rounds=3
duration=5
clients=16
observers=16
rates="2000 8000"
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --observers) observers=$2; shift 2 ;;
    --rates) rates=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
# shellcheck source=perf-lab/common.sh
. "$root/perf-lab/common.sh"
libcoap_bin=$(command -v coap-server-notls || true)
[ -n "$libcoap_bin" ] || { echo "perf-lab: coap-server-notls is required (apt-get install libcoap3-bin)" >&2; exit 1; }
libcoap_client=$(command -v coap-client-notls || true)
java_home=$("$root/isthmus" --java-home)
"$root/isthmus" bench coap get --help >/dev/null  # builds the CLI on first use
# The Californium server lives in the benchmarks jar.
(cd "$root" && JAVA_HOME="$java_home" mvn -q -B -ntp -DskipTests -pl bench -am package >&2)
# Californium runs on the JVM options the launcher gives Isthmus.
eval "$(grep '^default_opts' "$root/isthmus")"

work_directory coap

names=(isthmus-1 isthmus-2 libcoap libcoap-N californium)
get_names=(isthmus-1 isthmus-2 libcoap californium)
declare -A port_of pid_of get_path obs_path
for name in "${names[@]}"; do take_udp_port "port_of[$name]"; done
get_path=([isthmus-1]=/status [isthmus-2]=/status [libcoap]=/time [libcoap-N]=/time [californium]=/hello)
obs_path=([isthmus-1]=/telemetry [isthmus-2]=/telemetry [libcoap]=/example_data [libcoap-N]=/example_data
  [californium]=/obs)

for threads in 1 2; do
  "$root/isthmus" run --coap-listen "127.0.0.1:${port_of[isthmus-$threads]}" --threads "$threads" \
    > "$work/isthmus-$threads.log" 2>&1 & pids+=($!); pid_of[isthmus-$threads]=$!
done
"$libcoap_bin" -A 127.0.0.1 -p "${port_of[libcoap]}" > "$work/libcoap.log" 2>&1 & pids+=($!); pid_of[libcoap]=$!
"$libcoap_bin" -A 127.0.0.1 -p "${port_of[libcoap-N]}" -N > "$work/libcoap-N.log" 2>&1 & pids+=($!); pid_of[libcoap-N]=$!
# shellcheck disable=SC2086
MALLOC_ARENA_MAX=2 "$java_home/bin/java" $default_opts -cp "$root/bench/target/benchmarks.jar" \
  dev.isthmus.bench.CaliforniumCoapServer "${port_of[californium]}" 127.0.0.1 \
  > "$work/californium.log" 2>&1 & pids+=($!); pid_of[californium]=$!
for name in "${names[@]}"; do
  for _ in $(seq 100); do ss -Huan "( sport = :${port_of[$name]} )" | grep -q . && break; sleep 0.1; done
  ss -Huan "( sport = :${port_of[$name]} )" | grep -q . || { echo "perf-lab: $name did not bind" >&2; cat "$work/$name.log" >&2; exit 1; }
done
sleep 1  # the JVMs log their listener before their first request is served

bench() { "$root/isthmus" bench coap "$@"; }
# A key of the summary line in $work/bench.out.
value() { sed -n "s/^summary .* $1=\([^ ]*\).*/\1/p" "$work/bench.out" | tail -1; }

# The GET: prints "<req/s> <p99 us> <timeouts>".
measure_get() { # name seconds
  bench get -h 127.0.0.1 -p "${port_of[$1]}" --path "${get_path[$1]}" -c "$clients" -d "$2" > "$work/bench.out" 2>&1 || true
  echo "$(value req_rate) $(value req_p99_us) $(value timeout)"
}
# Observe: prints "<notifications/s> <notify p99 us> <PUT p99 us> <PUT timeouts>".
measure_observe() { # name rate seconds
  bench observe -h 127.0.0.1 -p "${port_of[$1]}" --path "${obs_path[$1]}" -c "$observers" --publishers 1 -R "$2" \
    -s 16 -d "$3" > "$work/bench.out" 2>&1 || true
  echo "$(value notify_rate) $(value notify_p99_us) $(value req_p99_us) $(value timeout)"
  sleep 1  # what a saturated server still had queued goes out to observers that are gone
}
alive() { # name phase
  kill -0 "${pid_of[$1]}" 2>/dev/null && return
  echo "perf-lab: $1 died during $2:" >&2; tail -20 "$work/$1.log" >&2; exit 1
}
# VmRSS and VmHWM of a server, in MiB.
memory() { awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { printf "%.0f %.0f\n", r / 1024, h / 1024 }' "/proc/${pid_of[$1]}/status"; }

# What each GET resource answers, for the record.
declare -A get_bytes
for name in "${get_names[@]}"; do
  get_bytes[$name]="?"
  if [ -n "$libcoap_client" ]; then
    # coap-client prints the payload and a newline.
    get_bytes[$name]=$(($("$libcoap_client" -B 5 -m get "coap://127.0.0.1:${port_of[$name]}${get_path[$name]}" 2>/dev/null | wc -c) - 1))
  fi
done

first_rate=${rates%% *}
for name in "${names[@]}"; do
  case " ${get_names[*]} " in *" $name "*) measure_get "$name" 3 > /dev/null ;; esac
  measure_observe "$name" "$first_rate" 3 > /dev/null
  alive "$name" warm-up
  echo "warmed up $name"
done

declare -A get_rate get_p99 get_lost obs_rate obs_p99 obs_put_p99 obs_lost rss hwm
for round in $(seq "$rounds"); do
  order=("${names[@]}")
  if [ $((round % 2)) = 0 ]; then order=(californium libcoap-N libcoap isthmus-2 isthmus-1); fi
  for name in "${order[@]}"; do
    case " ${get_names[*]} " in
      *" $name "*)
        read -r rate p99 lost < <(measure_get "$name" "$duration")
        alive "$name" GET
        echo "round $round get $name ${get_path[$name]}: $rate req/s p99 $p99 us, $lost timeouts"
        get_rate[$name]+="$rate "; get_p99[$name]+="$p99 "; get_lost[$name]+="$lost "
        ;;
    esac
    for r in $rates; do
      read -r rate p99 put_p99 lost < <(measure_observe "$name" "$r" "$duration")
      alive "$name" "observe at $r/s"
      echo "round $round observe $r/s $name ${obs_path[$name]}: $rate notifications/s p99 $p99 us, PUT p99 $put_p99 us, $lost timeouts"
      obs_rate[$r,$name]+="$rate "; obs_p99[$r,$name]+="$p99 "; obs_put_p99[$r,$name]+="$put_p99 "
      obs_lost[$r,$name]+="$lost "
    done
    read -r now peak < <(memory "$name")
    echo "round $round memory $name: VmRSS $now MiB, VmHWM $peak MiB"
    rss[$name]+="$now "; hwm[$name]=$peak
  done
done

med() { tr ' ' '\n' | grep . | median; }
sum() { tr ' ' '\n' | grep . | awk '{ s += $1 } END { print s + 0 }'; }
commit=$(git -C "$root" rev-parse --short HEAD)
libcoap_version=$({ "$libcoap_bin" -h 2>&1 || true; } | sed -n 's/^coap-server-notls \(v[0-9.]*\) .*/\1/p' | head -1)
californium_version=$(sed -n 's/^californium \([^ ]*\) listening.*/\1/p' "$work/californium.log" | head -1)
jdk=$("$java_home/bin/java" -version 2>&1 | head -1)
references=(libcoap californium)
{
  echo
  echo "## CoAP servers side by side ($(date -u '+%Y-%m-%d %H:%M') UTC)"
  echo
  echo "Command: \`$command_line\` — $(getconf _NPROCESSORS_ONLN) cores, $(uname -r), one warm-up pass, then $rounds"
  echo "alternating rounds of ${duration}s, load from \`isthmus bench coap\` (one loop) on the same machine, over loopback."
  echo "Isthmus $commit \`run --coap-listen 127.0.0.1:PORT --threads 1|2\`, launcher defaults ($jdk);"
  echo "libcoap $libcoap_version \`coap-server-notls -A 127.0.0.1 -p PORT\` (\`libcoap-N\`: with \`-N\`);"
  echo "Californium ${californium_version:-?} (\`dev.isthmus.bench.CaliforniumCoapServer\`: 2 protocol-stage threads, one UDP"
  echo "receiver and one sender, peers-mark-and-sweep deduplication, NON notifications with every 20th CON) on the"
  echo "launcher's JVM options."
  echo
  echo "GET, $clients clients, CON, one request in flight each (payload bytes: what the resource answered):"
  echo
  echo "| contender | resource | req/s (median) | p99 us (median) | timeouts (all rounds) | isthmus-1 req/s ÷ this | isthmus-2 req/s ÷ this | isthmus-1 p99 ÷ this |"
  echo "|---|---|---|---|---|---|---|---|"
  i1=$(echo "${get_rate[isthmus-1]}" | med); i2=$(echo "${get_rate[isthmus-2]}" | med)
  i1_p99=$(echo "${get_p99[isthmus-1]}" | med)
  for name in "${get_names[@]}"; do
    rate=$(echo "${get_rate[$name]}" | med); p99=$(echo "${get_p99[$name]}" | med)
    ratios="— | — | —"
    case " ${references[*]} " in
      *" $name "*) ratios="$(ratio "$i1" "$rate") | $(ratio "$i2" "$rate") | $(ratio "$i1_p99" "$p99")" ;;
    esac
    echo "| $name | ${get_path[$name]} (${get_bytes[$name]} B) | $rate | $p99 | $(echo "${get_lost[$name]}" | sum) | $ratios |"
  done
  for r in $rates; do
    echo
    echo "Observe, $observers observers, 1 publisher PUTting 16 bytes at $r/s (up to $((r * observers)) notifications/s):"
    echo
    echo "| contender | resource | notifications/s (median) | notify p99 us (median) | PUT p99 us (median) | PUT timeouts | isthmus-1 notif/s ÷ this | isthmus-2 notif/s ÷ this | isthmus-1 notify p99 ÷ this |"
    echo "|---|---|---|---|---|---|---|---|---|"
    i1=$(echo "${obs_rate[$r,isthmus-1]}" | med); i2=$(echo "${obs_rate[$r,isthmus-2]}" | med)
    i1_p99=$(echo "${obs_p99[$r,isthmus-1]}" | med)
    for name in "${names[@]}"; do
      rate=$(echo "${obs_rate[$r,$name]}" | med); p99=$(echo "${obs_p99[$r,$name]}" | med)
      ratios="— | — | —"
      case "$name" in isthmus-*) ;; *) ratios="$(ratio "$i1" "$rate") | $(ratio "$i2" "$rate") | $(ratio "$i1_p99" "$p99")" ;; esac
      echo "| $name | ${obs_path[$name]} | $rate | $p99 | $(echo "${obs_put_p99[$r,$name]}" | med) | $(echo "${obs_lost[$r,$name]}" | sum) | $ratios |"
    done
  done
  echo
  echo "Resident memory after each contender's load in a round (median) and at its peak (VmHWM, end of the run):"
  echo
  echo "| contender | VmRSS MiB (median) | VmHWM MiB |"
  echo "|---|---|---|"
  for name in "${names[@]}"; do
    echo "| $name | $(echo "${rss[$name]}" | med) | ${hwm[$name]} |"
  done
} | tee -a "$root/perf-lab/RESULTS.md"
