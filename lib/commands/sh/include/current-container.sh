# Which container of a role is "current": the newest running container of the latest image, else
# the newest running one. The latest tag only moves after a deploy succeeded on every host, so it
# survives a half-failed deploy that left a crash-looping newer container behind. The fallback
# `docker ps` runs only when the latest image has no running container: each docker call starts a
# docker CLI, slow on a busy server, and this sits on every deploy's critical path.

# latest_container ids|names REF FILTER…: prints the newest running (or restarting) container of
# the latest image REF among those matching the `docker ps` filters (nothing when there is none).
latest_container() {
  _show=$1 _ref=$2
  shift 2
  if [ "$_show" = names ]; then set -- --format "{{.Names}}" "$@"; else set -- --quiet "$@"; fi
  # `ancestor=` takes the tag itself (the daemon resolves it, and matches nothing when it is missing):
  # no `docker image ls` for its id first.
  docker ps --latest "$@" --filter status=running --filter status=restarting --filter "ancestor=$_ref" | head -n 1
}

# current_container ids|names REF FILTER…: prints the current container's id or name (nothing when
# there is none) among the containers matching the `docker ps` filters; REF is the latest image.
current_container() {
  _cur=$(latest_container "$@")
  if [ -n "$_cur" ]; then
    printf "%s\n" "$_cur"
  else
    _show=$1
    shift 2
    if [ "$_show" = names ]; then set -- --format "{{.Names}}" "$@"; else set -- --quiet "$@"; fi
    docker ps --latest "$@" --filter status=running --filter status=restarting | head -n 1
  fi
}

# versions PREFIX: each container name on stdin minus `PREFIX-`, i.e. its version.
versions() {
  while read -r _line; do printf "%s\n" "${_line#"$1-"}"; done
}
