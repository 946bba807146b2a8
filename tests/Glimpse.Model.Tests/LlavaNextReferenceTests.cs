using System.Text.Json.Nodes;
using Glimpse.Core.Images;
using Glimpse.Model.Architectures;
using Glimpse.Model.Configuration;
using Glimpse.Model.Families;
using Glimpse.Model.Families.LlavaNext;
using Glimpse.Model.Generation;
using Glimpse.Model.Modules;
using Glimpse.Model.Processing;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Glimpse.Model.Tests;

public sealed class LlavaNextFixture() : ReferenceModelFixture<LlavaNextModel>("llavanext")
{
    /// <summary>The stored pixel_values [1, 3, 3, 32, 32] (Hugging Face's layout) and image_sizes (H, W) = (20, 60).</summary>
    public override ImageInput Image => new(Reference["pixel_values"], ImageSize: new PixelSize(60, 20));
}

/// <summary>The LLaVA-NeXT runtime against Hugging Face transformers 4.47.1 (float32, eager) on the tiny checkpoint.</summary>
public class LlavaNextReferenceTests(LlavaNextFixture fx, ITestOutputHelper output) : IClassFixture<LlavaNextFixture>
{
    private const double Tol = 1e-4;
    private static readonly PixelSize Original = new(60, 20);
    private ReferenceSet Ref => fx.Reference;
    private LlavaNextConfig Config => (LlavaNextConfig)fx.Model.Config;

    private static long[] Longs(Tensor t) => t.contiguous().data<long>().ToArray();

    private void Report(string what, double error) => output.WriteLine($"{what}: max relative error {error:E2}");

    [Fact]
    public void ConfigReadsPinpointsAndHuggingFacesDefaults()
    {
        var c = Config;
        Assert.Equal(new PixelSize[] { new(64, 32), new(32, 64), new(64, 64), new(32, 96), new(96, 32) }, c.ImageGridPinpoints);
        Assert.Equal("llama", c.TextModelType);
        Assert.Equal([-2], c.VisionFeatureLayers);
        Assert.Equal(300L, c.ImageTokenId);
        Assert.Equal(16, c.ImageSeqLength);
        Assert.Equal(("quick_gelu", 1e-5, 3), (c.Vision.HiddenAct, c.Vision.LayerNormEps, c.Vision.NumChannels));
        Assert.Equal(("silu", 10_000.0, false, false), (c.Text.HiddenAct, c.Text.RopeTheta, c.Text.QkvBias, c.Text.TieWordEmbeddings));
        Assert.Equal((4, 2, 16, 1e-5), (c.Text.NumHeads, c.Text.NumKeyValueHeads, c.Text.HeadDim, c.Text.RmsNormEps));
        Assert.Equal([2L], c.Text.EosTokenIds);
    }

    [Fact]
    public void BestResolutionResizeAndUnpaddingFollowTheReadme()
    {
        var best = AnyResolution.BestResolution(Original, Config.ImageGridPinpoints);
        Assert.Equal(new PixelSize(64, 32), best);                                              // (H, W) = (32, 64)
        Assert.Equal(new PixelSize(64, 22), AnyResolution.ResizedForPatching(Original, best));    // ceil, not round
        Assert.Equal((1, 2), AnyResolution.TileGrid(Original, Config.ImageGridPinpoints, 32));
        // 20·8/60 = 2.667 truncates to 2; (4 − 2) // 2 = 1 row removed on each side.
        Assert.Equal(new FeatureBlock(1, 0, 2, 8), AnyResolution.Unpad(Original, 4, 8));
        Assert.Equal(34, AnyResolution.TokenCount(Original, Config.ImageGridPinpoints, 32, 4));
        Assert.Equal(Ref.Json["n_image_tokens"]!.GetValue<int>(), AnyResolution.TokenCount(Original, Config.ImageGridPinpoints, 32, 4));

        // Ties: equal effective resolution, the later one only if it wastes strictly less.
        Assert.Equal(new PixelSize(64, 32), AnyResolution.BestResolution(new PixelSize(60, 20), [new(64, 32), new(64, 64)]));
        Assert.Equal(new PixelSize(64, 32), AnyResolution.BestResolution(new PixelSize(60, 20), [new(64, 64), new(64, 32)]));
        // A 21×60 image (H×W): n_h = ceil(21·64/60) = 23, so (32 − 23) // 2 = 4 rows each side: a 31-row canvas.
        Assert.Equal(new PixelSize(64, 23), AnyResolution.ResizedForPatching(new PixelSize(60, 21), new PixelSize(64, 32)));
        // An odd difference keeps one more cell than computed: 1 of 4 columns → (4 − 1) // 2 = 1 removed each side, 2 kept.
        Assert.Equal(new FeatureBlock(0, 1, 4, 2), AnyResolution.Unpad(new PixelSize(10, 40), 4, 4));
    }

