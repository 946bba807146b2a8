using Glimpse.Core.Images;
using Glimpse.Model.Architectures;
using Glimpse.Model.Configuration;
using Glimpse.Model.Families.Llava;
using Glimpse.Model.Loading;
using Glimpse.Model.Processing;
using Glimpse.Model.Text;

namespace Glimpse.Model.Families.LlavaNext;

/// <summary>
/// LLaVA-NeXT / LLaVA-1.6 (<c>llava_next</c>): LLaVA's CLIP tower and projector over AnyRes tiles plus a base image,
/// Llama (vicuna) or Mistral decoder; one image, two token grids (base and high-res) and one newline token per row.
/// </summary>
public sealed class LlavaNextFamily : ModelFamily<LlavaNextConfig>
{
    public override string ModelType => "llava_next";
    public override string Description => "LLaVA-NeXT / LLaVA-1.6 (CLIP on AnyRes tiles + base image, MLP projector, Llama or Mistral decoder)";

    internal override IReadOnlyDictionary<string, ImageProcessorBuilder> ImageProcessors { get; } = new Dictionary<string, ImageProcessorBuilder>
    {
        ["LlavaNextImageProcessor"] = (config, patchSize, _) => new LlavaNextImageProcessor(ClipImageProcessorOptions.FromConfig(config),
            config.HeightWidthPairs("image_grid_pinpoints") ?? AnyResolution.DefaultPinpoints, patchSize),
    };

    /// <summary>LLaVA's key layouts, plus the newline embedding, which transformers ≥ 4.52 saves as model.image_newline.</summary>
    public override WeightNames WeightNames { get; } = new([.. LlavaFamily.KeyRules, (@"^model\.image_newline$", "image_newline")]);

    /// <summary>Defaults are those of transformers 4.47's LlavaNextConfig (save_pretrained leaves them out).</summary>
    internal override VisionLanguageConfig ReadConfig(JsonConfig json, string modelDir)
    {
        var text = json.Section("text_config") ?? JsonConfig.Empty(json, "text_config");
        string strategy = json.String("vision_feature_select_strategy", "default");
        // transformers 4.47 raises for "full" with AnyRes (pack_image_features cannot reshape the CLS rows).
        if (strategy != "default")
            throw new ModelLoadException($"{json.File}: vision_feature_select_strategy '{strategy}' is not supported for LLaVA-NeXT (only 'default').");
        string textType = text.String("model_type", "llama");
        var pinpoints = json.LongLists("image_grid_pinpoints") is { } pairs
            ? pairs.Select(p => p.Length == 2 && p[0] > 0 && p[1] > 0
                ? new PixelSize((int)p[1], (int)p[0])
                : throw new ModelLoadException($"{json.File}: image_grid_pinpoints must be [height, width] pairs, got [{string.Join(", ", p)}].")).ToArray()
            : AnyResolution.DefaultPinpoints.ToArray();
        var vision = LlavaFamily.ReadClip(json.Section("vision_config"), json.File);
        if (pinpoints.Length == 0 || pinpoints.Any(p => p.Width % vision.ImageSize != 0 || p.Height % vision.ImageSize != 0))
            throw new ModelLoadException($"{json.File}: every image_grid_pinpoints entry must be a multiple of the vision image_size {vision.ImageSize}.");
        return new LlavaNextConfig
        {
            ModelType = ModelType,
            Directory = modelDir,
            Text = DecoderConfigReader.Read(text, "llama", json.File),
            TextModelType = textType,
            Vision = vision,
            ImageTokenId = json.Long("image_token_index", json.Long("image_token_id", 32000)),
            ImageSeqLength = json.Int("image_seq_length", 576),
            VisionFeatureLayers = json.LongList("vision_feature_layer", [-2]).Select(x => (int)x).ToArray(),
            ProjectorHiddenAct = json.String("projector_hidden_act", "gelu"),
            ProjectorBias = json.Bool("multimodal_projector_bias", true),
            ImageGridPinpoints = pinpoints,
        };
    }

    protected override VisionLanguageModel CreateModel(LlavaNextConfig config) => new LlavaNextModel(config);

    /// <summary>Without a config: the vicuna template (the reference layout); a loaded model picks by its text model.</summary>
    public override IChatTemplate ChatTemplate(long? imageTokenId) => new LlavaNextChatTemplate(mistral: false, imageTokenId);

    public override IChatTemplate ChatTemplate(VisionLanguageConfig config) =>
        new LlavaNextChatTemplate(mistral: Own<LlavaNextConfig>(config).TextModelType == "mistral", config.ImageTokenId);

    protected override IImageProcessor CreateImageProcessor(string modelDir, LlavaNextConfig config)
    {
        string file = Path.Combine(modelDir, PreprocessorConfig.FileName);
        var processor = ImageProcessorFactory.FromFolder(modelDir, config.VisionPatchSize) as LlavaNextImageProcessor
            ?? throw new InvalidDataException($"{file}: LLaVA-NeXT needs a LlavaNextImageProcessor.");
        // The model re-derives the tiling from its own config; the two must agree or features and tokens would not.
        if (processor.TileSize != config.Vision.ImageSize)
            throw new InvalidDataException($"{file}: crop_size {processor.TileSize} differs from the vision tower's image_size {config.Vision.ImageSize}.");
        if (!processor.Pinpoints.SequenceEqual(config.ImageGridPinpoints))
            throw new InvalidDataException($"{file}: image_grid_pinpoints differ from config.json's.");
        return processor;
    }

    protected override IEnumerable<(string Name, string Value)> Describe(LlavaNextConfig config)
    {
        var v = config.Vision;
        int g = v.PatchesPerSide;
        yield return ("vision", $"CLIP: {v.NumLayers} layers, hidden {v.HiddenSize}, image {v.ImageSize}, patch {v.PatchSize}; " +
                                $"feature layer [{string.Join(", ", config.VisionFeatureLayers)}], strategy default");
        yield return ("text model", config.TextModelType);
        yield return ("AnyRes pinpoints", string.Join(", ", config.ImageGridPinpoints.Select(p => $"{p.Height}×{p.Width}")) + " (H×W)");
        yield return ("image tokens", $"base grid {g}×{g} = {g * g}, then the unpadded high-res grid R×C of {v.ImageSize}-px tiles' patches " +
                                      $"with one newline token per row (no cell): K = {g * g} + R·(C + 1), image-dependent (token id {config.ImageTokenId})");
    }
}
