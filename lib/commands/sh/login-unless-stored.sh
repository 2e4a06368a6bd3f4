# `docker login` to the registry (password on stdin), unless this docker's config already holds
# these very credentials for it: a deploy logs in on every host and here on every run, and each
# login costs a docker process and a round trip to the registry to learn nothing new. Credentials
# kept by a credential helper are not in the file: those hosts log in every time, as before.
#
# Parameters:
#   server    the registry (`host[:port]`); empty: Docker Hub
#   username  the registry user
#
# Stdin: two lines, the base64 of `username:password` (what docker stores as `auth`), then the
# password. Neither ever reaches a command's arguments.
#
# Output: `login=stored` when the stored credentials were kept; otherwise docker login's own output.
# Exit: 0, or docker login's status.
server=$1 username=$2
IFS= read -r auth || exit 1
config=${DOCKER_CONFIG:-$HOME/.docker}/config.json
# Docker writes `"<server>": { "auth": "<base64>" }` under `auths` (Docker Hub's key is its v1 URL).
key=${server:-https://index.docker.io/v1/}
if [ -n "$auth" ] && [ -r "$config" ]; then
  stored=$(tr -d ' \t\r\n' <"$config")
  case $stored in
    *"\"$key\":{\"auth\":\"$auth\""*)
      # The password is not needed: read it, so that nothing run after this program does.
      cat >/dev/null
      echo login=stored
      exit 0
      ;;
  esac
fi
if [ -n "$server" ]; then
  exec docker login "$server" -u "$username" --password-stdin
fi
exec docker login -u "$username" --password-stdin
