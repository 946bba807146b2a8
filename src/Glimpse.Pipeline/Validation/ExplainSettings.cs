using Glimpse.Explain;
using Glimpse.Explain.Rendering;

namespace Glimpse.Pipeline.Validation;

/// <summary>How a job is explained and drawn, from its manifest's <c>options</c>.</summary>
public sealed record ExplainSettings(GlimpseOptions Glimpse, MapNormalization Normalization)
{
    public static ExplainSettings Default { get; } = new(new GlimpseOptions(), MapNormalization.MinMax);
}
