using Glimpse.Core.Images;
using Glimpse.Model.Architectures;
using Glimpse.Model.Configuration;
using Glimpse.Model.Loading;
using Glimpse.Model.Processing;
using Glimpse.Model.Text;

namespace Glimpse.Model.Families;

/// <summary>
/// Everything that makes one Hugging Face <c>model_type</c> a model Glimpse can run: reading its <c>config.json</c>
/// with Hugging Face's defaults, building the model, mapping checkpoint keys onto it, its chat template, its image
/// processor and how the image placeholder expands into image tokens. One subclass per family, in its own folder
/// (<c>Families/&lt;Family&gt;/</c>), registered by one line in <see cref="ModelFamilies"/>; shared blocks live in
/// <c>Modules/</c>, shared processors in <c>Processing/</c>.
/// </summary>
public abstract class ModelFamily
{
    /// <summary>config.json's <c>model_type</c>.</summary>
    public abstract string ModelType { get; }

    /// <summary>What the family is, for people: "LLaVA-1.5 (CLIP vision tower, MLP projector, Llama decoder)".</summary>
    public abstract string Description { get; }

    /// <summary>Reads config.json (already parsed) with the family's Hugging Face defaults; a variant the family does
    /// not support is a <see cref="ModelLoadException"/> naming it.</summary>
    internal abstract VisionLanguageConfig ReadConfig(JsonConfig json, string modelDir);

    /// <summary>The model with freshly initialised weights.</summary>
    public abstract VisionLanguageModel CreateModel(VisionLanguageConfig config);

    /// <summary>How the family's checkpoint keys map onto <see cref="CreateModel"/>'s module names.</summary>
    public abstract WeightNames WeightNames { get; }

    public abstract IChatTemplate ChatTemplate(long? imageTokenId);

    /// <summary>The chat template for a loaded model; a family whose template depends on the text model (LLaVA-NeXT's
    /// vicuna and Mistral variants) picks it here. By default <see cref="ChatTemplate(long?)"/>.</summary>
    public virtual IChatTemplate ChatTemplate(VisionLanguageConfig config) => ChatTemplate(config.ImageTokenId);

    /// <summary>
    /// The image processors this family brings, by the <c>image_processor_type</c> preprocessor_config.json gives them;
    /// <see cref="ImageProcessorFactory"/> builds any folder's processor from the union over all families, so a family's
    /// processor is added in its own folder.
    /// </summary>
    internal virtual IReadOnlyDictionary<string, ImageProcessorBuilder> ImageProcessors { get; } = new Dictionary<string, ImageProcessorBuilder>();

    /// <summary>The image processor the folder's preprocessor_config.json describes, checked against the model.</summary>
    /// <exception cref="FileNotFoundException">The folder has no preprocessor_config.json.</exception>
    /// <exception cref="InvalidDataException">The file is malformed, names a processor the family does not use, or disagrees with the model.</exception>
    /// <exception cref="NotSupportedException">The file asks for an option that is not implemented.</exception>
    public abstract IImageProcessor CreateImageProcessor(string modelDir, VisionLanguageConfig config);

    /// <summary>
    /// The image tokens the prompt holds for a processed image, laid out over it: the placeholder expands to
    /// <see cref="ImageTokenLayout.TokenCount"/> tokens. By default exactly the processor's layout.
    /// </summary>
    public virtual ImageTokenLayout ImageTokens(ProcessedImage image, VisionLanguageConfig config) => image.Layout;

    /// <summary>Rows for <c>glimpse inspect</c>: the vision side and how images become tokens.</summary>
    public abstract IEnumerable<(string Name, string Value)> Describe(VisionLanguageConfig config);

    /// <summary>Casts a config to the family's own type, or says which family it belongs to.</summary>
    protected TConfig Own<TConfig>(VisionLanguageConfig config) where TConfig : VisionLanguageConfig =>
        config as TConfig ?? throw new ArgumentException(
            $"The {ModelType} family was given a {config.ModelType} configuration ({config.GetType().Name}).", nameof(config));
}

/// <summary>Builds an image processor from its preprocessor_config.json, for a vision tower of that patch size (and, for
/// Idefics3's pixel shuffle, the number of patches one token spans per side).</summary>
internal delegate IImageProcessor ImageProcessorBuilder(PreprocessorConfig config, int patchSize, int scaleFactor);

/// <summary>A family whose config type is <typeparamref name="TConfig"/>: the casts are written once, here.</summary>
public abstract class ModelFamily<TConfig> : ModelFamily where TConfig : VisionLanguageConfig
{
    public sealed override VisionLanguageModel CreateModel(VisionLanguageConfig config) => CreateModel(Own<TConfig>(config));
    public sealed override IImageProcessor CreateImageProcessor(string modelDir, VisionLanguageConfig config) => CreateImageProcessor(modelDir, Own<TConfig>(config));
    public sealed override ImageTokenLayout ImageTokens(ProcessedImage image, VisionLanguageConfig config) => ImageTokens(image, Own<TConfig>(config));
    public sealed override IEnumerable<(string Name, string Value)> Describe(VisionLanguageConfig config) => Describe(Own<TConfig>(config));

    protected abstract VisionLanguageModel CreateModel(TConfig config);
    protected abstract IImageProcessor CreateImageProcessor(string modelDir, TConfig config);
    protected virtual ImageTokenLayout ImageTokens(ProcessedImage image, TConfig config) => image.Layout;
    protected abstract IEnumerable<(string Name, string Value)> Describe(TConfig config);
}
