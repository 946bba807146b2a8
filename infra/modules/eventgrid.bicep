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

@description('The ingest function\'s name as the host knows it (IngestFunction.Name, [Function("Ingest")] in src/Glimpse.Functions).')
param ingestFunctionName string

@description('The inbox function\'s name (InboxFunction.Name): the one-blob shortcut, images uploaded under inbox/.')
param inboxFunctionName string

@description('Container both triggers watch.')
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
var blobsWebhook = 'https://${functionApp.properties.defaultHostName}/runtime/webhooks/blobs'
var containerSubject = '/blobServices/default/containers/${jobsContainerName}/blobs/'

// One subscription per blob trigger. Manifests: only jobs/{jobId}/job.json, the commit point; the images uploaded
// before it raise nothing. Inbox: every image dropped under inbox/ (the one-blob shortcut).
var triggers = [
  {
    name: 'glimpse-job-manifests'
    functionName: ingestFunctionName
    subjectBeginsWith: '${containerSubject}jobs/'
    subjectEndsWith: '/job.json'
  }
  {
    name: 'glimpse-inbox-images'
    functionName: inboxFunctionName
    subjectBeginsWith: '${containerSubject}inbox/'
    subjectEndsWith: ''
  }
]

resource blobCreated 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = [for trigger in triggers: {
  parent: systemTopic
  name: trigger.name
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: '${blobsWebhook}?functionName=Host.Functions.${trigger.functionName}&code=${blobsExtensionKey}'
        // One blob per delivery: each is its own job, and a failed one is retried alone.
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.Storage.BlobCreated'
      ]
      subjectBeginsWith: trigger.subjectBeginsWith
      subjectEndsWith: trigger.subjectEndsWith
      isSubjectCaseSensitive: true
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
}]

output systemTopicName string = systemTopic.name
