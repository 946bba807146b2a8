// The GPU worker (src/Glimpse.Worker): a Container App with no ingress on a serverless GPU workload profile, scaled
// by KEDA on the Service Bus work queue, from zero replicas when there is no work.

param environmentName string
param appName string
param location string
param tags object

param logAnalyticsName string

@description('Serverless GPU profile type: NVIDIA T4 (16 GB) or A100 (80 GB). LLaVA-1.5-7B in fp16 fits a T4; larger models want the A100.')
@allowed([
  'Consumption-GPU-NC8as-T4'
  'Consumption-GPU-NC24-A100'
])
param gpuProfileType string

param identityId string
param identityClientId string
param registryLoginServer string

@description('The worker image; azd replaces the placeholder with the image it built and pushed.')
param image string

@minValue(1)
@maxValue(50)
@description('Most GPU replicas at once; each takes one job at a time.')
param maxReplicas int

@minValue(1)
@description('Queued messages per replica before KEDA adds another; 1 because a replica works one job at a time.')
param messagesPerReplica int = 1

param storageBlobEndpoint string
param storageQueueEndpoint string
param serviceBusNamespace string
param serviceBusNamespaceName string
param serviceBusQueueName string
param serviceBusTopicName string
param modelsContainerName string

@description('Longest a job may hold its message (WorkerLoopOptions.MaxJobDuration, a TimeSpan).')
param maxJobDuration string

param applicationInsightsConnectionString string

// The most a replica of each serverless GPU profile may ask for.
var gpuProfileSizes = {
  'Consumption-GPU-NC8as-T4': {
    cpu: '8'
    memory: '56Gi'
  }
  'Consumption-GPU-NC24-A100': {
    cpu: '24'
    memory: '220Gi'
  }
}
var gpuProfileName = 'gpu'

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2025-02-01' existing = {
  name: logAnalyticsName
}

resource environment 'Microsoft.App/managedEnvironments@2025-01-01' = {
  name: environmentName
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logAnalytics.properties.customerId
        sharedKey: logAnalytics.listKeys().primarySharedKey
      }
    }
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
      {
        name: gpuProfileName
        workloadProfileType: gpuProfileType
      }
    ]
  }
}

resource worker 'Microsoft.App/containerApps@2025-01-01' = {
  name: appName
  location: location
  tags: union(tags, { 'azd-service-name': 'worker' })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    environmentId: environment.id
    workloadProfileName: gpuProfileName
    configuration: {
      activeRevisionsMode: 'Single'
      // No ingress: the worker only pulls from Service Bus.
      registries: [
        {
          server: registryLoginServer
          identity: identityId
        }
      ]
    }
    template: {
      containers: [
        {
          name: 'worker'
          image: image
          resources: {
            cpu: json(gpuProfileSizes[gpuProfileType].cpu)
            memory: gpuProfileSizes[gpuProfileType].memory
          }
          env: [
            { name: 'AZURE_CLIENT_ID', value: identityClientId }
            { name: 'Glimpse__Storage__BlobServiceUri', value: storageBlobEndpoint }
            { name: 'Glimpse__Storage__QueueServiceUri', value: storageQueueEndpoint }
            { name: 'Glimpse__Transport__Kind', value: 'ServiceBus' }
            { name: 'Glimpse__ServiceBus__FullyQualifiedNamespace', value: serviceBusNamespace }
            { name: 'Glimpse__ServiceBus__QueueName', value: serviceBusQueueName }
            { name: 'Glimpse__ServiceBus__TopicName', value: serviceBusTopicName }
            { name: 'Glimpse__Models__Container', value: modelsContainerName }
            { name: 'Glimpse__Models__CacheFolder', value: '/tmp/glimpse-models' }
            { name: 'Glimpse__Worker__MaxJobDuration', value: maxJobDuration }
            { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: applicationInsightsConnectionString }
          ]
        }
      ]
      // SIGTERM on scale-in or a new revision: the worker stops receiving and abandons its message (seconds).
      terminationGracePeriodSeconds: 60
      scale: {
        minReplicas: 0
        maxReplicas: maxReplicas
        // A replica that just finished waits this long for more work before scaling to zero; the model stays warm
        // in between, and a GPU cold start (image pull, model load) is paid less often.
        cooldownPeriod: 600
        rules: [
          {
            name: 'work-queue'
            custom: {
              type: 'azure-servicebus'
              metadata: {
                namespace: serviceBusNamespaceName
                queueName: serviceBusQueueName
                messageCount: string(messagesPerReplica)
              }
              // The scaler authenticates as the app's identity (no connection string: local auth is off).
              identity: identityId
            }
          }
        ]
      }
    }
  }
}

output environmentName string = environment.name
output workerName string = worker.name
