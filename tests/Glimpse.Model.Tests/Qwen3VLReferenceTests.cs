using Glimpse.Core.Images;
using Glimpse.Model.Families.Qwen2VL;
using Glimpse.Model.Families.Qwen3VL;
using Glimpse.Model.Generation;
using Glimpse.Model.Modules;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Glimpse.Model.Tests;

public sealed class Qwen3VLFixture() : QwenReferenceFixture<Qwen3VLModel>("qwen3vl");

/// <summary>The Qwen3-VL runtime against Hugging Face transformers 4.57.0.dev0 (float32, eager) on the tiny checkpoint.</summary>
public class Qwen3VLReferenceTests(Qwen3VLFixture fx, ITestOutputHelper output) : IClassFixture<Qwen3VLFixture>
{
    private const double Tol = 1e-4;
    private ReferenceSet Ref => fx.Reference;
    private const int Depth = 3, Deepstack = 2;

    private static long[] Longs(Tensor t) => t.contiguous().data<long>().ToArray();

    private void Report(string what, double error) => output.WriteLine($"{what}: max relative error {error:E2}");

    [Fact]
    public void ConfigFillsHuggingFacesDefaults()
    {
        var c = (Qwen3VLConfig)fx.Model.Config;
        Assert.Equal((3, 32, 48, 4, 16, 2, 2, 64, 16), (c.Vision.Depth, c.Vision.HiddenSize, c.Vision.IntermediateSize, c.Vision.NumHeads,
            c.Vision.PatchSize, c.Vision.SpatialMergeSize, c.Vision.TemporalPatchSize, c.Vision.OutHiddenSize, c.Vision.NumPositionEmbeddings));
        Assert.Equal("gelu_pytorch_tanh", c.Vision.HiddenAct);
        Assert.Equal([0, 1], c.Vision.DeepstackVisualIndexes);
        Assert.Equal("qwen3", c.Text.ModelType);
        Assert.Equal((16, 4, 2, 3, 64, 96, 300), (c.Text.HeadDim, c.Text.NumHeads, c.Text.NumKeyValueHeads, c.Text.NumLayers, c.Text.HiddenSize, c.Text.IntermediateSize, c.Text.VocabSize));
        Assert.Equal([4, 2, 2], c.Text.MropeSection!);
        Assert.Equal(MropeLayout.Interleaved, c.Text.MropeLayout);
        Assert.True(c.Text.QkNorm);
        Assert.False(c.Text.QkvBias);
        Assert.False(c.Text.OutputBias);
        Assert.False(c.Text.TieWordEmbeddings);
        Assert.Equal(1e-6, c.Text.RmsNormEps);
        Assert.Equal(10_000, c.Text.RopeTheta);
        Assert.Equal((293L, 290L, 291L, 294L), (c.ImageTokenId, c.VisionStartTokenId, c.VisionEndTokenId, c.VideoTokenId));
        Assert.Equal(Deepstack, fx.Model.DecoderAdditionLayers);
    }

    [Fact]
    public void InterleavedMropeAssignsFrequenciesAsTheReferenceSays()
    {
        var axes = RotaryEmbedding.AxisOfFrequency([4, 2, 2], MropeLayout.Interleaved, 8);
        var names = Ref.Json["mrope"]!["axis_of_frequency"]!.AsArray().Select(n => n!.GetValue<string>() switch { "t" => 0L, "h" => 1L, _ => 2L });
        Assert.Equal(names, axes);
        // The split layout (Qwen2-VL) stays the default and differs.
        Assert.Equal(new long[] { 0, 0, 0, 0, 1, 1, 2, 2 }, RotaryEmbedding.AxisOfFrequency([4, 2, 2], MropeLayout.Split, 8));
    }

    [Fact]
    public void PixelValuesFromThePngMatch()
    {
        var family = new Qwen3VLFamily();
        var processor = family.CreateImageProcessor(Ref.ModelDir, fx.Model.Config);
        Assert.IsType<Qwen2VLImageProcessor>(processor);
        var image = RgbImage.Load(Ref.ImagePath);
        Assert.Equal(Ref["image_uint8"].contiguous().data<byte>().ToArray(), image.Pixels);
        using var processed = processor.Process(image);
        TensorAssert.AbsoluteClose(Ref["pixel_values"], processed.PixelValues, 1e-5, "pixel_values");
        Assert.Equal(Longs(Ref["image_grid_thw"]), processed.ImageGridThw);
        Assert.Equal(new long[] { 1, 6, 8 }, processed.ImageGridThw);
        Assert.Equal(12, processed.ImageTokenCount);
    }

