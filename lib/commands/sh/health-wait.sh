# Waits in one round trip until a new container is ready (Kamal's Healthcheck::Poller), reacting to
# its Docker events (see include/container-events.sh).
#
# Parameters:
#   name        the container
#   timeout_ms  give up after this many milliseconds
#   ready_ms    a container without a health check must stay `running` this long
#   interval    seconds between two looks, only when `docker events` cannot be followed
#   check_every set: while the container's health is `starting`, also run its own health command
#               (include/own-check.sh) right away and then every check_every seconds, and proceed
#               when it passes, without waiting for Docker's first check one `interval` after the
#               start; empty: only Docker's health status decides
#   check_cmd   the container's --health-cmd, when the caller set it (else read from the container)
#
# Output: the last line is the final status, Kamal's words.
#   exit 0  `healthy` (after a line `by=check` when its own health command passed first, while Docker
#           still said `starting`), or `running` for a container without a health check that
#           stayed running ready_ms;
#   exit 1  at once: `unhealthy`, `exited`, `dead`, `restarting` (it crashed at least once) or
#           `missing` (no such container);
#   exit 2  timed out; the line is the last status seen (e.g. `starting`).
name=$1 timeout_ms=$2 ready_ms=$3 interval=$4 check_every=$5 check_cmd=$6
. ./include/container-events.sh
. ./include/own-check.sh

now
deadline=$((t + timeout_ms * 1000000))
ready=$((ready_ms * 1000000))
up='' died='' quick=''
# With check_every and a known health command, the first look and one run of the command go at
# once: a container ready at its start (a worker, a quick app) is known healthy within one docker
# call, with no events to follow.
[ -n "$check_every" ] && [ -n "$check_cmd" ] && quick=1
while :; do
  if [ -n "$quick" ]; then
    docker exec "$name" /bin/sh -c "$check_cmd" >/dev/null 2>&1 </dev/null &
    cpid=$!
    look
    if { wait "$cpid"; } 2>/dev/null; then quick=passed; else quick=''; fi
    cpid=''
  else
    look
  fi
  [ "$id" = missing ] && quit missing 1
  # A restart means the process died: a new container that restarts is failing, whatever its health
  # says yet. A stopped container keeps a health status (docker sets `unhealthy`), but the state says more.
  if [ "$state" = restarting ] || [ "$restarts" -gt 0 ]; then
    status=restarting
  elif [ "$state" = exited ] || [ "$state" = dead ] || [ "$health" = - ]; then
    status=$state
  else
    status=$health
  fi
  # A die event seen earlier: whatever the container does now (restart policy), it crashed.
  if [ -n "$died" ]; then
    case $status in exited | dead) ;; *) status=restarting ;; esac
  fi
  if [ "$quick" = passed ] && [ "$status" = starting ]; then
    echo by=check
    quit healthy 0
  fi
  quick=''
  until=$deadline
  case $status in
    healthy) quit healthy 0 ;;
    unhealthy | exited | dead | restarting) quit "$status" 1 ;;
    running)
      up=${up:-$since}
      [ $((since - up)) -ge "$ready" ] && quit running 0
      [ $((up + ready)) -lt "$deadline" ] && until=$((up + ready))
      ;;
    *) up= ;;
  esac
  [ "$since" -ge "$deadline" ] && quit "$status" 2
  # `start` too: a container seen `created` has no health or die event to wait for until it runs.
  if listen "$id" --filter event=health_status --filter event=die --filter event=start; then
    [ -n "$check_every" ] && [ "$status" = starting ] && check_start
    ev=
    while IFS= read -r ev <&3; do
      case $ev in
        "health_status: healthy") quit healthy 0 ;;
        "health_status: unhealthy") quit unhealthy 1 ;;
        die)
          died=1
          break
          ;;
        start) break ;;
      esac
    done
    # die/start: look again at once; the end of the subscription: the own check passed, or (until
    # reached) look again.
    case $ev in
      die | start) hush ;;
      *)
        if passed; then
          echo by=check
          quit healthy 0
        fi
        ended
        ;;
    esac
  else
    sleep "$interval"
  fi
done
