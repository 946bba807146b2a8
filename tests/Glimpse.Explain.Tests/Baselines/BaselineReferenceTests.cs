using Glimpse.Explain.Baselines;
using Glimpse.Model.Tests;
using TorchSharp;

namespace Glimpse.Explain.Tests.Baselines;

/// <summary>Each baseline's image vector, computed end to end by our runtime, against the reference (1e-4).</summary>
public abstract class BaselineReferenceTests
{
    private const double Tol = 1e-4;
    protected abstract ReferenceSet Reference { get; }
    protected abstract ExplanationSubject Subject { get; }

    private void Close(string key, double[] actual) => TensorAssert.RelativeClose(Reference[key], torch.tensor(actual), Tol, key);

    private void RowsClose(string key, double[][] maps)
    {
        using var v = torch.tensor(Subject.VisualPositions);
        using var expected = Reference[key].index_select(1, v);
        TensorAssert.RelativeClose(expected, torch.tensor(maps.SelectMany(m => m).ToArray()).view(expected.shape), Tol, $"{key}[:, V]");
    }

    [Fact]
    public void RawAttention() => Close("baseline.raw_attention.S_V", new RawAttentionExplainer().Explain(Subject).ImageMap);

    [Fact]
    public void Rollout()
    {
        var r = new RolloutExplainer().Explain(Subject);
        Close("baseline.rollout.S_V", r.ImageMap);
        RowsClose("baseline.rollout.R", r.TokenImageMaps);
    }

    [Fact]
    public void Chefer()
    {
        var r = new CheferExplainer(chunkSize: 3).Explain(Subject);
        Close("baseline.chefer.S_V", r.ImageMap);
        RowsClose("baseline.chefer.R", r.TokenImageMaps);
    }

    [Fact]
    public void AttentionGradCam() => Close("baseline.attn_gradcam.S_V", new AttentionGradCamExplainer().Explain(Subject).ImageMap);

    [Fact]
    public void TokenActivationMapIsTheClippedLmHeadProjection()
    {
        var r = new TokenActivationMapExplainer().Explain(Subject);
        Assert.All(r.ImageMap, v => Assert.True(v >= 0));
        // Definition check on one token and one image token: h_L[V_k] · W[y_t], clipped.
        using var pass = Glimpse.Model.Generation.TeacherForcedPass.Run(Subject.Model, Subject.SequenceIds, Subject.Image, new() { KeepHiddenStates = true });
        using var logit = Subject.Model.Logits(pass.HiddenStates[^1][0, Subject.VisualPositions[2]])[Subject.AnswerIds[1]];
        Assert.Equal(Math.Max(0, logit.item<float>()), r.TokenImageMaps[1][2], 1e-5);
    }

    [Fact]
    public void BestLayerFollowsTheReferenceMap()
    {
        // A reference equal to layer 0's own map must select layer 0.
        var layer0 = new RawAttentionExplainer(layer: 0).Explain(Subject).ImageMap;
        var best = new RawAttentionExplainer(referenceMap: layer0).Explain(Subject);
        Assert.Equal("0", best.Options["layer"]);
        Assert.Equal(layer0, best.ImageMap);
    }
}

public class LlavaBaselineReferenceTests(LlavaFixture fx) : BaselineReferenceTests, IClassFixture<LlavaFixture>
{
    protected override ReferenceSet Reference => fx.Reference;
    protected override ExplanationSubject Subject => SubjectFactory.Llava(fx);
}

public class Qwen2VLBaselineReferenceTests(Qwen2VLFixture fx) : BaselineReferenceTests, IClassFixture<Qwen2VLFixture>
{
    protected override ReferenceSet Reference => fx.Reference;
    protected override ExplanationSubject Subject => SubjectFactory.Qwen2VL(fx);
}

public class Qwen25VLBaselineReferenceTests(Qwen25VLFixture fx) : BaselineReferenceTests, IClassFixture<Qwen25VLFixture>
{
    protected override ReferenceSet Reference => fx.Reference;
    protected override ExplanationSubject Subject => SubjectFactory.Qwen25VL(fx);
}

public class Qwen3VLBaselineReferenceTests(Qwen3VLFixture fx) : BaselineReferenceTests, IClassFixture<Qwen3VLFixture>
{
    protected override ReferenceSet Reference => fx.Reference;
    protected override ExplanationSubject Subject => SubjectFactory.Qwen3VL(fx);
}

public class Idefics3BaselineReferenceTests(Idefics3Fixture fx) : BaselineReferenceTests, IClassFixture<Idefics3Fixture>
{
    protected override ReferenceSet Reference => fx.Reference;
    protected override ExplanationSubject Subject => SubjectFactory.Idefics3(fx);
}

public class LlavaNextBaselineReferenceTests(LlavaNextFixture fx) : BaselineReferenceTests, IClassFixture<LlavaNextFixture>
{
    protected override ReferenceSet Reference => fx.Reference;
    protected override ExplanationSubject Subject => SubjectFactory.LlavaNext(fx);
}
