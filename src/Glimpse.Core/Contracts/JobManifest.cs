using System.Text.Json;
using Glimpse.Core.Methods;

namespace Glimpse.Core.Contracts;

/// <summary>
/// A job as its client describes it in <c>jobs/{jobId}/job.json</c> of the jobs container (Schemas/job.schema.json).
/// Only <see cref="Validation.ManifestValidator"/> makes one from bytes, so a manifest in hand is a valid one.
/// </summary>
public sealed record JobManifest
{
    public const string CurrentSchemaVersion = "1.0";
    public const string DefaultMethod = ExplainMethods.Default;
    public const int DefaultMaxNewTokens = 32;

    public string SchemaVersion { get; init; } = CurrentSchemaVersion;
    /// <summary>The question about the image.</summary>
    public required string Prompt { get; init; }
    /// <summary>
    /// The image's name relative to the job folder: <c>"image.png"</c> is <c>jobs/{jobId}/image.png</c>. A job reads
    /// only from its own folder, so one client's manifest cannot point the worker at another job's image.
    /// </summary>
    public required string Image { get; init; }
    /// <summary>A model id from the worker's model catalog.</summary>
    public required string Model { get; init; }
    /// <summary>One of <see cref="ExplainMethods"/>.</summary>
    public string Method { get; init; } = DefaultMethod;
    /// <summary>The method's options by their snake_case names (numbers, strings or booleans), as <see cref="ExplainOptions"/> reads them.</summary>
    public IReadOnlyDictionary<string, JsonElement> Options { get; init; } = new Dictionary<string, JsonElement>();
    public int MaxNewTokens { get; init; } = DefaultMaxNewTokens;
    /// <summary>The client's own id for the job, echoed in the status record and the completion event.</summary>
    public string? CorrelationId { get; init; }
    /// <summary>Free-form labels, echoed in the status record and the completion event.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
}
