# Polls traefik's API (`/api/http/services/<service>@docker`) from the host until a container's
# address is `present` among the service's servers (the route is live) or `absent` (drained).
# One round trip, no fixed sleep.
#
# Parameters:
#   service    the traefik service (the role's container prefix)
#   name       the app container
#   want       `present` or `absent`
#   timeout    seconds
#   interval   seconds between two looks
#   port       traefik's API port inside its container
#
# Output: exit 0 with `present`/`absent`; exit 2 with `timeout`; exit 3 with `unreachable` when the
# API cannot be reached (no `api.insecure`, no curl on the host).
service=$1 name=$2 want=$3 timeout=$4 interval=$5 port=$6

# ipof CONTAINER: its first IP address.
ipof() {
  docker inspect -f "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}" "$1" 2>/dev/null | cut -d " " -f 1
}

api=$(ipof traefik)
{ [ -n "$api" ] && command -v curl >/dev/null 2>&1 && curl -fsS -m 2 -o /dev/null "http://$api:$port/api/version" 2>/dev/null; } || {
  echo unreachable
  exit 3
}
ip=$(ipof "$name")
deadline=$(($(date +%s) + timeout))
while :; do
  body=$(curl -fsS -m 2 "http://$api:$port/api/http/services/$service@docker" 2>/dev/null)
  case $body in *"\"http://$ip:"*) seen=1 ;; *) seen=0 ;; esac
  [ -n "$ip" ] || seen=0
  if [ "$want" = present ] && [ "$seen" = 1 ]; then
    echo present
    exit 0
  fi
  if [ "$want" = absent ] && [ "$seen" = 0 ]; then
    echo absent
    exit 0
  fi
  if [ "$(date +%s)" -gt "$deadline" ]; then
    echo timeout
    exit 2
  fi
  sleep "$interval"
done
