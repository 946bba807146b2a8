namespace Glimpse.Core.Methods;

/// <summary>How a job is explained and drawn: what a manifest's <c>options</c> or the command line's flags ask for (<see cref="ExplainOptions"/>).</summary>
public sealed record ExplainSettings(GlimpseOptions Glimpse, MapNormalization Normalization)
{
    /// <summary>The precision the job's model runs in (option <c>precision</c>); the worker keeps one warm model per
    /// model and precision.</summary>
    public ModelPrecision Precision { get; init; } = ModelPrecision.Float32;

    /// <summary>The decoder layer raw attention and Grad-CAM read (option <c>layer</c>): 0 the first, −1 the last.</summary>
    public int Layer { get; init; } = -1;

    public static ExplainSettings Default { get; } = new(new GlimpseOptions(), MapNormalization.MinMax);
}
