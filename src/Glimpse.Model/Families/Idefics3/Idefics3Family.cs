using System.Text.Json.Nodes;
using Glimpse.Model.Architectures;
using Glimpse.Model.Configuration;
using Glimpse.Model.Loading;
using Glimpse.Model.Processing;
using Glimpse.Model.Text;

namespace Glimpse.Model.Families.Idefics3;

/// <summary>
/// Idefics3 / SmolVLM (<c>idefics3</c>): SigLIP-style vision tower over tiles plus a global image, pixel-shuffle
/// connector, Llama decoder; one grid of image tokens per frame.
/// </summary>
public sealed class Idefics3Family : ModelFamily<Idefics3Config>
{
    public override string ModelType => "idefics3";
    public override string Description => "Idefics3 / SmolVLM (SigLIP tower over tiles + global image, pixel-shuffle connector, Llama decoder)";

    internal override IReadOnlyDictionary<string, ImageProcessorBuilder> ImageProcessors { get; } = new Dictionary<string, ImageProcessorBuilder>
    {
        ["Idefics3ImageProcessor"] = (config, patchSize, scaleFactor) =>
            new Idefics3ImageProcessor(Idefics3ImageProcessorOptions.FromConfig(config), patchSize * scaleFactor),
    };

    /// <summary>Every transformers version saves model.{vision_model,connector,text_model}.* and lm_head.*; files
    /// re-saved without the "model." prefix (the module names themselves) load too.</summary>
    public override WeightNames WeightNames { get; } = new(
    [
        (@"^model\.text_model\.", "language_model."),
        (@"^text_model\.", "language_model."),
        (@"^model\.vision_model\.", "vision_model."),
        (@"^model\.connector\.", "connector."),
    ]);

    /// <summary>Defaults are those of transformers 4.49's Idefics3Config and Idefics3VisionConfig.</summary>
    internal override VisionLanguageConfig ReadConfig(JsonConfig json, string modelDir)
    {
        var text = json.Section("text_config")
            ?? throw new ModelLoadException($"{json.File}: an Idefics3 config without text_config is not supported (its decoder would be an unsized Llama default).");
        var vision = json.Section("vision_config") ?? JsonConfig.Empty(json, "vision_config");
        string visionType = vision.String("model_type", "idefics3_vision");
        if (visionType is not ("idefics3_vision" or "idefics3"))
            throw new ModelLoadException($"{json.File}: vision_config.model_type '{visionType}' is not supported for Idefics3 (idefics3_vision is).");
        var config = new Idefics3Config
        {
            ModelType = ModelType,
            Directory = modelDir,
            // Only the decoder's own tie flag decides (the top-level tie_word_embeddings is not used for it).
            Text = DecoderConfigReader.Read(text, "llama", json.File),
            Vision = new Idefics3VisionConfig
            {
                HiddenSize = vision.Int("hidden_size", 1152),
                IntermediateSize = vision.Int("intermediate_size", 3072),
                NumLayers = vision.Int("num_hidden_layers", 12),
                NumHeads = vision.Int("num_attention_heads", 16),
                NumChannels = vision.Int("num_channels", 3),
                ImageSize = vision.Int("image_size", 224),
                PatchSize = vision.Int("patch_size", 32),
                HiddenAct = vision.String("hidden_act", "gelu_pytorch_tanh"),
                LayerNormEps = vision.Double("layer_norm_eps", 1e-6),
            },
            ImageTokenId = json.Long("image_token_id", 128257),
            ScaleFactor = json.Int("scale_factor", 2),
        };
        if (config.Vision.HiddenSize % config.Vision.NumHeads != 0)
            throw new ModelLoadException($"{json.File}: vision hidden_size {config.Vision.HiddenSize} is not a multiple of num_attention_heads {config.Vision.NumHeads}.");
        if (config.ScaleFactor < 1)
            throw new ModelLoadException($"{json.File}: scale_factor must be at least 1, got {config.ScaleFactor}.");
        return config;
    }

    protected override VisionLanguageModel CreateModel(Idefics3Config config) => new Idefics3Model(config);

    public override IChatTemplate ChatTemplate(long? imageTokenId) => new Idefics3ChatTemplate(imageTokenId);

    /// <summary>
    /// The processor of preprocessor_config.json; processor_config.json's <c>image_seq_len</c>, when present, must be
    /// what one frame yields, (max_image_size / patch / scale_factor)².
    /// </summary>
    protected override IImageProcessor CreateImageProcessor(string modelDir, Idefics3Config config)
    {
        var processor = ImageProcessorFactory.FromFolder(modelDir, config.VisionPatchSize, config.ScaleFactor) as Idefics3ImageProcessor
            ?? throw new InvalidDataException($"{Path.Combine(modelDir, PreprocessorConfig.FileName)}: Idefics3 needs Idefics3ImageProcessor.");
        string processorConfig = Path.Combine(modelDir, "processor_config.json");
        if (File.Exists(processorConfig)
            && JsonNode.Parse(File.ReadAllText(processorConfig)) is JsonObject o
            && o["image_seq_len"] is JsonValue v && v.TryGetValue(out int seqLen)
            && seqLen != processor.TokensPerFrame)
            throw new InvalidDataException(
                $"{processorConfig}: image_seq_len {seqLen} disagrees with the {processor.TokensPerFrame} tokens a " +
                $"{processor.Options.MaxImageSize}-pixel frame yields (patch {config.VisionPatchSize}, scale_factor {config.ScaleFactor}).");
        return processor;
    }

    protected override IEnumerable<(string Name, string Value)> Describe(Idefics3Config config)
    {
        var v = config.Vision;
        yield return ("vision", $"SigLIP: {v.NumLayers} layers, hidden {v.HiddenSize}, {v.NumHeads} heads, patch {v.PatchSize}, " +
                                $"position table {v.PositionsPerSide}×{v.PositionsPerSide}; pixel shuffle ×{config.ScaleFactor}");
        yield return ("image tokens", $"one grid per frame (tiles row-major, then the global image), one token per " +
                                      $"{config.TokenCellSize}×{config.TokenCellSize} frame pixels (token id {config.ImageTokenId})");
    }
}
