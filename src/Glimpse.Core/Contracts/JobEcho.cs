
namespace Glimpse.Core.Contracts;

/// <summary>
/// What a job's client gets back on every record about it (status, failure, completion) so it can match them to its
/// own work: the model and method asked for, its correlation id and tags. For a rejected manifest these are the
/// fields that were themselves valid; the others are null or empty.
/// </summary>
public sealed record JobEcho(string? Model, string? Method, string? CorrelationId, IReadOnlyDictionary<string, string> Tags)
{
    public static JobEcho None { get; } = new(null, null, null, new Dictionary<string, string>());

    public static JobEcho Of(JobManifest manifest) => new(manifest.Model, manifest.Method, manifest.CorrelationId, manifest.Tags);
}
