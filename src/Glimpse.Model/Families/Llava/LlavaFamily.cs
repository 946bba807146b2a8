using Glimpse.Core.Images;
using Glimpse.Model.Architectures;
using Glimpse.Model.Configuration;
using Glimpse.Model.Loading;
using Glimpse.Model.Processing;
using Glimpse.Model.Text;

namespace Glimpse.Model.Families.Llava;

/// <summary>LLaVA-1.5 (<c>llava</c>): CLIP vision tower, two-layer projector, Llama decoder; one image, one grid.</summary>
public sealed class LlavaFamily : ModelFamily<LlavaConfig>
{
    public override string ModelType => "llava";
    public override string Description => "LLaVA-1.5 (CLIP vision tower, MLP projector, Llama decoder)";

    /// <summary>Old CLIP checkpoints name a feature extractor instead of an image processor.</summary>
    internal override IReadOnlyDictionary<string, ImageProcessorBuilder> ImageProcessors { get; } = new Dictionary<string, ImageProcessorBuilder>
    {
        ["CLIPImageProcessor"] = Clip, ["LlavaImageProcessor"] = Clip, ["CLIPFeatureExtractor"] = Clip,
    };

    private static IImageProcessor Clip(PreprocessorConfig config, int patchSize, int scaleFactor) =>
        new ClipImageProcessor(ClipImageProcessorOptions.FromConfig(config), patchSize);

    public override WeightNames WeightNames { get; } = new(KeyRules);

    /// <summary>Old hub files nest the decoder as language_model.model.*; files saved by transformers ≥ 4.52 use model.*.
    /// Shared with the families built on LLaVA.</summary>
    internal static IReadOnlyList<(string Pattern, string Replacement)> KeyRules { get; } =
    [
        (@"^language_model\.model\.", "language_model."),
        (@"^language_model\.lm_head\.", "lm_head."),
        (@"^model\.language_model\.", "language_model."),
        (@"^model\.vision_tower\.", "vision_tower."),
        (@"^model\.multi_modal_projector\.", "multi_modal_projector."),
    ];

    /// <summary>Defaults are those of transformers 4.47's LlavaConfig (save_pretrained leaves them out).</summary>
    internal override VisionLanguageConfig ReadConfig(JsonConfig json, string modelDir)
    {
        var text = json.Section("text_config");
        string strategy = json.String("vision_feature_select_strategy", "default");
        if (strategy is not ("default" or "full"))
            throw new ModelLoadException($"{json.File}: vision_feature_select_strategy '{strategy}' is neither 'default' nor 'full'.");
        return new LlavaConfig
        {
            ModelType = ModelType,
            Directory = modelDir,
            // LlavaConfig's text default is a Llama config; the decoder's own tie flag is the one transformers 4.47 uses.
            Text = DecoderConfigReader.Read(text ?? JsonConfig.Empty(json, "text_config"), "llama", json.File),
            Vision = ReadClip(json.Section("vision_config"), json.File),
            ImageTokenId = json.Long("image_token_index", json.Long("image_token_id", 32000)),
            ImageSeqLength = json.Int("image_seq_length", 576),
            VisionFeatureLayers = json.LongList("vision_feature_layer", [-2]).Select(x => (int)x).ToArray(),
            VisionFeatureSelectStrategy = strategy,
            ProjectorHiddenAct = json.String("projector_hidden_act", "gelu"),
            ProjectorBias = json.Bool("multimodal_projector_bias", true),
        };
    }

    /// <summary>CLIP's vision config; shared with the families that put a CLIP tower in front of their decoder.</summary>
    internal static ClipVisionConfig ReadClip(JsonConfig? vision, string file)
    {
        // LlavaConfig builds CLIPVisionConfig(intermediate 4096, hidden 1024, patch 14, image 336, layers 24, heads 16,
        // vocab 32000, projection_dim 768) when vision_config is absent; CLIP's own class defaults apply to absent keys.
        if (vision is null)
            return new ClipVisionConfig
            {
                HiddenSize = 1024, IntermediateSize = 4096, NumLayers = 24, NumHeads = 16, ImageSize = 336, PatchSize = 14,
                NumChannels = 3, LayerNormEps = 1e-5, HiddenAct = "quick_gelu",
            };
        string type = vision.String("model_type", "clip_vision_model");
        if (type != "clip_vision_model")
            throw new ModelLoadException($"{file}: vision_config.model_type '{type}' is not supported for LLaVA (clip_vision_model is).");
        return new ClipVisionConfig
        {
            HiddenSize = vision.Int("hidden_size", 768),
            IntermediateSize = vision.Int("intermediate_size", 3072),
            NumLayers = vision.Int("num_hidden_layers", 12),
            NumHeads = vision.Int("num_attention_heads", 12),
            ImageSize = vision.Int("image_size", 224),
            PatchSize = vision.Int("patch_size", 32),
            NumChannels = vision.Int("num_channels", 3),
            LayerNormEps = vision.Double("layer_norm_eps", 1e-5),
            HiddenAct = vision.String("hidden_act", "quick_gelu"),
        };
    }

    protected override VisionLanguageModel CreateModel(LlavaConfig config) => new LlavaModel(config);

    public override IChatTemplate ChatTemplate(long? imageTokenId) => new LlavaChatTemplate(imageTokenId);

    protected override IImageProcessor CreateImageProcessor(string modelDir, LlavaConfig config) =>
        ImageProcessorFactory.FromFolder(modelDir, config.VisionPatchSize) as ClipImageProcessor
        ?? throw new InvalidDataException($"{Path.Combine(modelDir, PreprocessorConfig.FileName)}: LLaVA needs a CLIP image processor (CLIPImageProcessor or LlavaImageProcessor).");

    /// <summary>With "full" the CLS feature is kept: one more image token, first in the sequence, in no cell.</summary>
    protected override ImageTokenLayout ImageTokens(ProcessedImage image, LlavaConfig config) =>
        config.VisionFeatureSelectStrategy == "full" ? image.Layout.WithLeadingUnplaced(1) : image.Layout;

    protected override IEnumerable<(string Name, string Value)> Describe(LlavaConfig config)
    {
        var v = config.Vision;
        int side = v.PatchesPerSide;
        yield return ("vision", $"CLIP: {v.NumLayers} layers, hidden {v.HiddenSize}, image {v.ImageSize}, patch {v.PatchSize}; " +
                                $"feature layer [{string.Join(", ", config.VisionFeatureLayers)}], strategy {config.VisionFeatureSelectStrategy}");
        yield return ("image tokens", $"one grid of {side}×{side} = {side * side}" +
                                      $"{(config.VisionFeatureSelectStrategy == "full" ? ", after the CLS token (no cell)" : "")} (token id {config.ImageTokenId})");
    }
}
