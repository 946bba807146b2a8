using Glimpse.Core.Images;
using Glimpse.Model.Families.Llava;
using Glimpse.Model.Families.Qwen2VL;
using Glimpse.Model.Processing;

namespace Glimpse.Model.Tests.Processing;

public class ImageProcessorFactoryTests
{
    [Fact]
    public void MissingConfigNamesTheFile()
    {
        using var folder = new TemporaryModelFolder(null);
        var e = Assert.Throws<FileNotFoundException>(() => ImageProcessorFactory.FromFolder(folder.Path, 14));
        Assert.Contains(folder.ConfigPath, e.Message);
    }

    [Theory]
    [InlineData("""{"image_processor_type": "SiglipImageProcessor"}""", "'SiglipImageProcessor' is not supported")]
    [InlineData("""{"do_resize": true}""", "image_processor_type is missing")]
    [InlineData("""{"image_processor_type": "CLIPImageProcessor", "do_resize": "yes"}""", "'do_resize' must be true or false")]
    [InlineData("""{"image_processor_type": "CLIPImageProcessor", "image_mean": [0.5, 0.5]}""", "'image_mean' must be three numbers")]
    [InlineData("""{"image_processor_type": "Qwen2VLImageProcessor", "patch_size": 16}""", "disagrees with the vision tower's patch size 14")]
    [InlineData("""[1, 2]""", "must hold a JSON object")]
    [InlineData("""{"image_processor_type": """, "is not valid JSON")]
    public void BadConfigIsRefusedNamingTheFile(string json, string reason)
    {
        using var folder = new TemporaryModelFolder(json);
        var e = Assert.Throws<InvalidDataException>(() => ImageProcessorFactory.FromFolder(folder.Path, 14));
        Assert.Contains(folder.ConfigPath, e.Message);
        Assert.Contains(reason, e.Message);
    }

    [Theory]
    [InlineData("Qwen2VLImageProcessor")]
    [InlineData("Qwen2_5_VLImageProcessor")]
    public void BothQwenProcessorNamesGiveQwen2VLsAlgorithm(string type)
    {
        using var folder = new TemporaryModelFolder($$"""{"image_processor_type": "{{type}}", "min_pixels": 3136, "max_pixels": 50176}""");
        Assert.IsType<Qwen2VLImageProcessor>(ImageProcessorFactory.FromFolder(folder.Path, 14));
    }

    [Fact]
    public void UnimplementedResampleFilterIsRefusedByName()
    {
        using var folder = new TemporaryModelFolder("""{"image_processor_type": "CLIPImageProcessor", "resample": 4}""");
        var e = Assert.Throws<NotSupportedException>(() => ImageProcessorFactory.FromFolder(folder.Path, 14));
        Assert.Contains("BOX", e.Message);
        Assert.Contains(folder.ConfigPath, e.Message);
    }

    [Fact]
    public void DefaultsAreHuggingFaces()
    {
        using var folder = new TemporaryModelFolder("""{"image_processor_type": "CLIPImageProcessor"}""");
        var o = Assert.IsType<ClipImageProcessor>(ImageProcessorFactory.FromFolder(folder.Path, 14)).Options;
        Assert.Equal((false, true, 224, (PixelSize?)null), (o.DoPad, o.DoResize, o.ShortestEdge, o.ExactSize));
        Assert.Equal((PilResampleFilter.Bicubic, true, new PixelSize(224, 224)), (o.Resample, o.DoCenterCrop, o.CropSize));
        Assert.Equal((true, 1.0 / 255, true), (o.DoRescale, o.RescaleFactor, o.DoNormalize));
        Assert.Equal(new[] { 0.48145466, 0.4578275, 0.40821073 }, o.Normalization.Mean);
        Assert.Equal(new[] { 0.26862954, 0.26130258, 0.27577711 }, o.Normalization.Std);
    }
}
