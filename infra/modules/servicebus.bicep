// Service Bus: the work queue (one message per job, claim check) and the completion topic clients subscribe to.
// Local (SAS) auth is off: the hosts and the KEDA scaler use the managed identity.

param name string
param location string
param tags object

@allowed([
  'Standard'
  'Premium'
])
@description('Standard is enough for the pipeline (duplicate detection, topics); Premium adds isolation and larger messages.')
param sku string = 'Standard'

param queueName string
param topicName string
param subscriptionName string

@description('How long the broker holds a receiver\'s lock; the worker renews it (WorkerLoopOptions.LockRenewalInterval) for as long as a job runs. Service Bus allows at most 5 minutes.')
param lockDuration string = 'PT5M'

@description('Deliveries before the broker dead-letters a message: one more than the worker\'s own MaxDeliveryCount (default 5), so a job whose worker crashes on every delivery is still given up by a worker, with a failure result.')
@minValue(1)
@maxValue(10)
param maxDeliveryCount int = 6

@description('How long a message id is remembered: a second send of the same job inside this window is dropped.')
param duplicateDetectionWindow string = 'PT1H'

@description('How long an unprocessed job waits in the queue before it expires into the dead-letter queue.')
param messageTimeToLive string = 'P7D'

resource namespace 'Microsoft.ServiceBus/namespaces@2026-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: sku
    tier: sku
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource queue 'Microsoft.ServiceBus/namespaces/queues@2026-01-01' = {
  parent: namespace
  name: queueName
  properties: {
    lockDuration: lockDuration
    maxDeliveryCount: maxDeliveryCount
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: duplicateDetectionWindow
    defaultMessageTimeToLive: messageTimeToLive
    deadLetteringOnMessageExpiration: true
    requiresSession: false
    enablePartitioning: false
  }
}

resource topic 'Microsoft.ServiceBus/namespaces/topics@2026-01-01' = {
  parent: namespace
  name: topicName
  properties: {
    // Completion events are published once per job with message id {jobId}.completed; a retried publish is dropped.
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: duplicateDetectionWindow
    defaultMessageTimeToLive: messageTimeToLive
    enablePartitioning: false
  }
}

resource subscription 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2026-01-01' = {
  parent: topic
  name: subscriptionName
  properties: {
    lockDuration: 'PT1M'
    maxDeliveryCount: 10
    deadLetteringOnMessageExpiration: true
    defaultMessageTimeToLive: messageTimeToLive
  }
}

output id string = namespace.id
output name string = namespace.name
output queueId string = queue.id
// serviceBusEndpoint is https://{name}.servicebus.windows.net:443/ in the public cloud; the clients want the host only.
output fullyQualifiedNamespace string = split(replace(namespace.properties.serviceBusEndpoint, 'https://', ''), ':')[0]
