using TorchSharp;
using static TorchSharp.torch;
using Glimpse.Core.Methods;

namespace Glimpse.Explain;

/// <summary>One decoder layer's gradients reduced to what GLIMPSE keeps, for a chunk of C answer tokens.</summary>
/// <param name="Relevance">E_l [C, N, N]: head-weighted gradient-weighted attention, row-normalised when asked.</param>
/// <param name="GradientMass">γ_l [C]: ‖Σ_h g_l^h‖₁ over the gradient region.</param>
/// <param name="HeadWeights">w_l^h [C, H].</param>
public sealed record LayerReduction(Tensor Relevance, Tensor GradientMass, Tensor HeadWeights) : IDisposable
{
    public void Dispose()
    {
        Relevance.Dispose();
        GradientMass.Dispose();
        HeadWeights.Dispose();
    }
}

/// <summary>What the answer tokens' relevance rows give, read over V (image tokens) and P (question tokens).</summary>
public sealed record TokenAggregate
{
    /// <summary>a_t = mean over P of R_t (entry q_t zeroed when excluding self).</summary>
    public required double[] PromptAlignment { get; init; }
    /// <summary>v_t = mean over V of R_t.</summary>
    public required double[] VisualGrounding { get; init; }
    public required double[] VisualWeights { get; init; }
    public required double[] PromptWeights { get; init; }
    public required double[] JointRelevance { get; init; }
    /// <summary>S_V, one value per image token in V order.</summary>
    public required double[] VisualMap { get; init; }
    /// <summary>S_P, one value per question token in P order.</summary>
    public required double[] PromptMap { get; init; }
    /// <summary>R_t[V] per token [T][K] (entry q_t never lies in V).</summary>
    public required double[][] TokenVisualMaps { get; init; }
    public required IReadOnlyList<string> Warnings { get; init; }
}

/// <summary>
/// The equations of GLIMPSE (glimpse-method.md), as tensor functions that know nothing of models: they take attention
/// probabilities and their gradients and return relevance. Shapes: C tokens in a chunk, H heads, N positions.
/// </summary>
public static class GlimpseAlgebra
{
    /// <summary>Steps 1–4 for one layer: G = ReLU(g) ⊙ A, head weights w, E_l = Σ_h w G (row-normalised), γ_l. For one
    /// layer at a time; the explainer reduces every layer of every token with one <see cref="LayerReducer"/> instead.</summary>
    /// <param name="attention">A_l [H, N, N] or [C, H, N, N]</param>
    /// <param name="gradient">g_l [C, H, N, N]</param>
    public static LayerReduction ReduceLayer(Tensor attention, Tensor gradient, GlimpseOptions options)
    {
        using var reducer = new LayerReducer(options);
        var relevance = torch.empty(gradient.shape[0], gradient.shape[^2], gradient.shape[^1], dtype: gradient.dtype, device: gradient.device);
        var (mass, headWeights) = reducer.Reduce(attention, gradient, relevance);
        return new LayerReduction(relevance, mass, headWeights);
    }

    /// <summary>The first propagated layer: only the deepest ceil(f·L) layers take part.</summary>
    public static int FirstLayer(int layers, double layerFraction) =>
        layers - (int)Math.Ceiling(layerFraction * layers - 1e-9);

