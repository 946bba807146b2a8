using Glimpse.Pipeline.Hosting;
using Microsoft.Extensions.Configuration;

namespace Glimpse.Functions;

/// <summary>The Functions app's own setting names, and how they fill the pipeline's configuration.</summary>
public static class FunctionSettings
{
    /// <summary>
    /// The triggers' storage connection: the app setting <c>GlimpseStorage</c> (a connection string), or
    /// <c>GlimpseStorage__blobServiceUri</c> / <c>GlimpseStorage__queueServiceUri</c> with a managed identity.
    /// </summary>
    public const string StorageConnection = "GlimpseStorage";

    /// <summary>
    /// The pipeline's storage, when <c>Glimpse:Storage</c> does not name it, is the triggers' storage: one account, said
    /// once. Returns the settings to add (none when the pipeline's own are present).
    /// </summary>
    public static IReadOnlyDictionary<string, string?> StorageFallback(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var pipeline = configuration.GetSection(PipelineConfiguration.Storage);
        var fallback = new Dictionary<string, string?>();
        if (!string.IsNullOrEmpty(pipeline["ConnectionString"]) || !string.IsNullOrEmpty(pipeline["BlobServiceUri"])) return fallback;
        if (configuration[StorageConnection] is { Length: > 0 } connectionString)
        {
            fallback[$"{PipelineConfiguration.Storage}:ConnectionString"] = connectionString;
            return fallback;
        }
        var identity = configuration.GetSection(StorageConnection);
        if (identity["blobServiceUri"] is { Length: > 0 } blobUri) fallback[$"{PipelineConfiguration.Storage}:BlobServiceUri"] = blobUri;
        if (identity["queueServiceUri"] is { Length: > 0 } queueUri) fallback[$"{PipelineConfiguration.Storage}:QueueServiceUri"] = queueUri;
        return fallback;
    }
}
