#!/usr/bin/env bash
# io_uring against NIO, and large transfers against nginx and HAProxy. One worker or event loop
# each, in front of one nginx origin, driven by wrk on the same machine; every server is started
# by this script.
#
#   perf-lab/io-uring.sh [--part 1|2|all] [--rounds N] [--duration SECONDS] [--warmup SECONDS]
#                        [--connections C] [--large-connections C]
#                        [--syscall-counter perf|strace] [--haproxy-splice response|auto]
#                        [--no-io-flags]
#
# Part 1, nio vs uring: Isthmus `--threads 1 --io nio` and `--threads 1 --io uring` before an
# origin answering a small body, `wrk -t1 -c64 --latency`, the order alternating from round to
# round. Reported: median req/s, p50, p99, the proxy's CPU seconds (utime + stime of the whole
# process) per 100k requests, and, in one separate run per transport, system calls per request
# (all threads, counted by `perf stat -e raw_syscalls:sys_enter` or by `strace -f -c`, divided
# by the requests wrk completed meanwhile); ratios uring/nio.
#
# Part 2, large transfers: the origin serves static files of 1 MiB and 64 MiB (sendfile); the
# contenders are Isthmus `--io uring` (splices bodies from the default threshold on), Isthmus
# `--io uring --splice-threshold 0` (copies through its buffers), Isthmus `--io nio`, HAProxy
# (kernel splicing, pipes of 1 MiB like Isthmus's) and nginx (proxy_pass, buffering defaults,
# upstream keepalive), driven by `wrk -t1 -c4`. Reported: median MiB/s (bytes wrk read over the
# run's length), the proxy's CPU (% of one core, and seconds per GiB moved), ratios against
# HAProxy, and wrk straight to the origin as the ceiling. wrk reads 8 KiB at a time and shares
# two cores with proxy and origin, so the rates are modest; CPU per GiB sets the proxies apart
# even where the client caps the rate.
#
# HAProxy 2.6 never splices these responses with `option splice-auto` (counted here with perf:
# not one splice(2) call over 1 MiB or 64 MiB responses), so the default is `option
# splice-response`, which does splice; --haproxy-splice auto measures the former.
#
# --no-io-flags runs every Isthmus contender without --io and --splice-threshold (for trying the
# script on a build that lacks them: the "contenders" are then identical processes); such runs
# print their tables but do not append them to RESULTS.md.
# Otherwise results are appended to perf-lab/RESULTS.md together with the exact command line.
set -euo pipefail

command_line="perf-lab/io-uring.sh${*:+ $*}"
part=all
rounds=5
duration=10
warmup=10
connections=64
large_connections=4
syscall_counter=perf
haproxy_splice=response
io_flags=1
while [ $# -gt 0 ]; do
  case "$1" in
    --part) part=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --large-connections) large_connections=$2; shift 2 ;;
    --syscall-counter) syscall_counter=$2; shift 2 ;;
    --haproxy-splice) haproxy_splice=$2; shift 2 ;;
    --no-io-flags) io_flags=0; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
case "$part" in 1|2|all) ;; *) echo "--part: 1, 2 or all" >&2; exit 2 ;; esac
case "$syscall_counter" in perf|strace) ;; *) echo "--syscall-counter: perf or strace" >&2; exit 2 ;; esac
case "$haproxy_splice" in response|auto) ;; *) echo "--haproxy-splice: response or auto" >&2; exit 2 ;; esac
run_part1=0; run_part2=0
[ "$part" != 2 ] && run_part1=1
[ "$part" != 1 ] && run_part2=1

root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)

# --- tools ---------------------------------------------------------------------------------------
need() { # tool, package
  command -v "$1" >/dev/null || { echo "perf-lab: $1 is required (apt-get install $2)" >&2; exit 1; }
}
need wrk wrk; need nginx nginx; need curl curl; need ss iproute2; need pgrep procps; need getconf libc-bin
[ "$run_part2" = 1 ] && need haproxy haproxy
if [ "$run_part1" = 1 ]; then
  if [ "$syscall_counter" = perf ]; then
    need perf linux-perf
    perf stat -x, -e raw_syscalls:sys_enter -- true >/dev/null 2>&1 || {
      echo "perf-lab: perf cannot count raw_syscalls:sys_enter here (root, or kernel.perf_event_paranoid=-1" >&2
      echo "          and a readable tracefs, are needed); try --syscall-counter strace" >&2
      exit 1
    }
  else
    need strace strace
  fi
