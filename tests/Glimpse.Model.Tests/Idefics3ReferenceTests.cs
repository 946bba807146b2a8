using Glimpse.Core.Images;
using Glimpse.Model.Architectures;
using Glimpse.Model.Families.Idefics3;
using Glimpse.Model.Processing;
using Glimpse.Model.Text;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Glimpse.Model.Tests;

public sealed class Idefics3Fixture() : ReferenceModelFixture<Idefics3Model>("idefics3")
{
    /// <summary>The stored pixel_values without the batch axis: [frames, 3, M, M].</summary>
    public override ImageInput Image => new(Reference["pixel_values"][0]);
}

/// <summary>The Idefics3 (SmolVLM) runtime against Hugging Face transformers 4.49.0 (float32, eager) on the tiny checkpoint.</summary>
public class Idefics3ReferenceTests(Idefics3Fixture fx, ITestOutputHelper output) : IClassFixture<Idefics3Fixture>
{
    private const double Tol = 1e-4;
    private ReferenceSet Ref => fx.Reference;

    private static long[] Longs(Tensor t) => t.contiguous().data<long>().ToArray();
    private static byte[] Bytes(Tensor t) => t.contiguous().data<byte>().ToArray();

    private void Report(string what, double error) => output.WriteLine($"{what}: max relative error {error:E2}");

    private Idefics3ImageProcessor Processor() =>
        Assert.IsType<Idefics3ImageProcessor>(ImageProcessorFactory.FromFolder(Ref.ModelDir, patchSize: 8, scaleFactor: 2));

    [Fact]
    public void ConfigFillsHuggingFacesDefaults()
    {
        var c = (Idefics3Config)fx.Model.Config;
        Assert.Equal("gelu_pytorch_tanh", c.Vision.HiddenAct);
        Assert.Equal(1e-6, c.Vision.LayerNormEps);
        Assert.Equal(3, c.Vision.NumChannels);
        Assert.Equal((32, 32, 64, 2, 4, 8), (c.Vision.HiddenSize, c.Vision.ImageSize, c.Vision.IntermediateSize, c.Vision.NumLayers, c.Vision.NumHeads, c.Vision.PatchSize));
        Assert.Equal(2, c.ScaleFactor);
        Assert.Equal(278, c.ImageTokenId);
        Assert.Equal("llama", c.Text.ModelType);
        Assert.Equal("silu", c.Text.HiddenAct);
        Assert.False(c.Text.QkvBias);
        Assert.False(c.Text.MlpBias);
        Assert.False(c.Text.TieWordEmbeddings);
        Assert.Equal((64, 3, 4, 2, 16, 96, 288), (c.Text.HiddenSize, c.Text.NumLayers, c.Text.NumHeads, c.Text.NumKeyValueHeads, c.Text.HeadDim, c.Text.IntermediateSize, c.Text.VocabSize));
        Assert.Equal(100000.0, c.Text.RopeTheta);
        Assert.Equal(1e-5, c.Text.RmsNormEps);
    }

    [Fact]
    public void LanczosResizesEqualPilsBytes()
    {
        var image = RgbImage.Load(Ref.ImagePath);
        Assert.Equal(Bytes(Ref["image_uint8"]), image.Pixels);
        // Upsampling twice (40×48 → 54×64 → 64×64), each step rounded to 8 bits as PIL does.
        Assert.Equal(new PixelSize(64, 54), Idefics3ImageProcessor.LongestEdgeSize(48, 40, 64));
        Assert.Equal(new PixelSize(64, 64), Idefics3ImageProcessor.VisionEncoderSize(64, 54, 32));
        var first = PilResample.Resize(image, 64, 54, PilResampleFilter.Lanczos);
        var second = PilResample.Resize(first, 64, 64, PilResampleFilter.Lanczos);
        Assert.Equal(Bytes(Ref["image_resized_uint8"]), second.Pixels);
        // Bicubic gives other bytes: the filter really is LANCZOS.
        Assert.NotEqual(second.Pixels, PilResample.Resize(PilResample.Resize(image, 64, 54), 64, 64).Pixels);
    }

