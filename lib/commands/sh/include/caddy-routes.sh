# Each role's caddy route is a file in the config dir; caddy.json is rebuilt from all of them, so one
# service's switch never clobbers another's.

# write_routes DIR NAME ROUTE PRIO HEAD TAIL: in DIR (it becomes the cwd), under a lock on fd 9 (flock
# where the host has it; held until the program closes fd 9 or ends), replace route file NAME by
# ROUTE (none when empty; `PRIO-NAME.json`, PRIO 0 for routes that match host names, else 1) and
# rebuild caddy.json from every `routes/[01]-*.json` between HEAD and TAIL. Only those names count:
# a stray file (an editor's backup, an older slipway's `routes/<name>.json`) must never become a
# route. Exits the program with 1 on failure.
write_routes() {
  mkdir -p "$1/routes" && cd "$1" || exit 1
  exec 9>>.lock
  if command -v flock >/dev/null 2>&1; then flock 9; fi
  if [ -n "$2" ]; then rm -f "routes/0-$2.json" "routes/1-$2.json" "routes/$2.json" || exit 1; fi
  if [ -n "$2" ] && [ -n "$3" ]; then
    printf "%s" "$3" >"routes/$2.tmp" && mv "routes/$2.tmp" "routes/$4-$2.json" || exit 1
  fi
  _routes=''
  for _f in routes/[01]-*.json; do
    [ -e "$_f" ] || continue
    _routes="$_routes$(cat "$_f"),"
  done
  printf "%s%s%s" "$5" "$_routes" "$6" >caddy.json.tmp && mv caddy.json.tmp caddy.json || exit 1
}