    /// <summary>Step 4: α_l = γ_l s_l / Σ_k γ_k s_k over the propagated layers, s = softmax(λ_d·(l+1)) or uniform.</summary>
    /// <param name="gradientMass">γ [C, L'] for the propagated layers, in layer order.</param>
    /// <param name="firstLayer">index of the first propagated layer (for the depth prior's (l+1)).</param>
    public static Tensor LayerWeights(Tensor gradientMass, int firstLayer, GlimpseOptions options, out bool uniformFallback)
    {
        using var scope = NewDisposeScope();
        long layers = gradientMass.shape[1];
        var depth = torch.arange(firstLayer + 1, firstLayer + 1 + layers, dtype: float64, device: gradientMass.device);
        var prior = options.DepthPrior ? (options.DepthLambda * depth).softmax(0) : torch.full(layers, 1.0 / layers, dtype: float64, device: gradientMass.device);
        var scores = gradientMass.to(float64) * prior;                                    // [C, L']
        var total = scores.sum(-1, keepdim: true);
        var zero = total.eq(0);
        uniformFallback = zero.any().item<bool>();
        var alpha = torch.where(zero, torch.full_like(scores, 1.0 / layers), scores / total.masked_fill(zero, 1));
        return alpha.to(gradientMass.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Step 5: row q of R without forming any N×N product: r = e_q, then for the deepest layer first r ← r + k α_l (r E_l).
    /// With <see cref="PropagationRule.Doubled"/> (the method) R = Π(2I + α_l E_l) / 2^L, so k = ½ (the scale cancels in
    /// every later ratio); with <see cref="PropagationRule.Plain"/> R = Π(I + α_l E_l), k = 1.
    /// </summary>
    /// <param name="relevance">E_l [C, N, N] (or [1, N, N], shared by every row) for the propagated layers, in layer order.</param>
    /// <param name="alpha">[C, L']</param>
    /// <param name="queryPositions">q_t per row [C]</param>
    /// <returns>R [C, N]</returns>
    public static Tensor Propagate(IReadOnlyList<Tensor> relevance, Tensor alpha, long[] queryPositions, PropagationRule rule = PropagationRule.Doubled)
    {
        double k = rule == PropagationRule.Doubled ? 0.5 : 1.0;
        using var scope = NewDisposeScope();
        long n = relevance[0].shape[^1];
        long c = queryPositions.Length;
        var r = torch.zeros(c, n, dtype: relevance[0].dtype, device: relevance[0].device);
        r.index_put_(torch.ones(c, dtype: r.dtype, device: r.device), [torch.arange(c, device: r.device), torch.tensor(queryPositions, device: r.device)]);
        for (int l = relevance.Count - 1; l >= 0; l--)
        {
            var e = relevance[l].shape[0] == c ? relevance[l] : relevance[l].expand(c, n, n);
            var step = r.unsqueeze(1).bmm(e).squeeze(1);                                     // r E_l [C, N]
            r = r + k * alpha[.., l].unsqueeze(1) * step;
        }
        return r.MoveToOuterDisposeScope();
    }

    /// <summary>Step 6 and the token relevancy: a, v, β^V, β^P, γ, S_V, S_P from the rows R_t and the probabilities p_t.</summary>
    /// <param name="rows">R [T, N] as propagated</param>
    public static TokenAggregate Aggregate(Tensor rows, double[] probabilities, long[] visualPositions, long[] promptPositions,
        long[] queryPositions, GlimpseOptions options)
    {
        using var scope = NewDisposeScope();
        var r = rows.to(float64).clone();
        int t = queryPositions.Length;
        if (options.ExcludeSelf)
            r.index_put_(torch.zeros(t, dtype: float64), [torch.arange(t), torch.tensor(queryPositions)]);
        var rv = visualPositions.Length > 0 ? r.index_select(1, torch.tensor(visualPositions)) : torch.zeros(t, 0, dtype: float64);
        var rp = promptPositions.Length > 0 ? r.index_select(1, torch.tensor(promptPositions)) : torch.zeros(t, 0, dtype: float64);
        double[] a = MeanRows(rp), v = MeanRows(rv);
        var warnings = new List<string>();

        double[] visualScore = Weights(options.TokenWeights, probabilities, a);
        double[] promptScore = Weights(options.TokenWeights, probabilities, v);
        double[] betaV = Normalise(visualScore, "visual-map token weights (β^V)", warnings);
        double[] betaP = Normalise(promptScore, "prompt-map token weights (β^P)", warnings);
        double[] joint = Normalise(betaV.Zip(betaP, (x, y) => x * y).ToArray(), "joint token relevance (γ)", warnings);

        var visualMap = torch.tensor(betaV, dtype: float64).matmul(rv);
        var promptMap = torch.tensor(betaP, dtype: float64).matmul(rp);
        return new TokenAggregate
        {
            PromptAlignment = a,
            VisualGrounding = v,
            VisualWeights = betaV,
            PromptWeights = betaP,
            JointRelevance = joint,
            VisualMap = visualMap.data<double>().ToArray(),
            PromptMap = promptMap.data<double>().ToArray(),
            TokenVisualMaps = Enumerable.Range(0, t).Select(i => rv[i].data<double>().ToArray()).ToArray(),
            Warnings = warnings,
        };
    }

    private static double[] MeanRows(Tensor m) => m.shape[1] == 0
        ? new double[m.shape[0]]
        : m.mean([1]).data<double>().ToArray();

    /// <summary>β^V pairs p with a, β^P pairs p with v: crossed on purpose (weighting a visual map by visual
    /// grounding would be circular).</summary>
    private static double[] Weights(TokenWeighting mode, double[] p, double[] crossed) => mode switch
    {
        TokenWeighting.Full => p.Zip(crossed, (x, y) => x * y).ToArray(),
        TokenWeighting.Confidence => (double[])p.Clone(),
        TokenWeighting.Alignment => (double[])crossed.Clone(),
        _ => Enumerable.Repeat(1.0, p.Length).ToArray(),
    };

    private static double[] Normalise(double[] scores, string what, List<string> warnings)
    {
        double total = scores.Sum();
        if (total > 0 && double.IsFinite(total)) return scores.Select(s => s / total).ToArray();
        warnings.Add($"All {what} were zero; uniform weights were used.");
        return Enumerable.Repeat(1.0 / scores.Length, scores.Length).ToArray();
    }
}