fi
clk_tck=$(getconf CLK_TCK)

# Building on first use happens here (the launcher builds the jar when sources changed).
isthmus_help=$("$root/isthmus" run --help 2>&1) || { echo "$isthmus_help" >&2; exit 1; }
if [ "$io_flags" = 1 ]; then
  flags=(--io); [ "$run_part2" = 1 ] && flags+=(--splice-threshold)
  for flag in "${flags[@]}"; do
    grep -q -- "$flag[= ]" <<<"$isthmus_help" || {
      echo "perf-lab: this Isthmus build has no $flag flag (./isthmus run --help); --no-io-flags tries the" >&2
      echo "          script on it, with identical Isthmus processes and no results recorded" >&2
      exit 1
    }
  done
fi

ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
work=$(mktemp -d /tmp/isthmus-perf.XXXXXX)
pids=()
helper_pid=   # a perf or strace running in the background, if any
cleanup() {
  [ -n "$helper_pid" ] && kill "$helper_pid" 2>/dev/null
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

source "$root/perf-lab/common.sh"

wait_port() { # port pid name
  for _ in $(seq 1 200); do
    (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || { echo "perf-lab: $3 exited at start" >&2; cat "$work/$3.log" 2>/dev/null >&2; exit 1; }
    sleep 0.05
  done
  echo "perf-lab: $3: nothing listens on port $1" >&2
  exit 1
}

# --- contenders ----------------------------------------------------------------------------------
part1_names=(isthmus-nio isthmus-uring)
part2_names=(isthmus-uring isthmus-uring-copy isthmus-nio haproxy nginx)
declare -A isthmus_flags=([isthmus-nio]="--io nio" [isthmus-uring]="--io uring"
                          [isthmus-uring-copy]="--io uring --splice-threshold 0")
if [ "$io_flags" = 0 ]; then
  for name in "${!isthmus_flags[@]}"; do isthmus_flags[$name]=""; done
fi
names=()   # every contender of the parts that run, once
add_names() { for name in "$@"; do [[ " ${names[*]} " == *" $name "* ]] || names+=("$name"); done; }
[ "$run_part1" = 1 ] && add_names "${part1_names[@]}"
[ "$run_part2" = 1 ] && add_names "${part2_names[@]}"
declare -A pid_of port_of

take_port origin_port
for name in "${names[@]}"; do take_port "port_of[$name]"; done

# Started as root, nginx's workers would run as nobody, which can neither read the files nor
# write proxy temp files in the private temp dir: they keep our user instead.
nginx_user=""
[ "$(id -u)" = 0 ] && nginx_user="user root;"

# The origin: a small body on / (as in http-proxy.sh), static files under /files/.
mkdir -p "$work/origin" "$work/files"
head -c $((1 << 20)) /dev/urandom > "$work/files/1m"
head -c $((64 << 20)) /dev/urandom > "$work/files/64m"
cat > "$work/origin/nginx.conf" <<CONF
$nginx_user
worker_processes 1;
worker_rlimit_nofile 20000;
error_log $work/origin/error.log warn;
pid $work/origin/nginx.pid;
events { worker_connections 19000; }
http {
  access_log off;
  keepalive_requests 1000000;
  sendfile on;
  client_body_temp_path $work/origin; proxy_temp_path $work/origin; fastcgi_temp_path $work/origin;
  uwsgi_temp_path $work/origin; scgi_temp_path $work/origin;
  server {
    listen 127.0.0.1:$origin_port backlog=8192;
    location / { return 200 "hello from origin\n"; }
    location /files/ { alias $work/files/; }
  }
}
CONF
nginx -p "$work/origin" -c "$work/origin/nginx.conf" -g 'daemon off;' & pids+=($!); origin_pid=$!

start_isthmus() { # name
  # shellcheck disable=SC2086
  "$root/isthmus" run --listen "127.0.0.1:${port_of[$1]}" --upstream "127.0.0.1:$origin_port" --threads 1 \
    ${isthmus_flags[$1]} > "$work/$1.log" 2>&1 & pids+=($!)
  pid_of[$1]=$!
}

start_nginx_proxy() {
  mkdir -p "$work/nginx"
  cat > "$work/nginx/nginx.conf" <<CONF
$nginx_user
worker_processes 1;
worker_rlimit_nofile 20000;
error_log $work/nginx/error.log warn;
pid $work/nginx/nginx.pid;
events { worker_connections 19000; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $work/nginx; proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  upstream origin { server 127.0.0.1:$origin_port; keepalive 64; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:${port_of[nginx]} backlog=8192;
    location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
CONF
  nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' & pids+=($!)
  pid_of[nginx]=$!
}

start_haproxy() {
  cat > "$work/haproxy.cfg" <<CONF
global
  nbthread 1
  # Few connections here; a small maxconn keeps the descriptors for pipes (maxpipes: maxconn/4) in bounds.
  maxconn 1000
  # Pipes as large as Isthmus asks for (F_SETPIPE_SZ 1 MiB; fs.pipe-max-size allows it by default).
  tune.pipesize 1048576
defaults
  mode http
  option http-keep-alive
  option splice-$haproxy_splice
  http-reuse always
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend proxy
  bind 127.0.0.1:${port_of[haproxy]}
  default_backend origin
backend origin
  server origin 127.0.0.1:$origin_port
CONF
  haproxy -f "$work/haproxy.cfg" -db & pids+=($!)
  pid_of[haproxy]=$!
}

for name in "${names[@]}"; do
  case "$name" in
    isthmus-*) start_isthmus "$name" ;;
    nginx) start_nginx_proxy ;;
    haproxy) start_haproxy ;;
  esac
done

wait_port "$origin_port" "$origin_pid" origin
for name in "${names[@]}"; do wait_port "${port_of[$name]}" "${pid_of[$name]}" "$name"; done
for name in "${names[@]}"; do
  [[ $name == isthmus-* ]] || continue
  # The launcher execs java, so the pid is the JVM's.
  [ -r "/proc/${pid_of[$name]}/status" ] || { echo "perf-lab: $name did not start" >&2; cat "$work/$name.log" >&2; exit 1; }
  rings=$( { find "/proc/${pid_of[$name]}/fd" -lname 'anon_inode:\[io_uring\]' 2>/dev/null || true; } | wc -l)
  echo "$name (${isthmus_flags[$name]:-no transport flags}): $rings io_uring descriptors; $(grep -m1 -o 'listening on .*' "$work/$name.log")"
  if [ "$io_flags" = 1 ] && [[ $name == *uring* ]] && [ "$rings" = 0 ]; then
    echo "perf-lab: $name has no io_uring descriptor: it does not run on io_uring" >&2
    exit 1
  fi
done

# Every contender answers each path it is measured on in full.
check_body() { # name port path bytes
  local got
  got=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "http://127.0.0.1:$2$3")
  [ "$got" = "200 $4" ] || { echo "perf-lab: $1 answered $3 with '$got', expected '200 $4'" >&2; exit 1; }
}
[ "$run_part1" = 1 ] && for name in "${part1_names[@]}"; do check_body "$name" "${port_of[$name]}" / 18; done
if [ "$run_part2" = 1 ]; then
  for name in "${part2_names[@]}"; do
    check_body "$name" "${port_of[$name]}" /files/1m $((1 << 20))
    check_body "$name" "${port_of[$name]}" /files/64m $((64 << 20))
  done
