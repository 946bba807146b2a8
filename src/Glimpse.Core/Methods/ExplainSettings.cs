namespace Glimpse.Core.Methods;

/// <summary>How a job is explained and drawn: what a manifest's <c>options</c> or the command line's flags ask for (<see cref="ExplainOptions"/>).</summary>
public sealed record ExplainSettings(GlimpseOptions Glimpse, MapNormalization Normalization)
{
    /// <summary>The precision the job's model runs in (option <c>precision</c>); the worker keeps one warm model per
    /// model and precision.</summary>
    public ModelPrecision Precision { get; init; } = ModelPrecision.Float32;

    public static ExplainSettings Default { get; } = new(new GlimpseOptions(), MapNormalization.MinMax);
}
