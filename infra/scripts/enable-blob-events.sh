#!/bin/sh
# azd postdeploy hook (azure.yaml): once the Functions code is deployed, provision again with the Event Grid
# subscription that delivers job manifests to the ingest function. A no-op when it already exists.
set -eu
if [ "${GLIMPSE_BLOB_EVENTS:-false}" = "true" ]; then
  echo "Event Grid subscription for job manifests already enabled."
  exit 0
fi
echo "Enabling the Event Grid subscription for job manifests (second provision)..."
azd env set GLIMPSE_BLOB_EVENTS true
azd provision --no-prompt