fi

# --- measuring -----------------------------------------------------------------------------------
# CPU time (utime + stime, clock ticks) of a process and its children (nginx: master and worker).
cpu_ticks() {
  local total=0 pid t
  for pid in "$1" $(pgrep -P "$1" || true); do
    t=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat" 2>/dev/null || echo 0)
    total=$((total + ${t:-0}))
  done
  echo "$total"
}

# Runs wrk; leaves its output in $work/wrk.txt and the pid's CPU seconds over the run in $cpu_s.
run_wrk() { # pid url connections seconds
  local before after
  before=$(cpu_ticks "$1")
  wrk -t1 -c"$3" -d"$4s" --latency "$2" > "$work/wrk.txt" 2>&1 || true
  after=$(cpu_ticks "$1")
  cpu_s=$(awk -v a="$after" -v b="$before" -v t="$clk_tck" 'BEGIN { printf "%.2f", (a - b) / t }')
  grep -q 'requests in' "$work/wrk.txt" || { echo "perf-lab: wrk $2 failed:" >&2; cat "$work/wrk.txt" >&2; exit 1; }
}

# wrk's summary as "requests seconds MiB_read rps p50_ms p99_ms errors" (errors: - when none).
wrk_summary() {
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /m$/) return v * 60000; if (v ~ /s$/) return v * 1000; return v }
    function mib(v) { if (v ~ /TB$/) return v * 1048576; if (v ~ /GB$/) return v * 1024; if (v ~ /MB$/) return v + 0; if (v ~ /KB$/) return v / 1024; return v / 1048576 }
    / requests in / { requests = $1; sub(/,$/, "", $4); secs = ms($4) / 1000; read = mib($5) }
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx|Socket errors/ { err = err $0 ";" }
    END { gsub(/ +/, "_", err); sub(/^_/, "", err)
          printf "%d %.3f %.1f %.0f %.3f %.3f %s\n", requests, secs, read, rps, p50, p99, (err == "" ? "-" : err) }' "$work/wrk.txt"
}

