#!/bin/sh
# A fake `docker` for the scale bench's cheap hosts (bench/fleet/): it answers exactly the commands,
# flags and --format templates a deploy sends, the way Docker Engine 25 (API 1.44) does, keeping each
# host's containers and images in files. Anything else is refused with exit 125 and a line in
# $FAKE_DOCKER_SHARED/unknown.log, so a change to slipway's commands shows instead of passing.
#
# Environment (set per sshd by bench/fleet/fleet.ts):
#   FAKE_DOCKER_STATE   this host's state dir (c/<id>: one container each; images: "<id> <repo> <tag> <service>")
#   FAKE_DOCKER_SHARED  the fleet's dir: registry (what `pull` finds: "<repo>:<tag> <id> <service>"),
#                       healthy-after-ms (how long a new container stays `starting`), boots.log (run/ready
#                       stamps, for the boot.limit check), unknown.log

S=$FAKE_DOCKER_STATE
SH=$FAKE_DOCKER_SHARED
# Made by the fleet, never here: a command still running when the fleet is removed must not make
# them again.
[ -d "$S/c" ] && [ -d "$S/r" ] && [ -f "$S/images" ] && [ -d "$SH" ] || {
  echo "fake docker: no host state in FAKE_DOCKER_STATE=$S (FAKE_DOCKER_SHARED=$SH)" >&2
  exit 125
}
host=${S##*/}

unsupported() {
  printf '%s: docker %s\n' "$host" "$*" >>"$SH/unknown.log"
  echo "fake docker: unsupported: docker $*" >&2
  exit 125
}
ALL="$*"
fail() {
  echo "Error response from daemon: $1" >&2
  exit "${2:-1}"
}
now() { t=$(date +%s%N); }

# Containers: one file each, shell assignments (values never hold a quote: refused at `run`).
load() { . "$1"; }
save() {
  printf "id='%s'\nname='%s'\nimage='%s'\nimage_id='%s'\nstate='%s'\nservice='%s'\nrole='%s'\ndestination='%s'\ncreated='%s'\nhealthy_at='%s'\n" \
    "$id" "$name" "$image" "$image_id" "$state" "$service" "$role" "$destination" "$created" "$healthy_at" >"$S/c/.$id"
  mv "$S/c/.$id" "$S/c/$id"
}
# find NAME_OR_ID: the container's file in $file (empty: none).
find_container() {
  file=''
  for f in "$S"/c/*; do
    [ -f "$f" ] || continue
    load "$f"
    case $1 in "$name" | "$id" | "${id%"${id#????????????}"}") file=$f && return 0 ;; esac
  done
  return 1
}
# health: the container's health now ($health: starting/healthy, or - without a check); a `ready`
# stamp in boots.log the first time it is reported healthy.
health_now() {
  if [ -z "$healthy_at" ]; then health=-; return; fi
  now
  if [ "$state" != running ]; then health=unhealthy
  elif [ "$t" -ge "$healthy_at" ]; then health=healthy; ready_stamp
  else health=starting; fi
}
ready_stamp() {
  [ -e "$S/r/$id" ] && return
  : >"$S/r/$id"
  printf 'ready %s %s %s\n' "$t" "$host" "$name" >>"$SH/boots.log"
}
# image_of REF: "<id> <repo> <tag> <service>" of a local image, by repo:tag or id.
image_of() {
  while read -r i r g s; do
    if [ "$r:$g" = "$1" ] || [ "$i" = "$1" ]; then img="$i $r $g $s" && return 0; fi
  done <"$S/images"
  return 1
}

# untag "<id> <repo> <tag> <service>": drops that tag; an image left without tags that a container
# still uses stays as <none>:<none> (dangling), as Docker keeps it.
untag() {
  grep -v -F -x "$1" "$S/images" >"$S/images.new"
  mv "$S/images.new" "$S/images"
  set -- $1
  grep -q "^$1 " "$S/images" && return 0
  for g in "$S"/c/*; do
    [ -f "$g" ] && load "$g" && [ "$image_id" = "$1" ] && echo "$1 <none> <none> $4" >>"$S/images" && return 0
  done
  return 0
}

# ps: containers newest first, filtered; FILTERS in "$@" (already parsed into words `key=value`).
matches() {
  for f in $filters; do
    case $f in
      label=service=*) [ "$service" = "${f#label=service=}" ] || return 1 ;;
      label=role=*) [ "$role" = "${f#label=role=}" ] || return 1 ;;
      label=destination=*) [ "$destination" = "${f#label=destination=}" ] || return 1 ;;
      status=*) case " $statuses " in *" $state "*) ;; *) return 1 ;; esac ;;
      ancestor=*) [ "$image_id" = "${f#ancestor=}" ] || return 1 ;;
      name=*) n=${f#name=^} && [ "$name" = "${n%\$}" ] || return 1 ;;
      *) unsupported "$ALL" ;;
    esac
  done
}
list_containers() {
  all=$1 latest=$2 format=$3
  statuses=''
  for f in $filters; do case $f in status=*) statuses="$statuses ${f#status=}" ;; esac; done
  [ -n "$statuses" ] || { [ "$all" = 1 ] || statuses=running; }
  [ -n "$statuses" ] || statuses='created running exited dead restarting paused'
  # newest first: created stamps sort numerically
  for f in $(for g in "$S"/c/*; do [ -f "$g" ] && load "$g" && echo "$created $g"; done | sort -rn | cut -d' ' -f2); do
    load "$f"
    matches || continue
    case $format in
      quiet) echo "${id%"${id#????????????}"}" ;;
      names) echo "$name" ;;
      name_state) echo "$name $state" ;;
      prune) echo "${id%"${id#????????????}"} $service $destination" ;;
      prune_all) echo "${id%"${id#????????????}"}|$state|$service|$destination|$image|$name" ;;
      image) printf '%s\\|' "$image" ;;
      *) unsupported "$ALL" ;;
    esac
    [ "$latest" = 1 ] && break
  done
  [ "$format" = image ] && echo
  return 0
}
# Parses `--filter X` / `--format F` / flags of ps-like commands into $filters $format $all $latest.
ps_args() {
  filters='' format=default all=0 latest=0
  while [ $# -gt 0 ]; do
    case $1 in
      --filter) filters="$filters $2" && shift ;;
      --format)
        case $2 in
          '{{.Names}}') format=names ;;
          '{{.Names}} {{.State}}') format=name_state ;;
          '{{.ID}} {{.Label "service"}} {{.Label "destination"}}') format=prune ;;
          '{{.ID}}|{{.State}}|{{.Label "service"}}|{{.Label "destination"}}|{{.Image}}|{{.Names}}') format=prune_all ;;
          '{{.Image}}\|') format=image ;;
          *) unsupported "$ALL" ;;
        esac
        shift
        ;;
      --quiet | -q) format=quiet ;;
      --all | -a) all=1 ;;
      --latest) latest=1 ;;
      *) unsupported "$ALL" ;;
    esac
    shift
  done
  [ "$format" != default ] || unsupported "$ALL"
  list_containers "$all" "$latest" "$format"
}

# run/create: the flags a deploy passes, then IMAGE [CMD…].
new_container() {
  start=$1 && shift
  name='' service='' role='' destination='' health_cmd='' detach=0
  while [ $# -gt 0 ]; do
    case $1 in
      --detach) detach=1 ;;
      --restart | --hostname | --log-opt | --health-interval | --health-start-period | --health-start-interval | --volume | --network) shift ;;
      --name) name=$2 && shift ;;
      -e | --env) shift ;;
      --env-file) [ -r "$2" ] || fail "open $2: no such file or directory" 125 && shift ;;
      --health-cmd) health_cmd=$2 && shift ;;
      --label)
        case $2 in
          service=*) service=${2#service=} ;;
          role=*) role=${2#role=} ;;
          destination) destination='' ;;
          destination=*) destination=${2#destination=} ;;
          *) ;;
        esac
        shift
        ;;
      -*) unsupported "$ALL" ;;
      *) break ;;
    esac
    shift
  done
  [ $# -ge 1 ] || unsupported "$ALL"
  [ "$start" = 0 ] || [ "$detach" = 1 ] || unsupported "$ALL"
  case "$name$service$role$destination$1" in *"'"*) unsupported "$ALL" ;; esac
  image_of "$1" || fail "No such image: $1 (the fake does not pull on run)" 125
  [ -n "$name" ] || unsupported "$ALL"
  # find_container loads every container into the same variables: keep the new one's aside.
  new="$name|$service|$role|$destination"
  find_container "$name" && fail "Conflict. The container name \"/$name\" is already in use by container \"$id\"." 125
  IFS='|' read -r name service role destination <<EOF_NEW
$new
EOF_NEW
  set -- $img
  image_id=$1 image="$2:$3"
  now
  id=$(printf '%s %s %s' "$host" "$name" "$t" | sha256sum | cut -c1-64)
  created=$t healthy_at='' state=created
  [ -z "$health_cmd" ] || healthy_at=$t
  if [ "$start" = 1 ]; then start_container; fi
  save
  echo "$id"
}
start_container() {
  now
  state=running
  [ -z "$healthy_at" ] || healthy_at=$((t + $(cat "$SH/healthy-after-ms") * 1000000))
  rm -f "$S/r/$id"
  printf 'run %s %s %s\n' "$t" "$host" "$name" >>"$SH/boots.log"
}

# inspect FORMAT NAME…
inspect() {
  format=$1 && shift
  for n in "$@"; do
    if find_container "$n"; then
      case $format in
        '{{.Id}} {{.State.Status}} {{with index .State "Health"}}{{.Status}}{{else}}-{{end}} {{.RestartCount}}')
          health_now && echo "$id $state $health 0" ;;
        '{{json .State.Health}}')
          health_now
          if [ "$health" = - ]; then echo null; else printf '{"Status":"%s","FailingStreak":0,"Log":[]}\n' "$health"; fi ;;
        *) unsupported "$ALL" ;;
      esac
    elif image_of "$n"; then
      case $format in
        '{{ .Config.Labels.service }}') set -- $img && echo "$4" ;;
        *) unsupported "$ALL" ;;
      esac
    else
      echo "Error: No such object: $n" >&2 && exit 1
    fi
  done
}

# events --since S --until U --filter container=ID --filter event=… --format {{.Action}}: the
# container's health_status: healthy at its time, when that lies within the window.
events() {
  since='' until='' cid='' wanted=''
  while [ $# -gt 0 ]; do
    case $1 in
      --since) since=$2 ;;
      --until) until=$2 ;;
      --filter)
        case $2 in
          container=*) cid=${2#container=} ;;
          event=*) wanted="$wanted ${2#event=}" ;;
          *) unsupported "$ALL" ;;
        esac
        ;;
      --format) [ "$2" = '{{.Action}}' ] || unsupported "$ALL" ;;
      *) unsupported "$ALL" ;;
    esac
    shift 2
  done
  [ -n "$since" ] && [ -n "$until" ] && [ -n "$cid" ] || unsupported "$ALL"
  ns() { echo $((${1%.*} * 1000000000 + 1${1#*.} - 1000000000)); }
  s=$(ns "$since") u=$(ns "$until")
  find_container "$cid" || { sleep_until "$u" && return 0; }
  case " $wanted " in *" health_status "*) ;; *) sleep_until "$u" && return 0 ;; esac
  if [ -n "$healthy_at" ] && [ "$state" = running ] && [ "$healthy_at" -ge "$s" ] && [ "$healthy_at" -le "$u" ]; then
    sleep_until "$healthy_at"
    t=$healthy_at && ready_stamp
    echo "health_status: healthy"
  fi
  sleep_until "$u"
}
sleep_until() {
  now
  d=$(($1 - t))
  [ "$d" -le 0 ] || sleep "$((d / 1000000000)).$(printf '%09d' $((d % 1000000000)))"
}

printf '%s\n' "$*" >>"$S/calls.log"
sub=${1:-} && [ $# -gt 0 ] && shift
case $sub in
  version)
    [ "$*" = '--format api={{.Client.APIVersion}}' ] || unsupported "$ALL"
    echo api=1.44 ;;
  login)
    [ $# -eq 4 ] && [ "$2" = -u ] && [ "$4" = --password-stdin ] || unsupported "$ALL"
    [ -n "$(cat)" ] || fail "no password on stdin"
    echo "Login Succeeded" ;;
  pull)
    [ $# -eq 1 ] || unsupported "$ALL"
    while read -r ref iid svc; do
      if [ "$ref" = "$1" ]; then
        image_of "$1" || echo "$iid ${ref%:*} ${ref##*:} $svc" >>"$S/images"
        echo "Status: Downloaded newer image for $1" && exit 0
      fi
    done <"$SH/registry"
    fail "manifest for $1 not found: manifest unknown" ;;
  image)
    what=${1:-} && shift
    case "$what $*" in
      "rm --force "*)
        [ $# -eq 2 ] || unsupported "$ALL"
        image_of "$2" || fail "No such image: $2"
        untag "$img" && echo "Untagged: $2" ;;
      "ls --filter reference="*" --format {{.ID}}")
        [ $# -eq 4 ] || unsupported "$ALL"
        image_of "${2#reference=}" && { set -- $img && echo "$1"; }; true ;;
      "ls --filter label=service="*" --format {{.ID}} {{.Repository}}:{{.Tag}}")
        [ $# -eq 4 ] || unsupported "$ALL"
        while read -r i r g s; do [ "$s" != "${2#label=service=}" ] || echo "$i $r:$g"; done <"$S/images" ;;
      "prune --force --filter label=service="*)
        [ $# -eq 3 ] || unsupported "$ALL"
        grep -v " <none> " "$S/images" >"$S/images.new"; mv "$S/images.new" "$S/images"
        echo "Total reclaimed space: 0B" ;;
      *) unsupported "$ALL" ;;
    esac ;;
  container)
    case ${1:-} in
      ls) shift && ps_args "$@" ;;
      *) unsupported "$ALL" ;;
    esac ;;
  ps) ps_args "$@" ;;
  run) new_container 1 "$@" ;;
  create) new_container 0 "$@" ;;
  start)
    [ $# -eq 1 ] || unsupported "$ALL"
    find_container "$1" || fail "No such container: $1"
    start_container && save && echo "$1" ;;
  inspect)
    case ${1:-} in -f | --format) ;; *) unsupported "$ALL" ;; esac
    f=$2 && shift 2 && [ $# -ge 1 ] || unsupported "$ALL"
    inspect "$f" "$@" ;;
  events) events "$@" ;;
  stop)
    [ "${1:-}" != -t ] || shift 2
    [ $# -ge 1 ] || unsupported "$ALL"
    for n in "$@"; do
      find_container "$n" || fail "No such container: $n"
      state=exited && save && echo "$n"
    done ;;
  rm)
    [ $# -ge 1 ] || unsupported "$ALL"
    for n in "$@"; do
      find_container "$n" || fail "No such container: $n"
      [ "$state" != running ] || fail "You cannot remove a running container $id. Stop the container before attempting removal or force remove" 
      rm -f "$file" "$S/r/$id" && echo "$n"
    done ;;
  rename)
    [ $# -eq 2 ] || unsupported "$ALL"
    find_container "$2" && fail "Conflict. The container name \"/$2\" is already in use by container \"$id\"."
    find_container "$1" || fail "No such container: $1"
    name=$2 && save ;;
  tag)
    [ $# -eq 2 ] || unsupported "$ALL"
    image_of "$1" || fail "No such image: $1"
    set -- "$2" $img
    old=$(grep -F " ${1%:*} ${1##*:} " "$S/images") && untag "$old"
    echo "$2 ${1%:*} ${1##*:} $5" >>"$S/images" ;;
  rmi)
    [ $# -ge 1 ] || unsupported "$ALL"
    for n in "$@"; do
      image_of "$n" || fail "No such image: $n"
      untag "$img" && echo "Untagged: $n"
    done ;;
  logs)
    [ "${1:-}" = --tail ] && [ $# -eq 3 ] || unsupported "$ALL"
    find_container "$3" || fail "No such container: $3"
    echo "fake log of $3" ;;
  *) unsupported "$ALL" ;;
esac
