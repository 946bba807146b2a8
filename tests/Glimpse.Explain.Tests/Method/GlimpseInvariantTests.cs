using Glimpse.Core.Methods;
using Glimpse.Model.Tests;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Explain.Tests;

/// <summary>
/// Properties GLIMPSE must have whatever the numbers, and what each option changes — checked on the reference's
/// stored attentions and gradients (the algebra alone), so they run in milliseconds.
/// </summary>
public class GlimpseInvariantTests : IDisposable
{
    private readonly ReferenceSet _r = ReferenceSet.Llava();
    private long[] Q => SubjectFactory.Positions(_r, "q_positions");
    private long[] Y => SubjectFactory.Positions(_r, "y_ids");
    private long[] V => SubjectFactory.Positions(_r, "V_positions");
    private long[] P => SubjectFactory.Positions(_r, "P_positions");

    public void Dispose() => _r.Dispose();

    private sealed record Run(List<LayerReduction> Layers, Tensor Alpha, Tensor Rows, TokenAggregate Aggregate);

    private Run Compute(GlimpseOptions o)
    {
        int layers = (int)_r["attn_grads_logit"].shape[1];
        int first = GlimpseAlgebra.FirstLayer(layers, o.LayerFraction);
        var reduced = Enumerable.Range(first, layers - first)
            .Select(l => GlimpseAlgebra.ReduceLayer(_r[$"full.attentions.{l}"], _r["attn_grads_logit"][.., l], o)).ToList();
        var alpha = GlimpseAlgebra.LayerWeights(torch.stack(reduced.Select(x => x.GradientMass), 1), first, o, out _);
        var rows = GlimpseAlgebra.Propagate(reduced.Select(x => x.Relevance).ToList(), alpha, Q);
        var logits = _r["full.logits"];
        double[] p = Q.Select((q, t) => (double)logits[q].softmax(-1)[Y[t]].item<float>()).ToArray();
        return new Run(reduced, alpha, rows, GlimpseAlgebra.Aggregate(rows, p, V, P, Q, o));
    }

    [Fact]
    public void WeightsSumToOneAndMapsAreNonNegative()
    {
        var a = Compute(new GlimpseOptions()).Aggregate;
        Assert.Equal(1, a.VisualWeights.Sum(), 1e-12);
        Assert.Equal(1, a.PromptWeights.Sum(), 1e-12);
        Assert.Equal(1, a.JointRelevance.Sum(), 1e-12);
        Assert.All(a.VisualMap.Concat(a.PromptMap).Concat(a.TokenVisualMaps.SelectMany(m => m)), v => Assert.True(v >= 0));
    }

    [Fact]
    public void RowsAreZeroAfterTheirQueryPosition()
    {
        using var scope = NewDisposeScope();
        var rows = Compute(new GlimpseOptions()).Rows;
        for (int t = 0; t < Q.Length; t++)
        {
            Assert.Equal(0, rows[t, (int)(Q[t] + 1)..].abs().sum().item<float>());
            Assert.True(rows[t, Q[t]].item<float>() >= 1, "the identity path leaves R_t[q_t] ≥ 1");
        }
    }

    [Fact]
    public void HeadWeightsAreUniformUnderMeanWeighting()
    {
        var run = Compute(new GlimpseOptions { HeadWeighting = HeadWeighting.Mean });
        Assert.All(run.Layers, l => Assert.True(l.HeadWeights.allclose(torch.full_like(l.HeadWeights, 0.25))));
        var adaptive = Compute(new GlimpseOptions());
        Assert.False(adaptive.Layers[0].HeadWeights.allclose(run.Layers[0].HeadWeights));
    }

    [Fact]
    public void LambdaSharpensTheHeadWeights()
    {
        // The head-weight logits are divided by λ: a smaller λ sharpens the softmax, so the top head gains weight.
        double Top(double lambda) => Compute(new GlimpseOptions { Lambda = lambda }).Layers[2].HeadWeights.max().item<float>();
        Assert.True(Top(0.05) > Top(0.5));
        Assert.True(Top(0.5) > Top(50));
    }

    [Fact]
    public void RowNormalisationMakesRowsSumToOneOrZero()
    {
        using var scope = NewDisposeScope();
        var e = Compute(new GlimpseOptions()).Layers[1].Relevance;
        var sums = e.sum(-1);
        Assert.True((sums - 1).abs().lt(1e-5).logical_or(sums.eq(0)).all().item<bool>());
        var raw = Compute(new GlimpseOptions { RowNormalize = false }).Layers[1].Relevance.sum(-1);
        Assert.False((raw - 1).abs().lt(1e-5).all().item<bool>());
    }

