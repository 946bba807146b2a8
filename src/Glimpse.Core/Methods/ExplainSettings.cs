namespace Glimpse.Core.Methods;

/// <summary>How a job is explained and drawn: what a manifest's <c>options</c> or the command line's flags ask for (<see cref="ExplainOptions"/>).</summary>
public sealed record ExplainSettings(GlimpseOptions Glimpse, MapNormalization Normalization)
{
    public static ExplainSettings Default { get; } = new(new GlimpseOptions(), MapNormalization.MinMax);
}
