using Glimpse.Core.Images;
using Glimpse.Model.Families.Qwen25VL;
using Glimpse.Model.Families.Qwen2VL;
using Glimpse.Model.Modules;
using Glimpse.Model.Processing;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Glimpse.Model.Tests;

public sealed class Qwen25VLFixture() : QwenReferenceFixture<Qwen25VLModel>("qwen25vl");

/// <summary>The Qwen2.5-VL runtime against Hugging Face transformers 4.49.0 (float32, eager) on the tiny checkpoint.</summary>
public class Qwen25VLReferenceTests(Qwen25VLFixture fx, ITestOutputHelper output) : IClassFixture<Qwen25VLFixture>
{
    private const double Tol = 1e-4;
    private ReferenceSet Ref => fx.Reference;

    private static long[] Longs(Tensor t) => t.contiguous().data<long>().ToArray();

    private void Report(string what, double error) => output.WriteLine($"{what}: max relative error {error:E2}");

    [Fact]
    public void ConfigFillsHuggingFacesVisionDefaults()
    {
        var c = (Qwen25VLConfig)fx.Model.Config;
        // Absent from this config.json, filled as transformers 4.49 does.
        Assert.Equal("silu", c.Vision.HiddenAct);
        Assert.Equal(3, c.Vision.InChannels);
        Assert.Equal(14, c.Vision.PatchSize);
        Assert.Equal(2, c.Vision.SpatialMergeSize);
        Assert.Equal(2, c.Vision.TemporalPatchSize);
        Assert.Equal(4.0, c.Vision.TokensPerSecond);
        // Present in the file.
        Assert.Equal((4, 24, 40, 3, 56, 64), (c.Vision.Depth, c.Vision.HiddenSize, c.Vision.IntermediateSize, c.Vision.NumHeads, c.Vision.WindowSize, c.Vision.OutHiddenSize));
        Assert.Equal([1, 3], c.Vision.FullAttentionBlocks);
        Assert.Equal(2, c.Vision.WindowUnits);
        Assert.Equal([2, 3, 3], c.Text.MropeSection!);
        Assert.True(c.Text.QkvBias);
        Assert.False(c.Text.OutputBias);
        Assert.Equal("qwen2", c.Text.ModelType);
        Assert.Equal((293L, 290L, 291L, 294L), (c.ImageTokenId, c.VisionStartTokenId, c.VisionEndTokenId, c.VideoTokenId));
    }

    [Fact]
    public void PixelValuesFromThePngMatch()
    {
        var processor = ImageProcessorFactory.FromFolder(Ref.ModelDir, patchSize: 14);
        Assert.IsType<Qwen2VLImageProcessor>(processor);
        var image = RgbImage.Load(Ref.ImagePath);
        Assert.Equal(Ref["image_uint8"].contiguous().data<byte>().ToArray(), image.Pixels);
        using var processed = processor.Process(image);
        TensorAssert.AbsoluteClose(Ref["pixel_values"], processed.PixelValues, 1e-5, "pixel_values");
        Assert.Equal(Longs(Ref["image_grid_thw"]), processed.ImageGridThw);
        Assert.Equal(new long[] { 1, 4, 10 }, processed.ImageGridThw);
        Assert.Equal(10, processed.ImageTokenCount);
    }

    [Fact]
    public void VisionRotaryAnglesMatch()
    {
        using var angles = fx.Model.Visual.RotaryAngles(fx.Grid, torch.CPU);
        Report("vision.rot_pos_emb", TensorAssert.RelativeClose(Ref["vision.rot_pos_emb"], angles, 1e-6, "vision.rot_pos_emb"));
    }

    [Fact]
    public void WindowLayoutMatchesExactly()
    {
        var layout = fx.Model.Visual.WindowLayout(fx.Grid);
        Assert.Equal(Longs(Ref["vision.window_index"]), layout.WindowIndex);
        Assert.Equal(new long[] { 0, 1, 5, 6, 2, 3, 7, 8, 4, 9 }, layout.WindowIndex);
        Assert.Equal(Longs(Ref["vision.patch_window_order"]), layout.PatchOrder);
        // Empty padding windows are dropped: [0, 16, 32, 40, 40, 40, 40] → [0, 16, 32, 40].
        Assert.Equal(Longs(Ref["vision.cu_window_seqlens"]), layout.WindowBoundaries);
        Assert.Equal(new long[] { 0, 16, 32, 40 }, layout.WindowBoundaries);
        Assert.Equal(Longs(Ref["vision.cu_seqlens"]), layout.FrameBoundaries);
    }

