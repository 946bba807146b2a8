// The pipeline's storage account: job uploads, results, audit suites, model folders, and the Flex Consumption
// deployment package. Shared keys are off, so every client (the hosts, the Functions runtime's own
// AzureWebJobsStorage, Flex deployment, Event Grid) reaches it with Microsoft Entra ID.

param name string
param location string
param tags object

@description('The pipeline containers (BlobLayout in src/Glimpse.Pipeline).')
param pipelineContainers array

@description('The container Flex Consumption reads the Function App package from.')
param deploymentContainerName string

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    // Entra ID is the only way in; make it the portal's default too, or the portal tries keys and fails.
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: storage
  name: 'default'
  properties: {
    // A deleted result or job can be recovered for a week (results are create-once, so deletes are deliberate).
    deleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = [
  for container in union(pipelineContainers, [deploymentContainerName]): {
    parent: blobService
    name: container
    properties: {
      publicAccess: 'None'
    }
  }
]

output id string = storage.id
output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output queueEndpoint string = storage.properties.primaryEndpoints.queue
output tableEndpoint string = storage.properties.primaryEndpoints.table
