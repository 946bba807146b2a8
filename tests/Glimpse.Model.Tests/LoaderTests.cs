using Glimpse.Model.Families.Qwen25VL;
using Glimpse.Model.Families.Qwen3VL;
using Glimpse.Model.Families.Qwen2VL;
using Glimpse.Model.Families.Llava;
using System.Text.Json.Nodes;
using Glimpse.Model.Architectures;
using Glimpse.Model.Configuration;
using Glimpse.Model.Generation;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Glimpse.Model.Tests;

/// <summary>Model folders in every layout the loader accepts, and the clear errors for those it refuses.</summary>
public sealed class LoaderTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("glimpse-loader-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    /// <summary>Copies a tiny reference model and rewrites its weights with <paramref name="transform"/>.</summary>
    private string Variant(string source, Func<Dictionary<string, Tensor>, Dictionary<string, Tensor>>? transform = null,
        Action<JsonObject>? editConfig = null, string name = "variant")
    {
        string dir = Path.Combine(_work, name);
        Directory.CreateDirectory(dir);
        foreach (var file in Directory.GetFiles(source)) File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        if (transform is not null)
        {
            var weights = Safetensors.LoadStateDict(Path.Combine(source, "model.safetensors"));
            var rewritten = transform(weights);
            Safetensors.SaveStateDict(Path.Combine(dir, "model.safetensors"), rewritten);
            foreach (var t in weights.Values.Concat(rewritten.Values).Distinct<object>(ReferenceEqualityComparer.Instance)) ((Tensor)t).Dispose();
        }
        if (editConfig is not null)
        {
            string path = Path.Combine(dir, "config.json");
            var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            editConfig(json);
            File.WriteAllText(path, json.ToJsonString());
        }
        return dir;
    }

    private static Dictionary<string, Tensor> Rename(Dictionary<string, Tensor> w, Func<string, string> rename) =>
        w.ToDictionary(kv => rename(kv.Key), kv => kv.Value);

    private static Tensor PromptLogits(VisionLanguageModel model, ReferenceSet reference, ImageInput image)
    {
        using var pass = TeacherForcedPass.Run(model, reference.Ids("input_ids"), image);
        return pass.Logits[0].to(float32).clone();
    }

    [Fact]
    public void LlavaNewLayoutLoadsToTheSameModel()
    {
        using var reference = ReferenceSet.Llava();
        string dir = Variant(reference.ModelDir, w => Rename(w, k =>
            k.StartsWith("language_model.model.") ? "model.language_model." + k["language_model.model.".Length..]
            : k.StartsWith("language_model.lm_head.") ? k["language_model.".Length..]
            : "model." + k));
        using var model = ModelLoader.Load(dir);
        using var logits = PromptLogits(model, reference, new ImageInput(reference["pixel_values"]));
        TensorAssert.RelativeClose(reference["logits"], logits, 1e-4, "logits (new layout)");
    }

    [Fact]
    public void Qwen2VLNewLayoutLoadsToTheSameModel()
    {
        using var reference = ReferenceSet.Qwen2VL();
        string dir = Variant(reference.ModelDir, w => Rename(w, k =>
            k.StartsWith("visual.") ? "model." + k
            : k.StartsWith("model.") ? "model.language_model." + k["model.".Length..]
            : k));
        using var model = ModelLoader.Load(dir);
        var grid = reference["image_grid_thw"][0].data<long>().ToArray();
        using var logits = PromptLogits(model, reference, new ImageInput(reference["pixel_values"], grid));
        TensorAssert.RelativeClose(reference["logits"], logits, 1e-4, "logits (new layout)");
    }

    [Fact]
    public void Idefics3FilesWithoutTheModelPrefixLoadToTheSameModel()
    {
        using var reference = ReferenceSet.Idefics3();
        string dir = Variant(reference.ModelDir, w => Rename(w, k => k.StartsWith("model.") ? k["model.".Length..] : k));
        using var model = ModelLoader.Load(dir);
        Assert.IsType<Glimpse.Model.Families.Idefics3.Idefics3Model>(model);
        using var logits = PromptLogits(model, reference, new ImageInput(reference["pixel_values"][0]));
        TensorAssert.RelativeClose(reference["logits"], logits, 1e-4, "logits (no model. prefix)");
    }

    [Fact]
    public void Qwen25VLNewLayoutLoadsToTheSameModel()
    {
        using var reference = ReferenceSet.Qwen25VL();
        string dir = Variant(reference.ModelDir, w => Rename(w, k =>
            k.StartsWith("visual.") ? "model." + k
            : k.StartsWith("model.") ? "model.language_model." + k["model.".Length..]
            : k));
        using var model = ModelLoader.Load(dir);
        Assert.IsType<Qwen25VLModel>(model);
        var grid = reference["image_grid_thw"][0].data<long>().ToArray();
        using var logits = PromptLogits(model, reference, new ImageInput(reference["pixel_values"], grid));
        TensorAssert.RelativeClose(reference["logits"], logits, 1e-4, "logits (new layout)");
    }

    [Fact]
    public void Qwen25VLNestedTextConfigReadsTheSameDecoder()
    {
        // Newer transformers write the decoder fields under text_config with model_type qwen2_5_vl_text.
        using var reference = ReferenceSet.Qwen25VL();
        var flat = (Qwen25VLConfig)ConfigReader.Read(reference.ModelDir);
        string dir = Variant(reference.ModelDir, editConfig: json =>
        {
            var text = new JsonObject { ["model_type"] = "qwen2_5_vl_text" };
            foreach (var key in new[] { "hidden_size", "intermediate_size", "num_attention_heads", "num_hidden_layers", "num_key_value_heads",
                                         "rms_norm_eps", "rope_theta", "vocab_size", "max_position_embeddings", "tie_word_embeddings", "rope_scaling" })
            {
                text[key] = json[key]!.DeepClone();
                json.Remove(key);
            }
            // Newer files keep the special ids at the top and repeat them in text_config.
            text["bos_token_id"] = json["bos_token_id"]!.DeepClone();
            text["eos_token_id"] = json["eos_token_id"]!.DeepClone();
            json["text_config"] = text;
        });
        var nested = (Qwen25VLConfig)ConfigReader.Read(dir);
        // Records compare arrays by reference: compare those apart.
        Assert.Equal(flat.Text.EosTokenIds, nested.Text.EosTokenIds);
        long[] noEos = [];
        Assert.Equal(flat.Text with { EosTokenIds = noEos, MropeSection = null }, nested.Text with { EosTokenIds = noEos, MropeSection = null });
        Assert.Equal(flat.Text.MropeSection!, nested.Text.MropeSection!);
    }

    [Fact]
    public void Qwen25VLMergerWidthMustMatchTheDecoder()
    {
        using var reference = ReferenceSet.Qwen25VL();
        string dir = Variant(reference.ModelDir, editConfig: json => json["vision_config"]!["out_hidden_size"] = 32);
        var e = Assert.Throws<ModelLoadException>(() => ModelLoader.Load(dir));
        Assert.Contains("out_hidden_size", e.Message);
    }

    [Fact]
    public void Qwen3VLOldHubLayoutLoadsToTheSameModel()
    {
        // The tiny checkpoint is in the transformers ≥ 4.52 layout (model.visual.*, model.language_model.*); the older
        // Qwen hub layout (visual.*, model.*) maps onto the same modules.
        using var reference = ReferenceSet.Qwen3VL();
        string dir = Variant(reference.ModelDir, w => Rename(w, k =>
            k.StartsWith("model.visual.") ? k["model.".Length..]
            : k.StartsWith("model.language_model.") ? "model." + k["model.language_model.".Length..]
            : k));
        using var model = ModelLoader.Load(dir);
        Assert.IsType<Qwen3VLModel>(model);
        var grid = reference["image_grid_thw"][0].data<long>().ToArray();
        using var logits = PromptLogits(model, reference, new ImageInput(reference["pixel_values"], grid));
        TensorAssert.RelativeClose(reference["logits"], logits, 1e-4, "logits (old layout)");
    }

    [Theory]
    [InlineData("deepstack_visual_indexes", "[0, 3]", "deepstack_visual_indexes")]
    [InlineData("deepstack_visual_indexes", "[1, 1]", "deepstack_visual_indexes")]
    [InlineData("num_position_embeddings", "15", "not a square")]
    [InlineData("out_hidden_size", "32", "out_hidden_size")]
    public void Qwen3VLVisionConfigsItCannotRunAreRefused(string key, string value, string reason)
    {
        using var reference = ReferenceSet.Qwen3VL();
        string dir = Variant(reference.ModelDir, editConfig: json => json["vision_config"]![key] = JsonNode.Parse(value));
        var e = Assert.Throws<ModelLoadException>(() => ConfigReader.Read(dir));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void Qwen3VLTextDefaultsAreHuggingFaces()
    {
        using var reference = ReferenceSet.Qwen3VL();
        string dir = Variant(reference.ModelDir, editConfig: json =>
        {
            var text = json["text_config"]!.AsObject();
            foreach (var key in new[] { "head_dim", "rope_scaling", "rope_theta", "rms_norm_eps", "attention_bias", "num_key_value_heads" }) text.Remove(key);
            json.Remove("tie_word_embeddings");
        });
        var c = (Qwen3VLConfig)ConfigReader.Read(dir);
        Assert.Equal((128, 4, 5_000_000.0, 1e-6), (c.Text.HeadDim, c.Text.NumKeyValueHeads, c.Text.RopeTheta, c.Text.RmsNormEps));
        Assert.Equal([24, 20, 20], c.Text.MropeSection!);
        Assert.False(c.Text.QkvBias);
        Assert.False(c.Text.TieWordEmbeddings);
        // attention_bias puts a bias on all four projections, as in Qwen3.
        string biased = Variant(reference.ModelDir, editConfig: json => json["text_config"]!["attention_bias"] = true, name: "biased");
        var b = (Qwen3VLConfig)ConfigReader.Read(biased);
        Assert.True(b.Text.QkvBias && b.Text.OutputBias);
    }

    [Fact]
    public void Qwen3VLTakesTheFastProcessorNameButRefusesItsResizeOnlyOptions()
    {
        using var reference = ReferenceSet.Qwen3VL();
        var config = ConfigReader.Read(reference.ModelDir);
        var family = new Qwen3VLFamily();
        string Edit(string name, Action<JsonObject> edit)
        {
            string dir = Variant(reference.ModelDir, name: name);
            string path = Path.Combine(dir, "preprocessor_config.json");
            var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            json["image_processor_type"] = Qwen3VLFamily.FastProcessorType;
            edit(json);
            File.WriteAllText(path, json.ToJsonString());
            return dir;
        }
        var fast = family.CreateImageProcessor(Edit("fast", _ => { }), config);
        using (var image = fast.Process(Glimpse.Core.Images.RgbImage.Load(reference.ImagePath)))
            TensorAssert.AbsoluteClose(reference["pixel_values"], image.PixelValues, 1e-5, "pixel_values (fast name)");
        var e = Assert.Throws<NotSupportedException>(() => family.CreateImageProcessor(Edit("antialias", j => j["antialias"] = false), config));
        Assert.Contains("antialias", e.Message);
        e = Assert.Throws<NotSupportedException>(() => family.CreateImageProcessor(Edit("interpolation", j => j["interpolation"] = 3), config));
        Assert.Contains("interpolation", e.Message);
        var wrong = Assert.Throws<InvalidDataException>(() => family.CreateImageProcessor(Edit("clip", j => j["image_processor_type"] = "CLIPImageProcessor"), config));
        Assert.Contains("Qwen2VLImageProcessor", wrong.Message);
    }

    [Fact]
    public void ShardedCheckpointLoads()
    {
        using var reference = ReferenceSet.Llava();
        string dir = Variant(reference.ModelDir, name: "sharded");
        string single = Path.Combine(dir, "model.safetensors");
        var weights = Safetensors.LoadStateDict(single);
        File.Delete(single);
        var keys = weights.Keys.Order(StringComparer.Ordinal).ToList();
        var map = new JsonObject();
        for (int shard = 0; shard < 2; shard++)
        {
            string file = $"model-0000{shard + 1}-of-00002.safetensors";
            var part = keys.Where((_, i) => i % 2 == shard).ToDictionary(k => k, k => weights[k]);
            Safetensors.SaveStateDict(Path.Combine(dir, file), part);
            foreach (var k in part.Keys) map[k] = file;
        }
        foreach (var t in weights.Values) t.Dispose();
        File.WriteAllText(Path.Combine(dir, "model.safetensors.index.json"), new JsonObject { ["weight_map"] = map }.ToJsonString());

        using (var model = ModelLoader.Load(dir))
        using (var logits = PromptLogits(model, reference, new ImageInput(reference["pixel_values"])))
            TensorAssert.RelativeClose(reference["logits"], logits, 1e-4, "logits (sharded)");

        File.Delete(Path.Combine(dir, "model-00002-of-00002.safetensors"));
        var error = Assert.Throws<ModelLoadException>(() => ModelLoader.Load(dir));
        Assert.Contains("model-00002-of-00002.safetensors", error.Message);
    }

    [Theory]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    public void HalfPrecisionWeightsLoadIntoFloat32(ScalarType stored)
    {
        using var reference = ReferenceSet.Llava();
        string dir = Variant(reference.ModelDir, w => w.ToDictionary(kv => kv.Key, kv => kv.Value.to(stored)), name: stored.ToString());
        using var model = ModelLoader.Load(dir);
        Assert.Equal(ScalarType.Float32, model.DType);
        using var logits = PromptLogits(model, reference, new ImageInput(reference["pixel_values"]));
        // Rounding the weights to 8–11 bits moves the logits by far more than 1e-4, but stays close.
        TensorAssert.RelativeClose(reference["logits"], logits, stored == ScalarType.BFloat16 ? 0.1 : 0.02, $"logits ({stored} weights)");
    }

    [Fact]
    public void TiedEmbeddingsReadTheEmbeddingMatrix()
    {
        using var reference = ReferenceSet.Llava();
        string dir = Variant(reference.ModelDir,
            w => w.Where(kv => kv.Key != "language_model.lm_head.weight").ToDictionary(),
            json => json["text_config"]!["tie_word_embeddings"] = true);
        using var model = ModelLoader.Load(dir);
        Assert.True(model.Config.Text.TieWordEmbeddings);
        using var scope = NewDisposeScope();
        using var pass = TeacherForcedPass.Run(model, reference.Ids("input_ids"), new ImageInput(reference["pixel_values"]), new() { KeepHiddenStates = true });
        var expected = pass.HiddenStates[^1][0].matmul(model.LanguageModel.EmbeddingWeight.T);
        TensorAssert.RelativeClose(expected, pass.Logits[0], 1e-6, "tied logits");
    }

    [Fact]
    public void MissingConfigNamesTheFile()
    {
        using var reference = ReferenceSet.Llava();
        string dir = Variant(reference.ModelDir, name: "noconfig");
        File.Delete(Path.Combine(dir, "config.json"));
        var e = Assert.Throws<ModelLoadException>(() => ModelLoader.Load(dir));
        Assert.Contains("config.json", e.Message);
    }

    [Fact]
    public void MissingWeightsNameTheExpectedFiles()
    {
        using var reference = ReferenceSet.Llava();
        string dir = Variant(reference.ModelDir, name: "noweights");
        File.Delete(Path.Combine(dir, "model.safetensors"));
        var e = Assert.Throws<ModelLoadException>(() => ModelLoader.Load(dir));
        Assert.Contains("model.safetensors", e.Message);
    }

    [Fact]
    public void WrongShapeIsRefusedBeforeAnyMatmul()
    {
        using var reference = ReferenceSet.Llava();
        string dir = Variant(reference.ModelDir, editConfig: json => json["text_config"]!["intermediate_size"] = 96);
        var e = Assert.Throws<ModelLoadException>(() => ModelLoader.Load(dir));
        Assert.Matches(@"mlp\.(gate|up|down)_proj\.weight. has shape \[\d+, \d+\], but the config implies", e.Message);
    }

    [Fact]
    public void MissingTensorIsNamed()
    {
        using var reference = ReferenceSet.Qwen2VL();
        string dir = Variant(reference.ModelDir, w => w.Where(kv => kv.Key != "model.norm.weight").ToDictionary());
        var e = Assert.Throws<ModelLoadException>(() => ModelLoader.Load(dir));
        Assert.Contains("language_model.norm.weight", e.Message);
    }

    [Fact]
    public void UnknownModelTypeIsNamed()
    {
        using var reference = ReferenceSet.Llava();
        string dir = Variant(reference.ModelDir, editConfig: json => json["model_type"] = "mystery_vlm");
        var e = Assert.Throws<ModelLoadException>(() => ModelLoader.Load(dir));
        Assert.Contains("mystery_vlm", e.Message);
        Assert.Contains("config.json", e.Message);
        Assert.Contains("qwen2_5_vl", e.Message);   // the supported list names every family
    }

    [Fact]
    public void ConfigDefaultsAreHuggingFaces()
    {
        using var reference = ReferenceSet.Llava();
        var llava = (LlavaConfig)ConfigReader.Read(reference.ModelDir);
        // Absent from config.json, filled as transformers does.
        Assert.Equal(10000.0, llava.Text.RopeTheta);
        Assert.Equal("silu", llava.Text.HiddenAct);
        Assert.False(llava.Text.TieWordEmbeddings);
        Assert.Equal("quick_gelu", llava.Vision.HiddenAct);
        Assert.Equal(1e-5, llava.Vision.LayerNormEps);
        Assert.Equal(3, llava.Vision.NumChannels);
        Assert.Equal(1e-5, llava.Text.RmsNormEps);   // present in this file
        using var qwenRef = ReferenceSet.Qwen2VL();
        var qwen = (Qwen2VLConfig)ConfigReader.Read(qwenRef.ModelDir);
        Assert.Equal(14, qwen.Vision.PatchSize);
        Assert.Equal(2, qwen.Vision.SpatialMergeSize);
        Assert.Equal(2, qwen.Vision.TemporalPatchSize);
        Assert.Equal("quick_gelu", qwen.Vision.HiddenAct);
        Assert.Equal([2, 3, 3], qwen.Text.MropeSection!);
        Assert.True(qwen.Text.QkvBias);

        string dir = Variant(reference.ModelDir, editConfig: json => json["text_config"]!.AsObject().Remove("rms_norm_eps"), name: "eps");
        Assert.Equal(1e-6, ConfigReader.Read(dir).Text.RmsNormEps);   // Llama's own default
    }
}
