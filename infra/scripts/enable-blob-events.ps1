# azd postdeploy hook (azure.yaml): once the Functions code is deployed, provision again with the Event Grid
# subscription that delivers job manifests to the ingest function. A no-op when it already exists.
$ErrorActionPreference = 'Stop'
if ($env:GLIMPSE_BLOB_EVENTS -eq 'true') {
  Write-Host 'Event Grid subscription for job manifests already enabled.'
  exit 0
}
Write-Host 'Enabling the Event Grid subscription for job manifests (second provision)...'
azd env set GLIMPSE_BLOB_EVENTS true
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
azd provision --no-prompt
exit $LASTEXITCODE
