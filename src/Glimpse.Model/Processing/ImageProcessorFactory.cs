using Glimpse.Model.Families.Idefics3;
using Glimpse.Model.Families.Llava;
using Glimpse.Model.Families.LlavaNext;
using Glimpse.Model.Families.Qwen2VL;

namespace Glimpse.Model.Processing;

/// <summary>Builds the image processor a model folder's <c>preprocessor_config.json</c> names.</summary>
public static class ImageProcessorFactory
{
    /// <param name="modelDir">A Hugging Face model folder.</param>
    /// <param name="patchSize">The vision tower's patch size (<c>vision_config.patch_size</c>); a Qwen2-VL config's own
    /// <c>patch_size</c> must agree with it.</param>
    /// <exception cref="FileNotFoundException">The folder has no preprocessor_config.json.</exception>
    /// <exception cref="InvalidDataException">The file is malformed, names an unknown processor, or disagrees with <paramref name="patchSize"/>.</exception>
    /// <param name="scaleFactor">Idefics3's pixel shuffle: one image token covers patch × scale pixels.</param>
    /// <exception cref="NotSupportedException">The file asks for a resampling filter or an option that is not implemented.</exception>
    public static IImageProcessor FromFolder(string modelDir, int patchSize, int scaleFactor = 1)
    {
        var config = PreprocessorConfig.Load(Path.Combine(modelDir, PreprocessorConfig.FileName));
        // Old CLIP checkpoints name a feature extractor instead of an image processor.
        string? type = config.String("image_processor_type") ?? config.String("feature_extractor_type");
        switch (type)
        {
            case "CLIPImageProcessor" or "LlavaImageProcessor" or "CLIPFeatureExtractor":
                return new ClipImageProcessor(ClipImageProcessorOptions.FromConfig(config), patchSize);
            case "LlavaNextImageProcessor":
                return new LlavaNextImageProcessor(ClipImageProcessorOptions.FromConfig(config),
                    config.HeightWidthPairs("image_grid_pinpoints") ?? AnyResolution.DefaultPinpoints, patchSize);
            // Qwen2.5-VL's processor class runs Qwen2-VL's algorithm unchanged.
            case "Qwen2VLImageProcessor" or "Qwen2_5_VLImageProcessor":
                var options = Qwen2VLImageProcessorOptions.FromConfig(config);
                if (options.PatchSize != patchSize)
                    throw new InvalidDataException(
                        $"{config.Location}: patch_size {options.PatchSize} disagrees with the vision tower's patch size {patchSize}.");
                return new Qwen2VLImageProcessor(options);
            case "Idefics3ImageProcessor":
                return new Idefics3ImageProcessor(Idefics3ImageProcessorOptions.FromConfig(config), patchSize * scaleFactor);
            default:
                throw new InvalidDataException(
                    $"{config.Location}: image_processor_type {(type is null ? "is missing" : $"'{type}' is not supported")}; " +
                    "supported are CLIPImageProcessor, LlavaImageProcessor, LlavaNextImageProcessor, Qwen2VLImageProcessor, Qwen2_5_VLImageProcessor and Idefics3ImageProcessor.");
        }
    }
}
