#!/usr/bin/env bash
# Install the system tools the test suite drives for real. As root with apt-get they are
# installed; otherwise the missing ones are listed and the tests that need them skip.
set -euo pipefail
wanted=(git:git redis-server:redis-server redis-benchmark:redis-tools dot:graphviz jq:jq)
missing=()
for pair in "${wanted[@]}"; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair##*:}")
done
# kubectl: the "kubectl" package where an apt source offers it, else Debian's kubernetes-client.
if ! command -v kubectl >/dev/null 2>&1; then
  if apt-cache policy kubectl 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    missing+=(kubectl)
  else
    missing+=(kubernetes-client)
  fi
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing: ${missing[*]}" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "not installed (tests that need them will skip): ${missing[*]}" >&2
fi
