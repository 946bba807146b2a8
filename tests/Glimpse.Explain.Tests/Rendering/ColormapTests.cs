using Glimpse.Core.Rendering;
using SkiaSharp;

namespace Glimpse.Explain.Tests.Rendering;

public class ColormapTests
{
    /// <summary>Relative luminance (sRGB, Rec. 709 weights on linearised channels).</summary>
    private static double Luminance(SKColor c)
    {
        static double Linear(byte v)
        {
            double s = v / 255.0;
            return s <= 0.04045 ? s / 12.92 : Math.Pow((s + 0.055) / 1.055, 2.4);
        }
        return 0.2126 * Linear(c.Red) + 0.7152 * Linear(c.Green) + 0.0722 * Linear(c.Blue);
    }

    private static void Near(SKColor expected, SKColor actual, int tolerance)
    {
        Assert.InRange(actual.Red, expected.Red - tolerance, expected.Red + tolerance);
        Assert.InRange(actual.Green, expected.Green - tolerance, expected.Green + tolerance);
        Assert.InRange(actual.Blue, expected.Blue - tolerance, expected.Blue + tolerance);
    }

    [Fact]
    public void EndsAndMiddleAreViridis()
    {
        // matplotlib's viridis: #440154 at 0, #21918c at 0.5, #fde725 at 1; the polynomial fit is a few steps off.
        Near(new SKColor(0x44, 0x01, 0x54), Colormap.At(0), 4);
        Near(new SKColor(0x21, 0x91, 0x8c), Colormap.At(0.5), 4);
        Near(new SKColor(0xfd, 0xe7, 0x25), Colormap.At(1), 4);
    }

    [Fact]
    public void LuminanceRisesAlongTheWholeTable()
    {
        // Perceptual: brighter means higher. Rounding to bytes can trade a step of green for one of red between
        // neighbours, so a single step may dip by a hair, but never by more, and every 4 entries it rises.
        Assert.Equal(Colormap.Size, Colormap.Table.Count);
        for (int i = 1; i < Colormap.Size; i++)
            Assert.True(Luminance(Colormap.Table[i]) > Luminance(Colormap.Table[i - 1]) - 5e-4, $"luminance falls at entry {i}");
        for (int i = 4; i < Colormap.Size; i++)
            Assert.True(Luminance(Colormap.Table[i]) > Luminance(Colormap.Table[i - 4]), $"luminance does not rise from entry {i - 4} to {i}");
    }

    [Fact]
    public void OutOfRangeIsClampedAndNaNIsLow()
    {
        Assert.Equal(Colormap.At(0), Colormap.At(-3));
        Assert.Equal(Colormap.At(1), Colormap.At(7));
        Assert.Equal(Colormap.At(0), Colormap.At(double.NaN));
        Assert.Equal(Colormap.Table[128], Colormap.At(128 / 255.0));
    }
}
