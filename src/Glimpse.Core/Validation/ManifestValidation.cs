using Glimpse.Core.Contracts;
using Glimpse.Core.Methods;

namespace Glimpse.Core.Validation;

/// <summary>
/// What <see cref="ManifestValidator"/> found: a manifest and its explain settings when valid, otherwise every problem,
/// one clear sentence each, in the order of the fields.
/// </summary>
public sealed record ManifestValidation(JobManifest? Manifest, ExplainSettings? Settings, IReadOnlyList<string> Problems, JobEcho Echo)
{
    public bool IsValid => Manifest is not null;

    /// <summary>A manifest refused before its content was read (too large, or not readable at all).</summary>
    public static ManifestValidation Rejected(string problem) => new(null, null, [problem], JobEcho.None);
}