    [Fact]
    public void PixelValuesFromThePngMatch()
    {
        var processor = Assert.IsType<LlavaNextImageProcessor>(ImageProcessorFactory.FromFolder(Ref.ModelDir, patchSize: 8));
        var image = RgbImage.Load(Ref.ImagePath);
        Assert.Equal(Ref["image_uint8"].contiguous().data<byte>().ToArray(), image.Pixels);
        using var processed = processor.Process(image);
        Assert.Equal(new long[] { 3, 3, 32, 32 }, processed.PixelValues.shape);
        TensorAssert.AbsoluteClose(Ref["pixel_values"][0], processed.PixelValues, 1e-5, "pixel_values");
        Assert.Equal(34, processed.ImageTokenCount);
        Assert.Equal(new long[] { 20, 60 }, Longs(Ref["image_sizes"][0]));
        // A padding pixel is black normalised: row 0 of tile 1 lies in the 5 rows of top padding.
        var pad = processed.PixelValues[1, .., 0, 0];
        TensorAssert.AbsoluteClose(torch.tensor(new[] { -1.792263f, -1.752097f, -1.480220f }), pad, 1e-5, "padding pixel");
    }

    [Fact]
    public void VisionTowerMatchesHiddenStatesAndAttentionsOfEveryView()
    {
        using var scope = NewDisposeScope();
        using var _ = torch.no_grad();
        var states = new List<Tensor>();
        using var recorder = new AttentionRecorder();
        fx.Model.VisionTower.Forward(Ref["pixel_values"][0], states, upToLayer: 2, recorder);
        Assert.Equal(3, states.Count);
        Assert.Equal(2, recorder.Probabilities.Count);
        for (int i = 0; i < states.Count; i++)
            Report($"vision.hidden_states.{i}", TensorAssert.RelativeClose(Ref[$"vision.hidden_states.{i}"], states[i], Tol, $"vision.hidden_states.{i}"));
        for (int i = 0; i < recorder.Probabilities.Count; i++)
            Report($"vision.attentions.{i}", TensorAssert.RelativeClose(Ref[$"vision.attentions.{i}"], recorder.Probabilities[i], Tol, $"vision.attentions.{i}"));
        foreach (var s in states) s.Dispose();
    }

    [Fact]
    public void ViewFeaturesPackedFeaturesAndNewlineRowsMatch()
    {
        using var scope = NewDisposeScope();
        using var _ = torch.no_grad();
        var views = fx.Model.ViewFeatures(Ref["pixel_values"][0]);
        Report("image_features_unpacked", TensorAssert.RelativeClose(Ref["image_features_unpacked"], views, Tol, "image_features_unpacked"));
        var packed = fx.Model.PackFeatures(views, Original);
        Report("image_features", TensorAssert.RelativeClose(Ref["image_features"], packed, Tol, "image_features"));
        Assert.Equal(packed.shape, fx.Model.EncodeImage(fx.Image).shape);
        TensorAssert.RelativeClose(Ref["image_features"], fx.Model.EncodeImage(fx.Image), Tol, "EncodeImage");
        // Newline rows (token 24 and 33) are image_newline itself, equal to the stored one.
        var newline = fx.Model.named_parameters().Single(p => p.name == "image_newline").parameter;
        foreach (int row in new[] { 24, 33 })
        {
            TensorAssert.RelativeClose(Ref["image_features"][row], packed[row], 1e-6, $"newline row {row}");
            TensorAssert.RelativeClose(newline, packed[row], 0, $"newline row {row} is image_newline");
        }
        // The wrong number of views for the image size is refused by name, not reshaped.
        var e = Assert.Throws<ArgumentException>(() => fx.Model.PackFeatures(views[..2], Original));
        Assert.Contains("3 views", e.Message);
    }

