// Blob-created events for job manifests, delivered to the Functions blob extension: the ingest trigger uses
// Source = BlobTriggerSource.EventGrid, so it runs once per manifest instead of polling the container.
//
// Deploy this only after the Function App's code is deployed: the webhook needs the host's blobs_extension system
// key, which the host creates when it first loads the blob extension, and Event Grid validates the endpoint when
// the subscription is created. azure.yaml's postdeploy hook re-provisions with blobEventsEnabled=true for that.

param location string
param tags object

param systemTopicName string
param storageAccountName string
param functionAppName string

@description('The ingest function\'s name as the host knows it ([Function("IngestFunction")] in src/Glimpse.Functions).')
param ingestFunctionName string

@description('Container the ingest trigger watches.')
param jobsContainerName string

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource functionApp 'Microsoft.Web/sites@2025-03-01' existing = {
  name: functionAppName
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: systemTopicName
  location: location
  tags: tags
  properties: {
    source: storage.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

// Bicep has no type for sites/host, so the keys are listed by id.
var blobsExtensionKey = listKeys('${functionApp.id}/host/default', '2025-03-01').systemKeys.blobs_extension
var webhookUrl = 'https://${functionApp.properties.defaultHostName}/runtime/webhooks/blobs?functionName=Host.Functions.${ingestFunctionName}&code=${blobsExtensionKey}'

resource manifestsCreated 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: systemTopic
  name: 'glimpse-job-manifests'
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: webhookUrl
        // One manifest per delivery: each is its own job, and a failed one is retried alone.
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.Storage.BlobCreated'
      ]
      // Only jobs/{jobId}/job.json, the commit point; the images uploaded before it raise nothing.
      subjectBeginsWith: '/blobServices/default/containers/${jobsContainerName}/blobs/jobs/'
      subjectEndsWith: '/job.json'
      isSubjectCaseSensitive: true
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
}

output systemTopicName string = systemTopic.name
