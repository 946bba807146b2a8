using Glimpse.Core.Images;
using Glimpse.Model.Processing;

namespace Glimpse.Model.Tests.Processing;

/// <summary>
/// Properties of PIL's resampler that can be checked by hand. Byte equality with PIL itself is checked through the
/// reference pixel_values (a downscale for LLaVA, a mixed up/down scale for Qwen2-VL).
/// </summary>
public class PilResampleTests
{
    private static RgbImage Row(params byte[] grey) =>
        new(grey.Length, 1, grey.SelectMany(g => new[] { g, g, g }).ToArray());

    private static byte[] Red(RgbImage image) => Enumerable.Range(0, image.Width * image.Height).Select(i => image.Pixels[i * 3]).ToArray();

    [Theory]
    [InlineData(7, 5, 13, 11)]
    [InlineData(40, 30, 9, 4)]
    [InlineData(1, 1, 5, 3)]
    [InlineData(90, 50, 84, 56)]
    [InlineData(3, 17, 29, 2)]
    public void ConstantImageStaysConstant(int width, int height, int newWidth, int newHeight)
    {
        foreach (var filter in new[] { PilResampleFilter.Bicubic, PilResampleFilter.Bilinear })
        foreach (byte value in new byte[] { 0, 1, 128, 254, 255 })
        {
            var resized = PilResample.Resize(RgbImage.Filled(width, height, value, (byte)(255 - value), 77), newWidth, newHeight, filter);
            Assert.Equal((newWidth, newHeight), (resized.Width, resized.Height));
            Assert.Equal(RgbImage.Filled(newWidth, newHeight, value, (byte)(255 - value), 77).Pixels, resized.Pixels);
        }
    }

    [Fact]
    public void SameSizeIsAnExactCopy()
    {
        var image = TestImages.Random(9, 6, seed: 3);
        var resized = PilResample.Resize(image, 9, 6);
        Assert.Equal(image.Pixels, resized.Pixels);
        Assert.NotSame(image.Pixels, resized.Pixels);
    }

    [Fact]
    public void BicubicHalvingOfAStepUsesTheWidenedKernel()
    {
        // Halving widens the support to 4 source pixels each side; the normalised weights at distances
        // 0.5, 1.5, 2.5, 3.5 are 0.43359375, 0.11328125, −0.03515625, −0.01171875 (exact in binary).
        // Output 3 reads 200 at distances 1.5, 2.5, 3.5: 200 · 0.06640625 = 13.28 → 13.
        // Output 4: 200 · 0.93359375 = 186.7 → 187. Output 5 overshoots: 200 · 1.01171875 = 202.3 → 202.
        // Output 2 undershoots to −2.3 and is clamped to 0.
        var step = Row(0, 0, 0, 0, 0, 0, 0, 0, 200, 200, 200, 200, 200, 200, 200, 200);
        Assert.Equal(new byte[] { 0, 0, 0, 13, 187, 202, 200, 200 }, Red(PilResample.Resize(step, 8, 1)));
    }

    [Fact]
    public void BilinearHalvingWeighsOneThreeThreeOne()
    {
        // Support 2 at scale 2: weights 1/8, 3/8, 3/8, 1/8; at the left edge the three in-range taps renormalise.
        var step = Row(0, 0, 0, 0, 80, 80, 80, 80);
        Assert.Equal(new byte[] { 0, 10, 70, 80 }, Red(PilResample.Resize(step, 4, 1, PilResampleFilter.Bilinear)));
    }

    [Fact]
    public void HorizontalAndVerticalPassesAreTheSameFilter()
    {
        var step = Row(0, 0, 0, 0, 0, 0, 0, 0, 200, 200, 200, 200, 200, 200, 200, 200);
        var column = new RgbImage(1, 16, step.Pixels);
        Assert.Equal(Red(PilResample.Resize(step, 8, 1)), Red(PilResample.Resize(column, 1, 8)));
    }

    [Fact]
    public void BoxOfHalfTheImageGivesHalfTheFullResize()
    {
        // With the same scale, the box's output pixels sit at the same source positions as in the full resize,
        // and PIL's filter reads past the box edge into the rest of the image, so the halves agree exactly.
        var image = TestImages.Random(16, 12, seed: 5);
        var full = PilResample.Resize(image, 8, 6);
        var left = PilResample.Resize(image, 4, 6, PilResampleFilter.Bicubic, new ResampleBox(0, 0, 8, 12));
        var right = PilResample.Resize(image, 4, 6, PilResampleFilter.Bicubic, new ResampleBox(8, 0, 16, 12));
        Assert.Equal(full.Crop(0, 0, 4, 6).Pixels, left.Pixels);
        Assert.Equal(full.Crop(4, 0, 4, 6).Pixels, right.Pixels);
    }

    [Fact]
    public void WholePixelBoxOfTheOutputSizeIsACrop()
    {
        var image = TestImages.Random(10, 8, seed: 6);
        var boxed = PilResample.Resize(image, 4, 3, PilResampleFilter.Bicubic, new ResampleBox(2, 5, 6, 8));
        Assert.Equal(image.Crop(2, 5, 4, 3).Pixels, boxed.Pixels);
    }

    [Fact]
    public void InvalidArgumentsAreRefused()
    {
        var image = TestImages.Random(4, 4, seed: 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => PilResample.Resize(image, 0, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => PilResample.Resize(image, 2, 2, PilResampleFilter.Bicubic, new ResampleBox(-1, 0, 2, 2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => PilResample.Resize(image, 2, 2, PilResampleFilter.Bicubic, new ResampleBox(0, 0, 5, 2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => PilResample.Resize(image, 2, 2, (PilResampleFilter)4));
    }
}
