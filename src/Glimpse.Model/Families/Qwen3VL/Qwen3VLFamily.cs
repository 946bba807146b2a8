using Glimpse.Model.Architectures;
using Glimpse.Model.Configuration;
using Glimpse.Model.Families.Qwen2VL;
using Glimpse.Model.Loading;
using Glimpse.Model.Processing;
using Glimpse.Model.Text;

namespace Glimpse.Model.Families.Qwen3VL;

/// <summary>
/// Qwen3-VL (<c>qwen3_vl</c>): a ViT with a learned interpolated position grid, LayerNorm/GELU blocks, a 2×2 merger and
/// DeepStack mergers whose features are added to the image rows of the first decoder layers; a Qwen3 decoder with
/// q/k norms and interleaved M-RoPE; Qwen2-VL's image processor (patch 16) and weight layout; still images.
/// </summary>
public sealed class Qwen3VLFamily : ModelFamily<Qwen3VLConfig>
{
    /// <summary>The processor real Qwen3-VL checkpoints name: the slow one's algorithm with a torchvision resize.</summary>
    public const string FastProcessorType = "Qwen2VLImageProcessorFast";

    public override string ModelType => "qwen3_vl";
    public override string Description =>
        "Qwen3-VL (ViT with interpolated learned positions + 2-D rotary, 2×2 merger, DeepStack into the first decoder layers, Qwen3 decoder with interleaved M-RoPE)";

    public override WeightNames WeightNames => Qwen2VLFamily.QwenWeightNames;

    /// <summary>Defaults are those of transformers 4.57's Qwen3VLConfig, Qwen3VLVisionConfig and Qwen3VLTextConfig.</summary>
    internal override VisionLanguageConfig ReadConfig(JsonConfig json, string modelDir)
    {
        var vision = json.Section("vision_config") ?? JsonConfig.Empty(json, "vision_config");
        var text = json.Section("text_config") ?? JsonConfig.Empty(json, "text_config");
        // Qwen3VLConfig's own tie_word_embeddings (default false) is the one Hugging Face ties by, not text_config's.
        var decoder = DecoderConfigReader.Read(text, "qwen3_vl_text", json.File) with { TieWordEmbeddings = json.Bool("tie_word_embeddings", false) };
        if (decoder.ModelType != "qwen3")
            throw new ModelLoadException($"{json.File}: text_config.model_type must be qwen3_vl_text for Qwen3-VL.");
        var config = new Qwen3VLConfig
        {
            ModelType = ModelType,
            Directory = modelDir,
            Text = decoder,
            Vision = new Qwen3VisionConfig
            {
                Depth = vision.Int("depth", 27),
                HiddenSize = vision.Int("hidden_size", 1152),
                HiddenAct = vision.String("hidden_act", "gelu_pytorch_tanh"),
                IntermediateSize = vision.Int("intermediate_size", 4304),
                NumHeads = vision.Int("num_heads", 16),
                InChannels = vision.Int("in_channels", 3),
                PatchSize = vision.Int("patch_size", 16),
                SpatialMergeSize = vision.Int("spatial_merge_size", 2),
                TemporalPatchSize = vision.Int("temporal_patch_size", 2),
                OutHiddenSize = vision.Int("out_hidden_size", 3584),
                NumPositionEmbeddings = vision.Int("num_position_embeddings", 2304),
                DeepstackVisualIndexes = vision.LongList("deepstack_visual_indexes", [8, 16, 24]).Select(x => (int)x).ToArray(),
            },
            ImageTokenId = json.Long("image_token_id", 151655),
            VisionStartTokenId = json.Long("vision_start_token_id", 151652),
            VisionEndTokenId = json.Long("vision_end_token_id", 151653),
            VideoTokenId = json.Long("video_token_id", 151656),
        };
        var v = config.Vision;
        if (v.HiddenSize % v.NumHeads != 0)
            throw new ModelLoadException($"{json.File}: vision_config.hidden_size {v.HiddenSize} is not a multiple of num_heads {v.NumHeads}.");
        int side = (int)Math.Sqrt(v.NumPositionEmbeddings);
        if (side * side != v.NumPositionEmbeddings)
            throw new ModelLoadException($"{json.File}: vision_config.num_position_embeddings {v.NumPositionEmbeddings} is not a square (a learned grid).");
        if (v.OutHiddenSize != decoder.HiddenSize)
            throw new ModelLoadException(
                $"{json.File}: vision_config.out_hidden_size {v.OutHiddenSize} differs from the language model's hidden_size {decoder.HiddenSize}.");
        var ds = v.DeepstackVisualIndexes;
        if (ds.Any(b => b < 0 || b >= v.Depth) || ds.Distinct().Count() != ds.Length)
            throw new ModelLoadException(
                $"{json.File}: vision_config.deepstack_visual_indexes [{string.Join(", ", ds)}] must name distinct blocks of the {v.Depth}-block tower.");
        if (ds.Length > decoder.NumLayers)
            throw new ModelLoadException(
                $"{json.File}: {ds.Length} DeepStack features for a decoder of {decoder.NumLayers} layers (feature k is added after layer k).");
        return config;
    }

