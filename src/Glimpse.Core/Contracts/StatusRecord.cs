
namespace Glimpse.Core.Contracts;

/// <summary>
/// <c>glimpse-results/{jobId}/status.json</c>, the one record clients poll (Schemas/status.schema.json). Ingest creates
/// it; the worker moves it on; terminal statuses are final.
/// </summary>
public sealed record StatusRecord
{
    public const string CurrentSchemaVersion = "1.0";

    public string SchemaVersion { get; init; } = CurrentSchemaVersion;
    public required string JobId { get; init; }
    public required JobStatus Status { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    /// <summary>0 until a worker starts the job; then the delivery count of the delivery that last ran it.</summary>
    public int Attempt { get; init; }
    /// <summary>Why the job failed, one line; null unless failed.</summary>
    public string? Reason { get; init; }
    /// <summary>Null when the manifest was too broken to name it.</summary>
    public string? Model { get; init; }
    public string? Method { get; init; }
    public string? CorrelationId { get; init; }
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    /// <summary>When ingest handed the work message to the queue; null while it has not (yet).</summary>
    public DateTimeOffset? QueuedAt { get; init; }
    /// <summary>Result blob names in the results container, once succeeded.</summary>
    public ResultFiles? Results { get; init; }
    /// <summary>The failure.json blob name in the results container, once failed.</summary>
    public string? Failure { get; init; }
    /// <summary>When the completion event went out; null until it has, so a retry knows whether to send it.</summary>
    public DateTimeOffset? CompletionPublishedAt { get; init; }
}
