using SkiaSharp;

namespace Glimpse.Core.Rendering;

/// <summary>
/// Viridis, the perceptually uniform colormap (dark purple → blue → green → yellow): lightness rises steadily, so
/// brighter always means more relevant, also in greyscale and for the common colour-vision deficiencies.
/// <para>
/// The 256-entry table is computed from Matt Zucker's degree-6 polynomial fit to matplotlib's viridis (published as
/// Shadertoy "WlfXRN", CC0), evaluated at t = i / 255 per channel; it is within a few 1/255 steps of matplotlib's own table (at most 4 at the
/// ends and the middle), far below what the eye tells apart in a heat map.
/// </para>
/// </summary>
public static class Colormap
{
    public const int Size = 256;

    /// <summary>The colormap's name as shown in reports.</summary>
    public const string Name = "viridis";

    // Polynomial coefficients c0 … c6 of t, per channel, lowest power first.
    private static readonly double[] RedCoefficients =
        [0.2777273272234177, 0.1050930431085774, -0.3308618287255563, -4.634230498983486, 6.228269936347081, 4.776384997670288, -5.435455855934631];
    private static readonly double[] GreenCoefficients =
        [0.005407344544966578, 1.404613529898575, 0.214847559468213, -5.799100973351585, 14.17993336680509, -13.74514537774601, 4.645852612178535];
    private static readonly double[] BlueCoefficients =
        [0.3340998053353061, 1.384590162594685, 0.09509516302823659, -19.33244095627987, 56.69055260068105, -65.35303263337234, 26.3124352495832];

    private static readonly SKColor[] Entries = BuildTable();

    /// <summary>The 256 colours, from t = 0 to t = 1.</summary>
    public static IReadOnlyList<SKColor> Table => Entries;

    /// <summary>The colour at t ∈ [0, 1] (nearest table entry); t outside is clamped, NaN reads as 0.</summary>
    public static SKColor At(double t) => Entries[Index(t)];

    /// <summary>The table index for t: round(t · 255) after clamping; NaN reads as 0.</summary>
    public static int Index(double t) => double.IsNaN(t) ? 0 : (int)Math.Round(Math.Clamp(t, 0, 1) * (Size - 1));

    private static SKColor[] BuildTable()
    {
        var table = new SKColor[Size];
        for (int i = 0; i < Size; i++)
        {
            double t = i / (double)(Size - 1);
            table[i] = new SKColor(Channel(RedCoefficients, t), Channel(GreenCoefficients, t), Channel(BlueCoefficients, t));
        }
        return table;
    }

    private static byte Channel(double[] coefficients, double t)
    {
        double value = 0;
        for (int k = coefficients.Length - 1; k >= 0; k--) value = value * t + coefficients[k];
        return (byte)Math.Round(Math.Clamp(value, 0, 1) * 255);
    }
}
