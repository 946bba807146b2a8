
namespace Glimpse.Core.Contracts;

/// <summary>
/// What ingest queues for the worker: a claim check that names the job's blobs, never their bytes, so a message stays
/// a few hundred bytes whatever the image. The worker re-reads the manifest for the prompt and options.
/// </summary>
public sealed record WorkMessage
{
    public const string CurrentSchemaVersion = "1.0";

    public string SchemaVersion { get; init; } = CurrentSchemaVersion;
    public required string JobId { get; init; }
    /// <summary>The manifest's blob name in the jobs container (<c>jobs/{jobId}/job.json</c>).</summary>
    public required string ManifestBlob { get; init; }
    /// <summary>The image's blob name in the jobs container.</summary>
    public required string ImageBlob { get; init; }
    public required string Model { get; init; }
    public required string Method { get; init; }
    public string? CorrelationId { get; init; }
}