    [Fact]
    public void PositionEmbeddingInterpolationMatches()
    {
        using var scope = NewDisposeScope();
        using var _ = torch.no_grad();
        var (indices, weights) = fx.Model.Visual.PositionBlend(fx.Grid, torch.CPU);
        Assert.Equal(Longs(Ref["vision.pos_embed_idx"]), Longs(indices));
        Report("vision.pos_embed_weight", TensorAssert.RelativeClose(Ref["vision.pos_embed_weight"], weights, 1e-6, "vision.pos_embed_weight"));
        Report("vision.pos_embed", TensorAssert.RelativeClose(Ref["vision.pos_embed"], fx.Model.Visual.PositionEmbedding(fx.Grid), Tol, "vision.pos_embed"));
    }

    [Fact]
    public void VisionRotaryAnglesMatch()
    {
        using var angles = fx.Model.Visual.RotaryAngles(fx.Grid, torch.CPU);
        Report("vision.rot_pos_emb", TensorAssert.RelativeClose(Ref["vision.rot_pos_emb"], angles, 1e-6, "vision.rot_pos_emb"));
    }

    [Fact]
    public void VisionBlocksDeepstackFeaturesAndMergerMatch()
    {
        using var scope = NewDisposeScope();
        using var _ = torch.no_grad();
        var trace = new List<Tensor>();
        var features = fx.Model.Visual.Forward(Ref["pixel_values"], fx.Grid, trace);
        Assert.Equal(1 + Depth + Deepstack + 1, trace.Count);
        Report("vision.patch_embed", TensorAssert.RelativeClose(Ref["vision.patch_embed"], trace[0], Tol, "vision.patch_embed"));
        for (int i = 0; i < Depth; i++)
            Report($"vision.block.{i}", TensorAssert.RelativeClose(Ref[$"vision.block.{i}"], trace[1 + i], Tol, $"vision.block.{i}"));
        for (int k = 0; k < Deepstack; k++)
            Report($"vision.deepstack.{k}", TensorAssert.RelativeClose(Ref[$"vision.deepstack.{k}"], trace[1 + Depth + k], Tol, $"vision.deepstack.{k}"));
        Report("vision.merger", TensorAssert.RelativeClose(Ref["vision.merger"], trace[^1], Tol, "vision.merger"));
        // The tower's output: the merger's rows, then each DeepStack feature, side by side.
        TensorAssert.RelativeClose(torch.cat([Ref["vision.merger"], Ref["vision.deepstack.0"], Ref["vision.deepstack.1"]], -1), features, Tol, "features");
        foreach (var t in trace) t.Dispose();
    }

    [Fact]
    public void EncodeImageWritesTheMergerRowsIntoTheImageTokensAndTheDeepstackRowsAfterLayers()
    {
        using var scope = NewDisposeScope();
        using var _ = torch.no_grad();
        var features = fx.Model.EncodeImage(fx.Image);                                       // [12, 3·64]
        Assert.Equal(new long[] { 12, 3 * 64 }, features.shape);
        long[] ids = Ref.Ids("input_ids");
        var embeddings = fx.Model.Embed(ids, features);
        Report("hidden_states.0", TensorAssert.RelativeClose(Ref["hidden_states.0"], embeddings[0], Tol, "hidden_states.0"));
        var additions = fx.Model.ImageAdditions(ids, features)!;
        Assert.Equal(Deepstack, additions.Layers);
        Assert.Equal(Ref.Ids("image_token_positions"), Longs(additions.Rows));
        for (int k = 0; k < Deepstack; k++)
            TensorAssert.RelativeClose(Ref[$"vision.deepstack.{k}"], additions.Values[k][0], Tol, $"addition after layer {k}");
        // Features of another width are refused rather than misread.
        Assert.Throws<ArgumentException>(() => fx.Model.Embed(ids, features.narrow(1, 0, 64)));
    }

    [Fact]
    public void MultimodalPositionIdsAndRopeDeltasMatchExactly()
    {
        var (positions, delta) = fx.Model.PositionIds(Ref.Ids("input_ids"), fx.Image);
        using (positions)
            Assert.Equal(Longs(Ref["position_ids"]), Longs(positions));
        Assert.Equal(Ref["rope_deltas"].item<long>(), delta);
        Assert.Equal(-8, delta);

        var (full, fullDelta) = fx.Model.PositionIds(Ref.Ids("generated_ids"), fx.Image);
        using (full)
            Assert.Equal(Longs(Ref["full.position_ids"]), Longs(full));
        Assert.Equal(delta, fullDelta);
    }

    [Fact]
    public void AVideoBlockIsRefusedByName()
    {
        var e = Assert.Throws<ArgumentException>(() => fx.Model.PositionIds([1, 290, 294, 291, 5], null));
        Assert.Contains("video", e.Message);
        Assert.Contains("Qwen3-VL", e.Message);
    }

