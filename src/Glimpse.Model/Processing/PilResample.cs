using Glimpse.Core.Images;

namespace Glimpse.Model.Processing;

/// <summary>
/// The convolution filters of PIL's <c>Image.resize</c>, numbered as PIL numbers them (the <c>resample</c> value in
/// a Hugging Face <c>preprocessor_config.json</c>).
/// </summary>
public enum PilResampleFilter
{
    Lanczos = 1,
    Bilinear = 2,
    Bicubic = 3,
}

/// <summary>The source region a resize reads, in continuous pixel coordinates (PIL's <c>box</c> argument).</summary>
public readonly record struct ResampleBox(float Left, float Top, float Right, float Bottom)
{
    public static ResampleBox Whole(RgbImage image) => new(0, 0, image.Width, image.Height);
}

/// <summary>
/// A port of Pillow's <c>ImagingResample</c> (src/libImaging/Resample.c) for 8-bit RGB, so that resized bytes equal
/// PIL's, which is what Hugging Face image processors feed the model.
/// <para>
/// The filter is antialiased: when shrinking, its support widens by the scale factor. The image is filtered
/// horizontally, then vertically, each pass rounding to 8 bits. Coefficients are normalised to sum 1 in double, then
/// turned into 22-bit fixed point (32 bits minus 8 for the pixel minus 2 of headroom for the negative lobes), and
/// each output is the integer sum plus one half, shifted back and clamped to 0..255. Every one of these steps changes
/// output bytes, so each is reproduced as PIL does it.
/// </para>
/// </summary>
public static class PilResample
{
    private const int PrecisionBits = 32 - 8 - 2;

    /// <summary>Resizes the whole image to <paramref name="width"/> × <paramref name="height"/>.</summary>
    public static RgbImage Resize(RgbImage image, int width, int height, PilResampleFilter filter = PilResampleFilter.Bicubic) =>
        Resize(image, width, height, filter, ResampleBox.Whole(image));

    /// <summary>Resizes the region <paramref name="box"/> of the image to <paramref name="width"/> × <paramref name="height"/>.</summary>
    public static RgbImage Resize(RgbImage image, int width, int height, PilResampleFilter filter, ResampleBox box)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (width < 1 || height < 1)
            throw new ArgumentOutOfRangeException(nameof(width), $"height and width must be > 0, got {width}×{height}");
        if (box.Left < 0 || box.Top < 0)
            throw new ArgumentOutOfRangeException(nameof(box), $"box offset can't be negative: {box}");
        if (box.Right > image.Width || box.Bottom > image.Height)
            throw new ArgumentOutOfRangeException(nameof(box), $"box can't exceed the {image.Width}×{image.Height} image: {box}");
        if (box.Right - box.Left < 0 || box.Bottom - box.Top < 0)
            throw new ArgumentOutOfRangeException(nameof(box), $"box can't be empty: {box}");
        // PIL's Image.resize returns a copy when nothing changes; the filters would give the same pixels, only slower.
        if (width == image.Width && height == image.Height && box == ResampleBox.Whole(image))
            return new RgbImage(width, height, (byte[])image.Pixels.Clone());
        (double Support, Func<double, double> Kernel) filterShape = filter switch
        {
            PilResampleFilter.Bilinear => (1.0, Triangle),
            PilResampleFilter.Bicubic => (2.0, Cubic),
            PilResampleFilter.Lanczos => (3.0, Lanczos),
            _ => throw new ArgumentOutOfRangeException(nameof(filter), $"unsupported resampling filter {filter}"),
        };

        // PIL crops instead of filtering when the box is whole pixels of exactly the requested size; this also makes
        // a same-size resize an exact copy.
        if (box.Left == MathF.Floor(box.Left) && box.Top == MathF.Floor(box.Top)
            && box.Right - box.Left == width && box.Bottom - box.Top == height)
            return image.Crop((int)box.Left, (int)box.Top, width, height);

        var vertical = Coefficients.Compute(image.Height, box.Top, box.Bottom, height, filterShape.Support, filterShape.Kernel);
        bool needHorizontal = width != image.Width || box.Left != 0 || box.Right != width;
        bool needVertical = height != image.Height || box.Top != 0 || box.Bottom != height;

