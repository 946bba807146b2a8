using Glimpse.Model.Families.Qwen2VL;
using Glimpse.Model.Architectures;
using Glimpse.Model.Generation;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Model.Tests;

public sealed class Qwen2VLFixture() : QwenReferenceFixture<Qwen2VLModel>("qwen2vl");

/// <summary>The Qwen2-VL runtime against Hugging Face transformers 4.47.1 (float32, eager) on the tiny checkpoint.</summary>
public class Qwen2VLReferenceTests(Qwen2VLFixture fx) : IClassFixture<Qwen2VLFixture>
{
    private const double Tol = 1e-4;
    private ReferenceSet Ref => fx.Reference;

    [Fact]
    public void VisionRotaryAnglesMatch()
    {
        using var angles = fx.Model.Visual.RotaryAngles(fx.Grid, torch.CPU);
        TensorAssert.RelativeClose(Ref["vision.rot_pos_emb"], angles, 1e-6, "vision.rot_pos_emb");
    }

    [Fact]
    public void VisionBlocksAndMergerMatch()
    {
        using var scope = NewDisposeScope();
        using var _ = torch.no_grad();
        var outputs = new List<Tensor>();
        var merged = fx.Model.Visual.Forward(Ref["pixel_values"], fx.Grid, outputs);
        TensorAssert.RelativeClose(Ref["vision.patch_embed"], outputs[0], Tol, "vision.patch_embed");
        for (int i = 1; i < outputs.Count; i++)
            TensorAssert.RelativeClose(Ref[$"vision.block.{i - 1}"], outputs[i], Tol, $"vision.block.{i - 1}");
        TensorAssert.RelativeClose(Ref["image_embeds"], merged, Tol, "image_embeds");
        Assert.Equal(3, outputs.Count);
        foreach (var o in outputs) o.Dispose();
    }

    [Fact]
    public void MultimodalPositionIdsAndRopeDeltasMatchExactly()
    {
        var (positions, delta) = fx.Model.PositionIds(Ref.Ids("input_ids"), fx.Image);
        using (positions)
            Assert.Equal(Ref["position_ids"].data<long>().ToArray(), positions.data<long>().ToArray());
        Assert.Equal(Ref["rope_deltas"].item<long>(), delta);

        var (full, fullDelta) = fx.Model.PositionIds(Ref.Ids("generated_ids"), fx.Image);
        using (full)
            Assert.Equal(Ref["full.position_ids"].data<long>().ToArray(), full.data<long>().ToArray());
        Assert.Equal(delta, fullDelta);

        // Decoding positions continue from the prompt's: index i ≥ S gets i + delta on every axis.
        long s = Ref.Ids("input_ids").Length;
        using var after = fx.Model.PositionsAfter(s, 8, delta);
        using var expectedAfter = Ref["full.position_ids"][.., .., (int)s..];
        Assert.Equal(expectedAfter.data<long>().ToArray(), after.data<long>().ToArray());
    }

    [Fact]
    public void PromptForwardMatchesLogitsHiddenStatesAndAttentions() => ReferenceChecks.PromptForward(fx.Model, Ref, fx.Image);

    [Fact]
    public void TeacherForcedForwardMatchesFullLogitsAndAttentions() => ReferenceChecks.TeacherForcedForward(fx.Model, Ref, fx.Image);

    [Fact]
    public void AttentionGradientsMatchOnTheCausalTriangle() => ReferenceChecks.AttentionGradients(fx.Model, Ref, fx.Image);

    [Fact]
    public void GreedyGenerationMatchesIdsAndStepLogits() => ReferenceChecks.GreedyGeneration(fx.Model, Ref, fx.Image);

    [Fact]
    public void BatchedGradientsEqualPerTokenGradients() => ReferenceChecks.BatchedGradientsEqualPerTokenGradients(fx.Model, Ref, fx.Image);

    [Fact]
    public void GradientTapsDeliverEachLayersGradient() => ReferenceChecks.GradientTapsDeliverEachLayersGradient(fx.Model, Ref, fx.Image);

    [Fact]
    public void AVideoBlockIsRefusedByName()
    {
        long[] ids = [1, 290, 294, 291, 5];                                                   // vision_start, video, vision_end
        var e = Assert.Throws<ArgumentException>(() => fx.Model.PositionIds(ids, null));
        Assert.Contains("Qwen2-VL video input is not supported", e.Message);
    }
}
