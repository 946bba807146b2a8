using Glimpse.Model.Architectures;
using Glimpse.Model.Configuration;
using Glimpse.Model.Loading;
using Glimpse.Model.Processing;
using Glimpse.Model.Text;

namespace Glimpse.Model.Families.Qwen2VL;

/// <summary>Qwen2-VL (<c>qwen2_vl</c>): ViT with 2-D rotary and a 2×2 merger, Qwen2 decoder with M-RoPE; still images.</summary>
public sealed class Qwen2VLFamily : ModelFamily<Qwen2VLConfig>
{
    public override string ModelType => "qwen2_vl";
    public override string Description => "Qwen2-VL (ViT with 2-D rotary + 2×2 merger, Qwen2 decoder with M-RoPE)";

    internal override IReadOnlyDictionary<string, ImageProcessorBuilder> ImageProcessors { get; } =
        new Dictionary<string, ImageProcessorBuilder> { ["Qwen2VLImageProcessor"] = QwenImageProcessor };

    /// <summary>Qwen2-VL's processor, which the later Qwen families' processor classes run unchanged.</summary>
    internal static IImageProcessor QwenImageProcessor(PreprocessorConfig config, int patchSize, int scaleFactor)
    {
        var options = Qwen2VLImageProcessorOptions.FromConfig(config);
        if (options.PatchSize != patchSize)
            throw new InvalidDataException($"{config.Location}: patch_size {options.PatchSize} disagrees with the vision tower's patch size {patchSize}.");
        return new Qwen2VLImageProcessor(options);
    }

    /// <summary>Hub files name the decoder model.* and the tower visual.*; transformers ≥ 4.52 nests both under model.</summary>
    public override WeightNames WeightNames { get; } = QwenWeightNames;

    /// <summary>The key layout every Qwen vision-language family shares.</summary>
    internal static WeightNames QwenWeightNames { get; } = new(
    [
        (@"^model\.visual\.", "visual."),
        (@"^model\.language_model\.", "language_model."),
        (@"^model\.", "language_model."),
    ]);

    /// <summary>Defaults are those of transformers 4.47's Qwen2VLConfig and Qwen2VLVisionConfig.</summary>
    internal override VisionLanguageConfig ReadConfig(JsonConfig json, string modelDir)
    {
        var vision = json.Section("vision_config") ?? JsonConfig.Empty(json, "vision_config");
        return new Qwen2VLConfig
        {
            ModelType = ModelType,
            Directory = modelDir,
            Text = ReadQwenDecoder(json, ModelType),
            Vision = new Qwen2VisionConfig
            {
                Depth = vision.Int("depth", 32),
                EmbedDim = vision.Int("embed_dim", 1280),
                NumHeads = vision.Int("num_heads", 16),
                MlpRatio = vision.Double("mlp_ratio", 4),
                OutputHiddenSize = vision.Int("hidden_size", 3584),
                PatchSize = vision.Int("patch_size", 14),
                TemporalPatchSize = vision.Int("temporal_patch_size", 2),
                SpatialMergeSize = vision.Int("spatial_merge_size", 2),
                InChannels = vision.Int("in_channels", 3),
                HiddenAct = vision.String("hidden_act", "quick_gelu"),
            },
            ImageTokenId = json.Long("image_token_id", 151655),
            VisionStartTokenId = json.Long("vision_start_token_id", 151652),
            VisionEndTokenId = json.Long("vision_end_token_id", 151653),
            VideoTokenId = json.Long("video_token_id", 151656),
        };
    }

    /// <summary>Hub configs are flat (text fields at the top level); newer ones nest them under text_config.</summary>
    internal static TextDecoderConfig ReadQwenDecoder(JsonConfig json, string modelType) =>
        DecoderConfigReader.Read(json.Section("text_config") ?? json, modelType, json.File);

    protected override VisionLanguageModel CreateModel(Qwen2VLConfig config) => new Qwen2VLModel(config);

    public override IChatTemplate ChatTemplate(long? imageTokenId) => new Qwen2VLChatTemplate(imageTokenId);

    protected override IImageProcessor CreateImageProcessor(string modelDir, Qwen2VLConfig config) => CreateQwenImageProcessor(modelDir, config.VisionPatchSize);

    /// <summary>The Qwen2-VL processor, which the later Qwen families reuse.</summary>
    internal static Qwen2VLImageProcessor CreateQwenImageProcessor(string modelDir, int patchSize) =>
        ImageProcessorFactory.FromFolder(modelDir, patchSize) as Qwen2VLImageProcessor
        ?? throw new InvalidDataException($"{Path.Combine(modelDir, PreprocessorConfig.FileName)}: a Qwen vision-language model needs Qwen2VLImageProcessor.");

    protected override IEnumerable<(string Name, string Value)> Describe(Qwen2VLConfig config)
    {
        var v = config.Vision;
        int unit = v.PatchSize * v.SpatialMergeSize;
        yield return ("vision", $"ViT: depth {v.Depth}, width {v.EmbedDim}, {v.NumHeads} heads, patch {v.PatchSize}, merge {v.SpatialMergeSize}");
        yield return ("image tokens", $"one grid, dynamic: one per {unit}×{unit} pixels of the resized image, (H/{unit})×(W/{unit}) (token id {config.ImageTokenId})");
    }
}