    [Fact]
    public void TheSplitCutsTilesOfTheResizedImageAndAddsTheGlobalFrameLast()
    {
        var (frames, pixels, rows, columns) = Processor().Split(RgbImage.Load(Ref.ImagePath));
        Assert.Equal((2, 2), (rows, columns));
        Assert.Equal(5, frames.Count);
        var resized = new RgbImage(64, 64, Bytes(Ref["image_resized_uint8"]));
        long[] frameRects = Longs(Ref["layout.frame_rect_resized"]);
        for (int f = 0; f < 4; f++)
        {
            var box = frames[f].Geometry.CropBox;
            Assert.Equal((f / 2, f % 2), (frames[f].TileRow!.Value, frames[f].TileColumn!.Value));
            Assert.Equal(frameRects[(f * 4)..(f * 4 + 4)], new long[] { box.Y, box.X, box.Bottom, box.Right });
            Assert.Equal(new PixelSize(64, 64), frames[f].Geometry.Resized);
            Assert.Equal(resized.Crop(box.X, box.Y, 32, 32).Pixels, pixels[f].Pixels);
        }
        Assert.True(frames[4].IsGlobal);
        Assert.Equal(new PixelSize(32, 32), frames[4].Geometry.Resized);
        Assert.Equal(PilResample.Resize(resized, 32, 32, PilResampleFilter.Lanczos).Pixels, pixels[4].Pixels);
    }

    [Fact]
    public void PixelValuesFromThePngMatch()
    {
        using var processed = Processor().Process(RgbImage.Load(Ref.ImagePath));
        TensorAssert.AbsoluteClose(Ref["pixel_values"][0], processed.PixelValues, 1e-5, "pixel_values");
        Assert.Equal(20, processed.ImageTokenCount);
        // One image: no frame is padded, so the processor's mask is all ones.
        Assert.True(Ref["pixel_attention_mask"].all().item<bool>());
    }

    [Fact]
    public void TheLayoutPutsEveryImageTokenInItsReferenceCell()
    {
        using var processed = Processor().Process(RgbImage.Load(Ref.ImagePath));
        var layout = processed.Layout;
        Assert.Equal(["tile 1,1", "tile 1,2", "tile 2,1", "tile 2,2", "global"], layout.Grids.Select(g => g.Name));
        Assert.Empty(layout.UnplacedTokens);
        long[] frame = Longs(Ref["layout.frame"]), cellRow = Longs(Ref["layout.cell_row"]), cellCol = Longs(Ref["layout.cell_col"]);
        var original = Ref["layout.rect_original"].to(float64).contiguous().data<double>().ToArray();
        for (int k = 0; k < layout.TokenCount; k++)
        {
            var cell = layout.CellOf(k)!.Value;
            Assert.Equal((frame[k], cellRow[k], cellCol[k]), (cell.Grid, cell.Row, cell.Column));
            Assert.Equal(16, layout.Grids[cell.Grid].CellSize);
            var region = layout.Grids[cell.Grid].CellOnOriginal(cell.Row, cell.Column);
            double[] rect = [region.Top, region.Left, region.Bottom, region.Right];
            for (int i = 0; i < 4; i++) Assert.Equal(original[k * 4 + i], rect[i], 9);
        }
    }