    [Fact]
    public void LayoutEqualsTheReferenceLayoutExactly()
    {
        var processor = (LlavaNextImageProcessor)ImageProcessorFactory.FromFolder(Ref.ModelDir, patchSize: 8);
        using var processed = processor.Process(RgbImage.Load(Ref.ImagePath));
        var layout = processed.Layout;
        Assert.Equal(34, layout.TokenCount);
        Assert.Equal(["base", "high-res"], layout.Grids.Select(g => g.Name));
        Assert.Equal(new[] { 24, 33 }, layout.UnplacedTokens);
        Assert.Equal(Original, layout.Original);

        long[] kind = Longs(Ref["layout.kind"]), row = Longs(Ref["layout.row"]), col = Longs(Ref["layout.col"]);
        long[] tile = Longs(Ref["layout.tile"]), tilePatch = Longs(Ref["layout.tile_patch"]);
        int g = processor.PatchesPerSide;
        var (_, tileColumns) = AnyResolution.TileGrid(Original, Config.ImageGridPinpoints, 32);
        var block = AnyResolution.Unpad(Original, g, tileColumns * g);
        for (int k = 0; k < 34; k++)
        {
            var cell = layout.CellOf(k);
            if (kind[k] == 2)
            {
                Assert.Null(cell);
                continue;
            }
            Assert.NotNull(cell);
            Assert.Equal((int)kind[k], cell.Value.Grid);
            Assert.Equal(((int)row[k], (int)col[k]), (cell.Value.Row, cell.Value.Column));
            // The feature's source: the base image's patch, or the tile and patch the unpadded cell comes from.
            int fullRow = cell.Value.Row + (kind[k] == 1 ? block.Top : 0), fullColumn = cell.Value.Column + (kind[k] == 1 ? block.Left : 0);
            int expectedTile = kind[k] == 0 ? 0 : 1 + fullRow / g * tileColumns + fullColumn / g;
            Assert.Equal(tile[k], expectedTile);
            Assert.Equal(tilePatch[k], (kind[k] == 0 ? fullRow : fullRow % g) * g + fullColumn % g);
        }

        // The grids' rectangles on the original, and every cell's, to 1e-9 (they are exact rationals).
        var grids = Ref.Json["layout"]!["grids"]!;
        foreach (var (name, index) in new[] { ("base", 0), ("highres", 1) })
        {
            double[] rect = grids[name]!["rect_xyxy"]!.AsArray().Select(n => n!.GetValue<double>()).ToArray();
            var region = layout.Grids[index].RegionOnOriginal()!.Value;
            Assert.Equal(rect, [region.Left, region.Top, region.Right, region.Bottom], (a, b) => Math.Abs(a - b) < 1e-9);
            double[] cellHw = grids[name]!["cell_hw"]!.AsArray().Select(n => n!.GetValue<double>()).ToArray();
            var grid = layout.Grids[index];
            for (int r = 0; r < grid.Rows; r++)
                for (int c = 0; c < grid.Columns; c++)
                {
                    var on = grid.CellOnOriginal(r, c);
                    Assert.Equal(rect[0] + c * cellHw[1], on.Left, 9);
                    Assert.Equal(rect[1] + r * cellHw[0], on.Top, 9);
                    Assert.Equal(cellHw[1], on.Width, 9);
                    Assert.Equal(cellHw[0], on.Height, 9);
                }
        }
        Assert.Equal(new PixelRect(0, 3, 64, 16), layout.Grids[1].Geometry.CropBox);   // canvas y ∈ [8, 24) minus the 5-row paste
    }

