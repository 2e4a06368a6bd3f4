# Waits until a container is unhealthy or gone, after its cord was cut (Kamal's wait_for_unhealthy),
# reacting to its Docker events (see include/container-events.sh).
#
# Parameters:
#   name        the container
#   timeout_ms  give up after this many milliseconds
#   interval    seconds between two looks, only when `docker events` cannot be followed
#
# Output: the last line is the status (`unhealthy`, `exited`, `dead`, `missing`…) with exit 0;
# on timeout the last status seen with exit 2.
name=$1 timeout_ms=$2 interval=$3
. ./include/container-events.sh

now
deadline=$((t + timeout_ms * 1000000))
while :; do
  look
  [ "$id" = missing ] && quit missing 0
  if [ "$health" = - ]; then status=$state; else status=$health; fi
  case $status in healthy | starting | running) ;; *) quit "$status" 0 ;; esac
  [ "$since" -ge "$deadline" ] && quit "$status" 2
  until=$deadline
  if listen "$id" --filter event=health_status --filter event=die; then
    ev=
    while IFS= read -r ev <&3; do
      case $ev in
        "health_status: unhealthy") quit unhealthy 0 ;;
        die) break ;;
      esac
    done
    case $ev in die) hush ;; *) ended ;; esac
  else
    sleep "$interval"
  fi
done
