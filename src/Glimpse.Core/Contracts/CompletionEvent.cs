
namespace Glimpse.Core.Contracts;

/// <summary>
/// Published once per job when it reaches a terminal status (Schemas/completion.schema.json): to the
/// <c>glimpse-completed</c> topic on Service Bus, or the <c>glimpse-completed</c> queue on Storage Queues.
/// </summary>
public sealed record CompletionEvent
{
    public const string CurrentSchemaVersion = "1.0";

    public string SchemaVersion { get; init; } = CurrentSchemaVersion;
    public required string JobId { get; init; }
    /// <summary><see cref="JobStatus.Succeeded"/> or <see cref="JobStatus.Failed"/>.</summary>
    public required JobStatus Status { get; init; }
    public string? Model { get; init; }
    public string? Method { get; init; }
    public string? CorrelationId { get; init; }
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    /// <summary>The result blobs' URIs when succeeded.</summary>
    public ResultFiles? Results { get; init; }
    /// <summary>The failure.json blob's URI when failed.</summary>
    public string? FailureUri { get; init; }
    public required string StatusUri { get; init; }
    /// <summary>Why it failed, one line; null when succeeded.</summary>
    public string? Reason { get; init; }
    /// <summary>The generated answer when succeeded.</summary>
    public string? Answer { get; init; }
    /// <summary>Where the worker's time went, when succeeded.</summary>
    public CompletionTimings? Timings { get; init; }
    public required DateTimeOffset CompletedAt { get; init; }
}

/// <summary>Seconds spent generating the answer, explaining it (forward and gradients) and in the whole explain run.</summary>
public sealed record CompletionTimings(double GenerateSeconds, double ExplainSeconds, double TotalSeconds);