    [Fact]
    public void TheChatTemplateExpandsTheImageExactlyAsTheProcessor()
    {
        using var tokenizer = TextTokenizer.FromFolder(Ref.ModelDir);
        string question = Ref.Json["question"]!.GetValue<string>();
        Assert.Equal(Ref.Ids("tokenizer_ids"), tokenizer.Encode(Ref.Json["prompt_text"]!.GetValue<string>()));
        Assert.Equal(Ref.Ids("input_ids"), tokenizer.Encode(Ref.Json["expanded_prompt_text"]!.GetValue<string>()));

        using var processed = Processor().Process(RgbImage.Load(Ref.ImagePath));
        var template = new Idefics3Family().ChatTemplate(278);
        var prompt = template.Build(tokenizer, question, processed.Layout);
        Assert.Equal(Ref.Ids("input_ids"), prompt.InputIds);
        Assert.Equal(Ref.Ids("image_token_positions").Select(p => (int)p), prompt.ImagePositions);
        Assert.Equal(Longs(Ref["glimpse.V_positions"]).Select(p => (int)p), prompt.ImagePositions);
        Assert.Equal(Longs(Ref["glimpse.P_positions"]).Select(p => (int)p), prompt.QuestionPositions);
        Assert.Equal(Ref.Json["prompt_text"]!.GetValue<string>(), prompt.Text);
        // Every other position (markers, newlines, role words) is template.
        Assert.Equal(46 - 20 - 6, prompt.TemplatePositions.Length);

        // Without a split: one global frame, no tile markers.
        var single = template.Build(tokenizer, question, 4);
        Assert.Equal(new long[] { 1, 5, 7, 277, 240, 278, 278, 278, 278, 277, 102, 106, 108, 39, 11, 27, 279, 3, 6, 7 }, single.InputIds);
        Assert.Equal([5, 6, 7, 8], single.ImagePositions);
    }

    [Fact]
    public void VisionTowerMatchesPositionsHiddenStatesAndAttentions()
    {
        using var scope = NewDisposeScope();
        using var _ = torch.no_grad();
        using var trace = new VisionTrace();
        var features = fx.Model.EncodeFrames(Ref["pixel_values"][0], Ref["pixel_attention_mask"][0], trace);
        Assert.Equal(Longs(Ref["vision.position_ids"]), Longs(trace.PositionIds!));
        using (var patchMask = Idefics3Model.PatchMask(Ref["pixel_attention_mask"][0], 8))
            Assert.Equal(Longs(Ref["vision.patch_attention_mask"]), Longs(patchMask.to(int64)));
        Assert.Equal(3, trace.HiddenStates.Count);
        for (int i = 0; i < trace.HiddenStates.Count; i++)
            Report($"vision.hidden_states.{i}", TensorAssert.RelativeClose(Ref[$"vision.hidden_states.{i}"], trace.HiddenStates[i], Tol, $"vision.hidden_states.{i}"));
        for (int i = 0; i < trace.Attentions.Probabilities.Count; i++)
            Report($"vision.attentions.{i}", TensorAssert.RelativeClose(Ref[$"vision.attentions.{i}"], trace.Attentions.Probabilities[i], Tol, $"vision.attentions.{i}"));
        Report("vision.last_hidden_state", TensorAssert.RelativeClose(Ref["vision.last_hidden_state"], trace.LastHiddenState!, Tol, "vision.last_hidden_state"));
        Report("connector.pixel_shuffle", TensorAssert.RelativeClose(Ref["connector.pixel_shuffle"], trace.PixelShuffle!, Tol, "connector.pixel_shuffle"));
        Report("image_hidden_states", TensorAssert.RelativeClose(Ref["image_hidden_states"], features, Tol, "image_hidden_states"));
    }

    [Fact]
    public void PixelShuffleConcatenatesEachBlockOfPatchesRowMajor()
    {
        // 4×4 patches of width 1 holding their own index: token (r, c) reads patches (2r+dh, 2c+dw).
        using var patches = torch.arange(16, dtype: float32).view(1, 16, 1);
        using var shuffled = Idefics3Connector.PixelShuffle(patches, 2);
        Assert.Equal(new float[] { 0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15 }, shuffled.contiguous().data<float>().ToArray());
    }

