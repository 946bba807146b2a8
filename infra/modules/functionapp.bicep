// The ingest and audit Functions (src/Glimpse.Functions) on Flex Consumption. Everything the app reaches it reaches
// as the user-assigned identity: AzureWebJobsStorage, the GlimpseStorage trigger connection, the pipeline's own
// storage and Service Bus clients, and the deployment package container.

param name string
param planName string
param location string
param tags object

param identityId string
param identityClientId string

param storageBlobEndpoint string
param storageQueueEndpoint string
param storageTableEndpoint string
param deploymentContainerName string

param serviceBusNamespace string
param serviceBusQueueName string
param serviceBusTopicName string
param modelsContainerName string

param applicationInsightsConnectionString string

@description('NCRONTAB schedule of the audit timer (six fields, seconds first), bound as %GlimpseAuditSchedule%.')
param auditSchedule string

@description('Most instances Flex Consumption may scale the app out to; ingest is light, so the default stays modest.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory of each instance.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('The .NET isolated worker version Flex Consumption runs (net10.0 projects need 10.0).')
param dotnetVersion string = '10.0'

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true // Linux
  }
}

resource app 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'functions' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      // Flex Consumption takes the worker runtime and version from functionAppConfig.runtime below; setting
      // FUNCTIONS_WORKER_RUNTIME or FUNCTIONS_EXTENSION_VERSION here is an error on this plan.
      appSettings: [
        // The Functions runtime's own storage, identity-based (shared keys are off).
        { name: 'AzureWebJobsStorage__blobServiceUri', value: storageBlobEndpoint }
        { name: 'AzureWebJobsStorage__queueServiceUri', value: storageQueueEndpoint }
        { name: 'AzureWebJobsStorage__tableServiceUri', value: storageTableEndpoint }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
        // The ingest blob trigger's connection ("GlimpseStorage"); the Event Grid source still reads blobs with it.
        { name: 'GlimpseStorage__blobServiceUri', value: storageBlobEndpoint }
        { name: 'GlimpseStorage__queueServiceUri', value: storageQueueEndpoint }
        { name: 'GlimpseStorage__credential', value: 'managedidentity' }
        { name: 'GlimpseStorage__clientId', value: identityClientId }
        { name: 'GlimpseAuditSchedule', value: auditSchedule }
        // The pipeline's clients (DefaultAzureCredential picks the user-assigned identity by AZURE_CLIENT_ID).
        { name: 'AZURE_CLIENT_ID', value: identityClientId }
        { name: 'Glimpse__Storage__BlobServiceUri', value: storageBlobEndpoint }
        { name: 'Glimpse__Storage__QueueServiceUri', value: storageQueueEndpoint }
        { name: 'Glimpse__Transport__Kind', value: 'ServiceBus' }
        { name: 'Glimpse__ServiceBus__FullyQualifiedNamespace', value: serviceBusNamespace }
        { name: 'Glimpse__ServiceBus__QueueName', value: serviceBusQueueName }
        { name: 'Glimpse__ServiceBus__TopicName', value: serviceBusTopicName }
        { name: 'Glimpse__Models__Container', value: modelsContainerName }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: applicationInsightsConnectionString }
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: dotnetVersion
      }
    }
  }
}

// Publishing goes through the deployment container with Entra ID; basic (user/password) publishing stays off.
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: app
  name: 'scm'
  properties: {
    allow: false
  }
}

resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: app
  name: 'ftp'
  properties: {
    allow: false
  }
}

output id string = app.id
output name string = app.name
output defaultHostName string = app.properties.defaultHostName
