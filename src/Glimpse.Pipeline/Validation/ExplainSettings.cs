using Glimpse.Explain;
using Glimpse.Explain.Rendering;
using Glimpse.Model;

namespace Glimpse.Pipeline.Validation;

/// <summary>How a job is explained and drawn, from its manifest's <c>options</c>.</summary>
public sealed record ExplainSettings(GlimpseOptions Glimpse, MapNormalization Normalization)
{
    /// <summary>The precision the job's model runs in (option <c>precision</c>); the worker keeps one warm model per
    /// model and precision.</summary>
    public ModelPrecision Precision { get; init; } = ModelPrecision.Float32;

    public static ExplainSettings Default { get; } = new(new GlimpseOptions(), MapNormalization.MinMax);
}