    [Fact]
    public void WindowLayoutPadsAWholeWindowOnSidesThatAreMultiples()
    {
        // 4×4 merge units, windows of 2: Hugging Face pads 2 more units per side, so 9 windows of which 5 are empty.
        var layout = VisionWindowLayout.For([1, 8, 8], mergeSize: 2, windowUnits: 2);
        Assert.Equal(new long[] { 0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15 }, layout.WindowIndex);
        Assert.Equal(new long[] { 0, 16, 32, 48, 64 }, layout.WindowBoundaries);
        // Two temporal slices: windows never span slices, and the full-attention segments are per slice.
        var two = VisionWindowLayout.For([2, 4, 6], mergeSize: 2, windowUnits: 2);
        Assert.Equal(new long[] { 0, 1, 3, 4, 2, 5, 6, 7, 9, 10, 8, 11 }, two.WindowIndex);
        Assert.Equal(new long[] { 0, 16, 24, 40, 48 }, two.WindowBoundaries);
        Assert.Equal(new long[] { 0, 24, 48 }, two.FrameBoundaries);
        Assert.Equal(Enumerable.Range(0, 48).Select(i => (long)i).Order(), two.PatchOrder.Order());
    }

    [Fact]
    public void VisionBlocksMergerAndImageEmbedsMatch()
    {
        using var scope = NewDisposeScope();
        using var _ = torch.no_grad();
        var trace = new List<Tensor>();
        var embeds = fx.Model.Visual.Forward(Ref["pixel_values"], fx.Grid, trace);
        int depth = 4;
        Assert.Equal(depth + 2, trace.Count);
        Report("vision.patch_embed", TensorAssert.RelativeClose(Ref["vision.patch_embed"], trace[0], Tol, "vision.patch_embed"));
        for (int i = 0; i < depth; i++)
            Report($"vision.block.{i}", TensorAssert.RelativeClose(Ref[$"vision.block.{i}"], trace[i + 1], Tol, $"vision.block.{i}"));
        Report("vision.merger", TensorAssert.RelativeClose(Ref["vision.merger"], trace[^1], Tol, "vision.merger"));
        Report("image_embeds", TensorAssert.RelativeClose(Ref["image_embeds"], embeds, Tol, "image_embeds"));
        foreach (var t in trace) t.Dispose();
    }

    [Fact]
    public void EncodeImageWritesRasterOrderedFeaturesIntoTheImageTokens()
    {
        using var scope = NewDisposeScope();
        using var _ = torch.no_grad();
        var features = fx.Model.EncodeImage(fx.Image);
        TensorAssert.RelativeClose(Ref["image_embeds"], features, Tol, "EncodeImage");
        var embeddings = fx.Model.Embed(Ref.Ids("input_ids"), features);
        Report("hidden_states.0", TensorAssert.RelativeClose(Ref["hidden_states.0"], embeddings[0], Tol, "hidden_states.0"));
    }

    [Fact]
    public void MultimodalPositionIdsAndRopeDeltasMatchExactly()
    {
        var (positions, delta) = fx.Model.PositionIds(Ref.Ids("input_ids"), fx.Image);
        using (positions)
            Assert.Equal(Longs(Ref["position_ids"]), Longs(positions));
        Assert.Equal(Ref["rope_deltas"].item<long>(), delta);
        Assert.Equal(-5, delta);

        var (full, fullDelta) = fx.Model.PositionIds(Ref.Ids("generated_ids"), fx.Image);
        using (full)
            Assert.Equal(Longs(Ref["full.position_ids"]), Longs(full));
        Assert.Equal(delta, fullDelta);

        long s = Ref.Ids("input_ids").Length;
        using var after = fx.Model.PositionsAfter(s, 8, delta);
        using var expectedAfter = Ref["full.position_ids"][.., .., (int)s..];
        Assert.Equal(Longs(expectedAfter), Longs(after));
    }

