using Glimpse.Model.Families.Llava;
using Glimpse.Model.Architectures;
using Glimpse.Model.Generation;
using Glimpse.Model.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Model.Tests;

public sealed class LlavaFixture() : ReferenceModelFixture<LlavaModel>("llava")
{
    public override ImageInput Image => new(Reference["pixel_values"]);
}

/// <summary>The LLaVA runtime against Hugging Face transformers 4.47.1 (float32, eager) on the tiny checkpoint.</summary>
public class LlavaReferenceTests(LlavaFixture fx) : IClassFixture<LlavaFixture>
{
    private const double Tol = 1e-4;
    private ReferenceSet Ref => fx.Reference;

    [Fact]
    public void VisionTowerMatchesHiddenStatesAndAttentions()
    {
        using var scope = NewDisposeScope();
        using var _ = torch.no_grad();
        var states = new List<Tensor>();
        using var recorder = new AttentionRecorder();
        fx.Model.VisionTower.Forward(Ref["pixel_values"], states, upToLayer: 2, recorder);
        for (int i = 0; i < states.Count; i++)
            TensorAssert.RelativeClose(Ref[$"vision.hidden_states.{i}"], states[i][0], Tol, $"vision.hidden_states.{i}");
        for (int i = 0; i < recorder.Probabilities.Count; i++)
            TensorAssert.RelativeClose(Ref[$"vision.attentions.{i}"], recorder.Probabilities[i][0], Tol, $"vision.attentions.{i}");
        Assert.Equal(3, states.Count);
        foreach (var s in states) s.Dispose();
    }

    [Fact]
    public void ProjectorOutputMatchesImageFeatures()
    {
        using var scope = NewDisposeScope();
        using var _ = torch.no_grad();
        TensorAssert.RelativeClose(Ref["image_features"], fx.Model.EncodeImage(fx.Image), Tol, "image_features");
    }

    [Fact]
    public void PromptForwardMatchesLogitsHiddenStatesAndAttentions() => ReferenceChecks.PromptForward(fx.Model, Ref, fx.Image);

    [Fact]
    public void TeacherForcedForwardMatchesFullLogitsAndAttentions() => ReferenceChecks.TeacherForcedForward(fx.Model, Ref, fx.Image);

    [Fact]
    public void AttentionGradientsMatchOnTheCausalTriangle()
    {
        ReferenceChecks.AttentionGradients(fx.Model, Ref, fx.Image);
    }

    [Fact]
    public void GreedyGenerationMatchesIdsAndStepLogits()
    {
        ReferenceChecks.GreedyGeneration(fx.Model, Ref, fx.Image);
    }

    [Fact]
    public void BatchedGradientsEqualPerTokenGradients() => ReferenceChecks.BatchedGradientsEqualPerTokenGradients(fx.Model, Ref, fx.Image);

    [Fact]
    public void GradientTapsDeliverEachLayersGradient() => ReferenceChecks.GradientTapsDeliverEachLayersGradient(fx.Model, Ref, fx.Image);
}
