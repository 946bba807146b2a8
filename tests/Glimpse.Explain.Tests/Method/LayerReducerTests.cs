using Glimpse.Core.Methods;
using Glimpse.Model.Tests;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Explain.Tests;

/// <summary>
/// The reducer keeps its buffers from one call to the next: every call must give what steps 1–4 of glimpse-method.md
/// give written out directly, whatever the calls before it left in the buffers (another chunk size, sequence length or
/// option).
/// </summary>
public class LayerReducerTests
{
    /// <summary>Steps 1–4 as plain tensor expressions: the definition the reducer is checked against.</summary>
    private static (Tensor Relevance, Tensor Mass, Tensor HeadWeights) Direct(Tensor attention, Tensor gradient, GlimpseOptions o)
    {
        long n = gradient.shape[^1], heads = gradient.shape[1];
        var outside = o.GradientRegion == GradientRegion.Causal ? torch.ones(n, n, dtype: ScalarType.Bool).tril().logical_not() : torch.zeros(n, n, dtype: ScalarType.Bool);
        var relu = gradient.clamp_min(0);
        var g = relu * attention;                                                                     // G [C, H, N, N]
        var w = o.HeadWeighting == HeadWeighting.Adaptive
            ? (g.sum([-2, -1]) / (relu.masked_fill(outside, 0).sum([-2, -1]) + o.Epsilon) / o.Lambda).softmax(-1)
            : torch.full(gradient.shape[0], heads, 1.0 / heads);
        var e = torch.einsum("ch,chij->cij", w, g);
        if (o.RowNormalize)
        {
            var rowSum = e.sum(-1, keepdim: true);
            e = e / rowSum.masked_fill(rowSum.eq(0), 1);
        }
        var mass = gradient.sum(1).masked_fill(outside, 0).abs().sum([-2, -1]);
        return (e, mass, w);
    }

    private static Tensor CausalAttention(long heads, long n)
    {
        var scores = torch.randn(1, heads, n, n).masked_fill(torch.ones(n, n, dtype: ScalarType.Bool).triu(1), double.NegativeInfinity);
        return scores.softmax(-1);
    }

    [Fact]
    public void EveryCallMatchesTheDirectStepsWhateverCameBefore()
    {
        torch.manual_seed(3);
        var options = new GlimpseOptions();
        using var reducer = new LayerReducer(options);
        // A large chunk first, then smaller ones and another length: the buffers hold the earlier calls' values.
        foreach (var (chunk, n) in new[] { (3L, 9L), (1L, 9L), (2L, 9L), (2L, 6L), (1L, 6L) })
        {
            using var scope = NewDisposeScope();
            var attention = CausalAttention(4, n);
            var gradient = torch.randn(chunk, 4, n, n);
            var relevance = torch.full(chunk, n, n, double.NaN);   // the reducer must overwrite, not add to, its output
            var (mass, headWeights) = reducer.Reduce(attention, gradient, relevance);
            var expected = Direct(attention, gradient, options);
            TensorAssert.AbsoluteClose(expected.Relevance, relevance, 1e-5, $"E_l, C={chunk}, N={n}");
            TensorAssert.RelativeClose(expected.Mass, mass, 1e-5, $"γ_l, C={chunk}, N={n}");
            TensorAssert.AbsoluteClose(expected.HeadWeights, headWeights, 1e-6, $"w, C={chunk}, N={n}");
        }
    }

    [Theory]
    [InlineData(GradientRegion.Full, HeadWeighting.Adaptive, true)]
    [InlineData(GradientRegion.Causal, HeadWeighting.Mean, true)]
    [InlineData(GradientRegion.Causal, HeadWeighting.Adaptive, false)]
    public void TheOptionsChangeWhatTheyShould(GradientRegion region, HeadWeighting heads, bool rowNormalize)
    {
        torch.manual_seed(5);
        using var scope = NewDisposeScope();
        var options = new GlimpseOptions { GradientRegion = region, HeadWeighting = heads, RowNormalize = rowNormalize };
        var attention = CausalAttention(3, 7);
        var gradient = torch.randn(2, 3, 7, 7);
        var reduced = GlimpseAlgebra.ReduceLayer(attention, gradient, options);
        var expected = Direct(attention, gradient, options);
        TensorAssert.AbsoluteClose(expected.Relevance, reduced.Relevance, 1e-5, "E_l");
        TensorAssert.RelativeClose(expected.Mass, reduced.GradientMass, 1e-5, "γ_l");
        TensorAssert.AbsoluteClose(expected.HeadWeights, reduced.HeadWeights, 1e-6, "w");
    }

    [Fact]
    public void TheGradientIsLeftUnchanged()
    {
        // The gradient is the one backward passes on to the layer below: the reduction must not write into it.
        torch.manual_seed(9);
        using var scope = NewDisposeScope();
        var gradient = torch.randn(1, 2, 5, 5);
        var before = gradient.clone();
        GlimpseAlgebra.ReduceLayer(CausalAttention(2, 5), gradient, new GlimpseOptions());
        Assert.True(gradient.eq(before).all().item<bool>());
    }
}
