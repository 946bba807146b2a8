using Glimpse.Model.Architectures;
using Glimpse.Model.Configuration;
using Glimpse.Model.Families.Qwen2VL;
using Glimpse.Model.Loading;
using Glimpse.Model.Processing;
using Glimpse.Model.Text;

namespace Glimpse.Model.Families.Qwen25VL;

/// <summary>
/// Qwen2.5-VL (<c>qwen2_5_vl</c>): a window-attention ViT with RMSNorm and SwiGLU blocks and a 2×2 merger, and Qwen2-VL's
/// decoder, positions, chat template, image processor and weight layout; still images.
/// </summary>
public sealed class Qwen25VLFamily : ModelFamily<Qwen25VLConfig>
{
    public override string ModelType => "qwen2_5_vl";
    public override string Description => "Qwen2.5-VL (window-attention ViT with 2-D rotary, RMSNorm/SwiGLU blocks + 2×2 merger, Qwen2 decoder with M-RoPE)";

    /// <summary>Qwen2.5-VL's processor class runs Qwen2-VL's algorithm unchanged.</summary>
    internal override IReadOnlyDictionary<string, ImageProcessorBuilder> ImageProcessors { get; } =
        new Dictionary<string, ImageProcessorBuilder> { ["Qwen2_5_VLImageProcessor"] = Qwen2VLFamily.QwenImageProcessor };

    public override WeightNames WeightNames => Qwen2VLFamily.QwenWeightNames;

    /// <summary>Defaults are those of transformers 4.49's Qwen2_5_VLConfig and Qwen2_5_VLVisionConfig.</summary>
    internal override VisionLanguageConfig ReadConfig(JsonConfig json, string modelDir)
    {
        var vision = json.Section("vision_config") ?? JsonConfig.Empty(json, "vision_config");
        var decoder = Qwen2VLFamily.ReadQwenDecoder(json, ModelType);
        var config = new Qwen25VLConfig
        {
            ModelType = ModelType,
            Directory = modelDir,
            Text = decoder,
            Vision = new Qwen25VisionConfig
            {
                Depth = vision.Int("depth", 32),
                HiddenSize = vision.Int("hidden_size", 3584),
                IntermediateSize = vision.Int("intermediate_size", 3420),
                NumHeads = vision.Int("num_heads", 16),
                HiddenAct = vision.String("hidden_act", "silu"),
                PatchSize = vision.Int("patch_size", 14),
                TemporalPatchSize = vision.Int("temporal_patch_size", 2),
                SpatialMergeSize = vision.Int("spatial_merge_size", 2),
                InChannels = vision.Int("in_channels", 3),
                WindowSize = vision.Int("window_size", 112),
                OutHiddenSize = vision.Int("out_hidden_size", 3584),
                FullAttentionBlocks = vision.LongList("fullatt_block_indexes", [7, 15, 23, 31]).Select(x => (int)x).ToArray(),
                TokensPerSecond = vision.Double("tokens_per_second", 4),
            },
            ImageTokenId = json.Long("image_token_id", 151655),
            VisionStartTokenId = json.Long("vision_start_token_id", 151652),
            VisionEndTokenId = json.Long("vision_end_token_id", 151653),
            VideoTokenId = json.Long("video_token_id", 151656),
        };
        var v = config.Vision;
        if (v.HiddenSize % v.NumHeads != 0)
            throw new ModelLoadException($"{json.File}: vision_config.hidden_size {v.HiddenSize} is not a multiple of num_heads {v.NumHeads}.");
        if (v.WindowUnits < 1)
            throw new ModelLoadException(
                $"{json.File}: vision_config.window_size {v.WindowSize} is smaller than one merge unit ({v.SpatialMergeSize}×{v.PatchSize} px).");
        if (v.OutHiddenSize != decoder.HiddenSize)
            throw new ModelLoadException(
                $"{json.File}: vision_config.out_hidden_size {v.OutHiddenSize} differs from the language model's hidden_size {decoder.HiddenSize}.");
        return config;
    }

    protected override VisionLanguageModel CreateModel(Qwen25VLConfig config) => new Qwen25VLModel(config);

    public override IChatTemplate ChatTemplate(long? imageTokenId) => new Qwen2VLChatTemplate(imageTokenId);

    protected override IImageProcessor CreateImageProcessor(string modelDir, Qwen25VLConfig config) =>
        Qwen2VLFamily.CreateQwenImageProcessor(modelDir, config.VisionPatchSize);

    protected override IEnumerable<(string Name, string Value)> Describe(Qwen25VLConfig config)
    {
        var v = config.Vision;
        int unit = v.PatchSize * v.SpatialMergeSize;
        yield return ("vision", $"ViT: depth {v.Depth}, width {v.HiddenSize}, {v.NumHeads} heads, MLP {v.IntermediateSize}, patch {v.PatchSize}, " +
                                $"merge {v.SpatialMergeSize}, window {v.WindowSize} px, full attention in blocks [{string.Join(", ", v.FullAttentionBlocks)}]");
        yield return ("image tokens", $"one grid, dynamic: one per {unit}×{unit} pixels of the resized image, (H/{unit})×(W/{unit}) (token id {config.ImageTokenId})");
    }
}
