#!/bin/sh
# Registers agentrun's search attributes on the compose Temporal server (docker-compose.yml,
# service temporal-search-attributes). Arguments: Name=Type pairs, e.g. AgentRunStatus=Keyword.
#
# Safe to run again: an attribute that already exists with the same type is left alone. Fails (and
# so keeps the worker from starting) when the server never answers, when an attribute exists with
# another type, or when the server refuses one, e.g. PostgreSQL visibility has no free slot of
# that type left.
set -eu

address="${TEMPORAL_ADDRESS:-temporal:7233}"
namespace="${TEMPORAL_NAMESPACE:-default}"
attempts="${AGENTRUN_SETUP_ATTEMPTS:-90}"

if [ "$#" -eq 0 ]; then
  echo "usage: register-search-attributes.sh Name=Type [Name=Type ...]" >&2
  exit 2
fi

# auto-setup starts the server first and creates the namespace after: wait for the namespace.
echo "agentrun: waiting for namespace ${namespace} at ${address}"
attempt=0
until temporal operator namespace describe --address "$address" --namespace "$namespace" >/dev/null 2>&1; do
  attempt=$((attempt + 1))
  if [ "$attempt" -ge "$attempts" ]; then
    echo "agentrun: namespace ${namespace} at ${address} did not answer after ${attempts} attempts" >&2
    exit 1
  fi
  sleep 2
done

# The type an attribute is registered with, or nothing (the CLI prints a Name / Type table).
registered_type() {
  temporal operator search-attribute list --address "$address" --namespace "$namespace" | awk -v name="$1" '$1 == name { print $2 }'
}

for pair in "$@"; do
  name="${pair%%=*}"
  type="${pair#*=}"
  existing="$(registered_type "$name")"
  if [ -z "$existing" ]; then
    if temporal operator search-attribute create --address "$address" --namespace "$namespace" --name "$name" --type "$type"; then
      echo "agentrun: registered search attribute ${name} (${type})"
      continue
    fi
    # Someone else (e.g. a worker's own registration) may have added it meanwhile.
    existing="$(registered_type "$name")"
    if [ -z "$existing" ]; then
      echo "agentrun: could not register search attribute ${name} (${type})" >&2
      exit 1
    fi
  fi
  if [ "$existing" != "$type" ]; then
    echo "agentrun: search attribute ${name} exists as ${existing}, but agentrun needs ${type}; remove it (temporal operator search-attribute remove --name ${name}) or use another namespace" >&2
    exit 1
  fi
  echo "agentrun: search attribute ${name} already exists"
done
echo "agentrun: search attributes ready in namespace ${namespace}"
