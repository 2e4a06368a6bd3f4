#!/bin/sh
# Serves /www with busybox httpd. The version comes from the deploy tool's env (slipway, Kamal or
# the generic DEPLOY_VERSION), else the build arg, and is written where httpd serves it.
# The broken variant (built with BROKEN=1) boots but never turns healthy.
if [ -n "$SLIPWAY_DEMO_BROKEN" ]; then rm -f /www/up; fi
version="${SLIPWAY_VERSION:-${KAMAL_VERSION:-${DEPLOY_VERSION:-${BUILD_VERSION:-unknown}}}}"
printf '%s' "$version" > /www/version
printf '<!doctype html>\n<title>slipway demo</title>\n<h1>slipway demo</h1>\n<p>version <b id="version">%s</b> on <b id="host">%s</b></p>\n' \
  "$version" "$(hostname)" > /www/index.html
# DEMO_START_DELAY: seconds before it listens, as a real app takes to boot (the proxy tests need a slow start).
sleep "${DEMO_START_DELAY:-0}"
# httpd as PID 1 ignores SIGTERM (every `docker stop` would wait 10 s), so this shell handles it.
# -v logs every request to stderr, so `app logs` shows real traffic.
httpd -f -v -p 80 -h /www &
trap 'kill $!; exit 0' TERM INT
wait
