# Waits until the caddy container serves its config: polls a load of <dir>/caddy.json, which fails
# until the admin API is up, blocks while the initial load runs and is a no-op for an unchanged
# config. Caddy itself confirms; no log scraping, no fixed sleep. Then sets tcp_migrate_req in its
# netns (include/caddy-admin.sh).
#
# Parameters:
#   dir                            the config dir
#   proxy config sock admin legacy see include/caddy-admin.sh
#   timeout                        seconds
#   interval                       seconds between two tries
#
# Output: exit 0 `ready` (plus `migrate=unavailable` when the sysctl could not be set); exit 1 at once
# with `rejected: <caddy's error>` when caddy answers and rejects the config (no use waiting out the
# timeout); exit 2 on timeout with `not ready: <caddy's last error>`.
dir=$1 proxy=$2 config=$3 sock=$4 admin=$5 legacy=$6 timeout=$7 interval=$8
. ./include/caddy-admin.sh

cd "$dir" || exit 1
deadline=$(($(date +%s) + timeout))
while :; do
  if out=$(load 2>&1); then
    echo ready
    break
  elif [ $? -eq 2 ]; then
    printf "rejected: %s\n" "$out" | tail -n 3
    exit 1
  fi
  if [ "$(date +%s)" -gt "$deadline" ]; then
    printf "not ready: %s\n" "$out" | tail -n 3
    exit 2
  fi
  sleep "$interval"
done
migrate "$(docker inspect -f "{{.State.Pid}}" "$proxy" 2>/dev/null)"
