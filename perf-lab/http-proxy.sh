#!/usr/bin/env bash
# Side-by-side HTTP proxy benchmark: Isthmus vs nginx vs HAProxy, one worker each, in front of
# one nginx origin, driven by wrk on the same machine. Every proxy is started by this script.
#
#   perf-lab/http-proxy.sh [--rounds N] [--duration SECONDS] [--connections C] [--big-connections C] [--no-big]
#
# Each round runs every proxy once, in an order that rotates from round to round (alternating
# A/B), with `wrk -t1 -c64 -d10s --latency`. Reported: median req/s, p50, p99 over the rounds,
# peak RSS of the proxy during its runs, and ratios against nginx. Then one run with many
# connections (10,000 by default) per proxy, with the RSS it costs.
# Results are appended to perf-lab/RESULTS.md together with the exact command line.
set -euo pipefail

command_line="perf-lab/http-proxy.sh${*:+ $*}"
rounds=5
duration=10
connections=64
big_connections=10000
run_big=1
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --big-connections) big_connections=$2; shift 2 ;;
    --no-big) run_big=0; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
for tool in wrk nginx haproxy; do
  command -v "$tool" >/dev/null || { echo "perf-lab: $tool is required (apt-get install wrk nginx haproxy)" >&2; exit 1; }
done
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"

