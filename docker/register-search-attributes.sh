#!/bin/sh
# Registers agentrun's search attributes on the compose Temporal server (docker-compose.yml,
# service temporal-search-attributes). Arguments: Name=Type pairs, e.g. AgentRunStatus=Keyword.
#
# Safe to run again: an attribute that already exists with the same type is left alone. Fails (and
# so keeps the worker from starting) when the server never answers, when an attribute exists with
# another type, or when the server refuses one for good, e.g. PostgreSQL visibility has no free
# column of that type left.
#
# Waits on the calls it makes, not on a proxy for them: on a namespace created a moment ago
# (Server 1.30, PostgreSQL), `namespace describe` succeeds about 2 s before `search-attribute list`
# stops answering "Namespace default is not found". Each call is retried, AGENTRUN_SETUP_ATTEMPTS
# times 2 s apart (default 90).
set -eu

address="${TEMPORAL_ADDRESS:-temporal:7233}"
namespace="${TEMPORAL_NAMESPACE:-default}"
attempts="${AGENTRUN_SETUP_ATTEMPTS:-90}"

if [ "$#" -eq 0 ]; then
  echo "usage: register-search-attributes.sh Name=Type [Name=Type ...]" >&2
  exit 2
fi

# The CLI prints a Name / Type table.
list() {
  temporal operator search-attribute list --address "$address" --namespace "$namespace"
}

# Sets $listing to the current table, retrying until the server answers.
refresh_listing() {
  attempt=1
  until listing="$(list 2>&1)"; do
    if [ "$attempt" -ge "$attempts" ]; then
      echo "agentrun: listing search attributes of ${namespace} at ${address} failed ${attempts} times: ${listing}" >&2
      exit 1
    fi
    echo "agentrun: the server cannot list search attributes yet (attempt ${attempt}): $(printf '%s' "$listing" | tail -n 1)"
    attempt=$((attempt + 1))
    sleep 2
  done
}

# The type an attribute has in $listing, or nothing.
registered_type() {
  printf '%s\n' "$listing" | awk -v name="$1" '$1 == name { print $2 }'
}

echo "agentrun: registering search attributes in namespace ${namespace} at ${address}"
refresh_listing
for pair in "$@"; do
  name="${pair%%=*}"
  type="${pair#*=}"
  existing="$(registered_type "$name")"
  attempt=1
  while [ -z "$existing" ]; do
    if output="$(temporal operator search-attribute create --address "$address" --namespace "$namespace" --name "$name" --type "$type" 2>&1)"; then
      echo "agentrun: registered search attribute ${name} (${type})"
      refresh_listing
      continue 2
    fi
    # Someone else (e.g. a worker's own registration) may have added it meanwhile; else retry.
    refresh_listing
    existing="$(registered_type "$name")"
    if [ -z "$existing" ]; then
      # Retry what a server that is still starting answers; anything else (no free column of
      # that type in PostgreSQL visibility, a bad name) will not change: stop at once.
      case "$output" in
        *"not found"*|*Unavailable*|*"connection refused"*|*DeadlineExceeded*|*"deadline exceeded"*) ;;
        *) echo "agentrun: could not register search attribute ${name} (${type}): ${output}" >&2; exit 1 ;;
      esac
      if [ "$attempt" -ge "$attempts" ]; then
        echo "agentrun: could not register search attribute ${name} (${type}) after ${attempts} attempts: ${output}" >&2
        exit 1
      fi
      echo "agentrun: the server refused ${name} for now (attempt ${attempt}): $(printf '%s' "$output" | tail -n 1)"
      attempt=$((attempt + 1))
      sleep 2
    fi
  done
  if [ "$existing" != "$type" ]; then
    echo "agentrun: search attribute ${name} exists as ${existing}, but agentrun needs ${type}; remove it (temporal operator search-attribute remove --name ${name}) or use another namespace" >&2
    exit 1
  fi
  echo "agentrun: search attribute ${name} already exists"
done
echo "agentrun: search attributes ready in namespace ${namespace}"
