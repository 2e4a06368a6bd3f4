# Boot where caddy already runs the configured image: load <dir>/caddy.json (rebuilt by the caller;
# a no-op when unchanged) and set tcp_migrate_req, from one `docker inspect` of caddy's state, pid,
# image and networks (include/caddy-admin.sh). Its network exists while caddy is attached to it.
#
# Parameters:
#   dir                            the config dir
#   proxy config sock admin legacy see include/caddy-admin.sh
#   image                          the configured caddy image
#   network                        the network caddy and the apps share
#
# Output: exit 0 `ready`; exit 3 when caddy is not running, runs another image or is off the network
# (the caller then boots it the full way); exit 1 when the load failed.
dir=$1 proxy=$2 config=$3 sock=$4 admin=$5 legacy=$6 image=$7 network=$8
. ./include/caddy-admin.sh

info=$(docker inspect -f '{{.State.Running}} {{.State.Pid}} {{.Config.Image}} ,{{range $k, $v := .NetworkSettings.Networks}}{{$k}},{{end}}' "$proxy" 2>/dev/null) || exit 3
pid=${info#* }
pid=${pid%% *}
case $info in "true $pid $image "*",$network,"*) ;; *) exit 3 ;; esac
cd "$dir" || exit 1
load || exit 1
echo ready
migrate "$pid"
