namespace Glimpse.Core.Methods;

/// <summary>Which plain gradient sums (ΣReLU(g) in the head weights, ‖Σ_h g‖₁ in the layer weights) are taken.</summary>
public enum GradientRegion
{
    /// <summary>The causal lower triangle j ≤ i only, where attention exists (default: token t depends on nothing after it).</summary>
    Causal,
    /// <summary>All N×N entries, including those above the diagonal where autograd's g ≠ 0 but A = 0.</summary>
    Full,
}

public enum HeadWeighting { Adaptive, Mean }

/// <summary>How answer tokens are weighted in the response-level maps.</summary>
public enum TokenWeighting
{
    /// <summary>β^V ∝ p·a, β^P ∝ p·v (the method).</summary>
    Full,
    /// <summary>β ∝ p.</summary>
    Confidence,
    /// <summary>β^V ∝ a, β^P ∝ v.</summary>
    Alignment,
    Uniform,
}

/// <summary>How the fused layer relevances E_l are propagated into R (public re-implementations differ here).</summary>
public enum PropagationRule
{
    /// <summary>R ← R + (I + α_l E_l) R, i.e. R = Π(2I + α_l E_l), computed as Π(I + ½ α_l E_l) (the method, eqs. 11–13).</summary>
    Doubled,
    /// <summary>R ← R + α_l E_l R, i.e. R = Π(I + α_l E_l): the identity path weighs half as much against each layer.</summary>
    Plain,
}

/// <summary>Which answer tokens are explained (each costs one backward pass) and weighed into the response-level maps.</summary>
public enum AnswerTokenSelection
{
    /// <summary>Every answer token, end-of-sequence included (the method).</summary>
    All,
    /// <summary>Content tokens: not function words (articles, copulas, prepositions, …), punctuation or end-of-sequence.</summary>
    Content,
    /// <summary>The <see cref="GlimpseOptions.TopK"/> tokens whose query rows put the most attention on the image, averaged
    /// over layers and heads of one forward (a cheap score: no gradient).</summary>
    TopK,
}

/// <summary>The scalar each answer token back-propagates.</summary>
public enum GradientTarget
{
    /// <summary>z_t, the raw logit of y_t at q_t (the method).</summary>
    Logit,
    /// <summary>log softmax(logits at q_t)[y_t].</summary>
    LogProbability,
}

/// <summary>
/// Every choice of GLIMPSE as a named option with the specification's default (docs: glimpse-method.md).
/// </summary>
public sealed record GlimpseOptions
{
    /// <summary>λ, the temperature of the head-weight softmax (logits are divided by it).</summary>
    public double Lambda { get; init; } = 0.5;
    /// <summary>ε, added to the head-weight denominator.</summary>
    public double Epsilon { get; init; } = 1e-12;
    /// <summary>λ_d, the slope of the depth prior s_l = softmax_l(λ_d·(l+1)).</summary>
    public double DepthLambda { get; init; } = 0.2;
    public bool DepthPrior { get; init; } = true;
    public HeadWeighting HeadWeighting { get; init; } = HeadWeighting.Adaptive;
    public bool RowNormalize { get; init; } = true;
    /// <summary>f: propagate only the deepest ceil(f·L) layers (the depth prior then runs over those).</summary>
    public double LayerFraction { get; init; } = 1.0;
    public TokenWeighting TokenWeights { get; init; } = TokenWeighting.Full;
    /// <summary>The propagation rule of step 5 (<see cref="PropagationRule"/>).</summary>
    public PropagationRule Propagation { get; init; } = PropagationRule.Doubled;
    /// <summary>Which answer tokens are explained (<see cref="AnswerTokenSelection"/>); the others get zero weight.</summary>
    public AnswerTokenSelection AnswerTokens { get; init; } = AnswerTokenSelection.All;
    /// <summary>With <see cref="AnswerTokenSelection.TopK"/>, how many tokens.</summary>
    public int TopK { get; init; } = 3;
    public GradientTarget Target { get; init; } = GradientTarget.Logit;
    public GradientRegion GradientRegion { get; init; } = GradientRegion.Causal;
    /// <summary>Set R_t[q_t] (the identity path, not evidence) to 0 before any read.</summary>
    public bool ExcludeSelf { get; init; } = true;
    /// <summary>Fast mode: one gradient of Σ_t z_t instead of one per token. Approximate; labelled so in every output.</summary>
    public bool Fast { get; init; }
    /// <summary>Answer tokens back-propagated together (a batch of this many rows); 0 chooses from <see cref="MemoryBudgetBytes"/>.</summary>
    public int ChunkSize { get; init; }
    /// <summary>Memory the per-chunk gradient work may use when <see cref="ChunkSize"/> is 0.</summary>
    public long MemoryBudgetBytes { get; init; } = 2L << 30;
    /// <summary>Keep R_t[V] for every answer token (per-token maps).</summary>
    public bool PerTokenMaps { get; init; }

    public void Validate()
    {
        if (!(Lambda > 0) || double.IsInfinity(Lambda)) throw new ArgumentOutOfRangeException(nameof(Lambda), Lambda, "λ must be a positive number");
        if (!(Epsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(Epsilon), Epsilon, "ε must be ≥ 0");
        if (double.IsNaN(DepthLambda) || double.IsInfinity(DepthLambda)) throw new ArgumentOutOfRangeException(nameof(DepthLambda), DepthLambda, "λ_d must be finite");
        if (!(LayerFraction > 0 && LayerFraction <= 1)) throw new ArgumentOutOfRangeException(nameof(LayerFraction), LayerFraction, "the layer fraction must be in (0, 1]");
        if (ChunkSize < 0) throw new ArgumentOutOfRangeException(nameof(ChunkSize), ChunkSize, "the chunk size must be ≥ 0 (0 = from the memory budget)");
        if (TopK < 1) throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "top_k must be at least 1");
        if (MemoryBudgetBytes <= 0) throw new ArgumentOutOfRangeException(nameof(MemoryBudgetBytes), MemoryBudgetBytes, "the memory budget must be positive");
    }

    /// <summary>The options by their documented names, for result.json and the report (<see cref="ExplainOptions.Describe"/>).</summary>
    public IReadOnlyDictionary<string, string> Describe() =>
        ExplainOptions.Describe(ExplainSettings.Default with { Glimpse = this }, ExplainMethods.Get(Fast ? "glimpse-fast" : "glimpse"));
}
