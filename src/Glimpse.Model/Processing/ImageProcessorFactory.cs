using Glimpse.Model.Families;

namespace Glimpse.Model.Processing;

/// <summary>
/// Builds the image processor a model folder's <c>preprocessor_config.json</c> names, from the processors the families
/// bring (<see cref="ModelFamily.ImageProcessors"/>).
/// </summary>
public static class ImageProcessorFactory
{
    private static readonly Dictionary<string, ImageProcessorBuilder> Builders =
        ModelFamilies.All.SelectMany(f => f.ImageProcessors).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    /// <param name="modelDir">A Hugging Face model folder.</param>
    /// <param name="patchSize">The vision tower's patch size (<c>vision_config.patch_size</c>); a Qwen2-VL config's own
    /// <c>patch_size</c> must agree with it.</param>
    /// <param name="scaleFactor">Idefics3's pixel shuffle: one image token covers patch × scale pixels.</param>
    /// <exception cref="FileNotFoundException">The folder has no preprocessor_config.json.</exception>
    /// <exception cref="InvalidDataException">The file is malformed, names an unknown processor, or disagrees with <paramref name="patchSize"/>.</exception>
    /// <exception cref="NotSupportedException">The file asks for a resampling filter or an option that is not implemented.</exception>
    public static IImageProcessor FromFolder(string modelDir, int patchSize, int scaleFactor = 1)
    {
        var config = PreprocessorConfig.Load(Path.Combine(modelDir, PreprocessorConfig.FileName));
        // Old CLIP checkpoints name a feature extractor instead of an image processor.
        string? type = config.String("image_processor_type") ?? config.String("feature_extractor_type");
        if (type is not null && Builders.TryGetValue(type, out var build)) return build(config, patchSize, scaleFactor);
        throw new InvalidDataException(
            $"{config.Location}: image_processor_type {(type is null ? "is missing" : $"'{type}' is not supported")}; " +
            $"supported are {string.Join(", ", Builders.Keys)}.");
    }
}