        RgbImage current = image;
        if (needHorizontal)
        {
            // Only the source rows the vertical pass will read are filtered horizontally.
            int firstRow = vertical.Start[0];
            int endRow = vertical.Start[height - 1] + vertical.Count[height - 1];
            var horizontal = Coefficients.Compute(image.Width, box.Left, box.Right, width, filterShape.Support, filterShape.Kernel);
            current = ResampleHorizontal(image, firstRow, endRow - firstRow, horizontal);
            vertical = vertical.ShiftedBy(-firstRow);
        }
        if (needVertical)
            current = ResampleVertical(current, vertical);
        // At least one pass ran: a box that needs neither is whole pixels of the output size, copied above.
        return current;
    }

    private static double Triangle(double x)
    {
        x = Math.Abs(x);
        return x < 1.0 ? 1.0 - x : 0.0;
    }

    /// <summary>Keys' cubic convolution kernel with a = −0.5, the one PIL calls BICUBIC.</summary>
    private static double Cubic(double x)
    {
        const double a = -0.5;
        x = Math.Abs(x);
        if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
        return 0.0;
    }

    /// <summary>PIL's LANCZOS: sinc windowed by a sinc three times wider, cut at [−3, 3) as PIL cuts it.</summary>
    private static double Lanczos(double x) => x >= -3.0 && x < 3.0 ? Sinc(x) * Sinc(x / 3.0) : 0.0;

    private static double Sinc(double x)
    {
        if (x == 0.0) return 1.0;
        x *= Math.PI;
        return Math.Sin(x) / x;
    }

    /// <summary>
    /// For each output index along one axis: the first source index it reads, how many it reads, and the fixed-point
    /// weights (stored <see cref="Stride"/> apart).
    /// </summary>
    private sealed record Coefficients(int[] Start, int[] Count, int[] Weights, int Stride)
    {
        public static Coefficients Compute(int inSize, float in0, float in1, int outSize, double filterSupport, Func<double, double> kernel)
        {
            // The box extent is a float difference in PIL, converted to double afterwards.
            double scale = (double)(in1 - in0) / outSize;
            double filterScale = Math.Max(scale, 1.0);
            double inverseFilterScale = 1.0 / filterScale;
            double support = filterSupport * filterScale;
            int stride = (int)Math.Ceiling(support) * 2 + 1;

            var start = new int[outSize];
            var count = new int[outSize];
            var weights = new int[outSize * stride];
            var taps = new double[stride];
            for (int xx = 0; xx < outSize; xx++)
            {
                double center = in0 + (xx + 0.5) * scale;
                // (int) truncates toward zero as C's cast does; adding 0.5 first rounds the non-negative cases.
                int xmin = Math.Max((int)(center - support + 0.5), 0);
                int xmax = Math.Min((int)(center + support + 0.5), inSize) - xmin;
                double total = 0.0;
                for (int x = 0; x < xmax; x++)
                {
                    taps[x] = kernel((x + xmin - center + 0.5) * inverseFilterScale);
                    total += taps[x];
                }
                for (int x = 0; x < xmax; x++)
                {
                    double w = total != 0.0 ? taps[x] / total : taps[x];
                    // Round half away from zero, then truncate: PIL's conversion to fixed point.
                    weights[xx * stride + x] = w < 0
                        ? (int)(-0.5 + w * (1 << PrecisionBits))
                        : (int)(0.5 + w * (1 << PrecisionBits));
                }
                start[xx] = xmin;
                count[xx] = xmax;
            }
            return new Coefficients(start, count, weights, stride);
        }

        public Coefficients ShiftedBy(int offset) => this with { Start = Start.Select(s => s + offset).ToArray() };
    }

    /// <summary>The rounded 8-bit value of a fixed-point sum that already includes the +½ rounding term.</summary>
    private static byte Clip8(int sum)
    {
        int value = sum >> PrecisionBits; // arithmetic shift: floor, as in C for the negative sums of overshooting lobes
        return value < 0 ? (byte)0 : value > 255 ? (byte)255 : (byte)value;
    }

    private static RgbImage ResampleHorizontal(RgbImage source, int firstRow, int rowCount, Coefficients c)
    {
        int outWidth = c.Start.Length;
        var pixels = new byte[(long)outWidth * rowCount * 3];
        for (int y = 0; y < rowCount; y++)
        {
            long sourceRow = (long)(y + firstRow) * source.Width * 3;
            for (int xx = 0; xx < outWidth; xx++)
            {
                int r = 1 << (PrecisionBits - 1), g = r, b = r;
                int weightIndex = xx * c.Stride;
                long p = sourceRow + (long)c.Start[xx] * 3;
                for (int x = 0; x < c.Count[xx]; x++, p += 3)
                {
                    int k = c.Weights[weightIndex + x];
                    r += source.Pixels[p] * k;
                    g += source.Pixels[p + 1] * k;
                    b += source.Pixels[p + 2] * k;
                }
                long o = ((long)y * outWidth + xx) * 3;
                pixels[o] = Clip8(r);
                pixels[o + 1] = Clip8(g);
                pixels[o + 2] = Clip8(b);
            }
        }
        return new RgbImage(outWidth, rowCount, pixels);
    }

    private static RgbImage ResampleVertical(RgbImage source, Coefficients c)
    {
        int outHeight = c.Start.Length;
        int width = source.Width;
        var pixels = new byte[(long)width * outHeight * 3];
        for (int yy = 0; yy < outHeight; yy++)
        {
            int weightIndex = yy * c.Stride;
            for (int x = 0; x < width; x++)
            {
                int r = 1 << (PrecisionBits - 1), g = r, b = r;
                for (int y = 0; y < c.Count[yy]; y++)
                {
                    int k = c.Weights[weightIndex + y];
                    long p = ((long)(c.Start[yy] + y) * width + x) * 3;
                    r += source.Pixels[p] * k;
                    g += source.Pixels[p + 1] * k;
                    b += source.Pixels[p + 2] * k;
                }
                long o = ((long)yy * width + x) * 3;
                pixels[o] = Clip8(r);
                pixels[o + 1] = Clip8(g);
                pixels[o + 2] = Clip8(b);
            }
        }
        return new RgbImage(width, outHeight, pixels);
    }
}
