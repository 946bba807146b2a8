
namespace Glimpse.Core.Contracts;

/// <summary>Which part of the pipeline gave up on a job.</summary>
public enum FailureStage
{
    /// <summary>The manifest or the image was rejected before anything was queued.</summary>
    Ingest,
    /// <summary>The worker could not finish the job (the work message was dead-lettered).</summary>
    Worker,
}

/// <summary>
/// <c>glimpse-results/{jobId}/failure.json</c>, the terminal result of a failed job in place of result.json
/// (Schemas/failure.schema.json): what went wrong, every problem found, and the job's echo fields.
/// </summary>
public sealed record FailureDocument
{
    public const string CurrentSchemaVersion = "1.0";

    public string SchemaVersion { get; init; } = CurrentSchemaVersion;
    public required string JobId { get; init; }
    public required FailureStage Stage { get; init; }
    /// <summary>One line for people: the problems joined, or the error that stopped the worker.</summary>
    public required string Reason { get; init; }
    /// <summary>Every problem found, one per entry (a rejected manifest may have several).</summary>
    public required IReadOnlyList<string> Problems { get; init; }
    public required DateTimeOffset FailedAt { get; init; }
    public string? Model { get; init; }
    public string? Method { get; init; }
    public string? CorrelationId { get; init; }
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
}