    [Fact]
    public void DepthPriorOffMakesLayerWeightsProportionalToGradientMass()
    {
        var run = Compute(new GlimpseOptions { DepthPrior = false });
        using var mass = torch.stack(run.Layers.Select(l => l.GradientMass), 1);
        Assert.True(run.Alpha.allclose(mass / mass.sum(-1, keepdim: true), rtol: 1e-5));
        var withPrior = Compute(new GlimpseOptions());
        Assert.False(withPrior.Alpha.allclose(run.Alpha, rtol: 1e-5));
        // The prior favours depth: the deepest layer's weight grows relative to the shallowest.
        Assert.True((withPrior.Alpha[.., 2] / withPrior.Alpha[.., 0] > run.Alpha[.., 2] / run.Alpha[.., 0]).all().item<bool>());
    }

    [Fact]
    public void LayerFractionKeepsOnlyTheDeepestLayers()
    {
        var run = Compute(new GlimpseOptions { LayerFraction = 0.34 });
        Assert.Equal(2, run.Layers.Count);   // ceil(0.34 · 3) = 2: layers 1 and 2
        Assert.Equal(2, run.Alpha.shape[1]);
        Assert.Equal(2, GlimpseAlgebra.FirstLayer(3, 0.3));
    }

    [Fact]
    public void TokenWeightModesFollowTheirDefinitions()
    {
        var full = Compute(new GlimpseOptions()).Aggregate;
        var uniform = Compute(new GlimpseOptions { TokenWeights = TokenWeighting.Uniform }).Aggregate;
        Assert.All(uniform.VisualWeights, w => Assert.Equal(1.0 / 8, w, 12));
        var alignment = Compute(new GlimpseOptions { TokenWeights = TokenWeighting.Alignment }).Aggregate;
        double aSum = alignment.PromptAlignment.Sum();
        Assert.Equal(alignment.PromptAlignment.Select(a => a / aSum), alignment.VisualWeights, (x, y) => Math.Abs(x - y) < 1e-12);
        var confidence = Compute(new GlimpseOptions { TokenWeights = TokenWeighting.Confidence }).Aggregate;
        Assert.Equal(confidence.VisualWeights, confidence.PromptWeights);   // p alone: the same for both maps
        Assert.NotEqual(full.VisualWeights, uniform.VisualWeights);
        // The per-token rows do not depend on the token weights, only how they are combined.
        Assert.Equal(full.TokenVisualMaps[3], uniform.TokenVisualMaps[3]);
    }

    [Fact]
    public void ExcludeSelfMattersOnlyWhereTheQueryLiesInP()
    {
        var on = Compute(new GlimpseOptions()).Aggregate;
        var off = Compute(new GlimpseOptions { ExcludeSelf = false }).Aggregate;
        // q_0 = 24 is the last prompt token and in P: a_0 carries the identity term without the option.
        Assert.True(off.PromptAlignment[0] > on.PromptAlignment[0]);
        for (int t = 1; t < 8; t++) Assert.Equal(on.PromptAlignment[t], off.PromptAlignment[t], 12);
        Assert.Equal(on.VisualGrounding, off.VisualGrounding);   // q_t is never an image token
    }

    [Fact]
    public void AllZeroGradientsFallBackToUniformWithAWarning()
    {
        using var scope = NewDisposeScope();
        var o = new GlimpseOptions();
        var zero = torch.zeros(2, 4, 5, 5);
        var attention = torch.ones(4, 5, 5).tril() / 5;
        var reduced = GlimpseAlgebra.ReduceLayer(attention, zero, o);
        Assert.Equal(0, reduced.Relevance.abs().sum().item<float>());   // rows summing to 0 stay 0, no NaN
        var alpha = GlimpseAlgebra.LayerWeights(torch.zeros(2, 3), 0, o, out bool uniform);
        Assert.True(uniform);
        Assert.True(alpha.allclose(torch.full(2, 3, 1.0 / 3)));
        var rows = torch.zeros(2, 5);
        var a = GlimpseAlgebra.Aggregate(rows, [0.5, 0.5], [1, 2], [3], [3, 4], o);
        Assert.Contains(a.Warnings, w => w.Contains("uniform"));
        Assert.Equal([0.5, 0.5], a.VisualWeights);
    }

    [Fact]
    public void BadOptionsAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GlimpseOptions { Lambda = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new GlimpseOptions { LayerFraction = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new GlimpseOptions { LayerFraction = 1.5 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new GlimpseOptions { ChunkSize = -1 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new GlimpseOptions { Epsilon = double.NaN }.Validate());
    }
}
