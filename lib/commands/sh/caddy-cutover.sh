# The caddy cutover, in one round trip: write the role's route and load it into caddy through its
# admin socket, under the route lock (include/caddy-routes.sh, include/caddy-admin.sh); then, with an
# old container, drain it and run the stop command.
#
# Why draining needs more than the old container's open connections: caddy's reload is graceful.
# Requests that the previous config's server had accepted keep running on the previous config, so
# they still go to the old container, and a request that has not dialled it yet (reading headers,
# resolving the container name, waiting for CPU on a loaded host) shows no connection there. If the
# old container is stopped then, that request gets a 502. So the program also waits until every
# client connection caddy held right after the reload has closed. Caddy's previous server accepts
# nothing after the reload and closes each of its connections after the request in flight, so once
# those connections are gone no request can reach the old container any more. A forced second
# reload makes the same true of the few connections the new server accepted before the snapshot:
# otherwise a keep-alive client among them would hold the drain until its timeout.
#
# Parameters:
#   dir name route prio head tail  see caddy-apply.sh
#   proxy config sock admin legacy see include/caddy-admin.sh
#   proxy_port  caddy's port inside its container, as 4 hex digits (/proc/net/tcp's notation)
#   old         the container the role's route pointed at (empty on a first deploy)
#   app_port    the old container's app port, as 4 hex digits
#   timeout     seconds the drain waits before stopping the old container anyway
#   interval    seconds between two looks at /proc
#   "$@"        the command that stops the old container (none: not stopped)
#
# Output, one line each:
#   switched                   caddy took the new config (exit 1 with caddy's error before it:
#                              nothing was drained or stopped)
#   force=failed               the forced second reload failed
#   drain=drained|gone|unobservable|timeout proxy <n>|timeout app <n>
#   stopped=<exit status>      of the stop command
dir=$1 name=$2 route=$3 prio=$4 head=$5 tail=$6 proxy=$7 config=$8 sock=$9 admin=${10} legacy=${11} proxy_port=${12} old=${13} app_port=${14} timeout=${15} interval=${16}
shift 16
. ./include/caddy-routes.sh
. ./include/caddy-admin.sh

# conns PID PORT [held]: the open (established or close-wait) server-side connections on PORT in the
# network namespace of PID, as `local-remote` address pairs; with `held`, only those also in $held.
conns() {
  cat "/proc/$1/net/tcp" "/proc/$1/net/tcp6" 2>/dev/null | held="$held" awk -v p=":$2" -v only="$3" '
    BEGIN { n = split(ENVIRON["held"], h, "\n"); for (i = 1; i <= n; i++) want[h[i]] = 1 }
    ($4 == "01" || $4 == "08") && substr($2, length($2) - 4) == p && (only == "" || (($2 "-" $3) in want)) { print $2 "-" $3 }'
}

write_routes "$dir" "$name" "$route" "$prio" "$head" "$tail"
# Both pids before the reload (a reload keeps them, and one docker call serves both), so the
# snapshot right after it is only /proc reads and the forced reload follows at once.
ppid='' opid=''
if [ -n "$old" ]; then
  k=''
  for w in $(docker inspect -f "{{.Name}} {{.State.Pid}}" "$proxy" "$old" 2>/dev/null); do
    case $k in "/$proxy") ppid=$w ;; "/$old") opid=$w ;; esac
    k=$w
  done
fi
load || exit 1
echo switched
[ -n "$old" ] || exit 0

# Right after the reload: every connection the previous config's server still holds.
held=''
[ -r "/proc/$ppid/net/tcp" ] && held=$(conns "$ppid" "$proxy_port")
load --force >/dev/null 2>&1 || echo "force=failed"
exec 9>&-
deadline=$(($(date +%s) + timeout))
# Not running at the reload (pid 0 or none), or exited since: nothing to drain.
case $opid in "" | 0) opid='' ;; esac
[ -n "$opid" ] && [ ! -d "/proc/$opid" ] && opid=''
if [ -z "$opid" ]; then
  echo drain=gone
elif [ ! -r "/proc/$opid/net/tcp" ] || [ ! -r "/proc/$ppid/net/tcp" ]; then
  echo drain=unobservable
else
  while held=$(conns "$ppid" "$proxy_port" held); [ -n "$held" ]; do
    [ "$(date +%s)" -gt "$deadline" ] && break
    sleep "$interval"
  done
  # The old container: no open connection on its app port, seen twice in a row.
  zero=0 n=0
  while [ -z "$held" ]; do
    n=$(conns "$opid" "$app_port" | wc -l)
    if [ "$n" -eq 0 ]; then
      zero=$((zero + 1))
      [ "$zero" -ge 2 ] && break
    else
      zero=0
    fi
    [ "$(date +%s)" -gt "$deadline" ] && break
    sleep "$interval"
  done
  if [ -n "$held" ]; then
    echo "drain=timeout proxy $(printf "%s\n" "$held" | wc -l)"
  elif [ "$zero" -ge 2 ]; then
    echo drain=drained
  else
    echo "drain=timeout app $n"
  fi
fi
if [ $# -gt 0 ]; then
  "$@" >/dev/null
  echo "stopped=$?"
fi
