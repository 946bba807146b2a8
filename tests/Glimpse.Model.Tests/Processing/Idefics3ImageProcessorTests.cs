using Glimpse.Core.Images;
using Glimpse.Model.Families.Idefics3;
using Glimpse.Model.Processing;

namespace Glimpse.Model.Tests.Processing;

/// <summary>The Idefics3 processor's size rules and the options it refuses.</summary>
public class Idefics3ImageProcessorTests
{
    [Theory]
    [InlineData(48, 40, 64, 64, 54)]     // wide: height int(64 / 1.2) = 53, bumped to even
    [InlineData(40, 48, 64, 54, 64)]     // tall: the same on the width
    [InlineData(10, 10, 64, 64, 64)]     // small images are upsampled
    [InlineData(9000, 100, 5000, 4096, 45)] // 5000 × (55 → 56), then capped: 4096 × int(4096 / (5000 / 56)) = 45, no bump
    public void LongestEdgeFollowsTransformers(int width, int height, int edge, int expectedWidth, int expectedHeight) =>
        Assert.Equal(new PixelSize(expectedWidth, expectedHeight), Idefics3ImageProcessor.LongestEdgeSize(width, height, edge));

    [Fact]
    public void AnImageNoLargerThanOneFrameIsOneGlobalFrameWithoutTiles()
    {
        var processor = new Idefics3ImageProcessor(new Idefics3ImageProcessorOptions { LongestEdge = 32, MaxImageSize = 32 }, tokenCellSize: 16);
        using var processed = processor.Process(TestImages.Random(20, 12, seed: 4));
        Assert.Equal(new long[] { 1, 3, 32, 32 }, processed.PixelValues.shape);
        var grid = Assert.Single(processed.Layout.Grids);
        Assert.Equal("global", grid.Name);
        Assert.Equal(4, processed.ImageTokenCount);
        Assert.Equal((0, 0, 4), Idefics3ChatTemplate.Split(processed.Layout));
    }

    [Fact]
    public void AWideImageGivesRowMajorTilesThatTheTemplateReadsBack()
    {
        var processor = new Idefics3ImageProcessor(new Idefics3ImageProcessorOptions { LongestEdge = 96, MaxImageSize = 32 }, tokenCellSize: 16);
        using var processed = processor.Process(TestImages.Random(90, 30, seed: 5));
        // 90×30 → 96×32 → 96×32: one row of three tiles plus the global frame.
        Assert.Equal(["tile 1,1", "tile 1,2", "tile 1,3", "global"], processed.Layout.Grids.Select(g => g.Name));
        Assert.Equal((1, 3, 4), Idefics3ChatTemplate.Split(processed.Layout));
        Assert.Equal(new PixelRect(64, 0, 32, 32), processed.Layout.Grids[2].Geometry.CropBox);
    }

    [Fact]
    public void UnimplementedOptionsAreRefusedByName()
    {
        using var noSplit = new TemporaryModelFolder("""{"image_processor_type": "Idefics3ImageProcessor", "do_image_splitting": false}""");
        var e = Assert.Throws<NotSupportedException>(() => ImageProcessorFactory.FromFolder(noSplit.Path, 8, 2));
        Assert.Contains("do_image_splitting", e.Message);

        using var box = new TemporaryModelFolder("""{"image_processor_type": "Idefics3ImageProcessor", "resample": 4}""");
        Assert.Contains("BOX", Assert.Throws<NotSupportedException>(() => ImageProcessorFactory.FromFolder(box.Path, 8, 2)).Message);

        using var defaults = new TemporaryModelFolder("""{"image_processor_type": "Idefics3ImageProcessor"}""");
        var o = Assert.IsType<Idefics3ImageProcessor>(ImageProcessorFactory.FromFolder(defaults.Path, 14, 2)).Options;
        Assert.Equal((1456, 364, PilResampleFilter.Lanczos), (o.LongestEdge, o.MaxImageSize, o.Resample));
        Assert.Equal([0.5, 0.5, 0.5], o.Normalization.Mean);
    }
}
