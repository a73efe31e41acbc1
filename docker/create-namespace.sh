#!/bin/sh
# Creates the namespace agentrun's workers use, once the Temporal server answers
# (docker-compose.yml, service temporal-namespace; the native lane in test/cluster/ runs it too).
#
# Safe to run again: an existing namespace is left as it is. Waits on the calls it makes: a server
# that has just started can refuse them for a while, so both are retried, AGENTRUN_SETUP_ATTEMPTS
# times 2 s apart (default 90), and the job fails if the server never accepts them.
#
# Environment: TEMPORAL_ADDRESS (temporal:7233), TEMPORAL_NAMESPACE (default),
# TEMPORAL_NAMESPACE_RETENTION (how long closed runs' histories are kept; default 24h, as auto-setup had).
set -eu

address="${TEMPORAL_ADDRESS:-temporal:7233}"
namespace="${TEMPORAL_NAMESPACE:-default}"
retention="${TEMPORAL_NAMESPACE_RETENTION:-24h}"
attempts="${AGENTRUN_SETUP_ATTEMPTS:-90}"

echo "agentrun: creating namespace ${namespace} at ${address}"
attempt=1
while :; do
  if temporal operator namespace describe --address "$address" --namespace "$namespace" >/dev/null 2>&1; then
    echo "agentrun: namespace ${namespace} exists"
    exit 0
  fi
  if output="$(temporal operator namespace create --address "$address" --namespace "$namespace" --retention "$retention" 2>&1)"; then
    echo "agentrun: namespace ${namespace} created (retention ${retention})"
    exit 0
  fi
  if [ "$attempt" -ge "$attempts" ]; then
    echo "agentrun: could not create namespace ${namespace} at ${address} after ${attempts} attempts: ${output}" >&2
    exit 1
  fi
  echo "agentrun: the server refused the namespace for now (attempt ${attempt}): $(printf '%s' "$output" | tail -n 1)"
  attempt=$((attempt + 1))
  sleep 2
done
