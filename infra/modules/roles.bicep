// Every data-plane permission of the deployment, in one place. The hosts' identity gets what the pipeline does and
// nothing more; the deploying user (principalId, optional) gets enough to upload jobs and read results and events.

@description('Name of the hosts\' user-assigned identity (names the assignments, so they are known before deployment).')
param identityName string

@description('Principal id of the hosts\' user-assigned identity.')
param identityPrincipalId string

@description('Principal id of the user or group running azd, to upload jobs and read results; empty for none.')
param userPrincipalId string = ''

@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param userPrincipalType string = 'User'

param storageAccountName string
param serviceBusNamespaceName string
param serviceBusQueueName string
param registryName string

// Built-in role definition ids (the same in every tenant).
var identityId = resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', identityName)
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  serviceBusDataOwner: '090c5cfd-751d-490a-894a-3ce6f1109419'
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d'
}

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2026-01-01' existing = {
  name: serviceBusNamespaceName

  resource queue 'queues' existing = {
    name: serviceBusQueueName
  }
}

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' existing = {
  name: registryName
}

// Storage Blob Data Owner, not Contributor: the Functions runtime's identity-based AzureWebJobsStorage and the blob
// trigger need it (they manage blob leases and receipts), and Flex Consumption reads its package with it.
resource identityBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identityId, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
  }
}

// Queues: the Functions host's internal queues (blob trigger poison queue) and the Storage Queues transport.
resource identityQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identityId, roles.storageQueueDataContributor)
  scope: storage
  properties: {
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
  }
}

// Ingest and the audit timer send work; the worker sends completion events.
resource identityBusSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(serviceBus.id, identityId, roles.serviceBusDataSender)
  scope: serviceBus
  properties: {
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataSender)
  }
}

// The worker receives, renews locks, completes, abandons and dead-letters.
resource identityBusReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(serviceBus.id, identityId, roles.serviceBusDataReceiver)
  scope: serviceBus
  properties: {
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataReceiver)
  }
}

// KEDA's azure-servicebus scaler reads the queue's message count from its runtime properties, which Service Bus
// grants only with Manage rights: Data Owner, scoped to the one queue it watches.
resource identityQueueOwnerForScaler 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(serviceBus::queue.id, identityId, roles.serviceBusDataOwner)
  scope: serviceBus::queue
  properties: {
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataOwner)
  }
}

resource identityAcrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, identityId, roles.acrPull)
  scope: registry
  properties: {
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.acrPull)
  }
}

// The deploying user uploads jobs (glimpse submit against Azure) and reads results and completion events.
resource userBlobContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(userPrincipalId)) {
  name: guid(storage.id, userPrincipalId, roles.storageBlobDataContributor)
  scope: storage
  properties: {
    principalId: userPrincipalId
    principalType: userPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
  }
}

resource userBusReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(userPrincipalId)) {
  name: guid(serviceBus.id, userPrincipalId, roles.serviceBusDataReceiver)
  scope: serviceBus
  properties: {
    principalId: userPrincipalId
    principalType: userPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataReceiver)
  }
}

@description('Role assignment ids the hosts depend on; callers wait on them before starting anything that uses them.')
output identityAssignmentIds array = [
  identityBlobOwner.id
  identityQueueContributor.id
  identityBusSender.id
  identityBusReceiver.id
  identityQueueOwnerForScaler.id
  identityAcrPull.id
]
