using Glimpse.Core.Images;
using Glimpse.Model.Families.Llava;
using Glimpse.Model.Processing;
using TorchSharp;

namespace Glimpse.Model.Tests.Processing;

public class ClipImageProcessorTests
{
    /// <summary>No rescale, no normalisation: pixel_values are the raw bytes, so layout checks read colours directly.</summary>
    private static ClipImageProcessorOptions RawBytes(int shortestEdge, int crop) => new()
    {
        ShortestEdge = shortestEdge,
        CropSize = new PixelSize(crop, crop),
        DoRescale = false,
        DoNormalize = false,
    };

    private static float[] Pixel(torch.Tensor pixelValues, int x, int y) =>
        [pixelValues[0, 0, y, x].item<float>(), pixelValues[0, 1, y, x].item<float>(), pixelValues[0, 2, y, x].item<float>()];

    [Theory]
    [InlineData(48, 40, 32, 38, 32)] // landscape: int(32·48/40) = int(38.4)
    [InlineData(40, 48, 32, 32, 38)] // portrait
    [InlineData(10, 10, 4, 4, 4)]    // square
    [InlineData(7, 3, 4, 9, 4)]      // int(4·7/3) = int(9.33)
    [InlineData(640, 480, 336, 448, 336)]
    public void ShortestEdgeSizeTruncatesTheLongSide(int width, int height, int edge, int newWidth, int newHeight)
    {
        Assert.Equal(new PixelSize(newWidth, newHeight), ClipImageProcessor.ShortestEdgeSize(width, height, edge));
    }

    [Fact]
    public void CenterCropOffsetsFloorTheHalfDifference()
    {
        Assert.Equal(new PixelRect(3, 0, 32, 32), ClipImageProcessor.CenterCropBox(38, 32, new PixelSize(32, 32)));
        Assert.Equal(new PixelRect(0, 1, 4, 4), ClipImageProcessor.CenterCropBox(5, 7, new PixelSize(4, 4)));
        // Smaller than the crop: Hugging Face pads, placing the image ceil((crop − size) / 2) in.
        Assert.Equal(new PixelRect(-2, -2, 8, 8), ClipImageProcessor.CenterCropBox(5, 5, new PixelSize(8, 8)));
    }

    [Fact]
    public void ImageSmallerThanTheCropIsZeroPadded()
    {
        var image = TestImages.Random(5, 5, seed: 11);
        var processor = new ClipImageProcessor(RawBytes(5, 8) with { DoResize = false }, patchSize: 4);
        using var processed = processor.Process(image);
        Assert.Equal(new long[] { 1, 3, 8, 8 }, processed.PixelValues.shape);
        Assert.Equal(new float[] { 0, 0, 0 }, Pixel(processed.PixelValues, 1, 1));
        Assert.Equal(new float[] { 0, 0, 0 }, Pixel(processed.PixelValues, 7, 7));
        Assert.Equal(image.Pixels[..3].Select(b => (float)b).ToArray(), Pixel(processed.PixelValues, 2, 2));
        Assert.Equal((2, 2), (processed.Layout.Grids[0].Rows, processed.Layout.Grids[0].Columns));
        Assert.Equal(new PixelRect(-2, -2, 8, 8), processed.Layout.Grids[0].Geometry.CropBox);
    }

    [Fact]
    public void LlavaPadToSquareUsesTheTruncatedMeanColour()
    {
        // 4×2 red image on a 4×4 square: rows 0 and 3 are the background (int(mean·255) = 122, 116, 104), rows 1–2 red.
        var processor = new ClipImageProcessor(RawBytes(4, 4) with { DoPad = true }, patchSize: 2);
        using var processed = processor.Process(RgbImage.Filled(4, 2, 255, 0, 0));
        Assert.Equal(new float[] { 122, 116, 104 }, Pixel(processed.PixelValues, 0, 0));
        Assert.Equal(new float[] { 255, 0, 0 }, Pixel(processed.PixelValues, 3, 1));
        Assert.Equal(new float[] { 255, 0, 0 }, Pixel(processed.PixelValues, 0, 2));
        Assert.Equal(new float[] { 122, 116, 104 }, Pixel(processed.PixelValues, 3, 3));
        Assert.Equal(new PixelRect(0, 1, 4, 2), processed.Layout.Grids[0].Geometry.OriginalOnCanvas);
        // Token (0, 0) covers canvas rows 0–2, of which only row 1 is the image.
        Assert.Equal(new ImageRegion(0, 0, 2, 1), processed.Layout.Grids[0].Geometry.ClipToOriginal(processed.Layout.Grids[0].CellOnOriginal(0, 0)));
    }

    [Fact]
    public void NormalisationFollowsHuggingFacePrecision()
    {
        var image = RgbImage.Filled(2, 2, 0, 128, 255);
        using var processed = new ClipImageProcessor(new ClipImageProcessorOptions { ShortestEdge = 2, CropSize = new PixelSize(2, 2) }, 1).Process(image);
        var mean = ChannelStatistics.OpenAiClip.Mean;
        var std = ChannelStatistics.OpenAiClip.Std;
        byte[] raw = [0, 128, 255];
        for (int c = 0; c < 3; c++)
        {
            float expected = ((float)(raw[c] * (1.0 / 255)) - (float)mean[c]) / (float)std[c];
            Assert.Equal(expected, processed.PixelValues[0, c, 1, 1].item<float>());
        }
    }

    [Fact]
    public void ConfigurationVariantsAreRead()
    {
        using var folder = new TemporaryModelFolder("""
            { "image_processor_type": "LlavaImageProcessor", "do_pad": true, "size": 336, "crop_size": 320,
              "resample": 2, "image_mean": 0.5, "image_std": [0.25, 0.5, 1.0] }
            """);
        var processor = Assert.IsType<ClipImageProcessor>(ImageProcessorFactory.FromFolder(folder.Path, patchSize: 14));
        var o = processor.Options;
        Assert.True(o.DoPad);
        Assert.Equal(336, o.ShortestEdge);
        Assert.Equal(new PixelSize(320, 320), o.CropSize);
        Assert.Equal(PilResampleFilter.Bilinear, o.Resample);
        Assert.Equal(new[] { 0.5, 0.5, 0.5 }, o.Normalization.Mean);
        Assert.Equal(new[] { 0.25, 0.5, 1.0 }, o.Normalization.Std);
        Assert.Equal(14, processor.PatchSize);
    }

    [Fact]
    public void ExactSizeResizesWithoutKeepingTheAspectRatio()
    {
        using var folder = new TemporaryModelFolder("""
            { "image_processor_type": "CLIPImageProcessor", "size": {"height": 6, "width": 4}, "do_center_crop": false }
            """);
        var processor = ImageProcessorFactory.FromFolder(folder.Path, patchSize: 2);
        using var processed = processor.Process(TestImages.Random(9, 5, seed: 4));
        Assert.Equal(new long[] { 1, 3, 6, 4 }, processed.PixelValues.shape);
        Assert.Equal((3, 2), (processed.Layout.Grids[0].Rows, processed.Layout.Grids[0].Columns));
    }
}