    [Fact]
    public void AVideoBlockIsRefusedByName()
    {
        long[] ids = [1, 290, 294, 291, 5];
        var e = Assert.Throws<ArgumentException>(() => fx.Model.PositionIds(ids, null));
        Assert.Contains("video", e.Message);
        // The video id as ordinary text (not after vision_start) is just a token.
        var (positions, _) = fx.Model.PositionIds([1, 294, 5], null);
        positions.Dispose();
    }

    [Fact]
    public void PromptForwardMatchesLogitsHiddenStatesAndAttentions() => ReferenceChecks.PromptForward(fx.Model, Ref, fx.Image, Report);

    [Fact]
    public void TeacherForcedForwardMatchesFullLogitsAndAttentions() => ReferenceChecks.TeacherForcedForward(fx.Model, Ref, fx.Image, Report);

    [Fact]
    public void AttentionGradientsMatchOnTheCausalTriangle() => ReferenceChecks.AttentionGradients(fx.Model, Ref, fx.Image);

    [Fact]
    public void GreedyGenerationMatchesIdsAndStepLogits()
    {
        ReferenceChecks.GreedyGeneration(fx.Model, Ref, fx.Image);
        Assert.Equal(new long[] { 43, 155, 187, 170, 216, 46, 46, 43 }, Ref.Ids("new_tokens"));
    }

    [Fact]
    public void BatchedGradientsEqualPerTokenGradients() => ReferenceChecks.BatchedGradientsEqualPerTokenGradients(fx.Model, Ref, fx.Image);

    [Fact]
    public void GradientTapsDeliverEachLayersGradient() => ReferenceChecks.GradientTapsDeliverEachLayersGradient(fx.Model, Ref, fx.Image);
}

/// <summary>The shared segmented vision attention against a block-diagonal masked attention written out in full.</summary>
public class SegmentedVisionAttentionTests
{
    [Fact]
    public void UnequalSegmentsEqualABlockDiagonalMask()
    {
        using var scope = NewDisposeScope();
        using var _ = torch.no_grad();
        torch.manual_seed(3);
        int dim = 12, heads = 3, d = dim / heads;
        using var attention = new SegmentedVisionAttention(dim, heads);
        long[] boundaries = [0, 4, 8, 8, 10, 14, 15];   // lengths 4, 4, 0, 2, 4, 1: three groups, one empty segment
        long n = boundaries[^1];
        var x = torch.randn(n, dim);
        var angles = torch.randn(n, d / 2);
        var (cos, sin) = VisionRotary.Tables(angles);
        var ours = attention.Forward(x, cos, sin, new VisionSegments(boundaries));

        // Reference: every row against every row, minus infinity outside its own segment.
        var named = attention.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var qkv = nn.functional.linear(x, named["qkv.weight"], named["qkv.bias"]).view(n, 3, heads, d);
        var q = RotaryEmbedding.Apply(qkv[.., 0], cos.unsqueeze(1), sin.unsqueeze(1)).transpose(0, 1);   // [H, n, d]
        var k = RotaryEmbedding.Apply(qkv[.., 1], cos.unsqueeze(1), sin.unsqueeze(1)).transpose(0, 1);
        var v = qkv[.., 2].transpose(0, 1);
        var segmentOf = torch.tensor(Enumerable.Range(0, (int)n).Select(i => (long)Array.FindLastIndex(boundaries, b => b <= i)).ToArray());
        var mask = torch.where(segmentOf.view(-1, 1) == segmentOf.view(1, -1), 0f, float.MinValue);
        var probs = (q.matmul(k.transpose(1, 2)) / Math.Sqrt(d) + mask).softmax(-1);
        var expected = nn.functional.linear(probs.matmul(v).transpose(0, 1).reshape(n, dim), named["proj.weight"], named["proj.bias"]);
        TensorAssert.RelativeClose(expected, ours, 1e-5, "segmented attention");

        // One segment over everything differs: the segments really cut the attention.
        var whole = attention.Forward(x, cos, sin, new VisionSegments([0, n]));
        Assert.False(whole.allclose(ours, rtol: 1e-3, atol: 1e-4));
        Assert.Throws<ArgumentException>(() => attention.Forward(x, cos, sin, new VisionSegments([0, n - 1])));
        Assert.Throws<ArgumentException>(() => new VisionSegments([0, 5, 3]));
    }
}