    [Fact]
    public void PromptExpandsTheImageToTheReferenceIdsAndLayout()
    {
        using var runtime = VisionLanguageRuntime.Open(Ref.ModelDir);
        Assert.IsType<LlavaNextModel>(runtime.Model);
        Assert.False(Assert.IsType<LlavaNextChatTemplate>(runtime.Template).Mistral);
        using var prompt = runtime.Prepare(RgbImage.Load(Ref.ImagePath), Ref.Json["question"]!.GetValue<string>());
        Assert.Equal(Ref.Ids("input_ids"), prompt.Layout.InputIds);
        Assert.Equal(Longs(Ref["input_ids"][0]), prompt.Layout.InputIds);
        Assert.Equal(Ref.Json["image_token_positions"]!.AsArray().Select(n => n!.GetValue<int>()), prompt.Layout.ImagePositions);
        Assert.Equal(Ref.Json["glimpse"]!["P_positions"]!.AsArray().Select(n => n!.GetValue<int>()), prompt.Layout.QuestionPositions);
        Assert.Equal(new PixelSize(60, 20), prompt.ModelInput.ImageSize);
        Assert.Equal(2, prompt.ImageTokens.Grids.Count);
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
        Assert.Equal(new long[] { 206, 210, 277, 189, 27, 34 }, Ref.Ids("new_tokens"));
    }

    [Fact]
    public void BatchedGradientsEqualPerTokenGradients() => ReferenceChecks.BatchedGradientsEqualPerTokenGradients(fx.Model, Ref, fx.Image);

    [Fact]
    public void GradientTapsDeliverEachLayersGradient() => ReferenceChecks.GradientTapsDeliverEachLayersGradient(fx.Model, Ref, fx.Image);

    [Fact]
    public void SeveralImagesAndAMissingImageSizeAreRefusedByName()
    {
        using var two = torch.zeros([2, 3, 3, 32, 32]);
        var e = Assert.Throws<NotSupportedException>(() => fx.Model.EncodeImage(new ImageInput(two, ImageSize: Original)));
        Assert.Contains("one image per prompt", e.Message);
        var missing = Assert.Throws<ArgumentException>(() => fx.Model.EncodeImage(new ImageInput(Ref["pixel_values"])));
        Assert.Contains("original image size", missing.Message);
        using var runtime = VisionLanguageRuntime.Open(Ref.ModelDir);
        var prompt = Assert.Throws<ArgumentException>(() => runtime.Prepare(RgbImage.Load(Ref.ImagePath), "compare <image> and this"));
        Assert.Contains("<image>", prompt.Message);
    }
}

