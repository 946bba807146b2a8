using System.Globalization;
using System.Text.Json;
using Glimpse.Explain;
using Glimpse.Explain.Rendering;
using Glimpse.Model;

namespace Glimpse.Pipeline.Validation;

/// <summary>
/// The manifest's <c>options</c>: GLIMPSE's options by the snake_case names result.json reports them under
/// (<see cref="GlimpseOptions.Describe"/>), plus <c>per_token_maps</c>, <c>chunk_size</c>, <c>memory_budget_mib</c>
/// the display's <c>normalize</c> and the model's <c>precision</c>. Fast mode is chosen by the method name (<c>glimpse-fast</c>), not an option.
/// Ranges are bounded on both sides so a job cannot ask for absurd work; <see cref="GlimpseOptions.Validate"/> has the
/// last word.
/// </summary>
public static class ExplainOptionsParser
{
    /// <param name="Expected">What a valid value is, for the problem message.</param>
    /// <param name="Apply">The settings with the value applied, or null when the value is not valid.</param>
    private sealed record OptionSpec(string Expected, Func<JsonElement, ExplainSettings, ExplainSettings?> Apply);

    private static readonly Dictionary<string, OptionSpec> Specs = new(StringComparer.Ordinal)
    {
        ["lambda"] = Number(0, minExclusive: true, 1000, (s, v) => s with { Glimpse = s.Glimpse with { Lambda = v } }),
        ["epsilon"] = Number(0, minExclusive: false, 1, (s, v) => s with { Glimpse = s.Glimpse with { Epsilon = v } }),
        ["depth_lambda"] = Number(-100, minExclusive: false, 100, (s, v) => s with { Glimpse = s.Glimpse with { DepthLambda = v } }),
        ["depth_prior"] = Boolean((s, v) => s with { Glimpse = s.Glimpse with { DepthPrior = v } }),
        ["head_weighting"] = Choice(["adaptive", "mean"], (s, v) => s with { Glimpse = s.Glimpse with { HeadWeighting = v == "mean" ? HeadWeighting.Mean : HeadWeighting.Adaptive } }),
        ["row_normalize"] = Boolean((s, v) => s with { Glimpse = s.Glimpse with { RowNormalize = v } }),
        ["layer_fraction"] = Number(0, minExclusive: true, 1, (s, v) => s with { Glimpse = s.Glimpse with { LayerFraction = v } }),
        ["token_weights"] = Choice(["full", "confidence", "alignment", "uniform"], (s, v) => s with { Glimpse = s.Glimpse with { TokenWeights = Enum.Parse<TokenWeighting>(v, ignoreCase: true) } }),
        ["target"] = Choice(["logit", "log-prob"], (s, v) => s with { Glimpse = s.Glimpse with { Target = v == "logit" ? GradientTarget.Logit : GradientTarget.LogProbability } }),
        ["grad_region"] = Choice(["causal", "full"], (s, v) => s with { Glimpse = s.Glimpse with { GradientRegion = v == "causal" ? GradientRegion.Causal : GradientRegion.Full } }),
        ["exclude_self"] = Boolean((s, v) => s with { Glimpse = s.Glimpse with { ExcludeSelf = v } }),
        ["per_token_maps"] = Boolean((s, v) => s with { Glimpse = s.Glimpse with { PerTokenMaps = v } }),
        ["chunk_size"] = Integer(0, 1024, (s, v) => s with { Glimpse = s.Glimpse with { ChunkSize = v } }),
        ["memory_budget_mib"] = Integer(1, 1 << 20, (s, v) => s with { Glimpse = s.Glimpse with { MemoryBudgetBytes = v * 1048576L } }),
        ["normalize"] = Choice(["minmax", "percentile", "rank"], (s, v) => s with { Normalization = Enum.Parse<MapNormalization>(v, ignoreCase: true) }),
        ["precision"] = Choice([.. ModelPrecisions.Names], (s, v) => s with { Precision = ModelPrecisions.Parse(v) }),
    };

    /// <summary>Every option name a manifest may use.</summary>
    public static IReadOnlyCollection<string> Names => Specs.Keys;

    /// <summary>The settings the options describe; each unknown name or bad value adds one problem to <paramref name="problems"/>.</summary>
    public static ExplainSettings Parse(IReadOnlyDictionary<string, JsonElement> options, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = ExplainSettings.Default;
        foreach (var (name, value) in options.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            if (!Specs.TryGetValue(name, out var spec))
            {
                problems.Add($"options.{Shorten(name)} is not an option; known: {string.Join(", ", Specs.Keys.Order(StringComparer.Ordinal))}");
                continue;
            }
            if (spec.Apply(value, settings) is { } applied) settings = applied;
            else problems.Add($"options.{name} must be {spec.Expected}, not {Shorten(value.GetRawText())}");
        }
        try
        {
            settings.Glimpse.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            problems.Add($"options: {e.Message}");
        }
        return settings;
    }

    private static OptionSpec Number(double min, bool minExclusive, double max, Func<ExplainSettings, double, ExplainSettings> set) => new(
        $"a number in {(minExclusive ? "(" : "[")}{Format(min)}, {Format(max)}]",
        (value, settings) => value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double v) && double.IsFinite(v)
            && (minExclusive ? v > min : v >= min) && v <= max ? set(settings, v) : null);

    private static OptionSpec Integer(int min, int max, Func<ExplainSettings, int, ExplainSettings> set) => new(
        $"a whole number in [{min}, {max}]",
        (value, settings) => value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int v) && v >= min && v <= max ? set(settings, v) : null);

    private static OptionSpec Boolean(Func<ExplainSettings, bool, ExplainSettings> set) => new(
        "true or false",
        (value, settings) => value.ValueKind is JsonValueKind.True or JsonValueKind.False ? set(settings, value.GetBoolean()) : null);

    private static OptionSpec Choice(string[] choices, Func<ExplainSettings, string, ExplainSettings> set) => new(
        $"one of \"{string.Join("\", \"", choices)}\"",
        (value, settings) => value.ValueKind == JsonValueKind.String && JsonText.TryGetString(value) is { } v && choices.Contains(v) ? set(settings, v) : null);

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>User text quoted in a problem stays short, so a huge value cannot flood logs and failure records.</summary>
    internal static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
