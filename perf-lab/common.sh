# Helpers shared by the perf-lab scripts; sourced, not run.

# Ports below the kernel's ephemeral range, so no outgoing connection can hold one we pick.
next_port=$(shuf -i 10000-29000 -n 1)
take_port() { # sets variable $1 to a port no socket uses
  while ss -Htan "( sport = :$next_port )" | grep -q .; do next_port=$((next_port + 1)); done
  printf -v "$1" '%s' "$next_port"
  next_port=$((next_port + 1))
}

median() { sort -g | awk '{a[NR]=$1} END { if (NR == 0) exit; if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
