using System.Runtime.InteropServices;
using Glimpse.Core.Images;
using SkiaSharp;

namespace Glimpse.Core.Rendering;

/// <summary>Moving pixels between managed buffers, <see cref="RgbImage"/> and Skia, and encoding them.</summary>
internal static class SkiaImages
{
    /// <summary>A bitmap holding a copy of RGBA bytes (row-major, 4 bytes a pixel).</summary>
    public static SKBitmap Bitmap(int width, int height, byte[] rgba, SKAlphaType alphaType)
    {
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, alphaType));
        Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        return bitmap;
    }

    public static SKBitmap Bitmap(RgbImage image) => Bitmap(image.Width, image.Height, ToRgba(image), SKAlphaType.Opaque);

    public static byte[] Png(SKBitmap bitmap)
    {
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new InvalidOperationException($"SkiaSharp could not encode a {bitmap.Width}×{bitmap.Height} PNG");
        return data.ToArray();
    }

    public static byte[] Jpeg(RgbImage image, int quality)
    {
        using var bitmap = Bitmap(image);
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, quality)
            ?? throw new InvalidOperationException($"SkiaSharp could not encode a {image.Width}×{image.Height} JPEG");
        return data.ToArray();
    }

    /// <summary>The image scaled down (mipmapped linear filtering) so its longer side is at most <paramref name="maxSide"/>; the image itself when it already fits.</summary>
    public static RgbImage FitWithin(RgbImage image, int maxSide)
    {
        int longer = Math.Max(image.Width, image.Height);
        if (longer <= maxSide) return image;
        double factor = (double)maxSide / longer;
        int width = Math.Max(1, (int)Math.Round(image.Width * factor)), height = Math.Max(1, (int)Math.Round(image.Height * factor));
        using var source = Bitmap(image);
        using var scaled = source.Resize(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque),
            new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear))
            ?? throw new InvalidOperationException($"SkiaSharp could not scale a {image.Width}×{image.Height} image");
        var rgba = new byte[width * height * 4];
        Marshal.Copy(scaled.GetPixels(), rgba, 0, rgba.Length);
        var rgb = new byte[width * height * 3];
        for (int i = 0, j = 0; i < rgb.Length; i += 3, j += 4)
        {
            rgb[i] = rgba[j];
            rgb[i + 1] = rgba[j + 1];
            rgb[i + 2] = rgba[j + 2];
        }
        return new RgbImage(width, height, rgb);
    }

    private static byte[] ToRgba(RgbImage image)
    {
        var rgba = new byte[image.Width * image.Height * 4];
        for (int i = 0, j = 0; i < image.Pixels.Length; i += 3, j += 4)
        {
            rgba[j] = image.Pixels[i];
            rgba[j + 1] = image.Pixels[i + 1];
            rgba[j + 2] = image.Pixels[i + 2];
            rgba[j + 3] = 255;
        }
        return rgba;
    }
}