    protected override VisionLanguageModel CreateModel(Qwen3VLConfig config) => new Qwen3VLModel(config);

    public override IChatTemplate ChatTemplate(long? imageTokenId) => new Qwen3VLChatTemplate(imageTokenId);

    /// <summary>
    /// Qwen2-VL's processor. Checkpoints that name the fast processor get the slow one's PIL-exact pixels: the same
    /// pixel_values when the image needs no resize, a slightly different bicubic resize otherwise. Options only the fast
    /// processor has that would change the pixels further are refused.
    /// </summary>
    protected override IImageProcessor CreateImageProcessor(string modelDir, Qwen3VLConfig config)
    {
        var file = PreprocessorConfig.Load(Path.Combine(modelDir, PreprocessorConfig.FileName));
        string? type = file.String("image_processor_type");
        if (type == FastProcessorType)
        {
            if (file.Has("interpolation"))
                throw new NotSupportedException($"{file.Location}: 'interpolation' (a torchvision resize mode of {FastProcessorType}) is not supported; " +
                                                "Glimpse resizes with PIL's filter named by 'resample'.");
            if (!file.Bool("antialias", true))
                throw new NotSupportedException($"{file.Location}: 'antialias: false' (a torchvision resize option of {FastProcessorType}) is not supported; " +
                                                "Glimpse's PIL resize always antialiases.");
        }
        else if (type != "Qwen2VLImageProcessor")
            throw new InvalidDataException($"{file.Location}: image_processor_type {(type is null ? "is missing" : $"'{type}' is not supported")}; " +
                                           $"Qwen3-VL uses Qwen2VLImageProcessor or {FastProcessorType}.");
        var options = Qwen2VLImageProcessorOptions.FromConfig(file);
        if (options.PatchSize != config.VisionPatchSize)
            throw new InvalidDataException($"{file.Location}: patch_size {options.PatchSize} disagrees with the vision tower's patch size {config.VisionPatchSize}.");
        if (options.MergeSize != config.SpatialMergeSize || options.TemporalPatchSize != config.Vision.TemporalPatchSize)
            throw new InvalidDataException($"{file.Location}: merge_size {options.MergeSize} / temporal_patch_size {options.TemporalPatchSize} disagree with the " +
                                           $"vision tower's {config.SpatialMergeSize} / {config.Vision.TemporalPatchSize}.");
        return new Qwen2VLImageProcessor(options);
    }

    protected override IEnumerable<(string Name, string Value)> Describe(Qwen3VLConfig config)
    {
        var v = config.Vision;
        int unit = v.PatchSize * v.SpatialMergeSize, side = (int)Math.Sqrt(v.NumPositionEmbeddings);
        yield return ("vision", $"ViT: depth {v.Depth}, width {v.HiddenSize}, {v.NumHeads} heads, MLP {v.IntermediateSize}, patch {v.PatchSize}, " +
                                $"merge {v.SpatialMergeSize}, learned {side}×{side} position grid (interpolated)");
        yield return ("deepstack", $"blocks [{string.Join(", ", v.DeepstackVisualIndexes)}] → added to the image tokens after decoder layers " +
                                   $"[{string.Join(", ", Enumerable.Range(0, v.DeepstackVisualIndexes.Length))}]");
        yield return ("image tokens", $"one grid, dynamic: one per {unit}×{unit} pixels of the resized image, (H/{unit})×(W/{unit}) (token id {config.ImageTokenId})");
    }
}
