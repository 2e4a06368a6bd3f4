# Writes (or deletes) one role's caddy route and rebuilds caddy.json from every route file, under the
# config dir's lock (include/caddy-routes.sh); prints the config dir's absolute path. Loading it into
# caddy is the caller's (boot, or the cutover's reload).
#
# Parameters:
#   dir    the config dir (relative to home or absolute)
#   name   the route's name (empty: only rebuild caddy.json)
#   route  the route's JSON (empty: delete it)
#   prio   0 for a route that matches host names, else 1
#   head   caddy.json's text before the routes
#   tail   caddy.json's text after the routes
dir=$1 name=$2 route=$3 prio=$4 head=$5 tail=$6
. ./include/caddy-routes.sh

write_routes "$dir" "$name" "$route" "$prio" "$head" "$tail"
pwd
