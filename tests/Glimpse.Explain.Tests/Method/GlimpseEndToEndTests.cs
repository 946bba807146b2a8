using Glimpse.Core.Methods;
using Glimpse.Model.Tests;
using TorchSharp;

namespace Glimpse.Explain.Tests;

/// <summary>GLIMPSE computed end to end by our runtime (its own attentions and gradients) against the reference, 1e-4.</summary>
public abstract class GlimpseEndToEndTests
{
    private const double Tol = 1e-4;

    protected abstract ReferenceSet Reference { get; }
    protected abstract ExplanationSubject Subject { get; }

    private void Close(string key, double[] actual) => TensorAssert.RelativeClose(Reference[key], torch.tensor(actual), Tol, key);

    private void CheckAgainst(string prefix, Relevance r)
    {
        Close($"{prefix}.beta_V", r.VisualWeights);
        Close($"{prefix}.beta_P", r.PromptWeights);
        Close($"{prefix}.gamma", r.JointRelevance);
        Close($"{prefix}.S_V", r.ImageMap);
        Close($"{prefix}.S_P", r.PromptMap!);
        using var v = torch.tensor(Subject.VisualPositions);
        using var rowsOnV = Reference[$"{prefix}.R"].index_select(1, v);
        TensorAssert.RelativeClose(rowsOnV, torch.tensor(r.TokenImageMaps.SelectMany(x => x).ToArray()).view(rowsOnV.shape), Tol, $"{prefix}.R[:, V]");
    }

    [Fact]
    public void ExactBatchedMatchesTheReference()
    {
        var r = new GlimpseExplainer(new GlimpseOptions(), SweepMode.Batched).Explain(Subject);
        CheckAgainst("glimpse", r);
        Close("glimpse.p", r.Probabilities);
        Assert.False(new GlimpseExplainer(new GlimpseOptions()).Approximate);
    }

    [Fact]
    public void PerTokenLoopMatchesTheReference() =>
        CheckAgainst("glimpse", new GlimpseExplainer(new GlimpseOptions(), SweepMode.PerToken).Explain(Subject));

    [Fact]
    public void FullGradientRegionMatchesTheReference() =>
        CheckAgainst("glimpse_full", new GlimpseExplainer(new GlimpseOptions { GradientRegion = GradientRegion.Full }).Explain(Subject));

    [Fact]
    public void FastModeMatchesTheReferenceAndSaysItIsApproximate()
    {
        var explainer = new GlimpseExplainer(new GlimpseOptions { Fast = true });
        var r = explainer.Explain(Subject);
        CheckAgainst("glimpse_fast", r);
        Assert.True(explainer.Approximate);
        Assert.Equal("glimpse-fast", explainer.Method);
        Assert.Contains(r.Warnings, w => w.StartsWith("Approximate"));
    }

    [Fact]
    public void BatchedChunksEqualThePerTokenLoop()
    {
        var loop = new GlimpseExplainer(new GlimpseOptions(), SweepMode.PerToken).Explain(Subject);
        foreach (int chunk in new[] { 1, 3, 8 })
        {
            var batched = new GlimpseExplainer(new GlimpseOptions { ChunkSize = chunk }, SweepMode.Batched).Explain(Subject);
            Assert.Equal(loop.ImageMap.Length, batched.ImageMap.Length);
            for (int k = 0; k < loop.ImageMap.Length; k++)
                Assert.True(Math.Abs(loop.ImageMap[k] - batched.ImageMap[k]) <= 1e-5 * loop.ImageMap.Max(), $"chunk {chunk}, S_V[{k}]");
            for (int t = 0; t < loop.VisualWeights.Length; t++)
                Assert.Equal(loop.VisualWeights[t], batched.VisualWeights[t], 1e-6);
        }
    }
}

public class LlavaGlimpseEndToEndTests(LlavaFixture fx) : GlimpseEndToEndTests, IClassFixture<LlavaFixture>
{
    protected override ReferenceSet Reference => fx.Reference;
    protected override ExplanationSubject Subject => SubjectFactory.Llava(fx);
}

public class Qwen2VLGlimpseEndToEndTests(Qwen2VLFixture fx) : GlimpseEndToEndTests, IClassFixture<Qwen2VLFixture>
{
    protected override ReferenceSet Reference => fx.Reference;
    protected override ExplanationSubject Subject => SubjectFactory.Qwen2VL(fx);
}

public class Qwen25VLGlimpseEndToEndTests(Qwen25VLFixture fx) : GlimpseEndToEndTests, IClassFixture<Qwen25VLFixture>
{
    protected override ReferenceSet Reference => fx.Reference;
    protected override ExplanationSubject Subject => SubjectFactory.Qwen25VL(fx);
}

public class Qwen3VLGlimpseEndToEndTests(Qwen3VLFixture fx) : GlimpseEndToEndTests, IClassFixture<Qwen3VLFixture>
{
    protected override ReferenceSet Reference => fx.Reference;
    protected override ExplanationSubject Subject => SubjectFactory.Qwen3VL(fx);
}

public class Idefics3GlimpseEndToEndTests(Idefics3Fixture fx) : GlimpseEndToEndTests, IClassFixture<Idefics3Fixture>
{
    protected override ReferenceSet Reference => fx.Reference;
    protected override ExplanationSubject Subject => SubjectFactory.Idefics3(fx);
}

public class LlavaNextGlimpseEndToEndTests(LlavaNextFixture fx) : GlimpseEndToEndTests, IClassFixture<LlavaNextFixture>
{
    protected override ReferenceSet Reference => fx.Reference;
    protected override ExplanationSubject Subject => SubjectFactory.LlavaNext(fx);
}
