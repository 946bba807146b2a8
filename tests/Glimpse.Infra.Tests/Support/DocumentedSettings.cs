namespace Glimpse.Infra.Tests.Support;

/// <summary>
/// The one list of configuration names the deployment templates give the hosts (main.bicep's app settings and
/// container environment, docker-compose.yml's environments). The README's table under "Deploying to Azure" lists the
/// same names; the tests hold the templates, this list and the README to each other, so a setting cannot be added,
/// renamed or dropped in one place only.
/// </summary>
public static class DocumentedSettings
{
    public static IReadOnlyList<string> Names { get; } =
    [
        // The Functions runtime's own storage (identity-based in Azure, a connection string in compose).
        "AzureWebJobsStorage",
        "AzureWebJobsStorage__blobServiceUri",
        "AzureWebJobsStorage__queueServiceUri",
        "AzureWebJobsStorage__tableServiceUri",
        "AzureWebJobsStorage__credential",
        "AzureWebJobsStorage__clientId",
        // The ingest blob trigger's connection, named GlimpseStorage.
        "GlimpseStorage",
        "GlimpseStorage__blobServiceUri",
        "GlimpseStorage__queueServiceUri",
        "GlimpseStorage__credential",
        "GlimpseStorage__clientId",
        "GlimpseAuditSchedule",
        // The pipeline's options (Glimpse.Pipeline), in both hosts.
        "AZURE_CLIENT_ID",
        "Glimpse__Storage__ConnectionString",
        "Glimpse__Storage__BlobServiceUri",
        "Glimpse__Storage__QueueServiceUri",
        "Glimpse__Transport__Kind",
        "Glimpse__ServiceBus__ConnectionString",
        "Glimpse__ServiceBus__FullyQualifiedNamespace",
        "Glimpse__ServiceBus__QueueName",
        "Glimpse__ServiceBus__TopicName",
        "Glimpse__Models__Folder",
        "Glimpse__Models__Container",
        "Glimpse__Models__CacheFolder",
        "Glimpse__Worker__MaxJobDuration",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
    ];
}
