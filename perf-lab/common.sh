# Helpers shared by the perf-lab scripts; sourced, not run.

# Ports below the kernel's ephemeral range, so no outgoing connection can hold one we pick.
next_port=$(shuf -i 10000-29000 -n 1)
take_port() { # sets variable $1 to a port no socket uses
  while ss -Htan "( sport = :$next_port )" | grep -q .; do next_port=$((next_port + 1)); done
  printf -v "$1" '%s' "$next_port"
  next_port=$((next_port + 1))
}

take_udp_port() { # sets variable $1 to a port no UDP socket uses
  while ss -Huan "( sport = :$next_port )" | grep -q .; do next_port=$((next_port + 1)); done
  printf -v "$1" '%s' "$next_port"
  next_port=$((next_port + 1))
}

median() { sort -g | awk '{a[NR]=$1} END { if (NR == 0) exit; if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# The options of the MQTT scripts: sets rounds, duration and size (defaults 3, 8 s, 64 bytes).
mqtt_options() {
  rounds=3 duration=8 size=64
  while [ $# -gt 0 ]; do
    case "$1" in
      --rounds) rounds=$2; shift 2 ;;
      --duration) duration=$2; shift 2 ;;
      --size) size=$2; shift 2 ;;
      *) echo "unknown option $1" >&2; exit 2 ;;
    esac
  done
}

# Sets mosquitto_bin, or ends the script saying how to install mosquitto.
require_mosquitto() {
  command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || {
    echo "perf-lab: mosquitto is required (apt-get install mosquitto)" >&2; exit 1; }
  mosquitto_bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
}

# A work directory in $work for the processes the script starts (their pids go into $pids);
# on exit they are stopped and the directory removed.
work_directory() { # name
  work=$(mktemp -d "/tmp/isthmus-perf-$1.XXXXXX")
  pids=()
  trap 'for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"' EXIT
}
