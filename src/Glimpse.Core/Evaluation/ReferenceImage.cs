using System.Runtime.InteropServices;
using Glimpse.Core.Images;
using SkiaSharp;

namespace Glimpse.Core.Evaluation;

/// <summary>
/// A reference over the original image: an evidence mask or a graded attention map, one value in [0, 1] per pixel,
/// row-major. It may have any size; it is taken to span the whole image.
/// </summary>
public sealed record ReferenceImage
{
    public int Width { get; }
    public int Height { get; }
    public double[] Values { get; }
    public ReferenceKind Kind { get; }

    public ReferenceImage(int width, int height, double[] values, ReferenceKind kind)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"a reference needs a positive size, got {width}×{height}");
        if (values.Length != width * height) throw new ArgumentException($"a {width}×{height} reference needs {width * height} values, got {values.Length}", nameof(values));
        if (values.Any(v => !(v >= 0 && v <= 1))) throw new ArgumentException("reference values must lie in [0, 1]", nameof(values));
        (Width, Height, Values, Kind) = (width, height, values, kind);
    }

    /// <summary>
    /// Decodes a reference image file (PNG, or any format the image decoder reads). A pixel's value is its grey level
    /// (the mean of R, G and B, over 255) times its opacity, so white is 1, black 0, and transparent pixels count as 0
    /// whatever their colour.
    /// </summary>
    /// <param name="name">How error messages name the file.</param>
    public static ReferenceImage Decode(byte[] bytes, ReferenceKind kind, string name)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length == 0) throw new ImageDecodeException(name, "the file is empty (0 bytes)");
        using var codec = SKCodec.Create(new SKMemoryStream(bytes)) ?? throw new ImageDecodeException(name, "not a recognised image");
        // Unpremultiplied RGBA keeps the stored grey of translucent pixels, which the opacity then scales.
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = SKBitmap.Decode(codec, info) ?? throw new ImageDecodeException(name, "the pixel data is corrupt or truncated");
        var pixels = new byte[info.BytesSize];
        Marshal.Copy(bitmap.GetPixels(), pixels, 0, pixels.Length);
        var values = new double[info.Width * info.Height];
        for (int i = 0; i < values.Length; i++)
        {
            int o = i * 4;
            double grey = (pixels[o] + pixels[o + 1] + pixels[o + 2]) / (3 * 255.0);
            values[i] = grey * pixels[o + 3] / 255.0;
        }
        return new ReferenceImage(info.Width, info.Height, values, kind);
    }
}
