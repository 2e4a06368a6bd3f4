# Loading caddy.json into the running caddy from the host. The admin API is a unix socket in the
# config dir, so a load is one curl, where `docker exec slipway-proxy caddy reload` costs ten times
# that and more while a deploy keeps the CPUs busy (docs/benchmarks.md). caddy 2.6.2 answers 403 over a
# unix socket unless the Host header is empty (`-H 'Host;'`), which newer caddy accepts too.
#
# Fallback, for a host without curl, a socket we may not open, or a caddy an older slipway started
# (its admin is still on localhost:2019 in its own netns): `docker exec … caddy reload --address`.
# The address must be where caddy listens now, not the one in the config being loaded (which is
# what `caddy reload` dials by default): that load is what moves the admin API to the socket.
#
# The including program has these parameters: proxy (the caddy container), config (caddy.json's
# path inside it), sock (the admin socket's file name in the config dir), admin (caddy's admin
# address as configured), legacy (an older slipway's admin address); and its cwd is the config dir.
# shellcheck disable=SC2154 # the including program's parameters

# load [--force]: loads ./caddy.json into caddy; 0 once caddy took it, 2 when caddy answered over the
# socket and rejected it, else 1; caddy's error goes to stderr. `--force` reloads an unchanged config
# too (a new generation of caddy's servers).
load() {
  f=$1
  if [ -S "$sock" ] && command -v curl >/dev/null 2>&1; then
    if [ -n "$f" ]; then set -- -H "Cache-Control: must-revalidate"; else set --; fi
    if out=$(curl -sS --unix-socket "$sock" -H "Host;" -H "Content-Type: application/json" "$@" \
      --data-binary @caddy.json -w " %{http_code}" http://localhost/load 2>&1); then
      [ "${out##* }" = 200 ] && return 0
      printf "%s\n" "${out% *}" >&2
      return 2
    fi
  fi
  # No answer over the socket (no curl, no socket, a stale one, no permission): ask caddy from inside.
  a=$legacy
  [ -S "$sock" ] && a=$admin
  # shellcheck disable=SC2086 # $f is empty or --force
  docker exec "$proxy" caddy reload --config "$config" --address "$a" $f
}

# migrate PID: sets tcp_migrate_req in caddy's netns. caddy 2.6 opens a new SO_REUSEPORT listener on
# every reload and closes the old one, and without it the kernel resets connections still queued on
# the old listener. A restarted container has a new netns, so every boot sets it again. Prints
# `migrate=unavailable` when it cannot.
migrate() {
  nsenter -t "$1" -n sh -c "echo 1 > /proc/sys/net/ipv4/tcp_migrate_req" 2>/dev/null || echo migrate=unavailable
}