    [Fact]
    public void PaddedFramesAreMaskedAndAllZeroFramesDropped()
    {
        using var scope = NewDisposeScope();
        using var _ = torch.no_grad();
        var pixels = Ref["vision_pad.pixel_values"].flatten(0, 1);                            // [4, 3, 32, 32]
        var mask = Ref["vision_pad.pixel_attention_mask"].flatten(0, 1);                      // [4, 32, 32]
        Assert.Equal([true, true, true, false], Idefics3Model.RealFrames(pixels).data<bool>().ToArray());
        using var trace = new VisionTrace();
        var features = fx.Model.EncodeFrames(pixels, mask, trace);
        Assert.Equal(Longs(Ref["vision_pad.position_ids"]), Longs(trace.PositionIds!));
        Assert.Equal(new long[] { 0, 1, 2, 3, 8, 9, 10, 11, 0, 0, 0, 0, 0, 0, 0, 0 }, Longs(trace.PositionIds![2]));
        using (var patchMask = Idefics3Model.PatchMask(mask[..3], 8))
            Assert.Equal(Longs(Ref["vision_pad.patch_attention_mask"]), Longs(patchMask.to(int64)));
        Report("vision_pad.last_hidden_state", TensorAssert.RelativeClose(Ref["vision_pad.last_hidden_state"], trace.LastHiddenState!, Tol, "vision_pad.last_hidden_state"));
        Report("vision_pad.image_hidden_states", TensorAssert.RelativeClose(Ref["vision_pad.image_hidden_states"], features, Tol, "vision_pad.image_hidden_states"));
    }

    [Fact]
    public void NavitPositionsKeepHuggingFacesFloat32Buckets()
    {
        // A full grid of side nps: the identity. SmolVLM's 32-patch table: agrees with floor(i · nps / nb) for any nb.
        using var full = Idefics3VisionEmbeddings.PositionIds(torch.ones(1, 4, 4, dtype: ScalarType.Bool), 4);
        Assert.Equal(Enumerable.Range(0, 16).Select(i => (long)i), Longs(full));
        foreach (int nb in new[] { 7, 13, 32 })
        {
            var mask = torch.zeros(1, 32, 32, dtype: ScalarType.Bool);
            mask[0, ..nb, ..nb] = true;
            using var ids = Idefics3VisionEmbeddings.PositionIds(mask, 32);
            long[] row = Longs(ids[0]);
            for (int i = 0; i < nb; i++)
                Assert.Equal((long)(i * 32 / nb) * 32 + (long)((nb - 1) * 32 / nb), row[i * 32 + nb - 1]);
            mask.Dispose();
        }
    }

    [Fact]
    public void EncodeImageWritesFrameByFrameFeaturesIntoTheImageTokens()
    {
        using var scope = NewDisposeScope();
        using var _ = torch.no_grad();
        var features = fx.Model.EncodeImage(fx.Image);
        TensorAssert.RelativeClose(Ref["image_hidden_states"].reshape(20, 64), features, Tol, "EncodeImage");
        var embeddings = fx.Model.Embed(Ref.Ids("input_ids"), features);
        Report("hidden_states.0", TensorAssert.RelativeClose(Ref["hidden_states.0"], embeddings[0], Tol, "hidden_states.0"));
    }

    [Fact]
    public void SeveralImagesOrAVideoAreRefusedByName()
    {
        using var frames = torch.zeros([2, 5, 3, 32, 32]);
        var e = Assert.Throws<ArgumentException>(() => fx.Model.EncodeImage(new ImageInput(frames)));
        Assert.Contains("Several images or a video", e.Message);
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
        Assert.Equal(new long[] { 118, 57, 158, 28, 191, 200, 83, 118 }, Ref.Ids("new_tokens"));
    }

    [Fact]
    public void BatchedGradientsEqualPerTokenGradients() => ReferenceChecks.BatchedGradientsEqualPerTokenGradients(fx.Model, Ref, fx.Image);

    [Fact]
    public void GradientTapsDeliverEachLayersGradient() => ReferenceChecks.GradientTapsDeliverEachLayersGradient(fx.Model, Ref, fx.Image);
}