/// <summary>LLaVA-NeXT folders in the other layouts and variants the loader accepts, and the clear errors for those it refuses.</summary>
public sealed class LlavaNextLoaderTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("glimpse-llavanext-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string Variant(string source, Action<JsonObject>? editConfig = null, Func<string, string>? rename = null,
        Action<JsonObject>? editPreprocessor = null, string name = "variant")
    {
        string dir = Path.Combine(_work, name);
        Directory.CreateDirectory(dir);
        foreach (var file in Directory.GetFiles(source)) File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        if (rename is not null)
        {
            var weights = TorchSharp.PyBridge.Safetensors.LoadStateDict(Path.Combine(source, "model.safetensors"));
            TorchSharp.PyBridge.Safetensors.SaveStateDict(Path.Combine(dir, "model.safetensors"), weights.ToDictionary(kv => rename(kv.Key), kv => kv.Value));
            foreach (var t in weights.Values) t.Dispose();
        }
        void Edit(string file, Action<JsonObject>? edit)
        {
            if (edit is null) return;
            string path = Path.Combine(dir, file);
            var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            edit(json);
            File.WriteAllText(path, json.ToJsonString());
        }
        Edit("config.json", editConfig);
        Edit("preprocessor_config.json", editPreprocessor);
        return dir;
    }

    private static Tensor PromptLogits(VisionLanguageModel model, ReferenceSet reference)
    {
        using var pass = TeacherForcedPass.Run(model, reference.Ids("input_ids"), new ImageInput(reference["pixel_values"], ImageSize: new PixelSize(60, 20)));
        return pass.Logits[0].clone();
    }

    [Fact]
    public void NewKeyLayoutLoadsToTheSameModel()
    {
        using var reference = ReferenceSet.LlavaNext();
        string dir = Variant(reference.ModelDir, rename: k =>
            k.StartsWith("language_model.model.") ? "model.language_model." + k["language_model.model.".Length..]
            : k.StartsWith("language_model.lm_head.") ? k["language_model.".Length..]
            : "model." + k);
        using var model = ModelLoader.Load(dir);
        using var logits = PromptLogits(model, reference);
        TensorAssert.RelativeClose(reference["logits"], logits, 1e-4, "logits (new layout)");
    }

    [Fact]
    public void MistralTextModelLoadsWithItsTemplateAndWindow()
    {
        using var reference = ReferenceSet.LlavaNext();
        // llava-v1.6-mistral: sliding_window null, no biases; the same weights run the same decoder.
        string dir = Variant(reference.ModelDir, c =>
        {
            var text = c["text_config"]!.AsObject();
            text["model_type"] = "mistral";
            text["sliding_window"] = null;
            text["max_position_embeddings"] = 128;
        }, name: "mistral");
        var config = (LlavaNextConfig)ConfigReader.Read(dir);
        Assert.Equal("mistral", config.TextModelType);
        Assert.Equal(128, config.Text.MaxPositionEmbeddings);
        Assert.False(config.Text.QkvBias || config.Text.MlpBias);
        using (var model = ModelLoader.Load(dir))
        using (var logits = PromptLogits(model, reference))
            TensorAssert.RelativeClose(reference["logits"], logits, 1e-4, "logits (mistral text model)");
        var template = Assert.IsType<LlavaNextChatTemplate>(ModelFamilies.For("llava_next").ChatTemplate(config));
        Assert.True(template.Mistral);

        // A sliding window bounds the context: up to it the attention is plain causal.
        string windowed = Variant(reference.ModelDir, c =>
        {
            var text = c["text_config"]!.AsObject();
            text["model_type"] = "mistral";
            text["sliding_window"] = 100;
        }, name: "windowed");
        Assert.Equal(100, ConfigReader.Read(windowed).Text.MaxPositionEmbeddings);
    }

    [Theory]
    [InlineData("full", "vision_feature_select_strategy 'full'")]
    [InlineData("gemma", "text model_type 'gemma'")]
    [InlineData("pinpoint", "image_grid_pinpoints")]
    public void UnsupportedVariantsAreRefusedByName(string variant, string named)
    {
        using var reference = ReferenceSet.LlavaNext();
        string dir = Variant(reference.ModelDir, c =>
        {
            switch (variant)
            {
                case "full": c["vision_feature_select_strategy"] = "full"; break;
                case "gemma": c["text_config"]!["model_type"] = "gemma"; break;
                default: c["image_grid_pinpoints"] = new JsonArray(new JsonArray(32, 48)); break;
            }
        }, name: variant);
        var e = Assert.Throws<ModelLoadException>(() => ConfigReader.Read(dir));
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void AProcessorThatDisagreesWithTheModelOrRescalesTilesIsRefused()
    {
        using var reference = ReferenceSet.LlavaNext();
        string other = Variant(reference.ModelDir, editPreprocessor: p => p["image_grid_pinpoints"] = new JsonArray(new JsonArray(32, 64)), name: "pinpoints");
        var e = Assert.Throws<ModelLoadException>(() => VisionLanguageRuntime.Open(other));
        Assert.Contains("image_grid_pinpoints", e.Message);
        string rescaling = Variant(reference.ModelDir, editPreprocessor: p => p["size"] = new JsonObject { ["shortest_edge"] = 48 }, name: "rescale");
        var r = Assert.Throws<ModelLoadException>(() => VisionLanguageRuntime.Open(rescaling));
        Assert.Contains("shortest_edge 48", r.Message);
        // do_pad pads a batch's tile counts: with one image both settings give the same pixels.
        string noPad = Variant(reference.ModelDir, editPreprocessor: p => p["do_pad"] = false, name: "nopad");
        using var processed = ImageProcessorFactory.FromFolder(noPad, 8).Process(RgbImage.Load(reference.ImagePath));
        TensorAssert.AbsoluteClose(reference["pixel_values"][0], processed.PixelValues, 1e-5, "pixel_values (do_pad false)");
    }
}
