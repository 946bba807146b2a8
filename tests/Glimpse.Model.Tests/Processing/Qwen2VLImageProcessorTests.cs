using Glimpse.Core.Images;
using Glimpse.Model.Families.Qwen2VL;
using Glimpse.Model.Processing;

namespace Glimpse.Model.Tests.Processing;

public class Qwen2VLImageProcessorTests
{
    [Theory]
    [InlineData(50, 90, 56, 84)]    // the reference image
    [InlineData(42, 42, 56, 56)]    // 1.5 → 2
    [InlineData(70, 70, 56, 56)]    // 2.5 → 2: Python rounds half to even
    [InlineData(98, 98, 112, 112)]  // 3.5 → 4
    [InlineData(1000, 600, 280, 168)] // above max: β = √(600000/50176), floor(1000/β/28) = 10, floor(600/β/28) = 6
    [InlineData(29, 40, 56, 84)]    // below min: β = √(3136/1160), ceil(29β/28) = 2, ceil(40β/28) = 3
    public void SmartResizeMatchesHuggingFace(int height, int width, int newHeight, int newWidth)
    {
        Assert.Equal(new PixelSize(newWidth, newHeight), Qwen2VLImageProcessor.SmartResize(height, width, 28, 3136, 50176));
    }

    [Fact]
    public void SmartResizeRefusesTinyAndExtremeImages()
    {
        var tooSmall = Assert.Throws<ArgumentException>(() => Qwen2VLImageProcessor.SmartResize(27, 100, 28, 3136, 50176));
        Assert.Contains("at least 28", tooSmall.Message);
        var tooLong = Assert.Throws<ArgumentException>(() => Qwen2VLImageProcessor.SmartResize(28, 28 * 201, 28, 3136, 1_003_520));
        Assert.Contains("aspect ratio", tooLong.Message);
    }

    [Fact]
    public void PatchRowsFollowTheMergeBlockOrder()
    {
        // A 56×56 image (already a valid size) with R = x, G = y, B = 7 and no rescale or normalisation, so each
        // pixel_values entry says which pixel it came from. Grid 4×4 patches of 14; rows go (h/2, w/2, h%2, w%2):
        // row 1 is patch (0, 1), row 2 is patch (1, 0), row 4 is patch (0, 2).
        var pixels = new byte[56 * 56 * 3];
        for (int y = 0; y < 56; y++)
            for (int x = 0; x < 56; x++)
                (pixels[(y * 56 + x) * 3], pixels[(y * 56 + x) * 3 + 1], pixels[(y * 56 + x) * 3 + 2]) = ((byte)x, (byte)y, 7);
        var processor = new Qwen2VLImageProcessor(new Qwen2VLImageProcessorOptions { DoRescale = false, DoNormalize = false });
        using var processed = processor.Process(new RgbImage(56, 56, pixels));

        Assert.Equal(new long[] { 16, 3 * 2 * 14 * 14 }, processed.PixelValues.shape);
        Assert.Equal(new long[] { 1, 4, 4 }, processed.ImageGridThw);
        Assert.Equal((2, 2), (processed.Layout.Grids[0].Rows, processed.Layout.Grids[0].Columns));
        var values = processed.PixelValues.data<float>().ToArray();
        foreach (var (row, patchY, patchX) in new[] { (0, 0, 0), (1, 0, 1), (2, 1, 0), (3, 1, 1), (4, 0, 2), (9, 2, 1), (15, 3, 3) })
        {
            foreach (var (t, py, px) in new[] { (0, 0, 0), (1, 0, 0), (0, 13, 2), (1, 5, 13) })
            {
                int column(int c) => ((c * 2 + t) * 14 + py) * 14 + px;
                Assert.Equal(patchX * 14 + px, values[row * 1176 + column(0)]);
                Assert.Equal(patchY * 14 + py, values[row * 1176 + column(1)]);
                Assert.Equal(7, values[row * 1176 + column(2)]);
            }
        }
    }

    [Theory]
    [InlineData("""{"image_processor_type": "Qwen2VLImageProcessor", "min_pixels": 1000, "max_pixels": 2000, "size": {"min_pixels": 1, "max_pixels": 2}}""", 1000, 2000)]
    [InlineData("""{"image_processor_type": "Qwen2VLImageProcessor", "size": {"min_pixels": 3136, "max_pixels": 50176}}""", 3136, 50176)]
    [InlineData("""{"image_processor_type": "Qwen2VLImageProcessor", "size": {"shortest_edge": 784, "longest_edge": 12544}}""", 784, 12544)]
    [InlineData("""{"image_processor_type": "Qwen2VLImageProcessor"}""", 3136, 1_003_520)]
    public void PixelBoundsAreReadFromTopLevelThenSize(string json, int minPixels, int maxPixels)
    {
        using var folder = new TemporaryModelFolder(json);
        var processor = Assert.IsType<Qwen2VLImageProcessor>(ImageProcessorFactory.FromFolder(folder.Path, patchSize: 14));
        Assert.Equal((minPixels, maxPixels), (processor.Options.MinPixels, processor.Options.MaxPixels));
    }
}