    [Fact]
    public void PromptForwardMatchesLogitsHiddenStatesAndAttentions() =>
        // hidden_states.{k+1} include the DeepStack addition after layer k, as Hugging Face records them.
        ReferenceChecks.PromptForward(fx.Model, Ref, fx.Image, Report, pass =>
        {
            // Each layer's own output is the next hidden state less the DeepStack addition on the image rows.
            using var scope = NewDisposeScope();
            var rows = torch.tensor(Ref.Ids("image_token_positions"));
            for (int k = 0; k < Depth; k++)
            {
                var layerOutput = pass.HiddenStates[k + 1][0].clone();
                if (k < Deepstack) layerOutput.index_add_(0, rows, -Ref[$"vision.deepstack.{k}"], 1);
                if (k + 1 < Depth)
                    Report($"layer_output.{k}", TensorAssert.RelativeClose(Ref[$"layer_output.{k}"], layerOutput, Tol, $"layer_output.{k}"));
            }
        });

    [Fact]
    public void WithoutDeepstackTheLogitsAreFarOff()
    {
        using var scope = NewDisposeScope();
        using var _ = torch.no_grad();
        long[] ids = Ref.Ids("input_ids");
        var features = fx.Model.EncodeImage(fx.Image);
        var (positions, _) = fx.Model.PositionIds(ids, fx.Image);
        var hidden = fx.Model.LanguageModel.Forward(fx.Model.Embed(ids, features), positions);
        var logits = fx.Model.Logits(hidden)[0];
        double error = (logits - Ref["logits"]).abs().max().item<float>() / Ref["logits"].abs().max().item<float>();
        Assert.True(error > 0.1, $"leaving DeepStack out moved the logits by only {error:E2}");
    }

    [Fact]
    public void LayerAdditionsAreCheckedAgainstTheDecoderAndTheSequence()
    {
        using var scope = NewDisposeScope();
        using var _ = torch.no_grad();
        long[] ids = Ref.Ids("input_ids");
        var embeddings = fx.Model.Embed(ids, fx.Model.EncodeImage(fx.Image));
        var (positions, _) = fx.Model.PositionIds(ids, fx.Image);
        var zero = torch.zeros(1, 2, 64);
        // Zero additions change nothing; more layers than the decoder has, or a row past the sequence, are refused.
        var plain = fx.Model.LanguageModel.Forward(embeddings, positions);
        var added = fx.Model.LanguageModel.Forward(embeddings, positions, additions: new LayerAdditions(torch.tensor(new long[] { 4, 5 }), [zero]));
        Assert.True((plain == added).all().item<bool>());
        Assert.Throws<ArgumentException>(() => fx.Model.LanguageModel.Forward(embeddings, positions,
            additions: new LayerAdditions(torch.tensor(new long[] { 4, 5 }), [zero, zero, zero, zero])));
        Assert.Throws<ArgumentException>(() => fx.Model.LanguageModel.Forward(embeddings, positions,
            additions: new LayerAdditions(torch.tensor(new long[] { 4, 21 }), [zero])));
        Assert.Throws<ArgumentException>(() => new LayerAdditions(torch.tensor(new long[] { 4 }), [zero]));
        // A prompt without image features has no additions.
        Assert.Null(fx.Model.ImageAdditions(ids, null));
    }

    [Fact]
    public void TeacherForcedForwardMatchesFullLogitsAndAttentions() => ReferenceChecks.TeacherForcedForward(fx.Model, Ref, fx.Image, Report);

    [Fact]
    public void AttentionGradientsMatchOnTheCausalTriangle() => ReferenceChecks.AttentionGradients(fx.Model, Ref, fx.Image);

    [Fact]
    public void GreedyGenerationMatchesIdsAndStepLogits()
    {
        ReferenceChecks.GreedyGeneration(fx.Model, Ref, fx.Image);
        Assert.Equal(new long[] { 20, 66, 97, 10, 199, 257, 8, 108 }, Ref.Ids("new_tokens"));
    }

    [Fact]
    public void GenerationReusesPrecomputedImageFeatures()
    {
        using var scope = NewDisposeScope();
        long[] prompt = Ref.Ids("input_ids");
        using var features = fx.Model.EncodeImage(fx.Image);
        using var result = AnswerGenerator.Generate(fx.Model, prompt, fx.Image,
            new GenerationOptions { MaxNewTokens = 8, StopAtEos = false, ImageFeatures = features });
        Assert.Equal(Ref.Ids("new_tokens"), result.NewTokens);
    }

    [Fact]
    public void BatchedGradientsEqualPerTokenGradients() => ReferenceChecks.BatchedGradientsEqualPerTokenGradients(fx.Model, Ref, fx.Image);

    [Fact]
    public void GradientTapsDeliverEachLayersGradient() => ReferenceChecks.GradientTapsDeliverEachLayersGradient(fx.Model, Ref, fx.Image);
}