work=$(mktemp -d /tmp/isthmus-perf.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

source "$root/perf-lab/common.sh"

wait_port() {
  for _ in $(seq 1 200); do
    (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "perf-lab: nothing listens on port $1" >&2
  exit 1
}

for name in origin_port nginx_port haproxy_port isthmus_port nginx_big_port isthmus_big_port; do take_port "$name"; done

# --- origin: nginx answering a small body, as in the engine's design notes -----------------------
mkdir -p "$work/origin" "$work/nginx" "$work/nginx-big"
cat > "$work/origin/nginx.conf" <<CONF
worker_processes 1;
worker_rlimit_nofile 20000;
error_log $work/origin/error.log warn;
pid $work/origin/nginx.pid;
events { worker_connections 19000; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $work/origin; proxy_temp_path $work/origin; fastcgi_temp_path $work/origin;
  uwsgi_temp_path $work/origin; scgi_temp_path $work/origin;
  server { listen 127.0.0.1:$origin_port backlog=8192; location / { return 200 "hello from origin\n"; } }
}
CONF
nginx -p "$work/origin" -c "$work/origin/nginx.conf" -g 'daemon off;' & pids+=($!); origin_pid=$!

nginx_proxy_conf() { # dir port keepalive
  cat > "$1/nginx.conf" <<CONF
worker_processes 1;
worker_rlimit_nofile 20000;
error_log $1/error.log warn;
pid $1/nginx.pid;
events { worker_connections 19000; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $1; proxy_temp_path $1; fastcgi_temp_path $1; uwsgi_temp_path $1; scgi_temp_path $1;
  upstream origin { server 127.0.0.1:$origin_port; keepalive $3; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:$2 backlog=8192;
    location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
CONF
}
nginx_proxy_conf "$work/nginx" "$nginx_port" 64
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' & pids+=($!); nginx_pid=$!

cat > "$work/haproxy.cfg" <<CONF
global
  # Two descriptors per proxied connection; the hard limit here is 20,000.
  nbthread 1
  maxconn 9900
defaults
  mode http
  option http-keep-alive
  http-reuse always
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend proxy
  bind 127.0.0.1:$haproxy_port
  maxconn 9900
  default_backend origin
backend origin
  server origin 127.0.0.1:$origin_port
CONF
haproxy -f "$work/haproxy.cfg" -db & pids+=($!); haproxy_pid=$!

java_home=$("$root/isthmus" --java-home)
"$root/isthmus" check --config /dev/null >/dev/null 2>&1 || true   # builds the jar if needed
"$root/isthmus" run --listen "127.0.0.1:$isthmus_port" --upstream "127.0.0.1:$origin_port" --threads 1 \
  > "$work/isthmus.log" 2>&1 & pids+=($!)
isthmus_pid=$!

for port in $origin_port $nginx_port $haproxy_port $isthmus_port; do wait_port "$port"; done
# The launcher execs java, so the pid is the JVM's.
[ -r "/proc/$isthmus_pid/status" ] || { echo "perf-lab: isthmus did not start" >&2; cat "$work/isthmus.log" >&2; exit 1; }

# RSS of a process and its children (nginx: master and worker).
rss_kib() {
  local total=0 pid r
  for pid in "$1" $(pgrep -P "$1" || true); do
    r=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    total=$((total + ${r:-0}))
  done
  echo "$total"
}

# Runs wrk against a port while sampling the proxy's RSS; prints
# "rps p50_ms p99_ms peak_rss_kib errors end_rss_kib" (end: right after the run).
measure() { # name pid port conns seconds
  local pid=$2 port=$3 conns=$4 secs=$5 out="$work/wrk-$1.txt" peak=0 r
  wrk -t1 -c"$conns" -d"${secs}s" --latency "http://127.0.0.1:$port/" > "$out" 2>&1 &
  local wrk_pid=$!
  while kill -0 "$wrk_pid" 2>/dev/null; do
    r=$(rss_kib "$pid"); [ "${r:-0}" -gt "$peak" ] && peak=$r
    sleep 0.25
  done
  wait "$wrk_pid" || true
  local end_rss
  end_rss=$(rss_kib "$pid")
  awk -v peak="$peak" -v end_rss="$end_rss" '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /Requests\/sec/ { rps=$2 }
    $1=="50%" { p50=ms($2) }
    $1=="99%" { p99=ms($2) }
    /Non-2xx|Socket errors/ { err=err $0 ";" }
    END { gsub(/ /, "_", err); printf "%.0f %.3f %.3f %d %s %d\n", rps, p50, p99, peak, (err==""?"-":err), end_rss }' "$out"
}


names=(isthmus nginx haproxy)
declare -A pid_of=([isthmus]=$isthmus_pid [nginx]=$nginx_pid [haproxy]=$haproxy_pid)
declare -A port_of=([isthmus]=$isthmus_port [nginx]=$nginx_port [haproxy]=$haproxy_port)

echo "warming up (JIT, pools)..."
for name in "${names[@]}"; do measure "$name" "${pid_of[$name]}" "${port_of[$name]}" "$connections" 10 >/dev/null; done

: > "$work/samples"
for round in $(seq 1 "$rounds"); do
  for i in 0 1 2; do
    name=${names[$(( (i + round) % 3 ))]}
    result=$(measure "$name" "${pid_of[$name]}" "${port_of[$name]}" "$connections" "$duration")
    echo "round $round $name: $result"
    echo "$name $result" >> "$work/samples"
  done
done

declare -A rps p50 p99 rss end_rss
for name in "${names[@]}"; do
  rps[$name]=$(awk -v n="$name" '$1==n {print $2}' "$work/samples" | median)
  p50[$name]=$(awk -v n="$name" '$1==n {print $3}' "$work/samples" | median)
  p99[$name]=$(awk -v n="$name" '$1==n {print $4}' "$work/samples" | median)
  rss[$name]=$(awk -v n="$name" '$1==n && $5>m {m=$5} END {print m}' "$work/samples")
  end_rss[$name]=$(awk -v n="$name" '$1==n {print $7}' "$work/samples" | median)
done
origin_rps=$(measure origin "$origin_pid" "$origin_port" "$connections" "$duration" | awk '{print $1}')

big_rows=""
if [ "$run_big" = 1 ]; then
  # Many connections: nginx with upstream keepalive 64 (as above) and 4096, HAProxy, and Isthmus
  # with at most 1024 upstream connections (requests queue for a pooled connection beyond that).
  nginx_proxy_conf "$work/nginx-big" "$nginx_big_port" 4096
  nginx -p "$work/nginx-big" -c "$work/nginx-big/nginx.conf" -g 'daemon off;' & pids+=($!); nginx_big_pid=$!
  cat > "$work/isthmus-big.yaml" <<CONF
threads: 1
http:
  listen: "127.0.0.1:$isthmus_big_port"
upstreams:
  origin:
    peers: [ "127.0.0.1:$origin_port" ]
    keepalive: { max-idle-per-peer: 1024, max-connections-per-peer: 1024 }
CONF
  "$root/isthmus" run --config "$work/isthmus-big.yaml" > "$work/isthmus-big.log" 2>&1 & pids+=($!); isthmus_big_pid=$!
  wait_port "$nginx_big_port"; wait_port "$isthmus_big_port"
  measure isthmus-big-warmup "$isthmus_big_pid" "$isthmus_big_port" "$connections" 5 >/dev/null
  for entry in "isthmus $isthmus_big_pid $isthmus_big_port" "nginx-keepalive-64 $nginx_pid $nginx_port" \
               "nginx-keepalive-4096 $nginx_big_pid $nginx_big_port" "haproxy $haproxy_pid $haproxy_port"; do
    set -- $entry
    idle_before=$(rss_kib "$2")
    result=$(measure "$1-big" "$2" "$3" "$big_connections" "$duration")
    echo "$big_connections connections, $1: $result"
    read -r b_rps b_p50 b_p99 b_rss b_err _ <<<"$result"
    big_rows+="| $1 | $b_rps | $b_p50 | $b_p99 | $((b_rss / 1024)) | $(awk -v a="$b_rss" -v b="$idle_before" -v c="$big_connections" 'BEGIN { printf "%.1f", (a - b) / c }') | $(echo "$b_err" | tr '_' ' ' | sed 's/^ *//') |"$'\n'
  done
fi

{
  echo
  echo "## HTTP proxy, one worker each ($(date -u +%Y-%m-%d\ %H:%M) UTC)"
  echo
  echo "Command: \`$command_line\` — $(nproc) cores, $(uname -r), wrk -t1 -c$connections -d${duration}s, $rounds alternating rounds,"
  echo "origin: nginx \`return 200\` (alone: $origin_rps req/s). Isthmus $(git -C "$root" rev-parse --short HEAD), \`--threads 1\`, launcher defaults;"
  echo "nginx $(nginx -v 2>&1 | sed 's/.*\///') \`worker_processes 1\`, upstream keepalive 64; $(haproxy -v | head -1 | awk '{print "HAProxy", $3}') \`nbthread 1\`, http-reuse always."
  echo
  echo "| proxy | req/s (median) | p50 ms | p99 ms | RSS MiB, peak of all runs | RSS MiB after a run (median) | req/s vs nginx | p99 vs nginx |"
  echo "|---|---|---|---|---|---|---|---|"
  for name in "${names[@]}"; do
    echo "| $name | ${rps[$name]} | ${p50[$name]} | ${p99[$name]} | $(( ${rss[$name]} / 1024 )) | $(awk -v k="${end_rss[$name]}" 'BEGIN { printf "%.0f", k / 1024 }') | $(ratio "${rps[$name]}" "${rps[nginx]}") | $(ratio "${p99[$name]}" "${p99[nginx]}") |"
  done
  if [ -n "$big_rows" ]; then
    echo
    echo "$big_connections connections (wrk -t1 -c$big_connections -d${duration}s), one run each. Isthmus keeps at most 1024 upstream"
    echo "connections (\`max-connections-per-peer\`; requests queue for a pooled one); HAProxy's \`maxconn\`"
    echo "is 9900 because the descriptor limit here is 20,000 (two per proxied connection):"
    echo
    echo "| proxy | req/s | p50 ms | p99 ms | peak RSS MiB | KiB per connection (peak - idle) | errors |"
    echo "|---|---|---|---|---|---|---|"
    printf "%s" "$big_rows"
  fi
} | tee -a "$root/perf-lab/RESULTS.md"