# Part 1 sample: "rps p50_ms p99_ms cpu_s_per_100k_requests errors".
measure_small() { # pid port
  local requests secs mib rps p50 p99 err
  run_wrk "$1" "http://127.0.0.1:$2/" "$connections" "$duration"
  read -r requests secs mib rps p50 p99 err < <(wrk_summary)
  echo "$rps $p50 $p99 $(awk -v c="$cpu_s" -v r="$requests" 'BEGIN { printf "%.3f", (r > 0 ? c * 100000 / r : 0) }') $err"
}

# Part 2 sample: "MiB_per_s cpu_percent_of_one_core cpu_s_per_GiB errors".
measure_large() { # pid port path
  local requests secs mib rps p50 p99 err
  run_wrk "$1" "http://127.0.0.1:$2$3" "$large_connections" "$duration"
  read -r requests secs mib rps p50 p99 err < <(wrk_summary)
  awk -v c="$cpu_s" -v s="$secs" -v m="$mib" -v e="$err" \
    'BEGIN { printf "%.0f %.0f %.3f %s\n", (s > 0 ? m / s : 0), (s > 0 ? 100 * c / s : 0), (m > 0 ? c * 1024 / m : 0), e }'
}

int() { printf "%.0f" "$1"; }
column_median() { # name column: median of that column of the name's samples
  awk -v n="$1" -v c="$2" '$1==n {print $c}' "$work/samples" | median
}
errors_of() { # name: the distinct error notes of its samples, or -
  local notes
  notes=$(awk -v n="$1" '$1==n && $NF!="-" {print $NF}' "$work/samples" | sort -u | tr '_' ' ' | paste -sd' ')
  echo "${notes:--}"
}
rotated() { # round names...: the names, rotated by the round (the order alternates between rounds)
  local round=$1; shift
  local list=("$@") i
  for i in $(seq 0 $(($# - 1))); do echo "${list[$(( (i + round) % $# ))]}"; done
}

# System calls of the whole process (all threads) during one wrk run, as "name count" lines and
# "all count", then "requests N".
syscall_events=raw_syscalls:sys_enter
if [ "$run_part1" = 1 ] && [ "$syscall_counter" = perf ]; then
  available=$(perf list 'syscalls:sys_enter_*' 2>/dev/null)
  for call in io_uring_enter read write readv writev recvfrom sendto recvmsg sendmsg splice \
              epoll_wait epoll_pwait epoll_ctl futex getsockopt accept4 close; do
    grep -q "syscalls:sys_enter_$call " <<<"$available" && syscall_events+=",syscalls:sys_enter_$call"
  done
fi
count_syscalls() { # pid port seconds
  local out="$work/syscalls.txt"
  if [ "$syscall_counter" = perf ]; then
    perf stat -x, -o "$out" -e "$syscall_events" -p "$1" -- sleep $(($3 + 2)) & helper_pid=$!
    sleep 1
    run_wrk "$1" "http://127.0.0.1:$2/" "$connections" "$3"
    wait "$helper_pid" || { echo "perf-lab: perf stat failed:" >&2; cat "$out" >&2; exit 1; }
    helper_pid=
    awk -F, '$3 ~ /:/ { n = $3; sub(/.*sys_enter_?/, "", n); if (n == "") n = "all"; print n, ($1 ~ /^[0-9]+$/ ? $1 : 0) }' "$out"
  else
    strace -f -c -o "$out" -p "$1" 2>/dev/null & helper_pid=$!
    sleep 1
    run_wrk "$1" "http://127.0.0.1:$2/" "$connections" "$3"
    kill -TERM "$helper_pid"; wait "$helper_pid" || true; helper_pid=
    awk '$1 ~ /^[0-9.]+$/ && NF >= 5 { print ($NF == "total" ? "all" : $NF), $4 }' "$out"
  fi
  echo "requests $(wrk_summary | awk '{print $1}')"
}

isthmus_commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
report=""

# --- part 1: nio vs uring ------------------------------------------------------------------------
if [ "$run_part1" = 1 ]; then
  echo "part 1: warming up (JIT, pools)..."
  for name in "${part1_names[@]}"; do measure_small "${pid_of[$name]}" "${port_of[$name]}" >/dev/null; done
  : > "$work/samples"
  for round in $(seq 1 "$rounds"); do
    for name in $(rotated "$round" "${part1_names[@]}"); do
      result=$(measure_small "${pid_of[$name]}" "${port_of[$name]}")
      echo "round $round $name: $result"
      echo "$name $result" >> "$work/samples"
    done
  done
  origin_rps=$(measure_small "$origin_pid" "$origin_port" | awk '{print $1}')

  # Counting slows the process (strace much more than perf), so it gets runs of its own.
  declare -A per_request
  calls=()
  for name in "${part1_names[@]}"; do
    count_syscalls "${pid_of[$name]}" "${port_of[$name]}" "$duration" > "$work/syscalls-$name"
    requests=$(awk '$1=="requests" {print $2}' "$work/syscalls-$name")
    while read -r call count; do
      [ "$call" = requests ] && continue
      per_request[$name,$call]=$(awk -v c="$count" -v r="$requests" 'BEGIN { printf "%.2f", (r > 0 ? c / r : 0) }')
      [[ " ${calls[*]} " == *" $call "* ]] || calls+=("$call")
    done < "$work/syscalls-$name"
    echo "$name system calls per request: ${per_request[$name,all]:-?} ($requests requests)"
  done

  declare -A rps p50 p99 cpu
  for name in "${part1_names[@]}"; do
    rps[$name]=$(int "$(column_median "$name" 2)"); p50[$name]=$(column_median "$name" 3)
    p99[$name]=$(column_median "$name" 4); cpu[$name]=$(column_median "$name" 5)
  done
  # "all" first, then the calls of at least 0.01 per request, most frequent first.
  syscall_rows=$(
    for call in "${calls[@]}"; do
      echo "$call ${per_request[isthmus-nio,$call]:-0} ${per_request[isthmus-uring,$call]:-0}"
    done | awk '{ m = ($2 > $3 ? $2 : $3) } $1 == "all" { m = 1e9 } m >= 0.01 { print m, $0 }' |
      sort -gr | awk '{ printf "| %s | %s | %s |\n", $2, $3, $4 }'
  )$'\n'
  report+=$(
    echo
    echo "## io_uring against NIO, one event loop ($(date -u +%Y-%m-%d\ %H:%M) UTC)"
    echo
    echo "Command: \`$command_line\` — $(nproc) cores, $(uname -r), wrk -t1 -c$connections -d${duration}s --latency, $rounds alternating rounds,"
    echo "origin: nginx \`return 200\` (alone: $origin_rps req/s). Isthmus $isthmus_commit \`--threads 1\`, launcher defaults,"
    echo "\`${isthmus_flags[isthmus-nio]:-(no flag)}\` and \`${isthmus_flags[isthmus-uring]:-(no flag)}\`. CPU: utime + stime of the whole JVM over each run."
    echo
    echo "| transport | req/s (median) | p50 ms | p99 ms | CPU s per 100k requests (median) | system calls per request |"
    echo "|---|---|---|---|---|---|"
    for name in "${part1_names[@]}"; do
      echo "| ${name#isthmus-} | ${rps[$name]} | ${p50[$name]} | ${p99[$name]} | ${cpu[$name]} | ${per_request[$name,all]:-?} |"
    done
    echo "| uring / nio | $(ratio "${rps[isthmus-uring]}" "${rps[isthmus-nio]}") | $(ratio "${p50[isthmus-uring]}" "${p50[isthmus-nio]}") | $(ratio "${p99[isthmus-uring]}" "${p99[isthmus-nio]}") | $(ratio "${cpu[isthmus-uring]}" "${cpu[isthmus-nio]}") | $(ratio "${per_request[isthmus-uring,all]:-0}" "${per_request[isthmus-nio,all]:-0}") |"
    errors="$(errors_of isthmus-nio) / $(errors_of isthmus-uring)"
    [ "$errors" != "- / -" ] && echo && echo "wrk errors (nio / uring): $errors"
    echo
    if [ "$syscall_counter" = perf ]; then
      echo "System calls per request, all threads, one \`wrk -t1 -c$connections -d${duration}s\` run per transport under"
      echo "\`perf stat -e raw_syscalls:sys_enter,syscalls:sys_enter_<call>... -p PID\` (\"all\" counts every call; listed calls above 0.01):"
    else
      echo "System calls per request, all threads, one \`wrk -t1 -c$connections -d${duration}s\` run per transport under"
      echo "\`strace -f -c -p PID\` (which slows the process; the counts, not the rates, are the point):"
    fi
    echo
    echo "| system call | nio | uring |"
    echo "|---|---|---|"
    printf "%s" "$syscall_rows"
  )$'\n'
fi

# --- part 2: large transfers ---------------------------------------------------------------------
if [ "$run_part2" = 1 ]; then
  sizes=(1m 64m)
  declare -A size_label=([1m]="1 MiB" [64m]="64 MiB")
  warm=$(( warmup / 2 > 0 ? warmup / 2 : 1 ))
  echo "part 2: warming up..."
  for name in "${part2_names[@]}"; do
    for size in "${sizes[@]}"; do
      run_wrk "${pid_of[$name]}" "http://127.0.0.1:${port_of[$name]}/files/$size" "$large_connections" "$warm"
    done
  done
  : > "$work/samples"
  for round in $(seq 1 "$rounds"); do
    for size in "${sizes[@]}"; do
      for name in $(rotated "$round" "${part2_names[@]}"); do
        result=$(measure_large "${pid_of[$name]}" "${port_of[$name]}" "/files/$size")
        echo "round $round $size $name: $result"
        echo "$name@$size $result" >> "$work/samples"
      done
    done
  done
  declare -A origin_mibps
  for size in "${sizes[@]}"; do
    origin_mibps[$size]=$(measure_large "$origin_pid" "$origin_port" "/files/$size" | awk '{print $1}')
  done

  rows=""
  for size in "${sizes[@]}"; do
    haproxy_mibps=$(column_median "haproxy@$size" 2)
    for name in "${part2_names[@]}"; do
      key="$name@$size"
      mibps=$(int "$(column_median "$key" 2)")
      rows+="| ${size_label[$size]} | $name | $mibps | $(ratio "$mibps" "$haproxy_mibps") | $(column_median "$key" 3) | $(column_median "$key" 4) | $(errors_of "$key") |"$'\n'
    done
    rows+="| ${size_label[$size]} | wrk straight to the origin | ${origin_mibps[$size]} | | | | |"$'\n'
  done
  report+=$(
    echo
    echo "## Large transfers, one worker each ($(date -u +%Y-%m-%d\ %H:%M) UTC)"
    echo
    echo "Command: \`$command_line\` — $(nproc) cores, $(uname -r), wrk -t1 -c$large_connections -d${duration}s, $rounds alternating rounds,"
    echo "origin: nginx static files (sendfile). Isthmus $isthmus_commit \`--threads 1\`, launcher defaults: isthmus-uring"
    echo "\`${isthmus_flags[isthmus-uring]:-(no flag)}\` (splices from the default threshold on), isthmus-uring-copy"
    echo "\`${isthmus_flags[isthmus-uring-copy]:-(no flag)}\`, isthmus-nio \`${isthmus_flags[isthmus-nio]:-(no flag)}\`;"
    echo "$(haproxy -v | head -1 | awk '{print "HAProxy", $3}') \`nbthread 1\`, \`option splice-$haproxy_splice\`, \`tune.pipesize 1048576\`;"
    echo "nginx $(nginx -v 2>&1 | sed 's/.*\///') \`worker_processes 1\`, proxy_pass with buffering defaults, upstream keepalive 64."
    echo "MiB/s: bytes wrk read over the run's length; CPU: utime + stime of the proxy (nginx: master and worker)."
    echo
    echo "| size | proxy | MiB/s (median) | vs HAProxy | CPU, % of one core (median) | CPU s per GiB (median) | wrk errors |"
    echo "|---|---|---|---|---|---|---|"
    printf "%s" "$rows"
  )$'\n'
fi

if [ "$io_flags" = 1 ]; then
  printf "%s" "$report" | tee -a "$root/perf-lab/RESULTS.md"
else
  printf "%s" "$report"
  echo
  echo "(--no-io-flags: the Isthmus contenders ran without --io and --splice-threshold; not appended to RESULTS.md)"
fi
