namespace Glimpse.Core.Validation;

/// <summary>Bounds a manifest must keep. The defaults are generous for people and tight enough for a service.</summary>
public sealed class ManifestLimits
{
    /// <summary>A manifest is a few hundred bytes; anything near this size is a mistake or an attack.</summary>
    public int MaxManifestBytes { get; set; } = 64 * 1024;
    /// <summary>A valid manifest nests three levels (root, options/tags, value); deeper JSON is refused while parsing.</summary>
    public int MaxJsonDepth { get; set; } = 8;
    public int MaxPromptChars { get; set; } = 2000;
    public int MaxNewTokens { get; set; } = 256;
    public int MaxTags { get; set; } = 32;
    public int MaxTagValueChars { get; set; } = 256;
    /// <summary>Service Bus caps a message's CorrelationId at 128 characters.</summary>
    public int MaxCorrelationIdChars { get; set; } = 128;
    /// <summary>Manifest versions this validator reads; a new version is added here together with what it changes.</summary>
    public IReadOnlySet<string> KnownSchemaVersions { get; set; } = new HashSet<string> { "1.0" };
}
