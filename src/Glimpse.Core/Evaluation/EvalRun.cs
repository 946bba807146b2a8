using Glimpse.Core.Methods;
using Glimpse.Core.Results;

namespace Glimpse.Core.Evaluation;

/// <summary>What an evaluation runs.</summary>
public sealed record EvalOptions
{
    /// <summary>
    /// Methods as written: names from <see cref="ExplainMethods"/> or variants with options of their own
    /// (<see cref="MethodVariant"/>, e.g. <c>glimpse[token_weights=uniform]</c>); the first is the one the others are
    /// compared with.
    /// </summary>
    public required IReadOnlyList<string> Methods { get; init; }
    /// <summary>The options every method runs with (those it takes); a variant's own options are applied on top.</summary>
    public ExplainSettings Settings { get; init; } = ExplainSettings.Default;
    public int MaxNewTokens { get; init; } = 32;
    public ComparisonGrid Grid { get; init; } = ComparisonGrid.Default;
    /// <summary>How the deletion and insertion curves are taken; null skips them.</summary>
    public FaithfulnessOptions? Faithfulness { get; init; } = new();
    /// <summary>Items shown in eval.html's grid of example overlays (the first ones).</summary>
    public int Examples { get; init; } = 4;
    /// <summary>Seeds the random controls, ties and bootstrap intervals; per item it is combined with the item's index.</summary>
    public int Seed { get; init; }

    /// <summary>The methods read (<see cref="MethodVariant.ParseList"/>); their labels name them in every output.</summary>
    /// <exception cref="ArgumentException">A method is unknown or malformed, or named twice.</exception>
    public IReadOnlyList<MethodVariant> Variants => MethodVariant.ParseList(Methods);

    /// <summary>The labels of <see cref="Variants"/>, in order.</summary>
    public IReadOnlyList<string> Labels => [.. Variants.Select(v => v.Label)];

    public void Validate()
    {
        foreach (var variant in Variants) variant.Settings(Settings).Glimpse.Validate();
        if (MaxNewTokens < 1) throw new ArgumentOutOfRangeException(nameof(MaxNewTokens), MaxNewTokens, "must be at least 1");
        if (Examples < 0) throw new ArgumentOutOfRangeException(nameof(Examples), Examples, "must be at least 0");
        if (Grid.Height < 1 || Grid.Width < 1) throw new ArgumentOutOfRangeException(nameof(Grid), Grid, "the comparison grid needs cells");
        Settings.Glimpse.Validate();
        Faithfulness?.Validate();
    }
}

/// <summary>Where a run is: item <see cref="Item"/> of <see cref="Items"/>, method <see cref="Method"/>; <see cref="Done"/> of <see cref="Total"/> item × method pairs finished.</summary>
public sealed record EvalProgress(int Item, int Items, string ItemId, string Method, int Done, int Total);

/// <summary>One item as eval.html shows it: small pictures of the image, the reference and each method's overlay (JPEG).</summary>
public sealed record EvalExample(string ItemId, string Question, string Answer, string? ExpectedAnswer, byte[] ImageJpeg, byte[]? ReferenceJpeg,
    IReadOnlyDictionary<string, byte[]> OverlayJpegs);

/// <summary>Everything an evaluation found.</summary>
public sealed record EvalRun
{
    public required ModelSummary Model { get; init; }
    public required string Data { get; init; }
    public required EvalOptions Options { get; init; }
    public required int Items { get; init; }
    /// <summary>One per item × method, items in order, methods in <see cref="EvalOptions.Methods"/> order within an item.</summary>
    public required IReadOnlyList<EvalRecord> Records { get; init; }
    public required IReadOnlyList<EvalExample> Examples { get; init; }
    public required double Seconds { get; init; }
    /// <summary>The model's precision by name (float32, bfloat16-mixed).</summary>
    public string Precision { get; init; } = ModelPrecision.Float32.Name();
}
