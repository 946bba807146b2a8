using Glimpse.Model.Architectures;
using Glimpse.Model.Generation;
using Glimpse.Model.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Model.Tests;

public sealed class LlavaFixture : IDisposable
{
    public ReferenceSet Reference { get; } = ReferenceSet.Llava();
    public LlavaModel Model { get; }

    public LlavaFixture() => Model = (LlavaModel)ModelLoader.Load(Reference.ModelDir);

    public ImageInput Image => new(Reference["pixel_values"]);

    public void Dispose()
    {
        Model.Dispose();
        Reference.Dispose();
    }
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
    public void PromptForwardMatchesLogitsHiddenStatesAndAttentions()
    {
        using var pass = TeacherForcedPass.Run(fx.Model, Ref.Ids("input_ids"), fx.Image, new() { KeepHiddenStates = true });
        TensorAssert.RelativeClose(Ref["logits"], pass.Logits[0], Tol, "logits");
        for (int i = 0; i < pass.HiddenStates.Count; i++)
            TensorAssert.RelativeClose(Ref[$"hidden_states.{i}"], pass.HiddenStates[i][0], Tol, $"hidden_states.{i}");
        for (int l = 0; l < pass.Attentions.Count; l++)
            TensorAssert.RelativeClose(Ref[$"attentions.{l}"], pass.Attentions[l][0], Tol, $"attentions.{l}");
        Assert.Equal(4, pass.HiddenStates.Count);
        Assert.Equal(3, pass.Attentions.Count);
    }

    [Fact]
    public void TeacherForcedForwardMatchesFullLogitsAndAttentions()
    {
        using var pass = TeacherForcedPass.Run(fx.Model, Ref.Ids("generated_ids"), fx.Image);
        TensorAssert.RelativeClose(Ref["full.logits"], pass.Logits[0], Tol, "full.logits");
        for (int l = 0; l < pass.Attentions.Count; l++)
            TensorAssert.RelativeClose(Ref[$"full.attentions.{l}"], pass.Attentions[l][0], Tol, $"full.attentions.{l}");
    }

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
