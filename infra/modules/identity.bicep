// The one user-assigned identity both hosts run as: the Function App, the worker Container App, the worker's image
// pull and its KEDA scale rule. Keeping one identity keeps the role assignments in one place (modules/roles.bicep).

@description('Name of the user-assigned managed identity.')
param name string

param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
