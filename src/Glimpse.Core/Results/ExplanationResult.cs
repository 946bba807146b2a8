namespace Glimpse.Core.Results;

/// <summary>
/// What every explainer returns, GLIMPSE and baselines alike: one map over the image tokens for the whole answer,
/// saliency over the question's tokens where the method gives one, per-answer-token weights, optional per-token maps,
/// and how it was computed. Serialised as result.json (schema <see cref="SchemaVersion"/>).
/// </summary>
public sealed record ExplanationResult
{
    public const string CurrentSchemaVersion = "2.0";
    public string SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required ModelSummary Model { get; init; }
    /// <summary>glimpse, glimpse-fast, rollout, chefer, raw-attention, gradcam, tam.</summary>
    public required string Method { get; init; }
    /// <summary>True for methods that approximate GLIMPSE (the fast mode); every output says so.</summary>
    public bool Approximate { get; init; }
    /// <summary>The options the method ran with, by their documented names.</summary>
    public required IReadOnlyDictionary<string, string> Options { get; init; }

    public required string Question { get; init; }
    public required string Answer { get; init; }
    /// <summary>Every prompt token, in order; <see cref="PromptToken.Saliency"/> is set for the question's tokens (P).</summary>
    public required IReadOnlyList<PromptToken> PromptTokens { get; init; }
    /// <summary>Every generated token, in order.</summary>
    public required IReadOnlyList<AnswerToken> AnswerTokens { get; init; }

    /// <summary>The response-level map over image tokens (S_V for GLIMPSE), raw (not normalised), with the layout that
    /// places the tokens on the image.</summary>
    public required ImageTokenMap ImageMap { get; init; }
    /// <summary>One map per answer token (R_t[V]) when asked for, in answer order, over the same layout as <see cref="ImageMap"/>.</summary>
    public IReadOnlyList<ImageTokenMap>? PerTokenMaps { get; init; }

    public required ExplanationTimings Timings { get; init; }
    /// <summary>Peak resident memory of the process during the explanation step, in bytes (0 where the platform does
    /// not report it); an absolute figure, including the model and what the allocator kept from earlier work.</summary>
    public long PeakMemoryBytes { get; init; }
    /// <summary>Things a reader should know, e.g. "all token weights were zero; uniform weights used".</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

public sealed record ModelSummary(string Name, string ModelType, string DType, string Device);

/// <summary>One prompt token. Role: bos, template, image, question.</summary>
public sealed record PromptToken(int Position, long Id, string Text, string Role, double? Saliency);

/// <summary>One generated token with its GLIMPSE weights (β^V, β^P, γ) and its probability p_t; baselines give
/// equal weights.</summary>
public sealed record AnswerToken(int Position, long Id, string Text, double VisualWeight, double PromptWeight, double Relevance, double Probability);

public sealed record ExplanationTimings(double GenerateSeconds, double ForwardSeconds, double GradientSeconds, double TotalSeconds);
