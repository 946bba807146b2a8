using Glimpse.Core.Methods;
using Glimpse.Model.Tests;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Explain.Tests;

/// <summary>
/// The GLIMPSE equations alone, fed with the reference's stored attentions, attention gradients and logits, against
/// the reference's independent float64 implementation (1e-5 relative, as its README sets for the algebra).
/// </summary>
public class GlimpseAlgebraTests
{
    private const double Tol = 1e-5;

    public static TheoryData<string> Sets => new() { "llava", "qwen2vl", "qwen25vl", "qwen3vl", "idefics3", "llavanext" };

    private static ReferenceSet Open(string name) => name switch
    {
        "llava" => ReferenceSet.Llava(),
        "qwen2vl" => ReferenceSet.Qwen2VL(),
        "qwen3vl" => ReferenceSet.Qwen3VL(),
        "idefics3" => ReferenceSet.Idefics3(),
        "llavanext" => ReferenceSet.LlavaNext(),
        _ => ReferenceSet.Qwen25VL(),
    };

    private static long[] Positions(ReferenceSet r, string key) => r.Json["glimpse"]![key]!.AsArray().Select(n => n!.GetValue<long>()).ToArray();

    /// <summary>Runs the algebra on stored tensors; gradients per token [T, H, N, N] per layer, or their sum for fast mode.</summary>
    private static (TokenAggregate Aggregate, Tensor R, Tensor Alpha, List<LayerReduction> Layers, double[] P) Run(ReferenceSet r, GlimpseOptions options)
    {
        long[] q = Positions(r, "q_positions"), y = Positions(r, "y_ids");
        int layers = (int)r["attn_grads_logit"].shape[1];
        var reductions = new List<LayerReduction>();
        for (int l = 0; l < layers; l++)
        {
            var g = r["attn_grads_logit"][.., l];                                   // [T, H, N, N]
            if (options.Fast) g = g.sum(0, keepdim: true);                          // ∂Σz/∂A by linearity
            reductions.Add(GlimpseAlgebra.ReduceLayer(r[$"full.attentions.{l}"], g, options));
        }
        var mass = torch.stack(reductions.Select(x => x.GradientMass), 1);          // [C, L]
        var alpha = GlimpseAlgebra.LayerWeights(mass, 0, options, out _);
        var expandedAlpha = alpha.shape[0] == q.Length ? alpha : alpha.expand(q.Length, -1);
        var rows = GlimpseAlgebra.Propagate(reductions.Select(x => x.Relevance).ToList(), expandedAlpha, q);
        var logits = r["full.logits"];
        double[] p = q.Select((pos, t) => logits[pos].softmax(-1)[y[t]].item<float>()).Select(v => (double)v).ToArray();
        var aggregate = GlimpseAlgebra.Aggregate(rows, p, Positions(r, "V_positions"), Positions(r, "P_positions"), q, options);
        return (aggregate, rows, alpha, reductions, p);
    }

    /// <summary>
    /// Both propagation rules against their equations written out with dense N×N products, layer by layer from the first:
    /// doubled R = Π(2I + α_l E_l) / 2^L (R ← R + (I + α_l E_l) R), plain R = Π(I + α_l E_l) (R ← R + α_l E_l R), row q_t.
    /// </summary>
    [Theory]
    [InlineData(PropagationRule.Doubled)]
    [InlineData(PropagationRule.Plain)]
    public void Each_propagation_rule_is_its_dense_product(PropagationRule rule)
    {
        using var r = ReferenceSet.Llava();
        using var scope = NewDisposeScope();
        var options = new GlimpseOptions { Propagation = rule };
        long[] q = Positions(r, "q_positions");
        int layers = (int)r["attn_grads_logit"].shape[1];
        var relevance = Enumerable.Range(0, layers)
            .Select(l => GlimpseAlgebra.ReduceLayer(r[$"full.attentions.{l}"], r["attn_grads_logit"][.., l], options)).ToList();
        var alpha = GlimpseAlgebra.LayerWeights(torch.stack(relevance.Select(x => x.GradientMass), 1), 0, options, out _);

        var rows = GlimpseAlgebra.Propagate(relevance.Select(x => x.Relevance).ToList(), alpha, q, rule).to(float64);

        long n = rows.shape[1];
        double identity = rule == PropagationRule.Doubled ? 2 : 1;
        for (int t = 0; t < q.Length; t++)
        {
            var dense = torch.eye(n, dtype: float64);
            for (int l = 0; l < layers; l++)
                dense = (identity * torch.eye(n, dtype: float64) + alpha[t, l].to(float64) * relevance[l].Relevance[t].to(float64)).matmul(dense);
            var expected = dense[q[t]] / Math.Pow(identity, layers);
            TensorAssert.RelativeClose(expected, rows[t], Tol, $"{rule} row of token {t}");
        }
    }

