// Glimpse's event-driven pipeline on Azure (deployed with `azd up` from this folder; see the README's "Deploying to
// Azure"): storage for jobs and results, Service Bus for work and completion events, the ingest/audit Functions on
// Flex Consumption fed by Event Grid, and the GPU worker on Container Apps scaled from zero by KEDA. Every
// connection is identity-based: shared keys and SAS are off.
targetScope = 'subscription'

@minLength(1)
@maxLength(40)
@description('azd environment name; names the resource group and seeds the resource names.')
param environmentName string

@minLength(1)
@description('Region for every resource. It must offer Flex Consumption and the chosen serverless GPU profile.')
param location string

@description('Object id of the user or group running azd (azd sets AZURE_PRINCIPAL_ID): gets blob and Service Bus read access to submit jobs and read results. Empty for none.')
param principalId string = ''

@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param principalType string = 'User'

@description('Serverless GPU workload profile for the worker.')
@allowed([
  'Consumption-GPU-NC8as-T4'
  'Consumption-GPU-NC24-A100'
])
param gpuProfileType string = 'Consumption-GPU-NC8as-T4'

@minValue(1)
@maxValue(50)
@description('Most worker replicas (GPUs) at once. Serverless GPU quota is per subscription and region; ask for more before raising this.')
param workerMaxReplicas int = 2

@description('Worker image. azd sets SERVICE_WORKER_IMAGE_NAME after its first deploy; before that a public placeholder keeps the Container App valid (it has no work and stays at zero replicas).')
param workerImage string = 'mcr.microsoft.com/k8se/quickstart:latest'

@description('Longest job the worker keeps its message locked for (WorkerLoopOptions.MaxJobDuration, hh:mm:ss).')
param workerMaxJobDuration string = '02:00:00'

@allowed([
  'Standard'
  'Premium'
])
param serviceBusSku string = 'Standard'

@description('NCRONTAB schedule of the audit timer (seconds first): 03:00 UTC daily by default.')
param auditSchedule string = '0 0 3 * * *'

@description('Create the Event Grid subscription that feeds manifests to the ingest function. Needs the Function App code deployed first (azure.yaml\'s postdeploy hook sets GLIMPSE_BLOB_EVENTS=true and provisions again).')
param blobEventsEnabled bool = false

// Names shared with the hosts (README "Deploying to Azure"; src/Glimpse.Pipeline BlobLayout and transport options).
var jobsContainerName = 'glimpse-jobs'
var resultsContainerName = 'glimpse-results'
var auditsContainerName = 'glimpse-audits'
var modelsContainerName = 'glimpse-models'
var workQueueName = 'glimpse-jobs'
var completionTopicName = 'glimpse-completed'
var completionSubscriptionName = 'all'
// The Functions' names as the host knows them (IngestFunction.Name, InboxFunction.Name); the tests check both.
var ingestFunctionName = 'Ingest'
var inboxFunctionName = 'Inbox'

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var identityName = 'id-glimpse-${resourceToken}'
var logAnalyticsName = 'log-glimpse-${resourceToken}'
var storageAccountName = 'stglimpse${take(resourceToken, 15)}'
var serviceBusName = 'sb-glimpse-${resourceToken}'
var registryName = 'crglimpse${resourceToken}'
var functionAppName = 'func-glimpse-${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}'

resource resourceGroup 'Microsoft.Resources/resourceGroups@2025-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: resourceGroup
  params: {
    name: identityName
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: resourceGroup
  params: {
    logAnalyticsName: logAnalyticsName
    applicationInsightsName: 'appi-glimpse-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: resourceGroup
  params: {
    name: storageAccountName
    location: location
    tags: tags
    pipelineContainers: [
      jobsContainerName
      resultsContainerName
      auditsContainerName
      modelsContainerName
    ]
    deploymentContainerName: deploymentContainerName
  }
}

module serviceBus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  scope: resourceGroup
  params: {
    name: serviceBusName
    location: location
    tags: tags
    sku: serviceBusSku
    queueName: workQueueName
    topicName: completionTopicName
    subscriptionName: completionSubscriptionName
  }
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  scope: resourceGroup
  params: {
    name: registryName
    location: location
    tags: tags
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  scope: resourceGroup
  // Names are passed as the variables they are (not module outputs), so What-If can predict the assignments.
  dependsOn: [
    storage
    serviceBus
    registry
  ]
  params: {
    identityName: identityName
    identityPrincipalId: identity.outputs.principalId
    userPrincipalId: principalId
    userPrincipalType: principalType
    storageAccountName: storageAccountName
    serviceBusNamespaceName: serviceBusName
    serviceBusQueueName: workQueueName
    registryName: registryName
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: resourceGroup
  // The host starts with identity-based storage at once; without its roles it fails its first starts.
  dependsOn: [
    roles
  ]
  params: {
    name: functionAppName
    planName: 'plan-glimpse-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageQueueEndpoint: storage.outputs.queueEndpoint
    storageTableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: deploymentContainerName
    serviceBusNamespace: serviceBus.outputs.fullyQualifiedNamespace
    serviceBusQueueName: workQueueName
    serviceBusTopicName: completionTopicName
    modelsContainerName: modelsContainerName
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    auditSchedule: auditSchedule
  }
}

module blobEvents 'modules/eventgrid.bicep' = if (blobEventsEnabled) {
  name: 'eventgrid'
  scope: resourceGroup
  dependsOn: [
    storage
    functionApp
  ]
  params: {
    location: location
    tags: tags
    systemTopicName: 'evgt-glimpse-${resourceToken}'
    storageAccountName: storageAccountName
    functionAppName: functionAppName
    ingestFunctionName: ingestFunctionName
    inboxFunctionName: inboxFunctionName
    jobsContainerName: jobsContainerName
  }
}

module worker 'modules/worker.bicep' = {
  name: 'worker'
  scope: resourceGroup
  // AcrPull and the Service Bus roles must exist before the first replica pulls its image and the scaler polls.
  dependsOn: [
    roles
  ]
  params: {
    environmentName: 'cae-glimpse-${resourceToken}'
    appName: 'ca-glimpse-worker-${resourceToken}'
    location: location
    tags: tags
    logAnalyticsName: logAnalyticsName
    gpuProfileType: gpuProfileType
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    registryLoginServer: registry.outputs.loginServer
    image: workerImage
    maxReplicas: workerMaxReplicas
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageQueueEndpoint: storage.outputs.queueEndpoint
    serviceBusNamespace: serviceBus.outputs.fullyQualifiedNamespace
    serviceBusNamespaceName: serviceBus.outputs.name
    serviceBusQueueName: workQueueName
    serviceBusTopicName: completionTopicName
    modelsContainerName: modelsContainerName
    maxJobDuration: workerMaxJobDuration
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
  }
}

// azd writes these into the environment's .env: the registry is where it pushes the worker image; the rest tell a
// client (glimpse submit, a completion subscriber) where the pipeline is.
output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = resourceGroup.name
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_CONTAINER_ENVIRONMENT_NAME string = worker.outputs.environmentName
output GLIMPSE_FUNCTION_APP_NAME string = functionApp.outputs.name
output GLIMPSE_WORKER_APP_NAME string = worker.outputs.workerName
output GLIMPSE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output GLIMPSE_SERVICEBUS_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output GLIMPSE_BLOB_EVENTS_ENABLED bool = blobEventsEnabled