    private static void Close(ReferenceSet r, string key, double[] actual) =>
        TensorAssert.RelativeClose(r[key], torch.tensor(actual), Tol, key);

    private static void CheckAggregate(ReferenceSet r, string prefix, TokenAggregate a)
    {
        Close(r, $"{prefix}.a", a.PromptAlignment);
        Close(r, $"{prefix}.v", a.VisualGrounding);
        Close(r, $"{prefix}.beta_V", a.VisualWeights);
        Close(r, $"{prefix}.beta_P", a.PromptWeights);
        Close(r, $"{prefix}.gamma", a.JointRelevance);
        Close(r, $"{prefix}.S_V", a.VisualMap);
        Close(r, $"{prefix}.S_P", a.PromptMap);
    }

    [Theory, MemberData(nameof(Sets))]
    public void ExactModeMatchesEveryIntermediate(string set)
    {
        using var r = Open(set);
        using var scope = NewDisposeScope();
        var (aggregate, rows, alpha, layers, p) = Run(r, new GlimpseOptions());
        for (int l = 0; l < layers.Count; l++)
        {
            TensorAssert.RelativeClose(r["glimpse.E"][.., l], layers[l].Relevance, Tol, $"glimpse.E[:, {l}]");
            TensorAssert.RelativeClose(r["glimpse.head_weights"][.., l], layers[l].HeadWeights, Tol, $"glimpse.head_weights[:, {l}]");
            TensorAssert.RelativeClose(r["glimpse.layer_grad_l1"][.., l], layers[l].GradientMass, Tol, $"glimpse.layer_grad_l1[:, {l}]");
        }
        TensorAssert.RelativeClose(r["glimpse.alpha"], alpha, Tol, "glimpse.alpha");
        TensorAssert.RelativeClose(r["glimpse.R"], rows, Tol, "glimpse.R");
        Close(r, "glimpse.p", p);
        CheckAggregate(r, "glimpse", aggregate);
    }

    [Theory, MemberData(nameof(Sets))]
    public void FullGradientRegionOptionMatches(string set)
    {
        using var r = Open(set);
        using var scope = NewDisposeScope();
        var (aggregate, rows, alpha, _, _) = Run(r, new GlimpseOptions { GradientRegion = GradientRegion.Full });
        TensorAssert.RelativeClose(r["glimpse_full.alpha"], alpha, Tol, "glimpse_full.alpha");
        TensorAssert.RelativeClose(r["glimpse_full.R"], rows, Tol, "glimpse_full.R");
        CheckAggregate(r, "glimpse_full", aggregate);
    }

    [Theory, MemberData(nameof(Sets))]
    public void FastModeMatchesItsDefinition(string set)
    {
        using var r = Open(set);
        using var scope = NewDisposeScope();
        var (aggregate, rows, alpha, layers, _) = Run(r, new GlimpseOptions { Fast = true });
        for (int l = 0; l < layers.Count; l++)
        {
            TensorAssert.RelativeClose(r["glimpse_fast.E"][l], layers[l].Relevance[0], Tol, $"glimpse_fast.E[{l}]");
            TensorAssert.RelativeClose(r["glimpse_fast.head_weights"][l], layers[l].HeadWeights[0], Tol, $"glimpse_fast.head_weights[{l}]");
        }
        TensorAssert.RelativeClose(r["glimpse_fast.layer_grad_l1"], torch.stack(layers.Select(x => x.GradientMass[0])), Tol, "glimpse_fast.layer_grad_l1");
        TensorAssert.RelativeClose(r["glimpse_fast.alpha"], alpha[0], Tol, "glimpse_fast.alpha");
        TensorAssert.RelativeClose(r["glimpse_fast.R"], rows, Tol, "glimpse_fast.R");
        CheckAggregate(r, "glimpse_fast", aggregate);
    }
}
